"""Backups: a site backed up and restored into a fresh database and storage, checked
there through the real verification code; and every refusal, with nothing written.

The commands run in subprocesses, each with its own DATABASE_URL and
PRIVATE_STORAGE_DIR, as an operator runs them."""

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from certification.backups.errors import BackupError
from certification.backups.keys import KeySecret, Sealed, keys_open, keys_seal
from certification.backups.storage import storage_members_check
from certification.credentials.services import certificate_issue
from certification.exams.practical import practical_submit
from certification.models import Answer, Attempt
from grading.practical import submission_dir
from tests.factories import approved_application, objective_exam
from tests.ops.conftest import (
    PASSPHRASE,
    backup_copy,
    database_execute,
    file_replace,
    forge,
    manage,
    relations,
)
from tests.test_results import graded_practical, graded_written

PASSPHRASE_FOR_UNIT = "twelve chars or more"
SOLUTION = "def predict(batch):\n    return [0 for _ in batch]  # 你好\n".encode()

# Runs in the restored site: verifies the certificate with the site's own verifier,
# reads the attempt's answers back and decrypts the active signing key.
PROBE = """
import json, os
from certification.credentials.issuer import issuer_key_active, issuer_private_key
from certification.credentials.verification import credential_check
from certification.models import Answer, Certificate
args = json.loads(os.environ["PROBE"])
certificate = Certificate.objects.get(code=args["code"])
answers = Answer.objects.filter(item__attempt_id=args["attempt"]).order_by("item__position")
print(json.dumps({
    "report": credential_check(document=certificate.credential).to_json(),
    "answers": [[a.item.position, a.response, a.revision, a.saved_at.isoformat()] for a in answers],
    "signs": issuer_private_key(issuer_key_active()) is not None,
}))
"""


def _answers(attempt: Attempt) -> list[list[Any]]:
    answers = Answer.objects.filter(item__attempt=attempt).order_by("item__position")
    return [[a.item.position, a.response, a.revision, a.saved_at.isoformat()] for a in answers]


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def demo_backup(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the test database as committed (the demo) and of the session's
    private storage, made once for the refusal tests."""
    target = tmp_path_factory.mktemp("demo-backup") / "backup"
    made = manage(
        "backup",
        "--output",
        str(target),
        database=settings.DATABASES["default"]["NAME"],
        storage=Path(settings.PRIVATE_STORAGE_DIR),
    )
    assert made.returncode == 0, made.stderr
    return target


@pytest.mark.django_db(transaction=True)
def test_a_restored_site_verifies_its_certificate_and_keeps_answers_and_files(
    demo: dict[str, Any], candidate: Any, committee: Any, fresh_database: str, tmp_path: Path
) -> None:
    # Given a certificate, a graded attempt with answers and a submission with its file
    certification = demo["certification"]
    objective_exam(certification=certification)
    application = approved_application(
        candidate=candidate, certification=certification, committee=committee
    )
    graded_written(application, None)
    graded_practical(application, 0.92)
    upload = SimpleUploadedFile("solution.py", SOLUTION)
    submission = practical_submit(candidate=candidate, certification=certification, upload=upload)
    certificate = certificate_issue(application_id=application.pk, issued_by=committee)
    attempt = Attempt.objects.get(candidate=candidate)
    answers, files = _answers(attempt), _digests(submission_dir(submission))
    assert answers and files == {"solution.py": hashlib.sha256(SOLUTION).hexdigest()}

    # When it is backed up, and restored into a fresh database and storage by a site
    # whose CREDENTIAL_KEY_SECRET differs
    backup, restored_storage = tmp_path / "backup", tmp_path / "restored"
    made = manage(
        "backup",
        "--output",
        str(backup),
        database=settings.DATABASES["default"]["NAME"],
        storage=Path(settings.PRIVATE_STORAGE_DIR),
    )
    assert made.returncode == 0, made.stderr
    restored = manage(
        "restore",
        str(backup),
        database=fresh_database,
        storage=restored_storage,
        CREDENTIAL_KEY_SECRET="a different secret on the new machine",
    )
    assert restored.returncode == 0, restored.stderr
    assert "Latest certificates verified: valid" in restored.stdout

    # Then the certificate verifies there, the answers and the files are the same
    probe = manage(
        "shell",
        "-c",
        PROBE,
        database=fresh_database,
        storage=restored_storage,
        CREDENTIAL_KEY_SECRET="a different secret on the new machine",
        PROBE=json.dumps({"code": certificate.code, "attempt": attempt.pk}),
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found["report"]["valid"], found["report"]
    assert found["answers"] == json.loads(json.dumps(answers))
    assert found["signs"]
    restored_folder = restored_storage / submission_dir(submission).relative_to(
        settings.PRIVATE_STORAGE_DIR
    )
    assert _digests(restored_folder) == files
    assert _digests(restored_storage) == _digests(Path(settings.PRIVATE_STORAGE_DIR))


@pytest.mark.parametrize("name", ["database.dump", "keys.enc"])
def test_a_tampered_file_is_refused_by_name(
    demo_backup: Path, fresh_database: str, tmp_path: Path, name: str
) -> None:
    copy = backup_copy(demo_backup, tmp_path / "copy")
    content = bytearray((copy / name).read_bytes())
    content[len(content) // 2] ^= 0x01
    file_replace(copy / name, bytes(content))

    result = manage("restore", str(copy), database=fresh_database, storage=tmp_path / "s")

    assert result.returncode == 1
    assert f"{name} does not match its checksum" in result.stderr
    assert relations(fresh_database) == []
    assert not (tmp_path / "s").exists()


def test_a_missing_file_is_refused_by_name(
    demo_backup: Path, fresh_database: str, tmp_path: Path
) -> None:
    copy = backup_copy(demo_backup, tmp_path / "copy")
    (copy / "private.tar").unlink()

    result = manage("restore", str(copy), database=fresh_database, storage=tmp_path / "s")

    assert result.returncode == 1
    assert "private.tar is missing" in result.stderr
    assert relations(fresh_database) == []


def test_a_database_that_is_not_empty_is_refused(
    demo_backup: Path, fresh_database: str, tmp_path: Path
) -> None:
    database_execute(fresh_database, "CREATE TABLE keep_me (id integer)")
    before = relations(fresh_database)

    result = manage("restore", str(demo_backup), database=fresh_database, storage=tmp_path / "s")

    assert result.returncode == 1
    assert "is not empty" in result.stderr
    assert relations(fresh_database) == before
    assert not (tmp_path / "s").exists()


def test_a_wrong_passphrase_is_refused_clearly(
    demo_backup: Path, fresh_database: str, tmp_path: Path
) -> None:
    result = manage(
        "restore",
        str(demo_backup),
        database=fresh_database,
        storage=tmp_path / "s",
        passphrase="not the passphrase at all",
    )

    assert result.returncode == 1
    assert "BACKUP_PASSPHRASE is not the one this backup was made with" in result.stderr
    assert relations(fresh_database) == []


def _tar(member: tarfile.TarInfo, content: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        safe = tarfile.TarInfo("ok.txt")
        safe.size = 2
        archive.addfile(safe, io.BytesIO(b"ok"))
        member.size = len(content) if member.isreg() else 0
        archive.addfile(member, io.BytesIO(content) if member.isreg() else None)
    return buffer.getvalue()


def test_a_forged_file_with_its_manifest_entry_is_refused_without_the_passphrase(
    demo_backup: Path, fresh_database: str, tmp_path: Path
) -> None:
    copy = backup_copy(demo_backup, tmp_path / "copy")
    forge(copy / "private.tar", _tar(tarfile.TarInfo("extra.txt"), b"x"))
    storage = tmp_path / "store" / "private"

    result = manage("restore", str(copy), database=fresh_database, storage=storage)

    assert result.returncode == 1
    assert "private.tar: its checksum in manifest.json is not the one sealed" in result.stderr
    assert not (tmp_path / "store").exists()
    assert relations(fresh_database) == []


def test_an_archive_member_that_escapes_is_refused_and_nothing_is_written(
    demo_backup: Path, fresh_database: str, tmp_path: Path
) -> None:
    # A forger who knows the passphrase: every checksum matches what the backup holds.
    copy = backup_copy(demo_backup, tmp_path / "copy")
    escaping = _tar(tarfile.TarInfo("../escaped.txt"), b"x")
    forge(copy / "private.tar", escaping, passphrase=PASSPHRASE)
    storage = tmp_path / "store" / "private"

    result = manage("restore", str(copy), database=fresh_database, storage=storage)

    assert result.returncode == 1
    assert "'../escaped.txt' would leave the storage" in result.stderr
    assert not (tmp_path / "store").exists()
    assert not (tmp_path / "escaped.txt").exists()
    assert relations(fresh_database) == []


def _member(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = kind, link
    return member


@pytest.mark.parametrize(
    ("member", "refusal"),
    [
        (_member("a/../../up.txt", tarfile.REGTYPE), "would leave the storage"),
        (_member("/etc/cron.d/evil", tarfile.REGTYPE), "absolute path"),
        (_member("link", tarfile.SYMTYPE, "/etc/passwd"), "is a link, device or FIFO"),
        (_member("hard", tarfile.LNKTYPE, "ok.txt"), "is a link, device or FIFO"),
        (_member("tty", tarfile.CHRTYPE), "is a link, device or FIFO"),
        (_member("pipe", tarfile.FIFOTYPE), "is a link, device or FIFO"),
    ],
)
def test_unsafe_archive_members_are_refused(
    tmp_path: Path, member: tarfile.TarInfo, refusal: str
) -> None:
    archive = tmp_path / "private.tar"
    archive.write_bytes(_tar(member, b"x"))

    with pytest.raises(BackupError, match=refusal):
        storage_members_check(archive=archive)


def test_keys_open_only_with_their_passphrase() -> None:
    keys = [KeySecret(key_url="https://x/issuer#k", public_multikey="z6Mk", secret="z3u2")]
    files = {"database.dump": {"sha256": "ab" * 32, "size": 3}}
    sealed = keys_seal(keys=keys, files=files, passphrase=PASSPHRASE_FOR_UNIT)

    assert keys_open(blob=sealed, passphrase=PASSPHRASE_FOR_UNIT) == Sealed(keys, files)
    with pytest.raises(BackupError, match="not the one"):
        keys_open(blob=sealed, passphrase=PASSPHRASE_FOR_UNIT + "!")


def test_a_backup_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("keep me")

    result = manage(
        "backup", "--output", str(tmp_path / "out"),
        database=settings.DATABASES["default"]["NAME"], storage=tmp_path / "s",
    )  # fmt: skip

    assert result.returncode == 1
    assert "is not empty" in result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["old.txt"]


def test_a_backup_refuses_the_embedded_sqlite_database(tmp_path: Path) -> None:
    result = manage(
        "backup", "--output", str(tmp_path / "out"), database="unused", storage=tmp_path / "s",
        DATABASE_URL="", CERT_VAR_DIR=str(tmp_path / "var"),
    )  # fmt: skip

    assert result.returncode == 1
    assert "not PostgreSQL" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_failed_backup_leaves_nothing_behind(django_db_setup: None, tmp_path: Path) -> None:
    storage = tmp_path / "private"
    storage.mkdir()
    (storage / "file.txt").write_text("data")
    (storage / "link").symlink_to("/etc/passwd")

    result = manage(
        "backup", "--output", str(tmp_path / "out" / "b"),
        database=settings.DATABASES["default"]["NAME"], storage=storage,
    )  # fmt: skip

    assert result.returncode == 1
    assert "Private storage holds link" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []
