"""The local backend: a subprocess with resource limits, for development machines
without Docker. It does NOT isolate: the code runs as the worker's user, sees the
worker's filesystem and (unless root with ``unshare``) its network. It refuses to run
unless ``SANDBOX_ALLOW_LOCAL`` is on (by default: only when ``DEBUG`` is on).

Container paths are emulated: arguments and environment values that start with a
mount's ``container_path`` are rewritten to its host path, the working directory is a
private temporary directory (or the mount that holds it), and ``python``/``python3``
as the program run the worker's own interpreter.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sandbox import conf
from sandbox.types import MB, RunResult, RunSpec, Verdict
from sandbox.watch import (
    DISK_FULL_MARKERS,
    OutputStream,
    WritableUsage,
    exit_detail,
    scan_writable,
)

logger = logging.getLogger(__name__)

WARNING = (
    "SANDBOX LOCAL BACKEND: candidate code runs WITHOUT isolation (same user, same "
    "filesystem, no memory cgroup). For development only; never in production."
)
REFUSAL = (
    "the local sandbox backend is refused: SANDBOX_ALLOW_LOCAL is off (production "
    "settings); start a Docker engine or set SANDBOX_BACKEND=docker"
)
POLL_SECONDS = 0.05


class LocalBackendRefused(Exception):
    pass


def _can_unshare_net() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--net", "--", "true"], capture_output=True, check=False, timeout=10
    )
    return probe.returncode == 0


def _mapper(spec: RunSpec, root: Path) -> tuple[list[tuple[str, str]], Path]:
    mapping = sorted(
        (
            (m.container_path.rstrip("/") or "/", str(Path(m.host_path).resolve()))
            for m in spec.mounts
        ),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    workdir = _rewrite(spec.workdir, mapping)
    if workdir == spec.workdir:
        cwd = root / spec.workdir.lstrip("/")
        cwd.mkdir(parents=True, exist_ok=True)
        mapping.append((spec.workdir.rstrip("/") or "/", str(cwd)))
    else:
        cwd = Path(workdir)
    return mapping, cwd


def _rewrite(value: str, mapping: list[tuple[str, str]]) -> str:
    for container, host in mapping:
        if value == container or value.startswith(container + "/"):
            return host + value[len(container) :]
    return value


def _limit_resources(spec: RunSpec) -> None:
    """Runs in the child between fork and exec."""
    limits = spec.limits
    cpu = limits.effective_cpu_seconds
    fsize = limits.writable_mb * MB
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_mb * MB, limits.memory_mb * MB))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.nofile, limits.nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _drain(pipe: IO[bytes], stream: OutputStream, wake: threading.Event) -> None:
    try:
        for chunk in iter(lambda: os.read(pipe.fileno(), 65536), b""):
            if stream.feed(chunk):
                wake.set()
    finally:
        wake.set()


def run(spec: RunSpec) -> RunResult:
    """Run ``spec`` as a local subprocess; same contract as the Docker backend, without
    its isolation. Returns ``sandbox_error`` when the local backend is not allowed."""
    run_id = uuid.uuid4().hex[:16]
    started = time.monotonic()
    try:
        if not conf.allow_local():
            raise LocalBackendRefused(REFUSAL)
        logger.warning(WARNING)
        warnings.warn(WARNING, RuntimeWarning, stacklevel=2)
        with tempfile.TemporaryDirectory(prefix="cert-sandbox-local-") as tmp:
            return _run_in(spec, Path(tmp), run_id)
    except (LocalBackendRefused, OSError, subprocess.SubprocessError) as exc:
        return RunResult(
            verdict=Verdict.SANDBOX_ERROR,
            exit_code=None,
            wall_seconds=time.monotonic() - started,
            cpu_seconds=None,
            peak_memory_mb=None,
            stdout="",
            stderr="",
            detail=str(exc),
            backend="local",
            run_id=run_id,
        )


def _argv(spec: RunSpec, mapping: list[tuple[str, str]]) -> list[str]:
    """The command with container paths rewritten, ``python`` as this interpreter,
    and without network when ``unshare`` can give it that."""
    argv = [_rewrite(arg, mapping) for arg in spec.command]
    if Path(argv[0]).name in {"python", "python3"}:
        argv[0] = sys.executable
    if _can_unshare_net():
        argv = ["unshare", "--net", "--", *argv]
    return argv


def _environment(spec: RunSpec, mapping: list[tuple[str, str]], tmp: Path) -> dict[str, str]:
    threads = str(max(1, int(spec.limits.cpus + 0.999)))
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        **{key: _rewrite(value, mapping) for key, value in spec.env.items()},
    }


@dataclass
class _Streams:
    """The child's captured output and what the watch saw."""

    stdout: OutputStream
    stderr: OutputStream
    writable: WritableUsage = field(default_factory=WritableUsage)
    timed_out: bool = False
    killed_for: str = ""


def _run_in(spec: RunSpec, root: Path, run_id: str) -> RunResult:
    limits = spec.limits
    mapping, cwd = _mapper(spec, root)
    tmp = root / "tmp"
    tmp.mkdir()
    argv = _argv(spec, mapping)
    env = _environment(spec, mapping, tmp)
    streams = _Streams(OutputStream(limits.output_bytes), OutputStream(limits.output_bytes))
    wake = threading.Event()
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: _limit_resources(spec),
    )
    assert proc.stdout is not None and proc.stderr is not None
    readers = [
        threading.Thread(target=_drain, args=(proc.stdout, streams.stdout, wake), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, streams.stderr, wake), daemon=True),
    ]
    for reader in readers:
        reader.start()
    _watch(spec, proc, streams, wake, deadline=start + limits.wall_seconds)
    # The whole session goes, daemons included, whatever ended the watch.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    for reader in readers:
        reader.join(timeout=5)
    if any(m.writable for m in spec.mounts) and not streams.writable.over:
        scan_writable(spec, streams.writable, final=True)
    return _result(spec, run_id, streams, code, wall, usage)


def _watch(
    spec: RunSpec,
    proc: subprocess.Popen[bytes],
    streams: _Streams,
    wake: threading.Event,
    *,
    deadline: float,
) -> None:
    """Until the child exits: the wall clock, the output caps and the writable space."""
    has_writable = any(m.writable for m in spec.mounts)
    while os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        now = time.monotonic()
        if now >= deadline:
            streams.timed_out, streams.killed_for = True, "wall clock"
            break
        wake.wait(timeout=min(POLL_SECONDS, deadline - now))
        wake.clear()
        if streams.stdout.over or streams.stderr.over:
            streams.killed_for = "output cap"
            break
        if has_writable:
            scan_writable(spec, streams.writable, final=False)
            if streams.writable.over:
                streams.killed_for = "writable space"
                break


def _verdict(
    spec: RunSpec, streams: _Streams, code: int, exit_code: int, oom: bool
) -> tuple[Verdict, list[str]]:
    limits = spec.limits
    disk_full = exit_code != 0 and any(m in streams.stderr.text() for m in DISK_FULL_MARKERS)
    details: list[str] = ["local backend: no isolation"]
    if streams.timed_out or code == -signal.SIGXCPU:
        details.append("wall clock" if streams.timed_out else "CPU-time limit (SIGXCPU)")
        return Verdict.TIME_LIMIT, details
    if oom:
        details.append(f"out of memory (limit {limits.memory_mb} MB)")
        return Verdict.MEMORY_LIMIT, details
    if streams.stdout.over or streams.stderr.over:
        details.append(f"stdout/stderr over {limits.output_bytes} bytes")
        return Verdict.OUTPUT_LIMIT, details
    if streams.writable.over:
        details.append(streams.writable.reason)
        return Verdict.OUTPUT_LIMIT, details
    if code == -signal.SIGXFSZ or disk_full:
        details.append("writable space full")
        return Verdict.OUTPUT_LIMIT, details
    if exit_code != 0:
        details.append(exit_detail(exit_code))
        return Verdict.RUNTIME_ERROR, details
    return Verdict.OK, details


def _result(
    spec: RunSpec,
    run_id: str,
    streams: _Streams,
    code: int,
    wall: float,
    usage: resource.struct_rusage,
) -> RunResult:
    exit_code = 128 - code if code < 0 else code
    stderr_text = streams.stderr.text()
    # wait4's usage covers the child and the descendants it waited for; the peak is
    # the largest single process, not the sum (documented).
    oom = "MemoryError" in stderr_text or (code == -signal.SIGKILL and not streams.killed_for)
    verdict, details = _verdict(spec, streams, code, exit_code, oom)
    return RunResult(
        verdict=verdict,
        exit_code=exit_code,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_memory_mb=usage.ru_maxrss / 1024,
        stdout=streams.stdout.text(),
        stderr=stderr_text,
        detail="; ".join(details),
        stdout_truncated=streams.stdout.over,
        stderr_truncated=streams.stderr.over,
        oom_killed=oom,
        backend="local",
        run_id=run_id,
    )
