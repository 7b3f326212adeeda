"""``manage.py benchmark [--quick] [--json] [--strict] [--only NAME ...]``: every
benchmark with its baseline in the same run, as one table (docs/benchmarks.md)."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.benchmarks import report_failed, report_run, report_table, suites


class Command(BaseCommand):
    help = "Run every benchmark with its baseline and print one report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quick", action="store_true", help="short durations (under 5 minutes)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="exit non-zero when a suite was not run or a target was not held",
        )
        parser.add_argument(
            "--only", nargs="+", metavar="SUITE", help="run only these suites (by name)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = suites()
        if options["only"]:
            unknown = set(options["only"]) - {suite.name for suite in chosen}
            if unknown:
                raise CommandError(f"unknown suites: {', '.join(sorted(unknown))}")
            chosen = [suite for suite in chosen if suite.name in options["only"]]
        report = report_run(chosen, quick=options["quick"])
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self.stdout.write(report_table(report))
        failed = report_failed(report)
        if options["strict"] and failed:
            raise CommandError(f"{len(failed)} not run or not held: {'; '.join(failed)}")
