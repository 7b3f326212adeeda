"""The values that cross the sandbox boundary: what to run, and what came of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

MB = 1024 * 1024


class Verdict(StrEnum):
    """The outcome of one run, decided in this order (first match wins):

    ``sandbox_error`` → ``time_limit`` → ``memory_limit`` → ``output_limit`` →
    ``runtime_error`` → ``ok``.
    """

    OK = "ok"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    SANDBOX_ERROR = "sandbox_error"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run.

    ``output_bytes`` caps stdout and stderr each. ``writable_mb`` caps the total size of
    each writable mount (and of ``/tmp``); ``writable_files`` caps the number of entries
    in each writable mount. ``gpus`` is 0 or 1; ``gpu_device`` names the one device a GPU
    run gets (falls back to the ``SANDBOX_GPU_DEVICE`` setting, then to "any one GPU").
    ``cpu_seconds`` is a per-process CPU-time rlimit; ``None`` derives it from
    ``wall_seconds`` and ``cpus``.
    """

    wall_seconds: float = 60
    memory_mb: int = 1024
    cpus: float = 1.0
    pids: int = 256
    output_bytes: int = 64 * 1024
    writable_mb: int = 256
    gpus: int = 0
    writable_files: int = 10_000
    tmp_mb: int = 64
    shm_mb: int = 64
    nofile: int = 1024
    cpu_seconds: float | None = None
    gpu_device: str | None = None

    def __post_init__(self) -> None:
        if self.wall_seconds <= 0:
            raise ValueError("wall_seconds must be positive")
        if self.memory_mb < 6:
            raise ValueError("memory_mb must be at least 6 (Docker's minimum)")
        if self.cpus <= 0:
            raise ValueError("cpus must be positive")
        if self.pids < 1:
            raise ValueError("pids must be at least 1")
        if self.output_bytes < 0 or self.writable_mb < 1 or self.writable_files < 1:
            raise ValueError("output_bytes, writable_mb and writable_files must be positive")
        if self.gpus not in (0, 1):
            raise ValueError("gpus must be 0 or 1: a run gets at most one device")

    @property
    def effective_cpu_seconds(self) -> int:
        if self.cpu_seconds is not None:
            return max(1, int(self.cpu_seconds + 0.999))
        return max(1, int(self.wall_seconds * max(self.cpus, 1.0) + 0.999)) + 1


@dataclass(frozen=True)
class Mount:
    """A host directory (or file) made visible at ``container_path``; read-only unless
    ``writable``. Writable mounts must be directories the caller created."""

    host_path: Path
    container_path: str
    writable: bool = False

    def __post_init__(self) -> None:
        if not self.container_path.startswith("/"):
            raise ValueError(f"container_path must be absolute: {self.container_path!r}")


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class RunSpec:
    """What to run: an image, a command (no shell), mounts, limits, environment, labels.

    Only ``env`` reaches the container: the worker's own environment never does.
    ``preload``: modules a pre-started pooled container imports before its run starts
    (the trusted harness's own imports, e.g. ``numpy``); a container created on demand
    ignores it. Part of the pool's shape.
    ``run_labels``: labels that name this one run (e.g. the submission), kept out of the
    pool's shape: a container created on demand carries them as labels; a pooled one,
    created before the run was known, has them recorded in its slot, where
    ``janitor_sweep(labels=...)`` finds them too.
    """

    image: str
    command: tuple[str, ...]
    mounts: tuple[Mount, ...] = ()
    workdir: str = "/work"
    limits: Limits = field(default_factory=Limits)
    env: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    preload: tuple[str, ...] = ()
    run_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.command:
            raise ValueError("command must not be empty")
        if any(not name.isidentifier() for part in self.preload for name in part.split(".")):
            raise ValueError(f"preload must name modules: {self.preload!r}")
        object.__setattr__(self, "command", tuple(self.command))
        object.__setattr__(self, "preload", tuple(self.preload))
        object.__setattr__(self, "mounts", tuple(self.mounts))
        object.__setattr__(self, "env", _frozen(self.env))
        object.__setattr__(self, "labels", _frozen(self.labels))
        object.__setattr__(self, "run_labels", _frozen(self.run_labels))


@dataclass(frozen=True)
class RunResult:
    """What came of a run. ``stdout``/``stderr`` are truncated to ``Limits.output_bytes``
    (``*_truncated`` says so). ``detail`` explains a non-ok verdict for operators.
    ``peak_memory_mb`` and ``cpu_seconds`` are ``None`` when the backend could not
    measure them."""

    verdict: Verdict
    exit_code: int | None
    wall_seconds: float
    cpu_seconds: float | None
    peak_memory_mb: float | None
    stdout: str
    stderr: str
    detail: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    oom_killed: bool = False
    backend: str = ""
    run_id: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "verdict": str(self.verdict),
            "exit_code": self.exit_code,
            "wall_seconds": round(self.wall_seconds, 3),
            "cpu_seconds": None if self.cpu_seconds is None else round(self.cpu_seconds, 3),
            "peak_memory_mb": (
                None if self.peak_memory_mb is None else round(self.peak_memory_mb, 1)
            ),
            "stdout": self.stdout,
            "stderr": self.stderr,
            "stdout_truncated": self.stdout_truncated,
            "stderr_truncated": self.stderr_truncated,
            "oom_killed": self.oom_killed,
            "detail": self.detail,
            "backend": self.backend,
            "run_id": self.run_id,
        }
