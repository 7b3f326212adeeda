"""The web server, in one place: granian (HTTP in Rust) runs ``config.wsgi`` in
``WEB_WORKERS`` processes of ``WEB_THREADS`` threads each.

Threads matter: concurrent autosaves in one process share one commit
(``core/group_commit.py``). granian parses HTTP outside Python, which left the
autosave fast path's Python as the only per-request cost that grows with load
(docs/benchmarks.md, "Exam delivery": a hello-world WSGI app answers about five
times the requests per CPU-second that it did under gunicorn's gthread workers).

``python -m config.serve [--host H] [--port P]`` replaces itself with the server (the
Dockerfile and the compose files start it so); the benchmarks and tests use
``spawn()`` and ``stop()``. ``make run`` keeps Django's development server.
"""

import os
import signal
import subprocess
import sys
from typing import Any

DEFAULT_WORKERS, DEFAULT_THREADS = 3, 16


def command(
    *, host: str, port: int, workers: int | None = None, threads: int | None = None
) -> list[str]:
    """The argv that serves the site on ``host:port``."""
    workers = workers or int(os.environ.get("WEB_WORKERS") or DEFAULT_WORKERS)
    threads = threads or int(os.environ.get("WEB_THREADS") or DEFAULT_THREADS)
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "config.wsgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--respawn-failed-workers",
        "--log-level",
        os.environ.get("WEB_LOG_LEVEL", "warning"),
        "--no-access-log",
    ]


# A request's statement that runs longer is cancelled (config/settings.py), so that
# a stuck query cannot hold a thread for good; the longest page measured takes well
# under a second, the audit export's one statement 7 s at 200,000 events.
STATEMENT_TIMEOUT = "60s"


def spawn(
    *, host: str, port: int, workers: int, threads: int | None = None, **popen: Any
) -> subprocess.Popen[bytes]:
    """The server as a child process in a session of its own (benchmarks, tests), so
    that ``stop`` reaches its worker processes too: they outlive a killed parent."""
    argv = command(host=host, port=port, workers=workers, threads=threads)
    env = dict(popen.pop("env", None) or os.environ)
    env.setdefault("DATABASE_STATEMENT_TIMEOUT", STATEMENT_TIMEOUT)
    return subprocess.Popen(argv, start_new_session=True, env=env, **popen)


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> int | None:
    """SIGTERM to the whole process group (a graceful stop), SIGKILL after ``timeout``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
    return process.wait(timeout=timeout)
