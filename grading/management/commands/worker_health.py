"""The worker container's health check: this host's Celery worker has a fresh
heartbeat in Redis and its Docker engine answered the last ping.

    python manage.py worker_health [--name celery@HOST]

Exits 0 when healthy, 1 otherwise (with one line saying why). The heartbeat is
written by the worker itself (grading/heartbeat.py), so this proves the worker's
main process is alive and connected, not merely that the container runs."""

import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grading.heartbeat import heartbeat_get


class Command(BaseCommand):
    help = "Exits 0 when this host's worker has a fresh heartbeat and a working Docker engine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--name",
            default=f"celery@{socket.gethostname()}",
            help="the Celery node name (default: celery@<this host>)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        beat = heartbeat_get(options["name"])
        if beat is None:
            raise CommandError(f"{options['name']}: no heartbeat within its time to live")
        if not beat.docker_ok:
            raise CommandError(f"{options['name']}: the Docker engine does not answer")
        self.stdout.write(f"{beat.name}: ok ({round(beat.age_seconds())} s ago)")
