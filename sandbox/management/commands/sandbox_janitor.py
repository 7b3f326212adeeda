"""``manage.py sandbox_janitor``: remove sandbox containers a crashed worker left."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sandbox import conf, janitor_sweep


class Command(BaseCommand):
    # Needs neither the database nor the other apps: usable while they are broken.
    requires_system_checks: list[str] = []
    help = (
        "Force-remove sandbox containers older than --max-age seconds (default "
        "SANDBOX_JANITOR_MAX_AGE or 7200; keep it above the longest wall limit) and "
        "their cgroups. Safe to run at any time, e.g. from cron or Celery beat."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--max-age", type=float, default=conf.get_float("SANDBOX_JANITOR_MAX_AGE", 7200.0)
        )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = janitor_sweep(options["max_age"])
        self.stdout.write(f"removed {removed} orphan sandbox container(s)")
