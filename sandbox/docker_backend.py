"""The Docker backend: one fresh, locked-down container per run.

The life of a run: create (every limit in the host config) → attach → start → watch
(our wall clock, output caps, writable-space caps, OOM kills) → kill → wait → inspect
→ read the cgroup totals → remove. Nothing is ever executed in or copied into a running
container. The docker SDK stays behind this module.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docker
import requests
from docker.types import DeviceRequest, LogConfig, Ulimit
from docker.types import Mount as DockerMount
from docker.utils.socket import demux_adaptor, frames_iter

from sandbox import cgroups, conf, writable
from sandbox.types import MB, Mount, RunResult, RunSpec, Verdict
from sandbox.watch import (
    DISK_FULL_MARKERS,
    OutputStream,
    WritableUsage,
    exit_detail,
    scan_writable,
)

if TYPE_CHECKING:
    from sandbox.pool import Slot

logger = logging.getLogger(__name__)

LABEL = "cert-engine.sandbox"
LABEL_RUN_ID = "cert-engine.sandbox.run-id"
LABEL_CREATED = "cert-engine.sandbox.created"
SECCOMP_PROFILE = Path(__file__).resolve().parent / "seccomp" / "profile.json"
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
POLL_SECONDS = 0.05
CONTAINER_TMP = "/tmp"  # noqa: S108 - a private tmpfs inside the container
WRITABLE_SCAN_SECONDS = 0.05
SIGXCPU_EXIT = 128 + signal.SIGXCPU
SIGXFSZ_EXIT = 128 + signal.SIGXFSZ


class SandboxInfrastructureError(Exception):
    """The engine or the image failed; never the candidate's fault."""


@functools.cache
def seccomp_profile() -> str:
    return SECCOMP_PROFILE.read_text()


_client_lock = threading.Lock()
_clients: dict[tuple[int, float], docker.APIClient] = {}


def api_client(timeout: float | None = None) -> docker.APIClient:
    """A low-level client for this process (rebuilt after a fork)."""
    timeout = conf.docker_timeout() if timeout is None else timeout
    key = (os.getpid(), timeout)
    with _client_lock:
        client = _clients.get(key)
        if client is None:
            client = docker.from_env(timeout=math.ceil(timeout)).api
            _clients[key] = client
        return client


def engine_available(timeout: float = 3.0) -> bool:
    """Whether a Docker engine answers a ping within ``timeout`` seconds."""
    try:
        return bool(api_client(timeout).ping())
    except (docker.errors.DockerException, requests.RequestException, OSError):
        return False


_cgroup_driver: str | None = None


def _engine_cgroup_driver() -> str:
    """The engine's cgroup driver, remembered once the engine has answered."""
    global _cgroup_driver
    if _cgroup_driver is None:
        _cgroup_driver = str(api_client().info().get("CgroupDriver", ""))
    return _cgroup_driver


def _use_cgroup_parent() -> bool:
    """Per-run cgroup parents need the cgroupfs driver and its tree visible here."""
    host = os.environ.get("DOCKER_HOST", "")
    local = host == "" or host.startswith("unix://")
    return local and cgroups.cgroup_version() is not None and _engine_cgroup_driver() == "cgroupfs"


def _prepare_writable(path: Path, uid: int) -> None:
    """Let the sandbox user write into a caller-created directory."""
    if not path.is_dir() or path.is_symlink():
        raise SandboxInfrastructureError(f"writable mount {path} is not a directory")
    if os.geteuid() == 0:
        os.chown(path, uid, uid)
        path.chmod(0o755)
    else:
        # A non-root worker cannot give the directory away; the caller keeps it in a
        # private parent directory, so world-writable is acceptable here.
        path.chmod(0o777)


def _device_requests(spec: RunSpec) -> list[DeviceRequest]:
    if spec.limits.gpus == 0:
        return []
    device = spec.limits.gpu_device or conf.gpu_device()
    if device:
        return [DeviceRequest(device_ids=[device], capabilities=[["gpu"]])]
    return [DeviceRequest(count=1, capabilities=[["gpu"]])]


def container_config(spec: RunSpec, run_id: str, *, cgroup_parent: str | None) -> dict[str, Any]:
    """The create-container arguments for ``spec``: every isolation measure lives here."""
    limits = spec.limits
    memory = limits.memory_mb * MB
    uid = conf.sandbox_uid()
    threads = str(max(1, math.ceil(limits.cpus)))
    environment = {
        "PATH": CONTAINER_PATH,
        "HOME": CONTAINER_TMP,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        **spec.env,
    }
    labels = {
        **spec.labels,
        LABEL: "1",
        LABEL_RUN_ID: run_id,
        LABEL_CREATED: str(int(time.time())),
    }
    mounts = [
        DockerMount(
            target=m.container_path,
            source=str(Path(m.host_path).resolve()),
            type="bind",
            read_only=not m.writable,
        )
        for m in spec.mounts
    ]
    fsize = limits.writable_mb * MB
    host_config: dict[str, Any] = {
        "network_mode": "none",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true", f"seccomp={seccomp_profile()}"],
        "read_only": True,
        "tmpfs": {CONTAINER_TMP: f"rw,nosuid,nodev,size={limits.tmp_mb}m,mode=1777"},
        "mounts": mounts,
        "mem_limit": memory,
        "memswap_limit": memory,
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        "ulimits": [
            Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
            Ulimit(name="fsize", soft=fsize, hard=fsize),
            Ulimit(name="core", soft=0, hard=0),
            Ulimit(
                name="cpu", soft=limits.effective_cpu_seconds, hard=limits.effective_cpu_seconds + 1
            ),
        ],
        "init": True,
        "ipc_mode": "private",
        "shm_size": limits.shm_mb * MB,
        "log_config": LogConfig(
            type=LogConfig.types.JSON, config={"max-size": "1m", "max-file": "1"}
        ),
        "oom_score_adj": 500,
        "device_requests": _device_requests(spec),
    }
    if cgroup_parent:
        host_config["cgroup_parent"] = cgroup_parent
    return {
        "image": spec.image,
        "command": list(spec.command),
        "user": f"{uid}:{uid}",
        "environment": environment,
        "labels": labels,
        "working_dir": spec.workdir,
        "hostname": "sandbox",
        "name": f"cert-sandbox-{run_id}",
        "network_disabled": True,
        "stdin_open": False,
        "tty": False,
        "host_config": host_config,
    }


def create_container(spec: RunSpec, *, run_id: str | None = None) -> str:
    """Create (never start) the container for ``spec``; return its id. Used by ``run``
    and by tests that inspect the host config (e.g. the GPU device request)."""
    run_id = run_id or new_run_id()
    client = api_client()
    use_parent = _use_cgroup_parent()
    config = container_config(
        spec, run_id, cgroup_parent=cgroups.parent_for(run_id) if use_parent else None
    )
    config["host_config"] = client.create_host_config(**config["host_config"])
    created = client.create_container(**config)
    return str(created["Id"])


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


class _Reader(threading.Thread):
    """Drains the attach stream, keeping at most the cap of each of stdout/stderr."""

    def __init__(
        self, stream: Iterator[tuple[bytes | None, bytes | None]], cap: int, wake: threading.Event
    ) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.stdout = OutputStream(cap)
        self.stderr = OutputStream(cap)
        self.wake = wake
        self.finished = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for out, err in self.stream:
                over = False
                if out:
                    over |= self.stdout.feed(out)
                if err:
                    over |= self.stderr.feed(err)
                if over:
                    self.wake.set()
        except Exception as exc:
            self.error = exc
        finally:
            self.finished.set()
            self.wake.set()


def _kill(client: docker.APIClient, container_id: str) -> None:
    with contextlib.suppress(docker.errors.APIError, requests.RequestException):
        client.kill(container_id)


def _tmpfs_areas_enabled() -> bool:
    setting = conf.get("SANDBOX_WRITABLE_TMPFS", "auto")
    if str(setting).lower() == "auto":
        host = os.environ.get("DOCKER_HOST", "")
        return writable.available() and (host == "" or host.startswith("unix://"))
    return conf.get_bool("SANDBOX_WRITABLE_TMPFS", False)


def run(spec: RunSpec) -> RunResult:
    """Run ``spec`` in a fresh container and return its result; never raises for the
    candidate's failures, and turns infrastructure failures into ``sandbox_error``."""
    from sandbox.pool import bind_mount, detach, get_pool, remove_slot_dir

    run_id = new_run_id()
    started = time.monotonic()
    client: docker.APIClient | None = None
    container_id: str | None = None
    use_parent = False
    slot: Slot | None = None
    try:
        client = api_client()
        use_parent = _use_cgroup_parent()
        uid = conf.sandbox_uid()
        use_tmpfs = _tmpfs_areas_enabled()
        with contextlib.ExitStack() as stack:
            for mount in spec.mounts:
                if not Path(mount.host_path).exists():
                    raise SandboxInfrastructureError(
                        f"mount source {mount.host_path} does not exist"
                    )
            # A pooled container needs the host-side mounts (root on the Docker host),
            # the same condition as the tmpfs areas.
            pool = get_pool() if use_tmpfs else None
            if pool is not None:
                slot = pool.take(spec, use_parent=use_parent)
            if slot is not None:
                run_id, container_id = slot.run_id, slot.container_id
            mounts: list[Mount] = []
            areas: list[writable.WritableArea] = []
            for index, mount in enumerate(spec.mounts):
                host = Path(mount.host_path)
                slot_path = slot.paths[index] if slot is not None else None
                if mount.writable and use_tmpfs:
                    if not host.is_dir() or host.is_symlink():
                        raise SandboxInfrastructureError(
                            f"writable mount {host} is not a directory"
                        )
                    area = stack.enter_context(
                        writable.WritableArea(
                            host,
                            size_mb=spec.limits.writable_mb,
                            max_files=spec.limits.writable_files,
                            uid=uid,
                            mountpoint=slot_path,
                        )
                    )
                    areas.append(area)
                    assert area.path is not None
                    mount = replace(mount, host_path=area.path)
                elif mount.writable:
                    _prepare_writable(host, uid)
                elif slot_path is not None:
                    # The pooled container binds slot_path; put the caller's
                    # directory there before it starts (read-only in the container).
                    bind_mount(host, slot_path)
                    stack.callback(detach, slot_path)
                    mount = replace(mount, host_path=slot_path)
                mounts.append(mount)
            effective = replace(spec, mounts=tuple(mounts))
            if container_id is None:
                container_id = create_container(effective, run_id=run_id)
            return _watch(client, effective, run_id, container_id, use_parent, areas)
    except docker.errors.ImageNotFound as exc:
        return _infra_result(run_id, started, f"image {spec.image!r} not found: {exc.explanation}")
    except (
        docker.errors.DockerException,
        requests.RequestException,
        SandboxInfrastructureError,
        subprocess.SubprocessError,
        OSError,
    ) as exc:
        logger.exception("sandbox run %s failed in the infrastructure", run_id)
        return _infra_result(run_id, started, f"{type(exc).__name__}: {exc}")
    finally:
        if client is not None and container_id is not None:
            with contextlib.suppress(docker.errors.APIError, requests.RequestException):
                client.remove_container(container_id, force=True)
        if slot is not None:
            remove_slot_dir(slot.run_id)
        if use_parent:
            cgroups.remove_parent(run_id)


def _infra_result(run_id: str, started: float, detail: str) -> RunResult:
    return RunResult(
        verdict=Verdict.SANDBOX_ERROR,
        exit_code=None,
        wall_seconds=time.monotonic() - started,
        cpu_seconds=None,
        peak_memory_mb=None,
        stdout="",
        stderr="",
        detail=detail,
        backend="docker",
        run_id=run_id,
    )


def _watch(
    client: docker.APIClient,
    spec: RunSpec,
    run_id: str,
    container_id: str,
    use_parent: bool,
    areas: list[writable.WritableArea],
) -> RunResult:
    limits = spec.limits
    wake = threading.Event()
    sock = client.attach_socket(
        container_id, params={"stdout": 1, "stderr": 1, "stream": 1, "logs": 0}
    )
    # The SDK leaves the API timeout on the socket; a quiet candidate must not end the
    # stream, so reads block until the container closes its output.
    for candidate in (sock, getattr(sock, "_sock", None)):
        settimeout = getattr(candidate, "settimeout", None)
        if settimeout is not None:
            settimeout(None)
    frames = (demux_adaptor(*frame) for frame in frames_iter(sock, tty=False))
    reader = _Reader(frames, limits.output_bytes, wake)
    reader.start()
    usage = WritableUsage()
    # Without tmpfs areas the writable directories are polled (the weaker fallback).
    has_writable = not areas and any(m.writable for m in spec.mounts)
    timed_out = False
    polled_oom = 0
    killed_for = ""

    client.start(container_id)
    start = time.monotonic()
    deadline = start + limits.wall_seconds
    next_scan = start + WRITABLE_SCAN_SECONDS
    while not reader.finished.is_set():
        now = time.monotonic()
        if now >= deadline:
            timed_out = True
            killed_for = "wall clock"
            break
        wake.wait(timeout=min(POLL_SECONDS, deadline - now))
        wake.clear()
        if reader.stdout.over or reader.stderr.over:
            killed_for = "output cap"
            break
        if use_parent:
            polled_oom = max(polled_oom, cgroups.container_oom_kills(run_id, container_id))
        if has_writable and time.monotonic() >= next_scan:
            scan_writable(spec, usage, final=False)
            next_scan = time.monotonic() + WRITABLE_SCAN_SECONDS
            if usage.over:
                killed_for = "writable space"
                break
    if not killed_for:
        # The stream ended; the container is normally gone too. Wait for it within
        # what is left of the wall clock.
        try:
            status = client.wait(container_id, timeout=max(1.0, deadline - time.monotonic()))
        except requests.RequestException:
            timed_out = True
            killed_for = "wall clock"
    if killed_for:
        _kill(client, container_id)
        status = client.wait(container_id, timeout=max(conf.docker_timeout(), 5))
    wall = time.monotonic() - start
    reader.join(timeout=5)
    for candidate in (getattr(sock, "_sock", None), sock):
        close = getattr(candidate, "close", None)
        if close is not None:
            with contextlib.suppress(OSError):
                close()
    state = client.inspect_container(container_id)["State"]
    exit_code = int(state.get("ExitCode", status.get("StatusCode", -1)))
    oom_flag = bool(state.get("OOMKilled"))
    reading = cgroups.read_parent(run_id) if use_parent else cgroups.CgroupReading(None, None, 0)
    if has_writable and not usage.over:
        scan_writable(spec, usage, final=True)
    for area in areas:
        reason = area.full()
        if reason and not usage.over:
            usage.over, usage.reason = True, reason

    peak_mb = None if reading.peak_memory_bytes is None else reading.peak_memory_bytes / MB
    oom = oom_flag or polled_oom > 0 or reading.oom_kills > 0
    if not oom and exit_code == 137 and not killed_for and peak_mb is not None:
        # SIGKILL that we did not send, with memory at the limit: the kernel's OOM
        # killer whose event the engine did not report.
        oom = peak_mb >= 0.95 * limits.memory_mb
    stderr_text = reader.stderr.text()
    disk_full = exit_code != 0 and any(marker in stderr_text for marker in DISK_FULL_MARKERS)

    details: list[str] = []
    if timed_out:
        verdict, details = (
            Verdict.TIME_LIMIT,
            [f"killed after {limits.wall_seconds:g} s wall clock"],
        )
    elif exit_code == SIGXCPU_EXIT:
        verdict, details = Verdict.TIME_LIMIT, ["CPU-time limit (SIGXCPU)"]
    elif oom:
        verdict, details = Verdict.MEMORY_LIMIT, [f"out of memory (limit {limits.memory_mb} MB)"]
    elif reader.stdout.over or reader.stderr.over:
        verdict = Verdict.OUTPUT_LIMIT
        details = [f"stdout/stderr over {limits.output_bytes} bytes"]
    elif usage.over:
        verdict, details = Verdict.OUTPUT_LIMIT, [usage.reason]
    elif exit_code == SIGXFSZ_EXIT or disk_full:
        verdict, details = Verdict.OUTPUT_LIMIT, ["writable space full"]
    elif exit_code != 0:
        verdict = Verdict.RUNTIME_ERROR
        details = [exit_detail(exit_code)]
    else:
        verdict = Verdict.OK
    if reader.error is not None:
        details.append(f"output stream ended early: {reader.error}")
    return RunResult(
        verdict=verdict,
        exit_code=exit_code,
        wall_seconds=wall,
        cpu_seconds=reading.cpu_seconds,
        peak_memory_mb=peak_mb,
        stdout=reader.stdout.text(),
        stderr=stderr_text,
        detail="; ".join(details),
        stdout_truncated=reader.stdout.over,
        stderr_truncated=reader.stderr.over,
        oom_killed=oom,
        backend="docker",
        run_id=run_id,
    )
