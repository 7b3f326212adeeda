"""Hard-capped writable mounts.

A writable mount is not the caller's directory itself but a private tmpfs of
``writable_mb`` bytes and ``writable_files`` inodes, mounted on the host for this run
only. The kernel enforces both caps (``ENOSPC``), so no amount of writing can fill the
host's disk. After the run the tree is copied back into the caller's directory (files
and directories as such; symlinks and FIFOs recreated as what they are, never followed,
so that ``read_output_files`` can reject them) and the tmpfs is unmounted.

Needs root on the Docker host (``mount``); elsewhere the Docker backend falls back to
polling the caller's directory (see ``sandbox.watch.scan_writable``). tmpfs pages are
charged to the memory cgroup of the process that writes them, i.e. the container: what
the code writes counts against its memory limit too.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

MOUNT_PREFIX = "cert-sandbox-w-"
FULL_MARGIN_BYTES = 64 * 1024
MNT_DETACH = 2
MS_NOSUID = 2
MS_NODEV = 4

_libc = ctypes.CDLL(None, use_errno=True)


def available() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


class WritableArea:
    """One tmpfs standing in for one writable host directory during one run."""

    def __init__(
        self,
        host_path: Path,
        *,
        size_mb: int,
        max_files: int,
        uid: int,
        mountpoint: Path | None = None,
    ) -> None:
        self.host_path = host_path
        self.mountpoint = mountpoint  # an existing empty directory (a pool slot), or a new one
        self.size_mb = size_mb
        self.max_files = max_files
        self.uid = uid
        self.path: Path | None = None

    def __enter__(self) -> WritableArea:
        self.mount_empty()
        try:
            self.fill()
        except BaseException:
            self.close(copy_back=False)
            raise
        return self

    def mount_empty(self) -> Path:
        """Mount the empty, capped tmpfs (a pool does this before its container starts)."""
        self.path = self.mountpoint or Path(tempfile.mkdtemp(prefix=MOUNT_PREFIX))
        options = (
            f"size={self.size_mb}m,nr_inodes={self.max_files + 1},mode=0755,"
            f"uid={self.uid},gid={self.uid}"
        )
        # mount(2) directly: the mount(8) process cost a few ms per run.
        if _libc.mount(
            b"tmpfs", str(self.path).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()
        ):
            err = ctypes.get_errno()
            if self.mountpoint is None:
                self.path.rmdir()
            self.path = None
            raise OSError(err, f"mount tmpfs: {os.strerror(err)}")
        return self.path

    def fill(self) -> None:
        """Copy the caller's directory (``host_path``) into the mounted area."""
        assert self.path is not None
        _copy_tree(self.host_path, self.path, owner=self.uid)

    def full(self) -> str:
        """Why the area is full ("" when it is not)."""
        assert self.path is not None
        st = os.statvfs(self.path)
        if st.f_favail < 1:
            return f"more than {self.max_files} files in a writable directory"
        if st.f_bavail * st.f_frsize < FULL_MARGIN_BYTES:
            return f"a writable directory is full ({self.size_mb} MB)"
        return ""

    def __exit__(self, *exc: object) -> None:
        self.close(copy_back=exc[0] is None)

    def close(self, *, copy_back: bool = True, unmount_now: bool = True) -> None:
        """Copy the area back into ``host_path`` (when ``copy_back``) and unmount it
        (when ``unmount_now``; else the caller unmounts ``path`` later, e.g. off the
        critical path once the container is gone)."""
        if self.path is None:
            return
        try:
            if copy_back:
                self.copy_back()
        finally:
            if unmount_now:
                unmount(self.path)
                self.path = None

    def copy_back(self) -> None:
        assert self.path is not None
        for child in self.host_path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        _copy_tree(self.path, self.host_path, owner=self.uid)


def unmount(path: Path, *, remove: bool = True) -> None:
    """Lazily unmount ``path`` (``umount -l``) and, when ``remove``, remove the empty
    directory."""
    if _libc.umount2(str(path).encode(), MNT_DETACH):
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOENT):
            subprocess.run(
                ["umount", "-l", str(path)], capture_output=True, check=False, timeout=30
            )
    if remove:
        with contextlib.suppress(OSError):
            path.rmdir()


def _copy_tree(src: Path, dst: Path, *, owner: int) -> None:
    """Copy ``src`` into the existing ``dst`` without following any link."""
    for entry in sorted(os.scandir(src), key=lambda e: e.name):
        target = dst / entry.name
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            target.mkdir(mode=0o755)
            _copy_tree(Path(entry.path), target, owner=owner)
        elif stat.S_ISREG(st.st_mode):
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as fin, target.open("xb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
            target.chmod(0o644)
        elif stat.S_ISLNK(st.st_mode):
            target.symlink_to(os.readlink(entry.path))
        elif stat.S_ISFIFO(st.st_mode):
            os.mkfifo(target, 0o644)
        else:
            continue  # sockets and devices: nothing to carry over
        os.chown(target, owner, owner, follow_symlinks=False)


def stale_mounts(max_age_seconds: float) -> list[Path]:
    """tmpfs areas left mounted by a crashed worker."""
    now = time.time()
    found = []
    with contextlib.suppress(OSError), open("/proc/self/mounts") as mounts:
        for line in mounts:
            fields = line.split()
            if len(fields) > 2 and fields[2] == "tmpfs" and MOUNT_PREFIX in fields[1]:
                path = Path(fields[1])
                with contextlib.suppress(OSError):
                    if now - path.stat().st_mtime > max_age_seconds:
                        found.append(path)
    return found
