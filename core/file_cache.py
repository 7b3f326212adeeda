"""A worker's local cache of private files, for Docker bind mounts.

The sandbox can only mount local files, so when the private storage is remote (an
S3 bucket) a worker fetches a bundle version's files, or a submission's solution,
into ``SANDBOX_CACHE_DIR`` before a run. An entry is a folder named by the hash of
its listing (file names and their SHA-256), so it is keyed by content and two
versions or submissions with the same content share it. Layout::

    entries/<key>/...   complete, verified entries (read-only for the sandbox user)
    locks/<key>         one lock file per key (kept: tiny)
    tmp/                entries being downloaded

Rules:

* Every file is verified against its recorded SHA-256 while it is downloaded; a
  mismatch (a tampered or damaged object) raises ``CacheCorrupt`` and leaves nothing.
* An entry is built in ``tmp/`` and renamed into ``entries/`` in one step, so no
  process ever sees half an entry.
* Concurrent workers: the filler holds an exclusive ``flock`` on the key's lock file,
  so a second process asking for the same key waits and then finds the entry (one
  download, one folder). A user holds a shared lock for as long as it uses the entry.
* Size: after each fill, while the cache holds more than ``SANDBOX_CACHE_MAX_BYTES``,
  the least recently used entries (oldest mtime; each use touches it) whose lock can
  be taken exclusively without waiting (nobody is using them) are removed. Entries in
  use are never removed, so the cache may run over its bound while they run.
"""

import fcntl
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.conf import settings

from core.private_storage import private_copy_to

# A tmp/ folder older than this was left by a process that died mid-download.
STALE_TMP_SECONDS = 3600
FILL_ATTEMPTS = 3


class CacheCorrupt(Exception):
    """A stored file does not match its recorded SHA-256: refused, nothing cached."""


def entry_key(files: Mapping[str, str]) -> str:
    """The content key of a listing (name → SHA-256)."""
    listing = "".join(f"{sha}  {name}\n" for name, sha in sorted(files.items()))
    return hashlib.sha256(listing.encode()).hexdigest()


def cache_root() -> Path:
    return Path(settings.SANDBOX_CACHE_DIR)


@contextmanager
def cached_files(*, files: Mapping[str, str], prefix: str) -> Iterator[Path]:
    """A local folder holding ``files`` (name relative to ``prefix`` in the private
    storage → SHA-256), verified, kept in the cache and not evicted until the block
    exits. Raises CacheCorrupt when a stored file does not match, FileNotFoundError
    (or the storage's error) when one is missing; the next call tries again."""
    root = cache_root()
    for folder in ("entries", "locks", "tmp"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    key = entry_key(files)
    entry = root / "entries" / key
    with (root / "locks" / key).open("a+b") as lock:
        for _ in range(FILL_ATTEMPTS):
            fcntl.flock(lock, fcntl.LOCK_EX)
            filled = not entry.is_dir()
            if filled:
                _fill(root, entry, files, prefix)
            os.utime(entry)  # most recently used
            # Not atomic: an evictor may take the lock in between; then fill again.
            fcntl.flock(lock, fcntl.LOCK_SH)
            if entry.is_dir():
                break
        else:
            raise RuntimeError(f"cache entry {key} kept being evicted")
        if filled:
            cache_evict(keep=key)
        try:
            yield entry
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fill(root: Path, entry: Path, files: Mapping[str, str], prefix: str) -> None:
    """Downloads and verifies every file into a tmp folder, then renames it into
    place. Raises CacheCorrupt (the tmp folder removed) on a mismatch."""
    tmp = root / "tmp" / uuid.uuid4().hex
    try:
        for name, expected in sorted(files.items()):
            target = tmp / _safe_relative(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                actual = private_copy_to(f"{prefix}/{name}", handle)
            if actual != expected:
                raise CacheCorrupt(f"{prefix}/{name}: SHA-256 {actual}, expected {expected}")
            target.chmod(0o644)
        tmp.mkdir(parents=True, exist_ok=True)  # an empty listing is still an entry
        for folder in (tmp, *(p for p in tmp.rglob("*") if p.is_dir())):
            folder.chmod(0o755)
        os.rename(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise CacheCorrupt(f"refused file name {name!r}")
    return path


def cache_evict(*, keep: str = "", max_bytes: int | None = None) -> list[str]:
    """Removes least recently used entries not in use (and not ``keep``) until the
    cache holds at most ``max_bytes`` (default SANDBOX_CACHE_MAX_BYTES), and tmp
    folders left by dead processes. Returns the removed keys. Safe to run anywhere,
    any time: an entry in use is skipped."""
    root = cache_root()
    limit = settings.SANDBOX_CACHE_MAX_BYTES if max_bytes is None else max_bytes
    _tmp_sweep(root)
    entries = sorted(
        ((path.stat().st_mtime, path.name, _size(path)) for path in _entries(root)),
    )
    total = sum(size for _, _, size in entries)
    removed = []
    for _, key, size in entries:
        if total <= limit:
            break
        if key != keep and _remove_unused(root, key):
            total -= size
            removed.append(key)
    return removed


def _entries(root: Path) -> list[Path]:
    folder = root / "entries"
    return [path for path in folder.iterdir() if path.is_dir()] if folder.is_dir() else []


def _size(entry: Path) -> int:
    return sum(path.stat().st_size for path in entry.rglob("*") if path.is_file())


def _remove_unused(root: Path, key: str) -> bool:
    """Removes the entry unless someone holds its lock."""
    with (root / "locks" / key).open("a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        trash = root / "tmp" / f"evicted-{uuid.uuid4().hex}"
        try:
            os.rename(root / "entries" / key, trash)
        except FileNotFoundError:
            return False
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    shutil.rmtree(trash, ignore_errors=True)
    return True


def _tmp_sweep(root: Path) -> None:
    folder = root / "tmp"
    if not folder.is_dir():
        return
    cutoff = time.time() - STALE_TMP_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)
