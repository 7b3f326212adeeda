"""Per-run cgroup parents, so that peak memory, CPU time and out-of-memory kills can be
read after the container (and with it its own cgroup) is gone.

Every run's container is created with ``cgroup_parent=/cert-sandbox/<run id>``; the
engine (cgroupfs driver) creates the container's cgroup below it and removes only its
own. The parent's counters are hierarchical, so they hold the container's totals until
we remove the parent. This works where the worker sees the engine's cgroup filesystem
(the worker runs on the Docker host); elsewhere the numbers are ``None``.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT_NAME = "cert-sandbox"


def cgroup_version() -> int | None:
    """2 for the unified hierarchy, 1 for v1 with a memory controller, else None."""
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        return 2
    if (CGROUP_ROOT / "memory").is_dir():
        return 1
    return None


def parent_for(run_id: str) -> str:
    return f"/{PARENT_NAME}/{run_id}"


@dataclass(frozen=True)
class CgroupReading:
    peak_memory_bytes: int | None
    cpu_seconds: float | None
    oom_kills: int


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _read_keyed(path: Path, key: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        return None
    return None


def container_oom_kills(run_id: str, container_id: str) -> int:
    """OOM kills so far inside a running container's own cgroup (v1 keeps this count
    per cgroup and does not add it to the parent's, so it is polled while running)."""
    version = cgroup_version()
    if version == 1:
        path = CGROUP_ROOT / "memory" / PARENT_NAME / run_id / container_id / "memory.oom_control"
    elif version == 2:
        path = CGROUP_ROOT / PARENT_NAME / run_id / container_id / "memory.events"
    else:
        return 0
    return _read_keyed(path, "oom_kill") or 0


def read_parent(run_id: str) -> CgroupReading:
    """Totals of a finished run, from its parent cgroup."""
    version = cgroup_version()
    if version == 1:
        mem = CGROUP_ROOT / "memory" / PARENT_NAME / run_id
        peak = _read_int(mem / "memory.max_usage_in_bytes")
        cpu_ns = _read_int(CGROUP_ROOT / "cpuacct" / PARENT_NAME / run_id / "cpuacct.usage")
        oom = _read_keyed(mem / "memory.oom_control", "oom_kill") or 0
        return CgroupReading(peak, None if cpu_ns is None else cpu_ns / 1e9, oom)
    if version == 2:
        base = CGROUP_ROOT / PARENT_NAME / run_id
        peak = _read_int(base / "memory.peak")
        usec = _read_keyed(base / "cpu.stat", "usage_usec")
        oom = _read_keyed(base / "memory.events", "oom_kill") or 0
        return CgroupReading(peak, None if usec is None else usec / 1e6, oom)
    return CgroupReading(None, None, 0)


def _parent_dirs(run_id: str) -> list[Path]:
    version = cgroup_version()
    if version == 2:
        return [CGROUP_ROOT / PARENT_NAME / run_id]
    if version == 1:
        return [
            hierarchy / PARENT_NAME / run_id
            for hierarchy in CGROUP_ROOT.iterdir()
            if (hierarchy / PARENT_NAME / run_id).is_dir()
        ]
    return []


def remove_parent(run_id: str) -> None:
    """Remove the run's parent cgroups (empty once the container is removed). Safe to
    call twice; a cgroup still in use stays and the janitor retries later."""
    for path in _parent_dirs(run_id):
        for child in sorted(path.glob("*/"), reverse=True):
            with contextlib.suppress(OSError):
                child.rmdir()
        with contextlib.suppress(OSError):
            path.rmdir()


def stale_parents(max_age_seconds: float) -> list[str]:
    """Run ids whose parent cgroup is older than ``max_age_seconds``."""
    version = cgroup_version()
    if version == 2:
        roots = [CGROUP_ROOT / PARENT_NAME]
    elif version == 1:
        roots = [h / PARENT_NAME for h in CGROUP_ROOT.iterdir() if (h / PARENT_NAME).is_dir()]
    else:
        return []
    now = time.time()
    found: set[str] = set()
    for root in roots:
        with contextlib.suppress(OSError):
            for entry in os.scandir(root):
                if entry.is_dir(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        if now - entry.stat(follow_symlinks=False).st_mtime > max_age_seconds:
                            found.add(entry.name)
    return sorted(found)
