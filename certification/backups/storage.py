"""The private files of a backup: PRIVATE_STORAGE_DIR as a tar archive of regular
files and folders, and its safe extraction on restore.

Extraction trusts nothing in the archive: every member is checked before anything is
written (no absolute names, no ``..``, no links, devices or FIFOs), the members are
extracted under a scratch folder inside the target with tarfile's ``data`` filter, and
only then moved into place.
"""

import os
import secrets
import shutil
import stat
import tarfile
from pathlib import Path, PurePosixPath

from certification.backups.errors import BackupError

# Grading runs' temporary folders (grading.practical): nothing to keep.
SKIPPED_TOP_LEVEL = frozenset({"scratch"})
_RESTORE_PREFIX = ".restore-"


def _entries(root: Path) -> list[tuple[Path, str]]:
    """(path, archive name) of every folder and file under ``root``, sorted; raises
    BackupError for anything else (a symlink, a socket...)."""
    found: list[tuple[Path, str]] = []
    for folder, dirnames, filenames in os.walk(root):
        here = Path(folder)
        if here == root:
            dirnames[:] = [name for name in dirnames if name not in SKIPPED_TOP_LEVEL]
        dirnames.sort()
        for name in [*dirnames, *sorted(filenames)]:
            path = here / name
            mode = path.lstat().st_mode
            relative = path.relative_to(root).as_posix()
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise BackupError(
                    f"Private storage holds {relative}, which is neither a regular file "
                    "nor a folder; a backup carries only those. Move it away first."
                )
            found.append((path, relative))
    return found


def storage_archive(*, root: Path, target: Path) -> int:
    """Writes every file and folder under ``root`` (none when it does not exist) into
    the tar ``target``; returns how many files it holds."""
    files = 0
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as archive:
        if not root.is_dir():
            return 0
        for path, name in _entries(root):
            archive.add(path, arcname=name, recursive=False)
            files += path.is_file()
    return files


def _member_check(member: tarfile.TarInfo) -> None:
    name = member.name
    parts = PurePosixPath(name).parts
    if not name or name.startswith(("/", "\\")) or PurePosixPath(name).is_absolute():
        raise BackupError(f"private.tar: member {name!r} has an absolute path; refused.")
    if ".." in parts or "\\" in name:
        raise BackupError(f"private.tar: member {name!r} would leave the storage; refused.")
    if parts[0].startswith(_RESTORE_PREFIX):
        raise BackupError(f"private.tar: member {name!r} uses a reserved name; refused.")
    if not (member.isreg() or member.isdir()):
        raise BackupError(
            f"private.tar: member {name!r} is a link, device or FIFO, not a regular "
            "file or folder; refused."
        )


def storage_members_check(*, archive: Path) -> int:
    """Reads the whole archive and checks every member; returns the number of files.
    Raises BackupError naming the first bad member (nothing is written)."""
    try:
        with tarfile.open(archive, "r:") as tar:
            members = tar.getmembers()
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"private.tar cannot be read: {exc}") from exc
    for member in members:
        _member_check(member)
    return sum(member.isreg() for member in members)


def storage_require_empty(*, root: Path) -> None:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BackupError(
            f"PRIVATE_STORAGE_DIR ({root}) is not empty: a restore writes into an empty "
            "storage only. Point it at a new folder or empty it first."
        )


def storage_extract(*, archive: Path, root: Path) -> Path:
    """Extracts the (checked) archive into a scratch folder inside ``root``; returns it.
    Call ``storage_commit`` to move the files into place, or ``storage_discard``."""
    root.mkdir(parents=True, exist_ok=True)
    scratch = root / f"{_RESTORE_PREFIX}{secrets.token_hex(6)}"
    scratch.mkdir(mode=0o700)
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar.getmembers():
                _member_check(member)  # the file may have changed since the check
            tar.extractall(scratch, filter="data")
    except (OSError, tarfile.TarError) as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise BackupError(f"private.tar could not be extracted: {exc}") from exc
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return scratch


def storage_commit(*, scratch: Path) -> None:
    """Moves the extracted entries from ``scratch`` up into the storage (one rename
    each, same file system) and removes the scratch folder."""
    for entry in sorted(scratch.iterdir()):
        entry.rename(scratch.parent / entry.name)
    scratch.rmdir()


def storage_discard(*, scratch: Path) -> None:
    shutil.rmtree(scratch, ignore_errors=True)
