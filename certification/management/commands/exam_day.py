"""Simulates an exam day on this machine at a scaled-down size
(``certification.bench.exam_day``; docs/operations.md, docs/benchmarks.md).

    python manage.py exam_day [--candidates 2000] [--practical 40] [--items 10]
                              [--saves-per-item 1] [--kill-after 0.5] [--concurrency 16]
                              [--web-workers 3] [--lost-after 15] [--logs DIR] [--json]

Needs PostgreSQL (point DATABASE_URL at a scratch database: the day adds its rows),
REDIS_URL and the Docker engine with the sandbox image. Exits 1 when an invariant
failed (something lost, a run scored twice, an HTTP error).
"""

import json
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification.bench.exam_day import SimulationFailed, exam_day_run


class Command(BaseCommand):
    help = "Simulates an exam day (web, two worker hosts, one killed) and reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--candidates", type=int, default=2000)
        parser.add_argument("--practical", type=int, default=40)
        parser.add_argument("--items", type=int, default=10)
        parser.add_argument("--saves-per-item", type=int, default=1)
        parser.add_argument("--kill-after", type=float, default=0.5)
        parser.add_argument("--concurrency", type=int, default=16)
        parser.add_argument("--web-workers", type=int, default=3)
        parser.add_argument("--lost-after", type=float, default=15.0)
        parser.add_argument("--timeout", type=float, default=900.0)
        parser.add_argument("--logs", type=Path, default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        logs = options["logs"] or Path(tempfile.mkdtemp(prefix="exam-day-"))
        logs.mkdir(parents=True, exist_ok=True)
        try:
            report = exam_day_run(
                candidates=options["candidates"],
                practical=options["practical"],
                items=options["items"],
                saves_per_item=options["saves_per_item"],
                kill_after=options["kill_after"],
                concurrency=options["concurrency"],
                web_workers=options["web_workers"],
                lost_after=options["lost_after"],
                timeout=options["timeout"],
                logs=logs,
            )
        except SimulationFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report, indent=None if options["json"] else 2))
        if not report["ok"]:
            raise CommandError(f"an invariant failed (logs: {logs})")
