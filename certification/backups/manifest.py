"""``manifest.json``: what a backup holds (format, when, which code, which migrations,
what the database counted) and the SHA-256 and size of each of its files."""

import hashlib
import json
import os
import subprocess
from collections import defaultdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from certification.backups.errors import BackupError

FORMAT = "certengine-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.dump"
STORAGE = "private.tar"
KEYS = "keys.enc"
FILES = (DATABASE, STORAGE, KEYS)
# Their checksums are also sealed under the passphrase, in keys.enc.
SEALED = (DATABASE, STORAGE)


def file_digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def code_version() -> dict[str, str]:
    """The package version and, when known, the git commit of the code running now
    (GIT_COMMIT from the environment, else the checkout's HEAD)."""
    try:
        version = metadata.version("cert-exam-engine")
    except metadata.PackageNotFoundError:
        version = "unknown"
    commit = os.environ.get("GIT_COMMIT", "")
    if not commit and (Path(settings.BASE_DIR) / ".git").exists():
        try:
            commit = subprocess.run(
                ["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout.strip()  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            commit = ""
    return {"version": version, "commit": commit or "unknown"}


def migrations_applied() -> dict[str, list[str]]:
    """The migrations recorded in the database, by app."""
    applied: dict[str, list[str]] = defaultdict(list)
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied[app].append(name)
    return dict(applied)


def migrations_compare(backup: dict[str, list[str]]) -> list[str]:
    """Raises BackupError if the backup has migrations this code does not know (it
    was made by a newer version); returns those this code has and the backup lacks
    (run ``migrate`` after the restore)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    recorded = {(app, name) for app, names in backup.items() for name in names}
    unknown = sorted(recorded - known)
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(
            f"The backup's database has migrations this code does not know ({names}): "
            "restore it with the version that made it (see manifest.json 'code')."
        )
    return sorted(f"{app}.{name}" for app, name in known - recorded)


def manifest_write(
    *, directory: Path, content: dict[str, Any], known: dict[str, dict[str, Any]]
) -> None:
    """Writes the manifest with ``content`` and the checksum of every file (those in
    ``known`` are not read again)."""
    files = {name: known.get(name) or file_digest(directory / name) for name in FILES}
    document = {"format": FORMAT, "version": VERSION, **content, "files": files}
    (directory / MANIFEST).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def manifest_created_at() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def manifest_read(*, directory: Path) -> dict[str, Any]:
    """The manifest of the backup in ``directory``; raises BackupError when it is
    missing, unreadable or of another format."""
    path = directory / MANIFEST
    try:
        document: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{path} is missing: {directory} is not a complete backup.") from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"{MANIFEST} cannot be read: {exc}") from exc
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise BackupError(
            f"{MANIFEST} is not a backup manifest of format {FORMAT} version {VERSION}."
        )
    return document


def manifest_verify(*, directory: Path, manifest: dict[str, Any]) -> None:
    """Checks the size and SHA-256 of every file the backup must hold; raises
    BackupError naming the first file that is missing or differs."""
    listed = manifest.get("files") or {}
    for name in FILES:
        path = directory / name
        if name not in listed:
            raise BackupError(f"{MANIFEST} lists no {name}: the backup is incomplete.")
        if not path.is_file():
            raise BackupError(f"{name} is missing: the backup is incomplete.")
        if file_digest(path) != listed[name]:
            raise BackupError(
                f"{name} does not match its checksum in {MANIFEST}: the backup was "
                "altered or damaged; refused."
            )


def manifest_sealed_check(*, manifest: dict[str, Any], sealed: dict[str, Any]) -> None:
    """Compares the manifest's checksums with those sealed under the passphrase in
    ``keys.enc``; raises BackupError naming a file whose entry was rewritten."""
    for name in SEALED:
        if manifest["files"][name] != sealed.get(name):
            raise BackupError(
                f"{name}: its checksum in {MANIFEST} is not the one sealed in {KEYS}: the "
                "backup was altered; refused."
            )
