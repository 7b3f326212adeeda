"""Choosing a backend and running a spec on it."""

from __future__ import annotations

import logging
import time
import warnings

from sandbox import conf, docker_backend, local_backend
from sandbox.docker_engine import engine_available
from sandbox.types import RunResult, RunSpec, Verdict

logger = logging.getLogger(__name__)

LOCAL_WARNING = (
    "SANDBOX: no Docker engine answers; running candidate code with the LOCAL backend, "
    "which does NOT isolate it (no filesystem, memory-cgroup or user isolation). "
    "Never use this for real candidates."
)


class LocalBackendWarning(UserWarning):
    """Emitted every time code runs without isolation."""


def resolve_backend(backend: str | None = None) -> str:
    """``docker`` or ``local``: an explicit argument wins, then ``SANDBOX_BACKEND``;
    ``auto`` means Docker when the engine answers a ping, else local with a warning."""
    name = (backend or conf.backend_name()).lower()
    if name == "auto":
        if engine_available():
            return "docker"
        logger.warning(LOCAL_WARNING)
        warnings.warn(LOCAL_WARNING, LocalBackendWarning, stacklevel=3)
        return "local"
    if name not in {"docker", "local"}:
        raise ValueError(f"unknown sandbox backend {name!r}")
    return name


def run(spec: RunSpec, *, backend: str | None = None) -> RunResult:
    """Run ``spec`` in a fresh sandbox and return the result.

    Never raises for the candidate's failures (they are verdicts); a failure of the
    infrastructure (no engine, missing image, local backend refused) comes back as
    ``Verdict.SANDBOX_ERROR`` with a ``detail`` and may be retried. Every call is a new
    sandbox, so calling twice runs the code twice.
    """
    started = time.monotonic()
    try:
        name = resolve_backend(backend)
    except ValueError as exc:
        return _error(started, str(exc), backend or "")
    if name == "docker":
        return docker_backend.run(spec)
    return local_backend.run(spec)


def _error(started: float, detail: str, backend: str) -> RunResult:
    return RunResult(
        verdict=Verdict.SANDBOX_ERROR,
        exit_code=None,
        wall_seconds=time.monotonic() - started,
        cpu_seconds=None,
        peak_memory_mb=None,
        stdout="",
        stderr="",
        detail=detail,
        backend=backend,
    )
