"""Private storage: uploaded solutions, task bundles, bundle archives and application
attachments, through Django's ``STORAGES["private"]``.

By default that is :class:`PrivateFileSystemStorage`, a folder at
``PRIVATE_STORAGE_DIR`` (shared by every host at the same path when there are
several); with ``PRIVATE_STORAGE_BACKEND=s3`` it is an S3-compatible bucket
(``config.storage``). Nothing here ever asks a storage for a URL: private files are
never served by URL, only streamed by a view that checked access.

When the storage is that local folder, callers keep using files in place
(``private_is_local``); otherwise a worker fetches what it needs into its local
cache (``core.file_cache``).
"""

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

CHUNK_BYTES = 1 << 20


class PrivateFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage that follows ``settings.PRIVATE_STORAGE_DIR`` (read on each
    use, so tests and benchmarks that point it elsewhere move the storage too) and
    overwrites a name instead of inventing another: the callers choose unique names."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_overwrite", True)
        super().__init__(**kwargs)

    @property
    def base_location(self) -> str:
        return str(getattr(self, "_location", None) or settings.PRIVATE_STORAGE_DIR)

    @property
    def location(self) -> str:
        return str(Path(self.base_location).resolve())


def private_storage() -> Storage:
    return storages["private"]


def private_is_local() -> bool:
    """True when the private storage is the folder at PRIVATE_STORAGE_DIR itself, so
    that a file's storage name is also its path under that folder."""
    storage = private_storage()
    return (
        isinstance(storage, FileSystemStorage)
        and Path(storage.location) == Path(settings.PRIVATE_STORAGE_DIR).resolve()
    )


def private_local_path(name: str) -> Path:
    """The local path of ``name``; only when ``private_is_local()``."""
    if not private_is_local():
        raise RuntimeError("the private storage is not a local folder")
    return Path(private_storage().path(name))


def private_save(name: str, content: bytes | File[Any]) -> None:
    """Stores ``content`` under exactly ``name`` (replacing what was there)."""
    file = ContentFile(content) if isinstance(content, bytes) else content
    saved = private_storage().save(name, file)
    if saved != name:  # a storage that renamed it: the caller's record would be wrong
        raise RuntimeError(f"the private storage stored {name!r} as {saved!r}")


def private_exists(name: str) -> bool:
    return private_storage().exists(name)


def private_size(name: str) -> int:
    return private_storage().size(name)


def private_open(name: str) -> File[Any]:
    """``name`` opened for reading (binary). Raises FileNotFoundError (or the
    storage's own error) when it is missing."""
    return private_storage().open(name, "rb")


def private_delete(name: str) -> None:
    private_storage().delete(name)


def private_copy_to(name: str, target: IO[bytes]) -> str:
    """Streams ``name`` into ``target``; returns the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    with private_open(name) as source:
        for chunk in source.chunks(CHUNK_BYTES):
            digest.update(chunk)
            target.write(chunk)
    return digest.hexdigest()


def private_sha256(name: str) -> str:
    """The SHA-256 of a stored file, read through the storage."""
    digest = hashlib.sha256()
    with private_open(name) as source:
        for chunk in source.chunks(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def private_walk(prefix: str) -> Iterator[str]:
    """Every file name under the folder ``prefix``, relative to it (``a/b.npy``)."""
    storage = private_storage()
    folders, files = storage.listdir(prefix)
    yield from sorted(files)
    for folder in sorted(folders):
        for name in private_walk(f"{prefix}/{folder}"):
            yield f"{folder}/{name}"


@contextmanager
def private_local_copy(name: str, *, scratch: Path) -> Iterator[Path]:
    """A local file holding ``name``: the file itself when the storage is local, else
    a copy under ``scratch`` (same base name) removed on exit."""
    if private_is_local():
        yield private_local_path(name)
        return
    scratch.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="fetch-", dir=scratch))
    try:
        target = folder / Path(name).name
        with target.open("wb") as handle:
            private_copy_to(name, handle)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)
