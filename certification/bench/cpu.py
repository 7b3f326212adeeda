"""Where a benchmark's CPU time goes, read from /proc (Linux): the seconds used by
given processes and by the whole machine between two readings. On a shared machine
this tells the benchmark's own share from its neighbours'."""

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (e.g. the web server's main process and workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


def processes_named(fragment: str) -> list[int]:
    """Processes whose command line contains ``fragment`` (e.g. PostgreSQL backends,
    whose title names their database)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if fragment in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process still alive."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return used


@dataclass(frozen=True)
class Machine:
    busy: float  # CPU seconds, all cores
    total: float


def machine() -> Machine:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return Machine(busy=(sum(values) - idle) / TICK, total=sum(values) / TICK)


def used_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two ``cpu_seconds`` readings by the processes alive at
    the second (one that started in between counts whole; one that ended, not)."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)
