"""Which worker process owns a sandbox container, and whether it is still alive.

Every container carries ``cert-engine.sandbox.owner=<boot id>/<pid namespace>/<pid>/
<process start time>``. A container whose owner died (``SIGKILL``, OOM kill, a crashed
host process) without removing it is an orphan at once, not only once it is old: the
janitor and every new pool remove such containers (``janitor.owner_orphans_reap``).
Only owners of this boot and this PID namespace are judged; the start time guards
against a recycled pid.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

LABEL_OWNER = "cert-engine.sandbox.owner"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "unknown"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field 22)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its end.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


@functools.cache
def _owner_for(pid: int) -> str:
    return f"{_boot_id()}/{_pid_namespace()}/{pid}/{_start_time(pid) or 0}"


def owner_id() -> str:
    """This process's owner value (recomputed after a fork)."""
    return _owner_for(os.getpid())


def owner_dead(value: str) -> bool:
    """True only when ``value`` names a process of this boot and PID namespace that is
    gone (or whose pid now belongs to another process). Anything else (another host,
    another namespace, a malformed value, a live owner) is False: not ours to judge."""
    parts = value.split("/")
    if len(parts) != 4 or not parts[2].isdigit():
        return False
    boot, namespace, pid, started = parts
    if boot != _boot_id() or namespace != _pid_namespace() or boot == "unknown":
        return False
    return _start_time(int(pid)) != started
