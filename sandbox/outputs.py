"""Reading files that untrusted code left in a writable mount, without trusting them."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class OutputFileError(Exception):
    """A file in an output directory cannot be accepted."""


class UnsafeOutputFileError(OutputFileError):
    """A symlink, hard link, FIFO, socket or device where a regular file was expected."""


class OutputTooLargeError(OutputFileError):
    """The output directory holds more bytes or more files than allowed."""


_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def read_output_files(directory: Path, *, max_total_bytes: int, max_files: int) -> dict[str, bytes]:
    """Return ``{relative posix path: content}`` for every regular file under ``directory``.

    Never follows a symlink (every component is opened with ``O_NOFOLLOW`` relative to
    its parent's descriptor, so a link swapped in mid-walk is not followed either).
    Raises ``UnsafeOutputFileError`` on a symlink, a FIFO, a socket, a device or a
    regular file with more than one hard link, and ``OutputTooLargeError`` when the
    files number more than ``max_files`` or their sizes add up to more than
    ``max_total_bytes`` (checked before reading, so a huge sparse file is never read).
    Reads only; safe to call twice.
    """
    result: dict[str, bytes] = {}
    budget = [max_total_bytes]
    try:
        root_fd = os.open(directory, _OPEN_DIR)
    except OSError as exc:
        raise UnsafeOutputFileError(f"{directory} is not a plain directory: {exc}") from exc
    try:
        _walk(root_fd, "", result, budget, max_files)
    finally:
        os.close(root_fd)
    return result


def _walk(
    dir_fd: int, prefix: str, result: dict[str, bytes], budget: list[int], max_files: int
) -> None:
    with os.scandir(dir_fd) as entries:
        names = sorted(entry.name for entry in entries)
    for name in names:
        rel = f"{prefix}{name}"
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            try:
                child = os.open(name, _OPEN_DIR, dir_fd=dir_fd)
            except OSError as exc:
                raise UnsafeOutputFileError(f"{rel}: cannot open directory: {exc}") from exc
            try:
                _walk(child, f"{rel}/", result, budget, max_files)
            finally:
                os.close(child)
            continue
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeOutputFileError(f"{rel} is a {_kind(st.st_mode)}, not a regular file")
        if len(result) >= max_files:
            raise OutputTooLargeError(f"more than {max_files} output files")
        result[rel] = _read_regular(dir_fd, name, rel, budget)


def _read_regular(dir_fd: int, name: str, rel: str, budget: list[int]) -> bytes:
    try:
        fd = os.open(name, _OPEN_FILE, dir_fd=dir_fd)
    except OSError as exc:  # ELOOP: it became a symlink after the stat
        raise UnsafeOutputFileError(f"{rel}: cannot open safely: {exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeOutputFileError(f"{rel} is a {_kind(st.st_mode)}, not a regular file")
        if st.st_nlink > 1:
            raise UnsafeOutputFileError(f"{rel} has {st.st_nlink} hard links")
        if st.st_size > budget[0]:
            raise OutputTooLargeError(
                f"{rel} ({st.st_size} bytes) exceeds the remaining output budget"
            )
        chunks: list[bytes] = []
        remaining = budget[0]
        while True:
            chunk = os.read(fd, min(1 << 20, remaining + 1))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            if remaining < 0:
                raise OutputTooLargeError(f"{rel} grew past the output budget while read")
        budget[0] = remaining
        return b"".join(chunks)
    finally:
        os.close(fd)
