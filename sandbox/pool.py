"""A small pool of pre-started, single-use containers.

A trivial run's time goes mostly to creating and starting its container (namespaces,
mounts, cgroups, the interpreter's start). So a worker may keep a few containers
created *and started* ahead of time, each waiting at a gate for one run. The rules:

- A pooled container is created by the same ``container_config`` as a fresh one, from
  the caller's own spec: the same image, environment, labels, limits, seccomp profile,
  user, host config and mount layout. The differences: the run id (name, labels,
  cgroup parent), the creation time label, the extra ``cert-engine.sandbox.pooled``
  label, the host source of each mount (a per-container slot directory,
  ``<tmp>/cert-sandbox-pool/<run id>/<i>``), and the command: ``python3 -c <gate>
  <idle> <preload> <the spec's command>`` (``sandbox/gate_program.py``).
- The gate imports the spec's ``preload`` modules, writes a ready marker (read here
  from the attach stream, which stays open), and waits for ``SIGUSR1``. A run takes a
  ready container, puts its inputs into the slot (read-only mounts: the caller's tree
  hard-linked, or copied across filesystems up to ``POOL_COPY_MAX_BYTES``; writable
  mounts: a capped tmpfs area mounted before the start, filled now), sends the go
  signal through the engine (``kill`` with ``SIGUSR1``) and watches the container like
  a fresh one. Bind mounts show a directory's later contents, so the container sees
  exactly what it would have seen with the caller's directories bound.
- The pool is keyed by the *shape* of a spec: the SHA-256 of the full pooled
  create-container configuration with the mount sources replaced by placeholders.
  Only specs whose mounts are all directories are pooled. A spec whose shape has no
  ready container is run on a container created on demand, exactly as without the
  pool; its shape is then learnt (at most ``SANDBOX_POOL_SHAPES`` shapes, least
  recently used dropped) and the background thread keeps ``SANDBOX_POOL_SIZE``
  containers ready for it.
- Every container is used once, then removed (off the critical path:
  ``sandbox.removal``). Never ``docker exec``, never reused.
- Containers idle longer than ``SANDBOX_POOL_MAX_IDLE`` seconds are removed and
  replaced; the gate itself exits a minute after that, so even a lost container stops.
- The pool belongs to one process (a forked child starts its own) and is drained at
  exit (``atexit`` and Celery's worker shutdown signals). After a crash the containers
  carry their owner (``sandbox.owner``): the next pool of this host removes them at
  once, the janitor by owner or by age, with their slot directories.

Long: the pool's life cycle (create at the gate, fill a slot, send the go signal,
watch, refill, sweep) shares its invariants, so it is read in one place.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import errno
import functools
import hashlib
import json
import logging
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import docker
from docker.utils.socket import STDOUT, frames_iter

from sandbox import cgroups, conf, writable
from sandbox.docker_config import (
    LABEL,
    LABEL_CREATED,
    LABEL_RUN_ID,
    container_config,
    create_container,
    new_run_id,
)
from sandbox.docker_engine import SandboxInfrastructureError, api_client
from sandbox.docker_watch import attach_output, close_socket
from sandbox.gate_program import READY
from sandbox.owner import LABEL_OWNER, owner_dead
from sandbox.removal import Removal, removal_do, removals_flush
from sandbox.types import RunSpec

logger = logging.getLogger(__name__)

LABEL_POOLED = "cert-engine.sandbox.pooled"
POOL_DIR_NAME = "cert-sandbox-pool"
GATE_PROGRAM = Path(__file__).resolve().parent / "gate_program.py"
GATE_IDLE_MARGIN_SECONDS = 60.0
GO_SIGNAL = "SIGUSR1"
# Inputs on another filesystem than the slots are copied, up to this much per run;
# beyond it the run takes a fresh container (a bind costs nothing for any size).
POOL_COPY_MAX_BYTES = 64 * 1024 * 1024
MNT_DETACH = 2
FAILURE_BACKOFF_SECONDS = 5.0
REFILL_DEFER_SECONDS = 1.0

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


def detach(target: Path) -> None:
    """Lazily unmount whatever is mounted at ``target`` (nothing: no error)."""
    if _libc.umount2(str(target).encode(), MNT_DETACH):
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOENT):
            logger.warning("could not unmount %s: %s", target, os.strerror(err))


def remove_slot_dir(run_id: str) -> None:
    """Unmount and remove a slot directory. Its entries are the pool's own: empty
    directories, tmpfs mount points (unmounted first) and a run's hard links or copies
    of its inputs (removing a link never touches the caller's file). An entry that is
    still a mount point after the unmount is left alone."""
    directory = slot_dir(run_id)
    if not directory.is_dir() or directory.is_symlink():
        return
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            path = Path(entry.path)
            detach(path)
            if os.path.ismount(path):
                logger.warning("pool slot %s is still a mount point; left in place", path)
                continue
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(path)
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


class SlotUnusable(Exception):
    """A pooled container cannot take this run (its gate is gone, or its inputs would
    have to be copied and are too large); the run goes to a fresh container."""


def inputs_link(source: Path, slot: Path, budget: list[int]) -> None:
    """Put the tree of the read-only mount ``source`` into its empty ``slot``: regular
    files hard-linked (copied across filesystems, drawing on ``budget[0]`` bytes, then
    ``SlotUnusable``), directories recreated with their mode and owner, symlinks
    recreated as symlinks (never followed, as a bind would show them); FIFOs, sockets
    and devices are left out. The slot root takes ``source``'s mode and owner."""
    st = source.stat()
    _link_tree(source, slot, budget)
    os.chown(slot, st.st_uid, st.st_gid)
    os.chmod(slot, stat.S_IMODE(st.st_mode))


def inputs_unlink(slot: Path) -> None:
    """Empty a read-only mount's slot right after its run, so that the caller's files
    have their own link counts again when ``run`` returns (``read_output_files``
    refuses hard-linked files). Only the slot's own names go; the files stay."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(slot):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)


def _link_tree(source: Path, target: Path, budget: list[int]) -> None:
    for entry in os.scandir(source):
        path = target / entry.name
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            path.mkdir()
            _link_tree(Path(entry.path), path, budget)
            os.chown(path, st.st_uid, st.st_gid)
            os.chmod(path, stat.S_IMODE(st.st_mode))
        elif stat.S_ISREG(st.st_mode):
            try:
                os.link(entry.path, path, follow_symlinks=False)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                budget[0] -= st.st_size
                if budget[0] < 0:
                    raise SlotUnusable("inputs on another filesystem, too large to copy") from exc
                shutil.copy2(entry.path, path, follow_symlinks=False)
                os.chown(path, st.st_uid, st.st_gid)
        elif stat.S_ISLNK(st.st_mode):
            path.symlink_to(os.readlink(entry.path))
            os.chown(path, st.st_uid, st.st_gid, follow_symlinks=False)


RUN_LABELS_FILE = "labels.json"


def run_labels_record(run_id: str, labels: Mapping[str, str]) -> None:
    """Record a run's ``run_labels`` in its pooled container's slot."""
    if labels:
        (slot_dir(run_id) / RUN_LABELS_FILE).write_text(json.dumps(dict(labels)))


def run_labels_read(run_id: str) -> dict[str, str]:
    """The ``run_labels`` a pooled container's run recorded ({} when none)."""
    try:
        value = json.loads((slot_dir(run_id) / RUN_LABELS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _all_directories(spec: RunSpec) -> bool:
    """Only specs whose mount sources are all directories are pooled."""
    return all(
        Path(m.host_path).is_dir() and not Path(m.host_path).is_symlink() for m in spec.mounts
    )


@functools.cache
def gate_source() -> str:
    return GATE_PROGRAM.read_text()


def gated(spec: RunSpec, *, idle: float) -> RunSpec:
    """``spec`` with its command behind the gate (``sandbox/gate_program.py``)."""
    command = (
        "python3",
        "-c",
        gate_source(),
        f"{idle:g}",
        ",".join(spec.preload),
        *spec.command,
    )
    return replace(spec, command=command, labels={**spec.labels, LABEL_POOLED: "1"})


def shape_key(spec: RunSpec, *, use_parent: bool, idle: float) -> str:
    """The SHA-256 of everything the engine is told about ``spec``'s pooled container
    except the mount sources, the run id and the creation time: two specs with the
    same key get containers with identical configuration."""
    placeholder = replace(
        gated(spec, idle=idle),
        mounts=tuple(replace(m, host_path=Path(f"/dir/{i}")) for i, m in enumerate(spec.mounts)),
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
    """One started container waiting at its gate, the host directories its mounts
    bind, the mounted (empty) tmpfs area of each writable mount, and the open attach
    socket (ready marker consumed)."""

    container_id: str
    run_id: str
    paths: tuple[Path, ...]
    areas: dict[int, writable.WritableArea]
    sock: Any
    gate_fd: int | None = None
    created: float = field(default_factory=time.monotonic)

    def go(self, client: Any) -> None:
        """Send the go signal: straight to the gate process through its pidfd when this
        worker sees the container's processes (the usual case: root on the Docker host),
        else through the engine (``kill`` with ``SIGUSR1``). Raises ``SlotUnusable``
        when the gate is gone."""
        fd, self.gate_fd = self.gate_fd, None
        if fd is not None:
            try:
                signal.pidfd_send_signal(fd, signal.SIGUSR1)
                return
            except ProcessLookupError as exc:
                raise SlotUnusable("the gate is gone") from exc
            finally:
                os.close(fd)
        try:
            client.kill(self.container_id, signal=GO_SIGNAL)
        except docker.errors.APIError as exc:
            raise SlotUnusable(f"go signal refused: {exc}") from exc

    def close_gate_fd(self) -> None:
        fd, self.gate_fd = self.gate_fd, None
        if fd is not None:
            os.close(fd)

    def cleanups(self) -> tuple[Callable[[], None], ...]:
        """What removes the slot once its container is gone."""
        run_id = self.run_id
        unmounts = [functools.partial(_area_unmount, area) for area in self.areas.values()]
        return (*unmounts, functools.partial(remove_slot_dir, run_id))


def _area_unmount(area: writable.WritableArea) -> None:
    if area.path is not None:
        writable.unmount(area.path, remove=False)
        area.path = None


@dataclass
class _Shape:
    template: RunSpec
    ready: deque[Slot] = field(default_factory=deque)
    failures: int = 0
    retry_at: float = 0.0


def _read_ready(sock: Any, timeout: float) -> None:
    """Consume the gate's ready marker from the attach stream."""
    raw = getattr(sock, "_sock", sock)
    raw.settimeout(timeout)
    got = b""
    for stream, data in frames_iter(sock, tty=False):
        got += data
        if stream != STDOUT or not READY.startswith(got[: len(READY)]):
            raise SandboxInfrastructureError(f"the gate wrote {got[:200]!r}")
        if len(got) >= len(READY):
            break
    if got != READY:
        raise SandboxInfrastructureError(f"the gate ended before it was ready ({got[:200]!r})")
    raw.settimeout(None)


def _create_slot(shape: _Shape, idle: float) -> Slot:
    run_id = new_run_id()
    root = pool_root()
    root.mkdir(mode=0o700, exist_ok=True)
    directory = slot_dir(run_id)
    directory.mkdir(mode=0o700)
    spec = shape.template
    slot = Slot("", run_id, (), {}, None)
    try:
        paths = []
        for i, mount in enumerate(spec.mounts):
            path = directory / str(i)
            path.mkdir(mode=0o755)
            paths.append(path)
            if mount.writable:
                area = writable.WritableArea(
                    Path(mount.host_path),
                    size_mb=spec.limits.writable_mb,
                    max_files=spec.limits.writable_files,
                    uid=conf.sandbox_uid(),
                    mountpoint=path,
                )
                area.mount_empty()
                slot.areas[i] = area
        slot.paths = tuple(paths)
        pooled = replace(
            gated(spec, idle=idle),
            mounts=tuple(replace(m, host_path=p) for m, p in zip(spec.mounts, paths, strict=True)),
        )
        client = api_client()
        slot.container_id = create_container(pooled, run_id=run_id)
        slot.sock = attach_output(client, slot.container_id)
        client.start(slot.container_id)
        _read_ready(slot.sock, conf.docker_timeout())
        slot.gate_fd = _gate_pidfd(client, slot.container_id)
    except BaseException:
        discard(slot)
        raise
    return slot


def _gate_pidfd(client: Any, container_id: str) -> int | None:
    """A pidfd of the container's gate process (the only child of its init), or None
    when this worker does not see the container's processes. The pid is checked to be
    in the container's cgroup after the pidfd is open, so a recycled pid is never
    signalled."""
    try:
        init = int(client.inspect_container(container_id)["State"]["Pid"])
        children = Path(f"/proc/{init}/task/{init}/children").read_text().split()
        if init <= 0 or len(children) != 1:
            return None
        fd = os.pidfd_open(int(children[0]))
    except (OSError, ValueError, KeyError, docker.errors.APIError):
        return None
    try:
        if container_id not in Path(f"/proc/{children[0]}/cgroup").read_text():
            os.close(fd)
            return None
    except OSError:
        os.close(fd)
        return None
    return fd


def discard(slot: Slot) -> None:
    """Remove a pooled container that never ran, and its slot (now, in this thread)."""
    slot.close_gate_fd()
    close_socket(slot.sock)
    removal_do(
        Removal(slot.container_id or None, slot.run_id, use_parent=True, cleanups=slot.cleanups())
    )


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
        self._in_flight = 0
        self._defer_until = 0.0

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Marks a run of this process in flight: the refill waits (at most
        ``REFILL_DEFER_SECONDS``) until none is, so that creating and starting the
        next container does not compete with a run for the CPU."""
        with self._cond:
            if self._in_flight == 0:
                self._defer_until = time.monotonic() + REFILL_DEFER_SECONDS
            self._in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    @property
    def gate_idle(self) -> float:
        """How long a gate waits for its run before it exits by itself."""
        return self.max_idle + GATE_IDLE_MARGIN_SECONDS

    # -- used by the Docker backend ------------------------------------------------

    def take(self, spec: RunSpec, *, use_parent: bool) -> Slot | None:
        """A ready container for ``spec``'s shape, or None (the caller creates one on
        demand; the shape is learnt so that the next run finds one)."""
        if self.size == 0 or getattr(self._bypass, "active", False):
            return None
        if not _all_directories(spec):
            return None
        spec = replace(spec, run_labels={})  # recorded in the slot at run time instead
        key = shape_key(spec, use_parent=use_parent, idle=self.gate_idle)
        expired: list[Slot] = []
        slot: Slot | None = None
        with self._cond:
            if self._closed:
                return None
            shape = self._shapes.get(key)
            if shape is None:
                self._shapes[key] = _Shape(spec)
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
        if self._in_flight and now < self._defer_until:
            return None, None, expired
        for key, shape in reversed(self._shapes.items()):  # most recently used first
            if len(shape.ready) < self.size and shape.retry_at <= now:
                return key, shape, expired
        return None, None, expired

    def _refill_loop(self) -> None:
        try:
            owner_orphans_reap()  # a crashed predecessor's containers, at once
        except Exception:
            logger.exception("sandbox pool could not look for a dead worker's containers")
        while True:
            with self._cond:
                if self._closed:
                    return
                key, shape, expired = self._next_job()
                if shape is None and not expired:
                    deferred = self._defer_until - time.monotonic() if self._in_flight else 0
                    self._cond.wait(
                        timeout=deferred
                        if deferred > 0
                        else min(self.max_idle / 4, FAILURE_BACKOFF_SECONDS)
                    )
                    continue
            for old in expired:
                discard(old)
            if shape is None:
                continue
            try:
                slot = _create_slot(shape, self.gate_idle)
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
    """Drain this process's pool (if any) and finish every pending removal; returns how
    many ready containers were removed. Safe to call repeatedly; also the atexit and
    Celery shutdown hook."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    drained = pool.drain() if pool is not None and pool.pid == os.getpid() else 0
    removals_flush()
    return drained


def owner_orphans_reap() -> int:
    """Remove the sandbox containers whose owner process is gone (``sandbox.owner``),
    whatever their age, with their slots and cgroup parents; returns how many. A
    crashed worker's pooled containers and pending removals go at once this way."""
    client = api_client()
    removed = 0
    for container in client.containers(all=True, filters={"label": [f"{LABEL}=1"]}):
        labels = container.get("Labels") or {}
        if not owner_dead(labels.get(LABEL_OWNER, "")):
            continue
        run_id = labels.get(LABEL_RUN_ID, "")
        removal_do(Removal(container["Id"], run_id, use_parent=bool(run_id)))
        if run_id:
            remove_slot_dir(run_id)
        removed += 1
        logger.info("removed sandbox container %s of a dead worker", container["Id"][:12])
    return removed


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
