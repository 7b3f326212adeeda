"""The database part of a backup: pg_dump in custom format and pg_restore, run on the
configured ``default`` database (PostgreSQL only), plus a consistent snapshot that the
dump and the rest of the backup share."""

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from certification.backups.errors import BackupError

# A dump or restore of a large site takes long; a hung server must still end it.
TOOL_TIMEOUT_S = 4 * 60 * 60
_RELATION_KINDS = ("r", "p", "v", "m", "S", "f")


def database_require_postgresql() -> None:
    """Raises BackupError unless the configured database is PostgreSQL."""
    if connection.vendor != "postgresql":
        raise BackupError(
            f"The configured database is {connection.vendor}, not PostgreSQL: backups "
            "need DATABASE_URL to name a PostgreSQL database (the embedded SQLite "
            "default is for trying the site out; copy var/ while it is stopped)."
        )


def server_major() -> int:
    """The configured server's major version; raises BackupError if it cannot be
    reached."""
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        name = connection.settings_dict["NAME"]
        raise BackupError(f"Cannot connect to the database {name}: {exc}") from exc
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def tool_major(tool: str) -> int:
    """The major version of a PostgreSQL client tool (``pg_dump``, ``pg_restore``)."""
    try:
        out = subprocess.run(
            [tool, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"{tool} is not available: {exc}") from exc
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if match is None:
        raise BackupError(f"Cannot read the version of {tool}: {out.strip()!r}")
    return int(match.group(1))


def tool_require(tool: str, *, at_least: int) -> int:
    major = tool_major(tool)
    if major < at_least:
        raise BackupError(
            f"{tool} is version {major}, older than {at_least} (the server's or the "
            f"dump's): install the PostgreSQL {at_least} client tools."
        )
    return major


def _environment() -> dict[str, str]:
    """libpq variables for the configured database: the password never shows in a
    process listing."""
    db = connection.settings_dict
    env = dict(os.environ)
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode", ""),
    }
    env.update({name: value for name, value in values.items() if value})
    return env


def _run(command: list[str], *, what: str) -> None:
    try:
        result = subprocess.run(
            command, env=_environment(), capture_output=True, text=True, timeout=TOOL_TIMEOUT_S
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"{what} failed: {exc}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")


@contextmanager
def database_snapshot() -> Iterator[str]:
    """A read-only repeatable-read transaction on the default connection; yields its
    exported snapshot id, so that pg_dump and the queries made inside see the same
    data."""
    connection.ensure_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        row = cursor.fetchone()
        assert row is not None
        yield str(row[0])


def database_dump(*, target: Path, snapshot: str) -> None:
    """pg_dump -Fc of the configured database at ``snapshot`` into ``target``."""
    _run(
        ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
        what="pg_dump",
    )


def database_relations() -> int:
    """How many tables, views and sequences the configured database holds outside the
    system schemas (0 for a freshly created database)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = ANY(%s) AND n.nspname <> 'information_schema'"
            " AND n.nspname NOT LIKE 'pg\\_%%'",
            [list(_RELATION_KINDS)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def database_restore(*, source: Path) -> None:
    """pg_restore of ``source`` into the configured database in one transaction: on
    failure the database is left as it was. Owners and grants are not restored (the
    configured user owns everything)."""
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        ],
        what="pg_restore",
    )
