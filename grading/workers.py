"""A Celery worker process that grades against this process's database and private
storage. The drain benchmark (``practical_benchmark``) starts one, and so do the tests
that need a real worker (the test database's name differs from ``DATABASE_URL``'s)."""

import os
import subprocess
import sys
from collections.abc import Mapping
from typing import IO
from urllib.parse import quote

from django.conf import settings

from grading.practical import QUEUE_CPU


def worker_env(**extra: str) -> dict[str, str]:
    """This process's environment, pointed at the database it uses now (when that is
    PostgreSQL) and its PRIVATE_STORAGE_DIR, with the Docker sandbox backend; ``extra``
    adds or overrides variables (e.g. ``REDIS_URL`` for another broker)."""
    env = {
        **os.environ,
        "PRIVATE_STORAGE_DIR": str(settings.PRIVATE_STORAGE_DIR),
        "SANDBOX_BACKEND": "docker",
    }
    db = settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        user = quote(db["USER"], safe="")
        if db.get("PASSWORD"):
            user += ":" + quote(db["PASSWORD"], safe="")
        env["DATABASE_URL"] = f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**env, **extra}


def worker_start(
    *,
    hostname: str,
    queues: str = QUEUE_CPU,
    concurrency: int = 1,
    pool: str = "prefork",
    loglevel: str = "INFO",
    purge: bool = False,
    env: Mapping[str, str] | None = None,
    output: int | IO[bytes] = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """Starts ``celery -A config worker`` on ``queues`` with ``env`` (default:
    ``worker_env()``), writing its log to ``output``. The caller stops it with
    ``worker_stop``."""
    argv = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues),
        *("--concurrency", str(concurrency), "--pool", pool, "--loglevel", loglevel),
        *("--without-gossip", "--without-mingle", "--hostname", hostname),
    ]
    if purge:
        argv.append("--purge")
    return subprocess.Popen(
        argv,
        cwd=settings.BASE_DIR,
        env=dict(env if env is not None else worker_env()),
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def worker_stop(process: subprocess.Popen[bytes], *, timeout: float = 60) -> None:
    """Asks the worker to finish its task and exit (SIGTERM); kills it after
    ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
