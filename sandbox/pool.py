"""A small pool of created-but-not-started, single-use containers.

Creating a container is a large share of a trivial run's cost, so a worker may keep a
few containers created ahead of time. The rules:

- A pooled container is created by the same ``container_config`` as a fresh one, from
  the caller's own spec: the same image, command, environment, labels, limits, seccomp
  profile, host config and mount layout. The only differences are the run id (name,
  labels, cgroup parent), the creation time label, the extra ``cert-engine.sandbox.pooled``
  label, and the host source of each mount: a per-container slot path
  (``<tmp>/cert-sandbox-pool/<run id>/<i>``) instead of the caller's directory.
- When the container is taken, the caller's directory is bind-mounted (``MS_BIND |
  MS_REC``, as Docker's own bind) onto the slot path on the host before ``start``;
  writable mounts get their capped tmpfs area mounted there. Docker resolves bind
  sources when the container starts, so the container sees exactly what a fresh one
  would. This needs root on the Docker host (the same condition as the tmpfs areas).
- The pool is keyed by the *shape* of a spec: the SHA-256 of the full create-container
  configuration with the mount sources replaced by placeholders (plus whether each
  mount is a file or a directory). A spec whose shape has no ready container is run on
  a container created on demand, exactly as without the pool; its shape is then learnt
  (at most ``SANDBOX_POOL_SHAPES`` shapes, least recently used dropped) and the
  background thread keeps ``SANDBOX_POOL_SIZE`` containers ready for it.
- Every container is used once, then removed. Never ``docker exec``, never reused.
- Containers idle longer than ``SANDBOX_POOL_MAX_IDLE`` seconds are removed and
  replaced, so a live pool never holds one the janitor would consider an orphan.
- The pool belongs to one process (a forked child starts its own) and is drained at
  exit (``atexit`` and Celery's worker shutdown signals). After a crash the janitor
  removes pooled containers like any other (they carry ``cert-engine.sandbox=1`` and
  the creation time) and their slot directories.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import errno
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import docker
import requests

from sandbox import cgroups, conf
from sandbox.docker_config import (
    LABEL_CREATED,
    LABEL_RUN_ID,
    container_config,
    create_container,
    new_run_id,
)
from sandbox.docker_engine import api_client
from sandbox.types import RunSpec

logger = logging.getLogger(__name__)

LABEL_POOLED = "cert-engine.sandbox.pooled"
POOL_DIR_NAME = "cert-sandbox-pool"
MS_BIND = 4096
MS_REC = 16384
MNT_DETACH = 2
FAILURE_BACKOFF_SECONDS = 5.0

_libc = ctypes.CDLL(None, use_errno=True)


def pool_root() -> Path:
    return Path(tempfile.gettempdir()) / POOL_DIR_NAME


def slot_dir(run_id: str) -> Path:
    return pool_root() / run_id


_forced_size: int | None = None


def pool_size() -> int:
    """Ready containers kept per shape (``SANDBOX_POOL_SIZE``, default 0: no pool)."""
    if _forced_size is not None:
        return _forced_size
    return max(0, int(conf.get("SANDBOX_POOL_SIZE", 0)))


@contextlib.contextmanager
def forced_pool_size(size: int) -> Iterator[ContainerPool | None]:
    """Within the block this process uses a pool of ``size`` (0: none) whatever the
    setting; the pool is drained when the block ends. For the benchmark and tests."""
    global _forced_size
    previous = _forced_size
    _forced_size = max(0, size)
    try:
        yield get_pool()
    finally:
        drain_pool()
        _forced_size = previous


def max_shapes() -> int:
    return max(1, int(conf.get("SANDBOX_POOL_SHAPES", 4)))


def max_idle_seconds() -> float:
    return max(1.0, conf.get_float("SANDBOX_POOL_MAX_IDLE", 300.0))


def bind_mount(source: Path, target: Path) -> None:
    """``mount --rbind source target`` on the host."""
    if _libc.mount(str(source).encode(), str(target).encode(), None, MS_BIND | MS_REC, None):
        err = ctypes.get_errno()
        raise OSError(err, f"bind mount {source} -> {target}: {os.strerror(err)}")


def detach(target: Path) -> None:
    """Lazily unmount whatever is mounted at ``target`` (nothing: no error)."""
    if _libc.umount2(str(target).encode(), MNT_DETACH):
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOENT):
            logger.warning("could not unmount %s: %s", target, os.strerror(err))


def remove_slot_dir(run_id: str) -> None:
    """Unmount and remove a slot directory. Never recursive: a path that is still a
    mount point stays (``rmdir``/``unlink`` fail with ``EBUSY``), so a caller's
    directory bound there can never be deleted through it."""
    directory = slot_dir(run_id)
    if not directory.is_dir():
        return
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            path = Path(entry.path)
            detach(path)
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    path.rmdir()
                else:
                    path.unlink()
    with contextlib.suppress(OSError):
        directory.rmdir()


def stale_slot_dirs(max_age_seconds: float) -> list[str]:
    """Run ids of slot directories older than ``max_age_seconds`` (a crashed worker's)."""
    now = time.time()
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(pool_root()):
            with contextlib.suppress(OSError):
                if (
                    entry.is_dir(follow_symlinks=False)
                    and now - entry.stat(follow_symlinks=False).st_mtime > max_age_seconds
                ):
                    found.append(entry.name)
    return sorted(found)


def _mount_kinds(spec: RunSpec) -> tuple[bool, ...] | None:
    """Whether each mount source is a directory; None if one is neither dir nor file."""
    kinds = []
    for mount in spec.mounts:
        path = Path(mount.host_path)
        if path.is_dir():
            kinds.append(True)
        elif path.is_file() and not mount.writable:
            kinds.append(False)
        else:
            return None
    return tuple(kinds)


def shape_key(spec: RunSpec, kinds: tuple[bool, ...], *, use_parent: bool) -> str:
    """The SHA-256 of everything the engine is told about ``spec`` except the mount
    sources, the run id and the creation time: two specs with the same key get
    containers with identical configuration."""
    placeholder = replace(
        spec,
        mounts=tuple(
            replace(m, host_path=Path(f"/{'dir' if is_dir else 'file'}/{i}"))
            for i, (m, is_dir) in enumerate(zip(spec.mounts, kinds, strict=True))
        ),
    )
    config = container_config(
        placeholder, "RUN", cgroup_parent=cgroups.parent_for("RUN") if use_parent else None
    )
    config.pop("name")
    config["labels"] = {
        k: v for k, v in config["labels"].items() if k not in (LABEL_RUN_ID, LABEL_CREATED)
    }
    text = json.dumps(config, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Slot:
    """One created, never started container and the host paths its mounts bind."""

    container_id: str
    run_id: str
    paths: tuple[Path, ...]
    created: float = field(default_factory=time.monotonic)


@dataclass
class _Shape:
    template: RunSpec
    kinds: tuple[bool, ...]
    ready: deque[Slot] = field(default_factory=deque)
    failures: int = 0
    retry_at: float = 0.0


def _create_slot(shape: _Shape) -> Slot:
    run_id = new_run_id()
    root = pool_root()
    root.mkdir(mode=0o700, exist_ok=True)
    directory = slot_dir(run_id)
    directory.mkdir(mode=0o700)
    paths = []
    try:
        for i, is_dir in enumerate(shape.kinds):
            path = directory / str(i)
            if is_dir:
                path.mkdir(mode=0o755)
            else:
                path.touch(mode=0o644)
            paths.append(path)
        spec = replace(
            shape.template,
            mounts=tuple(
                replace(m, host_path=p) for m, p in zip(shape.template.mounts, paths, strict=True)
            ),
            labels={**shape.template.labels, LABEL_POOLED: "1"},
        )
        container_id = create_container(spec, run_id=run_id)
    except BaseException:
        remove_slot_dir(run_id)
        raise
    return Slot(container_id, run_id, tuple(paths))


def discard(slot: Slot) -> None:
    """Remove a pooled container that was never started, and its slot."""
    with contextlib.suppress(docker.errors.APIError, requests.RequestException):
        api_client().remove_container(slot.container_id, force=True)
    remove_slot_dir(slot.run_id)
    cgroups.remove_parent(slot.run_id)


class ContainerPool:
    """Ready containers per spec shape, refilled by one background thread."""

    def __init__(self, size: int, *, shapes: int = 4, max_idle: float = 300.0) -> None:
        self.size = size
        self.max_shapes = shapes
        self.max_idle = max_idle
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._shapes: OrderedDict[str, _Shape] = OrderedDict()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._bypass = threading.local()
        self.hits = 0
        self.misses = 0

    # -- used by the Docker backend ------------------------------------------------

    def take(self, spec: RunSpec, *, use_parent: bool) -> Slot | None:
        """A ready container for ``spec``'s shape, or None (the caller creates one on
        demand; the shape is learnt so that the next run finds one)."""
        kinds = _mount_kinds(spec)
        if kinds is None or self.size == 0 or getattr(self._bypass, "active", False):
            return None
        key = shape_key(spec, kinds, use_parent=use_parent)
        expired: list[Slot] = []
        slot: Slot | None = None
        with self._cond:
            if self._closed:
                return None
            shape = self._shapes.get(key)
            if shape is None:
                self._shapes[key] = _Shape(spec, kinds)
                while len(self._shapes) > self.max_shapes:
                    _, dropped = self._shapes.popitem(last=False)
                    expired.extend(dropped.ready)
            else:
                self._shapes.move_to_end(key)
                deadline = time.monotonic() - self.max_idle
                while shape.ready and slot is None:
                    candidate = shape.ready.popleft()
                    if candidate.created < deadline:
                        expired.append(candidate)
                    else:
                        slot = candidate
            if slot is None:
                self.misses += 1
            else:
                self.hits += 1
            self._ensure_thread()
            self._cond.notify_all()
        for old in expired:
            discard(old)
        return slot

    @contextlib.contextmanager
    def bypassed(self) -> Iterator[None]:
        """Within the block, runs of this thread create their containers on demand."""
        self._bypass.active = True
        try:
            yield
        finally:
            self._bypass.active = False

    # -- lifecycle -------------------------------------------------------------------

    def ready_count(self) -> int:
        with self._cond:
            return sum(len(s.ready) for s in self._shapes.values())

    def wait_full(self, timeout: float = 30.0) -> bool:
        """Wait until every learnt shape has ``size`` ready containers."""
        end = time.monotonic() + timeout
        with self._cond:
            while not self._full_locked():
                left = end - time.monotonic()
                if left <= 0 or self._closed:
                    return False
                self._cond.wait(left)
            return True

    def drain(self) -> int:
        """Stop refilling and remove every ready container; returns how many. Called at
        exit; the pool takes nothing afterwards (runs create on demand)."""
        with self._cond:
            self._closed = True
            slots = [slot for shape in self._shapes.values() for slot in shape.ready]
            for shape in self._shapes.values():
                shape.ready.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=conf.docker_timeout() + 5)
        for slot in slots:
            discard(slot)
        return len(slots)

    def _full_locked(self) -> bool:
        return all(len(s.ready) >= self.size for s in self._shapes.values())

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._refill_loop, name="sandbox-pool", daemon=True
            )
            self._thread.start()

    def _next_job(self) -> tuple[str | None, _Shape | None, list[Slot]]:
        """Under the lock: the shape to fill next (if any) and the expired slots."""
        now = time.monotonic()
        expired: list[Slot] = []
        for shape in self._shapes.values():
            while shape.ready and shape.ready[0].created < now - self.max_idle:
                expired.append(shape.ready.popleft())
        for key, shape in reversed(self._shapes.items()):  # most recently used first
            if len(shape.ready) < self.size and shape.retry_at <= now:
                return key, shape, expired
        return None, None, expired

    def _refill_loop(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                key, shape, expired = self._next_job()
                if shape is None and not expired:
                    self._cond.wait(timeout=min(self.max_idle / 4, FAILURE_BACKOFF_SECONDS))
                    continue
            for old in expired:
                discard(old)
            if shape is None:
                continue
            try:
                slot = _create_slot(shape)
            except Exception:
                logger.exception("sandbox pool could not create a container")
                with self._cond:
                    shape.failures += 1
                    shape.retry_at = time.monotonic() + FAILURE_BACKOFF_SECONDS * min(
                        shape.failures, 12
                    )
                continue
            with self._cond:
                keep = not self._closed and self._shapes.get(key or "") is shape
                if keep:
                    shape.failures = 0
                    shape.ready.append(slot)
                    self._cond.notify_all()
            if not keep:
                discard(slot)


_pool_lock = threading.Lock()
_pool: ContainerPool | None = None


def get_pool() -> ContainerPool | None:
    """This process's pool, or None when ``SANDBOX_POOL_SIZE`` is 0. A forked child
    never uses its parent's containers: it gets a pool of its own."""
    global _pool
    size = pool_size()
    with _pool_lock:
        current = _pool
        if current is not None and current.pid == os.getpid() and current.size == size:
            return current
        _pool = None
        if size > 0:
            _pool = ContainerPool(size, shapes=max_shapes(), max_idle=max_idle_seconds())
            _register_shutdown_hooks()
        created = _pool
    if current is not None and current.pid == os.getpid():
        current.drain()  # the size setting changed
    return created


def drain_pool(*_args: object, **_kwargs: object) -> int:
    """Drain this process's pool (if any). Safe to call repeatedly; also the atexit and
    Celery shutdown hook."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is None or pool.pid != os.getpid():
        return 0
    return pool.drain()


_hooks_registered = False


def _register_shutdown_hooks() -> None:
    global _hooks_registered
    if _hooks_registered:
        return
    _hooks_registered = True
    atexit.register(drain_pool)
    try:
        from celery import signals
    except ImportError:
        return
    signals.worker_process_shutdown.connect(drain_pool, weak=False)
    signals.worker_shutdown.connect(drain_pool, weak=False)
