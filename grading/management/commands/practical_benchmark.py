"""Benchmarks of the practical pipeline (``grading.bench.practical``; results in
docs/benchmarks.md).

    python manage.py practical_benchmark [--runs N] [--submissions N] [--concurrency N]
                                         [--skip-overhead] [--skip-drain] [--skip-scoring]
                                         [--map [--map-images N] [--map-detections N]]

``--map`` also times scoring a detection submission (mAP + its bootstrap interval),
the vectorised path against the straightforward loop it replaced: minutes, for the
loop's sake.

Prints one JSON object.
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


class Command(BaseCommand):
    help = "Benchmark the practical pipeline; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--submissions", type=int, default=100)
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--skip-overhead", action="store_true")
        parser.add_argument("--skip-drain", action="store_true")
        parser.add_argument("--skip-scoring", action="store_true")
        parser.add_argument("--map", action="store_true")
        parser.add_argument("--map-images", type=int, default=600)
        parser.add_argument("--map-detections", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        result: dict[str, Any] = {}
        try:
            if not options["skip_scoring"]:
                result["scoring"] = scoring_benchmark()
            if options["map"]:
                result["map_scoring"] = map_scoring_benchmark(
                    images=options["map_images"], detections=options["map_detections"]
                )
            if not options["skip_overhead"]:
                result["overhead"] = overhead_benchmark(demo_bundle("digits"), options["runs"])
            if not options["skip_drain"]:
                task = practical_demo_install()["digits-pytorch"]
                result["drain"] = drain_benchmark(
                    task, options["submissions"], options["concurrency"]
                )
        except BenchmarkFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2))
