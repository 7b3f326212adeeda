"""``manage.py backup --output DIR``: a backup of the database, private storage and
issuer keys into a new folder (docs/backups.md). Needs BACKUP_PASSPHRASE."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification.backups.errors import BackupError
from certification.backups.services import backup_create


class Command(BaseCommand):
    help = "Back up the database, private storage and issuer keys into a new folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="a new or empty folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_create(
                output=options["output"],
                passphrase=settings.BACKUP_PASSPHRASE,
                progress=self.stderr.write,
            )
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        total = sum(summary.sizes.values())
        counts = ", ".join(f"{name} {count}" for name, count in summary.counts.items())
        self.stdout.write(
            f"Backup written to {summary.directory} ({total / 1e6:.1f} MB, "
            f"{summary.seconds:.1f} s): {counts}."
        )
