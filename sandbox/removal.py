"""Removing finished containers off the critical path.

A run returns its result first; its container (and a pooled container's slot: tmpfs
areas, input links, cgroup parent) is removed right after by one background thread per
process. Nothing is left behind:

- ``removals_wait`` blocks until every scheduled removal is done (tests, the pool's
  drain, the benchmark between timed runs);
- at interpreter exit and on Celery's worker shutdown the queue is flushed
  (``pool.drain_pool`` calls ``removals_wait``);
- after a crash (``SIGKILL``) the containers still carry their owner label: the next
  pool or janitor of this host removes them at once (``janitor.owner_orphans_reap``),
  and the janitor's age rule covers the rest.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import docker
import requests

from sandbox import cgroups
from sandbox.docker_engine import api_client

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Removal:
    """One finished run's leftovers: its container, then ``cleanups`` (in order), then
    its cgroup parent."""

    container_id: str | None
    run_id: str
    use_parent: bool
    cleanups: tuple[Callable[[], None], ...] = field(default_factory=tuple)


def removal_do(removal: Removal) -> None:
    """Remove now, in this thread. Safe to call twice."""
    if removal.container_id is not None:
        try:
            api_client().remove_container(removal.container_id, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if exc.status_code != 409:  # 409: someone else (the janitor) removes it now
                logger.exception("could not remove sandbox container %s", removal.container_id[:12])
        except requests.RequestException:
            # The janitor (owner gone, or age) removes it later.
            logger.exception("could not remove sandbox container %s", removal.container_id[:12])
    for cleanup in removal.cleanups:
        try:
            cleanup()
        except OSError:
            logger.exception("sandbox cleanup of run %s failed", removal.run_id)
    if removal.use_parent:
        cgroups.remove_parent(removal.run_id)


class _Remover:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._queue: deque[Removal] = deque()
        self._busy = 0
        self._thread: threading.Thread | None = None

    def schedule(self, removal: Removal) -> None:
        with self._cond:
            self._queue.append(removal)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="sandbox-removal", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Until nothing is queued or in progress; False if ``timeout`` ran out."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def flush(self) -> None:
        """Do what is queued in this thread (at exit the daemon thread may be gone)."""
        while True:
            with self._cond:
                if not self._queue:
                    break
                removal = self._queue.popleft()
            removal_do(removal)
        self.wait(timeout=60)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                removal = self._queue.popleft()
                self._busy += 1
            try:
                removal_do(removal)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()


_lock = threading.Lock()
_remover: _Remover | None = None


def _get() -> _Remover:
    global _remover
    with _lock:
        if _remover is None or _remover.pid != os.getpid():
            _remover = _Remover()  # a forked child never touches its parent's queue
            _register_exit_hooks()
        return _remover


_hooks_registered = False


def _register_exit_hooks() -> None:
    global _hooks_registered
    if _hooks_registered:
        return
    _hooks_registered = True
    atexit.register(removals_flush)
    try:
        from celery import signals
    except ImportError:
        return
    signals.worker_process_shutdown.connect(removals_flush, weak=False)
    signals.worker_shutdown.connect(removals_flush, weak=False)


def removal_schedule(removal: Removal) -> None:
    """Remove ``removal``'s container and leftovers in the background, soon."""
    _get().schedule(removal)


def removals_wait(timeout: float = 60.0) -> bool:
    """Block until every removal scheduled by this process is done; False on timeout."""
    with _lock:
        remover = _remover
    if remover is None or remover.pid != os.getpid():
        return True
    return remover.wait(timeout)


def removals_flush(*_args: object, **_kwargs: object) -> None:
    """Do every pending removal now (exit hooks)."""
    with _lock:
        remover = _remover
    if remover is not None and remover.pid == os.getpid():
        with contextlib.suppress(Exception):
            remover.flush()
