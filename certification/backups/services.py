"""Backing up the whole site into a folder and restoring it onto an empty one.

A backup folder holds ``database.dump`` (pg_dump, custom format), ``private.tar``
(PRIVATE_STORAGE_DIR), ``keys.enc`` (the issuer keys under BACKUP_PASSPHRASE) and
``manifest.json`` (checksums and what the backup holds). docs/backups.md explains
what is left out (the secrets) and how to run both.
"""

import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from certification.backups import database, keys, manifest, storage
from certification.backups.errors import BackupError
from certification.credentials.verification import credential_check
from certification.models import Answer, Attempt, Certificate, IssuerKey
from grading.models import Submission

Progress = Callable[[str], None]
# How many of the latest certificates a restore verifies end to end.
CERTIFICATES_VERIFIED = 20


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    sizes: dict[str, int]
    counts: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class CheckedBackup:
    manifest: dict[str, Any]
    keys: list[keys.KeySecret]
    storage_files: int
    pending_migrations: list[str]


@dataclass(frozen=True)
class RestoreSummary:
    counts: dict[str, int]
    issuer_keys: int
    storage_files: int
    certificate_statuses: dict[str, int]
    pending_migrations: list[str]
    seconds: float


def site_counts() -> dict[str, int]:
    """What a restore must find again: rows of the records that matter most."""
    return {
        "users": get_user_model().objects.count(),
        "certificates": Certificate.objects.count(),
        "attempts": Attempt.objects.count(),
        "answers": Answer.objects.count(),
        "submissions": Submission.objects.count(),
        "issuer_keys": IssuerKey.objects.count(),
    }


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _output_prepare(output: Path) -> Path:
    """An absolute ``output`` that does not exist or is an empty folder; its parent is
    created. Raises BackupError otherwise."""
    output = output.absolute()
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(f"{output} already exists and is not empty: give a new folder.")
    output.parent.mkdir(parents=True, exist_ok=True)
    return output


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        with path.open("rb") as stream:
            os.fsync(stream.fileno())
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backup_create(*, output: Path, passphrase: str, progress: Progress) -> BackupSummary:
    """Writes a backup of the configured database, private storage and issuer keys
    into ``output`` (a new or empty folder); returns what it wrote. The files are
    written to a hidden folder beside ``output`` and renamed into place at the end, so
    ``output`` never holds half a backup. Raises BackupError (nothing left behind) on
    any failure. Safe to run while the site serves: one database snapshot is used."""
    keys.passphrase_check(passphrase)
    database.database_require_postgresql()
    dump_major = database.tool_require("pg_dump", at_least=database.server_major())
    output = _output_prepare(output)
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix=f".{output.name}.partial-", dir=output.parent))
    try:
        counts = _backup_write(scratch, passphrase, dump_major, progress)
        _fsync_tree(scratch)
        if output.exists():
            output.rmdir()
        scratch.rename(output)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise BackupError(f"Writing the backup failed: {exc}") from exc
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    sizes = {name: (output / name).stat().st_size for name in (*manifest.FILES, manifest.MANIFEST)}
    return BackupSummary(output, sizes, counts, time.monotonic() - started)


def _backup_write(
    directory: Path, passphrase: str, dump_major: int, progress: Progress
) -> dict[str, int]:
    with database.database_snapshot() as snapshot:
        progress("Dumping the database (pg_dump, custom format)…")
        started = time.monotonic()
        database.database_dump(target=directory / manifest.DATABASE, snapshot=snapshot)
        size = (directory / manifest.DATABASE).stat().st_size
        progress(f"  {manifest.DATABASE}: {_size(size)} in {time.monotonic() - started:.1f} s")
        secrets = keys.issuer_keys_export()
        counts, migrations = site_counts(), manifest.migrations_applied()
    progress("Archiving private storage…")
    root = Path(settings.PRIVATE_STORAGE_DIR)
    files = storage.storage_archive(root=root, target=directory / manifest.STORAGE)
    size = (directory / manifest.STORAGE).stat().st_size
    progress(f"  {manifest.STORAGE}: {files} file(s), {_size(size)}")
    progress("Writing checksums and sealing the issuer keys…")
    digests = {name: manifest.file_digest(directory / name) for name in manifest.SEALED}
    sealed = keys.keys_seal(keys=secrets, files=digests, passphrase=passphrase)
    (directory / manifest.KEYS).write_bytes(sealed)
    progress(f"  {manifest.KEYS}: {len(secrets)} issuer key(s)")
    manifest.manifest_write(
        known=digests,
        directory=directory,
        content={
            "created_at": manifest.manifest_created_at(),
            "code": manifest.code_version(),
            "database": {"server_major": database.server_major(), "pg_dump_major": dump_major},
            "migrations": migrations,
            "counts": counts,
            "storage_files": files,
            "issuer_keys": [
                {"key_url": key.key_url, "public_multikey": key.public_multikey} for key in secrets
            ],
        },
    )
    return counts


def backup_check(*, source: Path, passphrase: str, progress: Progress) -> CheckedBackup:
    """Checks the backup in ``source`` without touching anything: checksums (also
    those sealed under the passphrase), the passphrase, the keys, the archive's
    members, the migrations. Returns what a restore needs. Raises BackupError naming
    what is wrong."""
    keys.passphrase_check(passphrase)
    found = manifest.manifest_read(directory=source)
    progress("Verifying checksums…")
    manifest.manifest_verify(directory=source, manifest=found)
    opened = keys.keys_open(blob=(source / manifest.KEYS).read_bytes(), passphrase=passphrase)
    manifest.manifest_sealed_check(manifest=found, sealed=opened.files)
    keys.keys_check(keys=opened.keys, expected=found.get("issuer_keys", []))
    pending = manifest.migrations_compare(found.get("migrations", {}))
    files = storage.storage_members_check(archive=source / manifest.STORAGE)
    return CheckedBackup(found, opened.keys, files, pending)


def _target_check() -> None:
    database.server_major()  # a clear message when the database cannot be reached
    relations = database.database_relations()
    if relations:
        name = connection.settings_dict["NAME"]
        raise BackupError(
            f"The database {name} is not empty ({relations} tables, views or sequences): "
            "a restore writes into an empty database only. Create a new one "
            "(createdb) and point DATABASE_URL at it."
        )
    storage.storage_require_empty(root=Path(settings.PRIVATE_STORAGE_DIR))


def backup_restore(*, source: Path, passphrase: str, progress: Progress) -> RestoreSummary:
    """Restores the backup in ``source`` into the configured database and private
    storage, both of which must be empty; returns what it found there afterwards.
    Everything is checked before anything is written; the database is restored in one
    transaction, and the files are moved into place only once it has been. Raises
    BackupError on a refusal or failure, and when the restored counts differ from the
    backup's. Not safe to run twice: the second run finds the database not empty."""
    database.database_require_postgresql()
    source = source.absolute()
    started = time.monotonic()
    checked = backup_check(source=source, passphrase=passphrase, progress=progress)
    found = checked.manifest
    database.tool_require("pg_restore", at_least=found["database"]["pg_dump_major"])
    _target_check()
    progress("Extracting private storage…")
    scratch = storage.storage_extract(
        archive=source / manifest.STORAGE, root=Path(settings.PRIVATE_STORAGE_DIR)
    )
    try:
        progress("Restoring the database (pg_restore, one transaction)…")
        database.database_restore(source=source / manifest.DATABASE)
    except BaseException:
        storage.storage_discard(scratch=scratch)
        raise
    storage.storage_commit(scratch=scratch)
    with transaction.atomic():
        resealed = keys.issuer_keys_reseal(keys=checked.keys)
    progress(f"  {resealed} issuer key(s) sealed under this site's CREDENTIAL_KEY_SECRET")
    counts = site_counts()
    if counts != found["counts"]:
        raise BackupError(
            f"Restored, but the counts differ: backup {found['counts']}, now {counts}."
        )
    return RestoreSummary(
        counts=counts,
        issuer_keys=resealed,
        storage_files=checked.storage_files,
        certificate_statuses=certificates_verify(limit=CERTIFICATES_VERIFIED),
        pending_migrations=checked.pending_migrations,
        seconds=time.monotonic() - started,
    )


def certificates_verify(*, limit: int) -> dict[str, int]:
    """Runs the full credential verification on the latest ``limit`` signed
    certificates; returns how many got each status (valid, revoked, invalid...)."""
    latest = Certificate.objects.exclude(credential={}).order_by("-issued_at", "-pk")[:limit]
    return dict(Counter(credential_check(document=c.credential).status for c in latest))
