"""A real Celery worker process for the tests that need one: it consumes from the
test Redis and works on the test database, grading in the real Docker engine."""

import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def worker_start(
    name: str,
    *,
    queues: str = "sandbox-cpu",
    output: IO[bytes] | int = subprocess.PIPE,
    redis_url: str | None = None,
    extra_args: tuple[str, ...] = (),
    **env: str,
) -> subprocess.Popen[bytes]:
    """Starts ``celery worker`` (one process, solo pool) on ``queues``; ``env`` adds
    or overrides environment variables. Stop it with ``worker_stop``."""
    db = settings.DATABASES["default"]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queues,
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{name}-{os.getpid()}@%h",
            *extra_args,
        ],
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": redis_url or settings.CELERY_BROKER_URL,
            "PRIVATE_STORAGE_DIR": str(settings.PRIVATE_STORAGE_DIR),
            "SANDBOX_BACKEND": "docker",
            **env,
        },
    )


def worker_stop(process: subprocess.Popen[bytes]) -> None:
    """Asks the worker to stop (a warm shutdown), and kills it after 20 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
