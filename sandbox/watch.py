"""Watching a run from the outside: output caps, writable-space caps, exit codes.
Shared by the Docker and the local backend."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass, field

from sandbox.types import MB, RunSpec

DISK_FULL_MARKERS = ("No space left on device", "File too large", "Disk quota exceeded")


@dataclass
class OutputStream:
    cap: int
    data: bytearray = field(default_factory=bytearray)
    total: int = 0

    def feed(self, chunk: bytes) -> bool:
        """Keep the first ``cap`` bytes; return True once the cap is exceeded."""
        self.total += len(chunk)
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        return self.total > self.cap

    @property
    def over(self) -> bool:
        return self.total > self.cap

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", errors="replace")


@dataclass
class WritableUsage:
    over: bool = False
    reason: str = ""


def scan_writable(spec: RunSpec, usage: WritableUsage, *, final: bool) -> None:
    """Measure each writable mount: bytes on disk, entries, a file at the fsize cap."""
    limits = spec.limits
    cap_bytes = limits.writable_mb * MB
    for mount in spec.mounts:
        if not mount.writable:
            continue
        total = 0
        entries = 0
        stack = [str(mount.host_path)]
        while stack:
            current = stack.pop()
            try:
                with os.scandir(current) as it:
                    for entry in it:
                        entries += 1
                        if entries > limits.writable_files:
                            usage.over = True
                            usage.reason = (
                                f"more than {limits.writable_files} files in {mount.container_path}"
                            )
                            return
                        try:
                            st = entry.stat(follow_symlinks=False)
                        except OSError:
                            continue
                        total += st.st_blocks * 512
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif final and st.st_size >= cap_bytes:
                            usage.over = True
                            usage.reason = f"a file in {mount.container_path} reached the size cap"
                            return
            except OSError:
                continue
        if total > cap_bytes:
            usage.over = True
            usage.reason = f"{mount.container_path} holds more than {limits.writable_mb} MB"
            return


def exit_detail(exit_code: int) -> str:
    if exit_code > 128:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(exit_code - 128).name}"
    return f"exit code {exit_code}"
