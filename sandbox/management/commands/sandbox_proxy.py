"""``manage.py sandbox_proxy``: the Docker socket proxy (sandbox/proxy), configured
from the settings (``SANDBOX_PROXY_*``, ``SANDBOX_IMAGE*``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from sandbox.proxy.__main__ import add_arguments, serve


class Command(BaseCommand):
    # Needs neither the database nor the other apps.
    requires_system_checks: list[str] = []
    help = (
        "Listen on --listen (SANDBOX_PROXY_SOCKET) and forward to the engine's socket "
        "only the Engine API calls the sandbox makes, with the sandbox's options."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(
            options["listen"],
            options["upstream"],
            mode=options["mode"],
            log_level=options["log_level"],
        )
