"""Unpacking a bundle safely, and the checksums of its files.

``bundle_extract`` refuses links, devices, absolute or ``..`` paths, too many files
and too many bytes, whether the bundle is a folder, a .tar(.gz) or a .zip.
"""

import hashlib
import shutil
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from training.bundles.manifest import BundleRefused

MAX_FILES = 20_000


class _Budget:
    """Counts the files and bytes unpacked so far and maps a member's name to its
    target path, refusing unsafe names and anything over the limits."""

    def __init__(self, into: Path, max_bytes: int) -> None:
        self.into = into
        self.max_bytes = max_bytes
        self.total = 0
        self.count = 0

    def target(self, name: str, size: int) -> Path:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise BundleRefused(f"unsafe path in bundle: {name!r}")
        self.total += size
        self.count += 1
        if self.total > self.max_bytes:
            raise BundleRefused(f"bundle larger than {self.max_bytes // (1 << 20)} MiB")
        if self.count > MAX_FILES:
            raise BundleRefused(f"bundle has more than {MAX_FILES} files")
        target = self.into / Path(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


def bundle_extract(source: Path, into: Path, *, max_bytes: int) -> None:
    """Unpacks a .tar(.gz) or .zip, or copies a folder, into ``into``. Raises
    BundleRefused for links, devices, absolute or ``..`` paths, more than MAX_FILES
    files or more than ``max_bytes`` bytes."""
    budget = _Budget(into, max_bytes)
    if source.is_dir():
        _copy_folder(source, budget)
    elif zipfile.is_zipfile(source):
        _extract_zip(source, budget)
    else:
        _extract_tar(source, budget)


def _copy_folder(source: Path, budget: _Budget) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise BundleRefused(f"links and special files are not allowed: {relative}")
        if path.is_file():
            shutil.copyfile(path, budget.target(relative, path.stat().st_size))


def _extract_zip(source: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(source) as zipped:
        for info in zipped.infolist():
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) & 0o170000
            if mode not in (0, 0o100000):
                raise BundleRefused(f"links and special files are not allowed: {info.filename}")
            target = budget.target(info.filename, info.file_size)
            with zipped.open(info) as src, target.open("wb") as dst:
                _copy_capped(src, dst, info.file_size)


def _extract_tar(source: Path, budget: _Budget) -> None:
    try:
        archive = tarfile.open(source)  # noqa: SIM115 (closed below)
    except tarfile.TarError as exc:
        raise BundleRefused("upload a .tar.gz or .zip archive of the bundle") from exc
    with archive:
        for member in archive.getmembers():
            if member.isdir():
                continue
            if not member.isfile():
                raise BundleRefused(f"links and special files are not allowed: {member.name}")
            target = budget.target(member.name, member.size)
            extracted = archive.extractfile(member)
            assert extracted is not None
            with extracted, target.open("wb") as dst:
                _copy_capped(extracted, dst, member.size)


def _copy_capped(src: IO[bytes], dst: IO[bytes], declared: int) -> None:
    written = 0
    for chunk in iter(lambda: src.read(1 << 20), b""):
        written += len(chunk)
        if written > declared:
            raise BundleRefused("archive member larger than declared")
        dst.write(chunk)


def file_checksums(root: Path) -> dict[str, str]:
    """``{relative posix path: sha256}`` of every regular file under ``root``."""
    sums = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            sums[path.relative_to(root).as_posix()] = digest.hexdigest()
    return sums


def listing_hash(sums: dict[str, str]) -> str:
    """The SHA-256 of a ``sha256sum``-style listing of ``sums``: a bundle's identity."""
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    return hashlib.sha256(listing.encode()).hexdigest()
