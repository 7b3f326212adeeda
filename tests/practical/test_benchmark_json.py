"""The ``--json`` contract of ``practical_benchmark`` that ``manage.py benchmark`` reads."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from grading.management.commands.practical_benchmark import report_measures

MEASURE_KEYS = {"measure", "ours", "baseline", "unit", "ratio", "target", "held"}


def test_practical_benchmark_json_prints_exactly_one_measures_object() -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "practical_benchmark", "--json", "--skip-drain", "--skip-overhead", stdout=out, stderr=err
    )

    report = json.loads(out.getvalue())
    assert set(report) == {"measures"}
    [row] = report["measures"]
    assert set(row) == MEASURE_KEYS
    assert row["measure"] == "scoring 1,000,000 predictions"
    assert (row["unit"], row["baseline"], row["ratio"], row["target"]) == ("s", None, None, "< 1")
    assert row["held"] is (row["ours"] < 1)
    assert "scoring 1,000,000 predictions" in err.getvalue()


def test_the_pipeline_measures_compare_with_the_bare_docker_run() -> None:
    overhead = {
        "pipeline_pooled_seconds_median": 0.5,
        "pipeline_fresh_seconds_median": 1.5,
        "bare_docker_run_seconds_median": 2.0,
    }
    drain = {"submissions": 3, "cpu_busy_percent": 90.0, "lost": 0, "scored_twice": 1}

    rows = report_measures({"overhead": overhead, "drain": drain})

    assert [(r["measure"], r["ratio"], r["target"], r["held"]) for r in rows] == [
        ("practical pipeline (worker's pool)", 0.25, "≤ 0.5", True),
        ("practical pipeline (fresh containers)", 0.75, "≤ 1.15", True),
        (
            "practical drain, 3 submissions (host CPU busy)",
            None,
            "> 85, 0 lost, 0 scored twice",
            False,
        ),
    ]
    assert all(set(r) == MEASURE_KEYS for r in rows)
