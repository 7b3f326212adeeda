"""Benchmarks of the practical pipeline (``grading.bench.practical``; results in
docs/benchmarks.md).

    python manage.py practical_benchmark [--runs N] [--pool-size N] [--submissions N]
                                         [--concurrency N] [--skip-overhead]
                                         [--skip-drain] [--skip-scoring]
                                         [--map [--map-images N] [--map-detections N]]
                                         [--json]

``--map`` also times scoring a detection submission (mAP + its bootstrap interval),
the vectorised path against the straightforward loop it replaced: minutes, for the
loop's sake.

Prints one JSON object: the detailed report, or with ``--json`` exactly
``{"measures": [...]}`` (each measure: measure, ours, baseline, unit, ratio, target,
held; ``manage.py benchmark`` reads it) with a human summary on stderr.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grading.bench.detection import map_scoring_benchmark
from grading.bench.practical import (
    BenchmarkFailed,
    drain_benchmark,
    overhead_benchmark,
    scoring_benchmark,
)
from training.demo.bundles import demo_bundle
from training.demo.practical import practical_demo_install

PIPELINE_POOLED_MAX = 0.5  # issue 17: ≤ 0.5 × bare two-stage `docker run`
PIPELINE_FRESH_MAX = 1.15  # issue 5
SCORING_MAX_SECONDS = 1.0
DRAIN_CPU_MIN_PERCENT = 85.0


class Command(BaseCommand):
    help = "Benchmark the practical pipeline; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument(
            "--pool-size", type=int, default=1, help="the pool of the pooled pipeline runs"
        )
        parser.add_argument("--submissions", type=int, default=100)
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--skip-overhead", action="store_true")
        parser.add_argument("--skip-drain", action="store_true")
        parser.add_argument("--skip-scoring", action="store_true")
        parser.add_argument("--map", action="store_true")
        parser.add_argument("--map-images", type=int, default=600)
        parser.add_argument("--map-detections", type=int, default=10)
        parser.add_argument(
            "--json",
            action="store_true",
            help='print only {"measures": [...]} on stdout (the summary goes to stderr)',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["runs"] < 1 or options["pool_size"] < 1:
            raise CommandError("--runs and --pool-size must be positive")
        result: dict[str, Any] = {}
        try:
            if not options["skip_scoring"]:
                result["scoring"] = scoring_benchmark()
            if options["map"]:
                result["map_scoring"] = map_scoring_benchmark(
                    images=options["map_images"], detections=options["map_detections"]
                )
            if not options["skip_overhead"]:
                result["overhead"] = overhead_benchmark(
                    demo_bundle("digits"), options["runs"], pool_size=options["pool_size"]
                )
            if not options["skip_drain"]:
                task = practical_demo_install()["digits-pytorch"]
                result["drain"] = drain_benchmark(
                    task, options["submissions"], options["concurrency"]
                )
        except BenchmarkFailed as exc:
            raise CommandError(str(exc)) from exc
        measures = report_measures(result)
        summary = "\n".join(
            ["practical benchmark:"]
            + [
                f"  {m['measure']}: {m['ours']} {m['unit']}"
                + ("" if m["baseline"] is None else f" vs {m['baseline']} {m['unit']}")
                + ("" if m["ratio"] is None else f" = {m['ratio']}")
                + f" (target {m['target']}: {_held(m['held'])})"
                for m in measures
            ]
        )
        if options["json"]:
            self.stderr.write(summary)
            self.stdout.write(json.dumps({"measures": measures}))
            return
        self.stderr.write(summary)
        self.stdout.write(json.dumps(result, indent=2))


def _held(held: bool | None) -> str:
    return "–" if held is None else ("held" if held else "NOT held")


def _measure(
    name: str, ours: float, baseline: float | None, unit: str, target: str, held: bool | None
) -> dict[str, Any]:
    return {
        "measure": name,
        "ours": round(ours, 4),
        "baseline": None if baseline is None else round(baseline, 4),
        "unit": unit,
        "ratio": None if not baseline else round(ours / baseline, 3),
        "target": target,
        "held": held,
    }


def report_measures(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``--json`` rows of what ran."""
    measures = []
    if "overhead" in result:
        overhead = result["overhead"]
        bare = overhead["bare_docker_run_seconds_median"]
        pooled = overhead["pipeline_pooled_seconds_median"]
        fresh = overhead["pipeline_fresh_seconds_median"]
        measures += [
            _measure(
                "practical pipeline (worker's pool)", pooled, bare, "s",
                f"≤ {PIPELINE_POOLED_MAX}", pooled / bare <= PIPELINE_POOLED_MAX,
            ),
            _measure(
                "practical pipeline (fresh containers)", fresh, bare, "s",
                f"≤ {PIPELINE_FRESH_MAX}", fresh / bare <= PIPELINE_FRESH_MAX,
            ),
        ]  # fmt: skip
    if "scoring" in result:
        seconds = result["scoring"]["seconds_median"]
        measures.append(
            _measure(
                "scoring 1,000,000 predictions", seconds, None, "s",
                f"< {SCORING_MAX_SECONDS:g}", seconds < SCORING_MAX_SECONDS,
            )
        )  # fmt: skip
    if "map_scoring" in result:
        scoring = result["map_scoring"]
        measures.append(
            _measure(
                "detection mAP + interval (vectorised vs the loop)",
                scoring["seconds_vectorised"], scoring["seconds_straightforward"], "s", "–", None,
            )
        )  # fmt: skip
    if "drain" in result:
        drain = result["drain"]
        clean = drain["lost"] == 0 and drain["scored_twice"] == 0
        measures.append(
            _measure(
                f"practical drain, {drain['submissions']} submissions (host CPU busy)",
                drain["cpu_busy_percent"], None, "%",
                f"> {DRAIN_CPU_MIN_PERCENT:g}, 0 lost, 0 scored twice",
                clean and drain["cpu_busy_percent"] > DRAIN_CPU_MIN_PERCENT,
            )
        )  # fmt: skip
    return measures
