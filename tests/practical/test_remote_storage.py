"""The whole practical flow with the private storage remote: a FileSystemStorage at
one folder stands for the bucket and the worker's cache is another, so uploads go
through the storage API and grading mounts verified cached copies (real Docker)."""

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.file_cache import entry_key
from core.private_storage import private_is_local
from grading import practical
from grading.models import Submission
from tests.practical.test_pipeline import CHEAT
from training.bundles.paths import BundlePaths
from training.bundles.storage import bundle_public_archive, bundle_verify
from training.bundles.uploads import bundle_upload_process, bundle_upload_receive
from training.demo.bundles import demo_bundle
from training.models import BundleVersion

pytestmark = [pytest.mark.django_db, pytest.mark.docker]


@pytest.fixture
def bucket(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "bucket"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "allow_overwrite": True},
        },
    }
    settings.SANDBOX_CACHE_DIR = tmp_path / "cache"
    return folder


@pytest.fixture
def bundle_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "langid"
    shutil.copytree(demo_bundle("langid"), folder)
    manifest = folder / "task.toml"
    manifest.write_text(manifest.read_text().replace('slug = "langid"', 'slug = "langid-remote"'))
    return folder


def zipped(folder: Path) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return SimpleUploadedFile("langid.zip", buffer.getvalue())


def upload(folder: Path, user: Any) -> BundleVersion:
    record = bundle_upload_receive(upload=zipped(folder), uploaded_by=user)
    bundle_upload_process(upload_id=record.pk, trial=lambda **_: {})
    record.refresh_from_db()
    assert record.state == "accepted", record.message
    assert record.version is not None
    return record.version


def submit(version: BundleVersion, candidate: Any, content: bytes) -> Submission:
    return practical.submission_create(
        task=version.task, candidate=candidate, upload=SimpleUploadedFile("solution.py", content)
    )


def test_uploads_live_in_the_bucket_and_workers_grade_from_a_verified_cache(
    bucket: Path, bundle_folder: Path, candidate: Any, settings: Any
) -> None:
    assert not private_is_local()
    version = upload(bundle_folder, candidate)
    assert (bucket / version.storage_dir / "hidden/labels/y.npy").is_file()
    assert not (Path(settings.PRIVATE_STORAGE_DIR) / version.storage_dir).exists()
    assert bundle_verify(version) == []
    with zipfile.ZipFile(io.BytesIO(bundle_public_archive(version.task))) as archive:
        names = archive.namelist()
    assert "langid-remote/public/statement.md" in names
    assert not [n for n in names if "hidden" in n or "solutions" in n]

    reference = BundlePaths(bundle_folder).reference_solution.read_bytes()
    submission = submit(version, candidate, reference)
    assert (bucket / f"submissions/{submission.public_id}/solution.py").read_bytes() == reference
    practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert (submission.state, submission.verdict, submission.passed) == ("done", "ok", True)
    entries = Path(settings.SANDBOX_CACHE_DIR) / "entries"
    bundle_entry = entries / entry_key(version.files)
    first = bundle_entry.stat().st_ino

    # Second run: the bundle is a cache hit; the labels stay out of the sandbox.
    cheat = submit(version, candidate, CHEAT)
    practical.submission_grade(submission_id=cheat.pk)
    cheat.refresh_from_db()
    assert cheat.verdict == "ok" and cheat.test_score < 0.2
    assert bundle_entry.stat().st_ino == first
    assert len(list(entries.iterdir())) == 3  # the bundle and two solutions

    # A tampered object is refused: an infrastructure error, requeued, never charged.
    (bucket / version.storage_dir / "hidden/labels/y.npy").write_bytes(b"forged")
    assert bundle_verify(version) == ["hidden/labels/y.npy"]
    shutil.rmtree(bundle_entry)  # as if evicted: the next run downloads again
    again = submit(version, candidate, reference)
    with pytest.raises(practical.SandboxUnavailable, match="SHA-256"):
        practical.submission_grade(submission_id=again.pk)
    again.refresh_from_db()
    assert (again.state, again.infra_failures, again.verdict) == ("queued", 1, "")
    assert not bundle_entry.exists()
