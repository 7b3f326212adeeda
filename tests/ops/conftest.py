"""Helpers for the backup tests: ``manage.py`` in a subprocess with its own database
and storage, fresh databases on the test server, copies of a backup to spoil."""

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg import sql

from certification.backups.keys import keys_open, keys_seal
from certification.backups.manifest import KEYS, MANIFEST, file_digest

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def manage(
    *args: str, database: str, storage: Path, passphrase: str = PASSPHRASE, **env: str
) -> subprocess.CompletedProcess[str]:
    """Runs ``manage.py *args`` on the database ``database`` and the private storage
    ``storage``; ``env`` adds or overrides environment variables."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "PRIVATE_STORAGE_DIR": str(storage),
        "BACKUP_PASSPHRASE": passphrase,
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _connect(name: str) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=name,
        autocommit=True,
    )


def database_execute(name: str, statement: str) -> None:
    with _connect(name) as conn:
        conn.execute(statement.encode())


def relations(name: str) -> list[str]:
    """The tables, views and sequences in the database ``name`` (outside the system
    schemas)."""
    with _connect(name) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname <> 'information_schema'"
            " AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1"
        ).fetchall()
    return [row[0] for row in rows]


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("backups need PostgreSQL")
    name = f"test_restore_{secrets.token_hex(4)}"
    with _connect("postgres") as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with _connect("postgres") as server:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def backup_copy(source: Path, target: Path) -> Path:
    """A copy of the backup ``source`` made of hard links (the demo's storage is large):
    replace a file with ``file_replace``, never write into one."""
    target.mkdir()
    for path in source.iterdir():
        os.link(path, target / path.name)
    return target


def file_replace(path: Path, content: bytes) -> None:
    path.unlink()
    path.write_bytes(content)


def forge(path: Path, content: bytes, *, passphrase: str | None = None) -> None:
    """Replaces ``path`` with ``content`` and its checksum in the manifest; with the
    ``passphrase``, also the checksum sealed in keys.enc (a forger who knows it)."""
    file_replace(path, content)
    manifest_path = path.parent / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][path.name] = file_digest(path)
    if passphrase is not None:
        keys_path = path.parent / KEYS
        opened = keys_open(blob=keys_path.read_bytes(), passphrase=passphrase)
        files = {**opened.files, path.name: file_digest(path)}
        file_replace(keys_path, keys_seal(keys=opened.keys, files=files, passphrase=passphrase))
        manifest["files"][KEYS] = file_digest(keys_path)
    file_replace(manifest_path, json.dumps(manifest).encode())
