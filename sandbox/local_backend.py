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


def _run_in(spec: RunSpec, root: Path, run_id: str) -> RunResult:
    limits = spec.limits
    mapping, cwd = _mapper(spec, root)
    tmp = root / "tmp"
    tmp.mkdir()
    argv = [_rewrite(arg, mapping) for arg in spec.command]
    if Path(argv[0]).name in {"python", "python3"}:
        argv[0] = sys.executable
    threads = str(max(1, int(limits.cpus + 0.999)))
    env = {
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
    if _can_unshare_net():
        argv = ["unshare", "--net", "--", *argv]
    stdout = OutputStream(limits.output_bytes)
    stderr = OutputStream(limits.output_bytes)
    wake = threading.Event()
    writable = WritableUsage()
    has_writable = any(m.writable for m in spec.mounts)
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
        threading.Thread(target=_drain, args=(proc.stdout, stdout, wake), daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, stderr, wake), daemon=True),
    ]
    for reader in readers:
        reader.start()
    deadline = start + limits.wall_seconds
    timed_out = False
    killed_for = ""
    while os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        now = time.monotonic()
        if now >= deadline:
            timed_out, killed_for = True, "wall clock"
            break
        wake.wait(timeout=min(POLL_SECONDS, deadline - now))
        wake.clear()
        if stdout.over or stderr.over:
            killed_for = "output cap"
            break
        if has_writable:
            scan_writable(spec, writable, final=False)
            if writable.over:
                killed_for = "writable space"
                break
    # The whole session goes, daemons included, whatever ended the watch.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    for reader in readers:
        reader.join(timeout=5)
    exit_code = 128 - code if code < 0 else code
    if has_writable and not writable.over:
        scan_writable(spec, writable, final=True)

    stderr_text = stderr.text()
    # wait4's usage covers the child and the descendants it waited for; the peak is
    # the largest single process, not the sum (documented).
    peak_mb = usage.ru_maxrss / 1024
    oom = "MemoryError" in stderr_text or (code == -signal.SIGKILL and not killed_for)
    disk_full = exit_code != 0 and any(marker in stderr_text for marker in DISK_FULL_MARKERS)
    details: list[str] = ["local backend: no isolation"]
    if timed_out or code == -signal.SIGXCPU:
        verdict = Verdict.TIME_LIMIT
        details.append("wall clock" if timed_out else "CPU-time limit (SIGXCPU)")
    elif oom:
        verdict = Verdict.MEMORY_LIMIT
        details.append(f"out of memory (limit {limits.memory_mb} MB)")
    elif stdout.over or stderr.over:
        verdict = Verdict.OUTPUT_LIMIT
        details.append(f"stdout/stderr over {limits.output_bytes} bytes")
    elif writable.over:
        verdict = Verdict.OUTPUT_LIMIT
        details.append(writable.reason)
    elif code == -signal.SIGXFSZ or disk_full:
        verdict = Verdict.OUTPUT_LIMIT
        details.append("writable space full")
    elif exit_code != 0:
        verdict = Verdict.RUNTIME_ERROR
        details.append(exit_detail(exit_code))
    else:
        verdict = Verdict.OK
    return RunResult(
        verdict=verdict,
        exit_code=exit_code,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_memory_mb=peak_mb,
        stdout=stdout.text(),
        stderr=stderr_text,
        detail="; ".join(details),
        stdout_truncated=stdout.over,
        stderr_truncated=stderr.over,
        oom_killed=oom,
        backend="local",
        run_id=run_id,
    )
