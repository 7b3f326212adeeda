"""``manage.py build_sandbox_image --framework pytorch|tensorflow``: the offline builder."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sandbox.images.builder import RECIPES, ImageBuildError, build_image, image_tag


class Command(BaseCommand):
    # Needs neither the database nor the other apps: usable while they are broken.
    requires_system_checks: list[str] = []
    help = (
        "Build a sandbox image offline (debootstrap + wheels + docker import), tagged by "
        "the content hash of its inputs; does nothing when that tag exists."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--framework", choices=sorted(RECIPES), default="pytorch")
        parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
        parser.add_argument("--print-tag", action="store_true", help="print the tag only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["print_tag"]:
                self.stdout.write(image_tag(options["framework"]))
                return
            tag = build_image(options["framework"], force=options["force"], log=self.stderr.write)
        except ImageBuildError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(tag)
