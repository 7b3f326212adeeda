"""Uploads a task bundle: validates it, trial-runs reference and baseline, stores it
as the task's next version.

    python manage.py practical_bundle_upload BUNDLE [--user USERNAME] [--no-trial]

Prints the version as JSON; exits 2 with the reason when the bundle is refused.
Bundles are training's (``training.bundles``); the command lives in grading because
the trial run is grading's pipeline (``grading.bundle_trial``), which training may
not import.
"""

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from grading.bundle_trial import bundle_trial
from training.bundles.manifest import BundleRefused
from training.bundles.storage import bundle_upload


class Command(BaseCommand):
    help = "Validate, trial-run and store a practical task bundle (folder, .tar.gz, .zip)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", type=Path)
        parser.add_argument("--user", help="the instructor recorded as uploader")
        parser.add_argument("--no-trial", action="store_true", help="skip the trial run")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.get(username=options["user"])
        try:
            version = bundle_upload(
                source=options["bundle"],
                uploaded_by=user,
                trial=None if options["no_trial"] else bundle_trial,
            )
        except BundleRefused as exc:
            self.stderr.write(f"bundle refused: {exc.message}")
            raise SystemExit(2) from exc
        self.stdout.write(
            json.dumps(
                {
                    "task": version.task.slug,
                    "version": version.number,
                    "sha256": version.sha256,
                    "files": len(version.files),
                    "size_bytes": version.size_bytes,
                    "trial": version.trial,
                },
                ensure_ascii=False,
            )
        )
