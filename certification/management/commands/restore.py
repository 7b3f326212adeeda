"""``manage.py restore DIR``: restores a backup onto an empty database and an empty
private storage, after checking every checksum and the passphrase (docs/backups.md).
``--check`` only checks the backup. Needs BACKUP_PASSPHRASE."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification.backups.errors import BackupError
from certification.backups.services import backup_check, backup_restore


class Command(BaseCommand):
    help = "Restore a backup folder onto an empty database and empty private storage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="a folder written by `backup`")
        parser.add_argument(
            "--check", action="store_true", help="only verify the backup; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["directory"]
        passphrase = settings.BACKUP_PASSPHRASE
        try:
            if options["check"]:
                checked = backup_check(
                    source=source, passphrase=passphrase, progress=self.stderr.write
                )
                counts = checked.manifest["counts"]
                listed = ", ".join(f"{name} {count}" for name, count in counts.items())
                self.stdout.write(f"Backup {source} is complete and intact: {listed}.")
                return
            summary = backup_restore(
                source=source, passphrase=passphrase, progress=self.stderr.write
            )
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        counts = ", ".join(f"{name} {count}" for name, count in summary.counts.items())
        statuses = ", ".join(f"{s} {n}" for s, n in sorted(summary.certificate_statuses.items()))
        self.stdout.write(f"Restored in {summary.seconds:.1f} s: {counts}.")
        self.stdout.write(
            f"Private files: {summary.storage_files}. Issuer keys: {summary.issuer_keys}."
        )
        self.stdout.write(f"Latest certificates verified: {statuses or 'none issued'}.")
        if summary.certificate_statuses.get("invalid"):
            self.stderr.write(
                "Some certificates do not verify: is SITE_URL the one the backed-up site used?"
            )
        if summary.pending_migrations:
            self.stderr.write(
                f"This code has {len(summary.pending_migrations)} migration(s) the backup "
                "lacks: run `manage.py migrate` next."
            )
