"""bench_exam --json: the contract manage.py benchmark reads (one object, a list of
measures, each with the same seven keys), and when a target counts as held."""

import json

from certification.management.commands.bench_exam import measures

KEYS = {"measure", "ours", "baseline", "unit", "ratio", "target", "held"}


def report(*, ratio: float = 0.52, count: int = 1000, window: float = 10.0) -> dict:
    return {
        "start": {"count": count, "errors": 0, "window_seconds": window, "p99_ms": 320.0},
        "autosave": {"per_second": 4000.0, "p99_ms": 41.0, "errors": 0, "lost": 0, "stale": 0},
        "pgbench_tps": 4000.0 / ratio,
        "autosave_to_pgbench_ratio": ratio,
    }


def test_every_measure_has_the_same_keys_and_survives_json():
    rows = measures(report())
    assert rows and all(set(row) == KEYS for row in rows)
    assert json.loads(json.dumps({"measures": rows})) == {"measures": rows}
    ratio = next(r for r in rows if r["ratio"] is not None)
    assert (ratio["ours"], ratio["target"], ratio["held"]) == (4000.0, "≥ 0.5", True)
    assert all(r["held"] is True for r in rows)


def test_a_missed_target_is_not_held_and_a_smaller_wave_is_not_judged():
    rows = {r["measure"]: r for r in measures(report(ratio=0.3, count=200, window=60))}
    assert rows["autosave vs pgbench -N (same run)"]["held"] is False
    starts = [r for r in rows.values() if "exam starts" in r["measure"]]
    assert starts and all(r["held"] is None for r in starts)
