"""Bundle uploads from the browser: stored privately, validated and trial-run by a
worker, accepted or refused with the reason; the page follows the state."""

import io
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.errors import ApplicationError
from core.roles import Role
from grading.bundle_trial import bundle_trial
from tests.conftest import make_user
from training.bundles.uploads import bundle_upload_process, bundle_upload_receive
from training.demo.bundles import demo_bundle
from training.models import BundleUpload, PracticalTask

pytestmark = pytest.mark.django_db


def archive_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buffer.getvalue()


@pytest.fixture
def instructor(db):
    return make_user("ian", Role.INSTRUCTOR)


@pytest.fixture
def langid_archive(tmp_path: Path) -> bytes:
    folder = tmp_path / "langid"
    shutil.copytree(demo_bundle("langid"), folder)
    manifest = folder / "task.toml"
    manifest.write_text(manifest.read_text().replace('slug = "langid"', 'slug = "langid-upload"'))
    return archive_of(folder)


@pytest.mark.docker
def test_an_uploaded_bundle_is_trial_run_and_accepted(instructor, langid_archive):
    upload = bundle_upload_receive(
        upload=SimpleUploadedFile("langid.tar.gz", langid_archive), uploaded_by=instructor
    )
    assert upload.state == BundleUpload.State.QUEUED
    bundle_upload_process(upload_id=upload.pk, trial=bundle_trial)
    upload.refresh_from_db()
    assert upload.state == BundleUpload.State.ACCEPTED, upload.message
    task = PracticalTask.objects.get(slug="langid-upload")
    assert upload.version.task == task and upload.version.trial
    bundle_upload_process(
        upload_id=upload.pk, trial=bundle_trial
    )  # a second delivery finds nothing to claim
    assert BundleUpload.objects.get(pk=upload.pk).version == upload.version


def test_a_broken_bundle_is_refused_with_the_reason(instructor, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "task.toml").write_text('[task]\nslug = "x"\n')
    upload = bundle_upload_receive(
        upload=SimpleUploadedFile("x.tar.gz", archive_of(folder)), uploaded_by=instructor
    )
    bundle_upload_process(upload_id=upload.pk, trial=bundle_trial)
    upload.refresh_from_db()
    assert upload.state == BundleUpload.State.REFUSED and upload.message
    assert not PracticalTask.objects.filter(slug="x").exists()


def test_non_archives_and_oversized_uploads_are_refused_and_nothing_is_stored(instructor, settings):
    with pytest.raises(ApplicationError):
        bundle_upload_receive(upload=SimpleUploadedFile("model.pt", b"x"), uploaded_by=instructor)
    settings.BUNDLE_MAX_BYTES = 10
    with pytest.raises(ApplicationError):
        bundle_upload_receive(upload=SimpleUploadedFile("b.zip", b"x" * 11), uploaded_by=instructor)
    assert not BundleUpload.objects.exists()


def test_the_page_lists_uploads_and_reports_their_state(instructor, tmp_path):
    client = Client()
    client.force_login(instructor)
    response = client.post("/tasks/bundles/", {"archive": SimpleUploadedFile("notes.txt", b"x")})
    assert response.status_code == 400 and not BundleUpload.objects.exists()
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "task.toml").write_text("nonsense")
    response = client.post(
        "/tasks/bundles/", {"archive": SimpleUploadedFile("b.tar.gz", archive_of(folder))}
    )
    assert response.status_code == 302
    upload = BundleUpload.objects.get()
    status = client.get(f"/tasks/bundles/{upload.pk}/status/").json()
    assert (status["state"], status["final"]) == ("queued", False)
    page = client.get("/tasks/bundles/").content.decode()
    assert "b.tar.gz" in page and 'data-final="0"' in page and 'data-stage="queued"' in page

    bundle_upload_process(upload_id=upload.pk, trial=bundle_trial)
    status = client.get(f"/tasks/bundles/{upload.pk}/status/").json()
    assert (status["state"], status["final"]) == ("refused", True)
    page = client.get("/tasks/bundles/").content.decode()
    assert 'data-final="1"' in page and "data-stage" not in page


def test_the_status_follows_the_stages_of_the_check(instructor, langid_archive):
    """Validation, each trial solution, storing: the page's status says which one is
    running (a trial takes minutes). The trial here stands in for the sandbox's and
    reads the status the page would read, at each solution."""
    client = Client()
    client.force_login(instructor)
    upload = bundle_upload_receive(
        upload=SimpleUploadedFile("langid.tar.gz", langid_archive), uploaded_by=instructor
    )
    url = f"/tasks/bundles/{upload.pk}/status/"
    seen = []

    def trial(*, root, manifest, progress=None):
        seen.append(client.get(url).json())
        for done, name in enumerate(("reference", "baseline")):
            progress(name, done, 2)
            seen.append(client.get(url).json())
        return {"reference": {"passed": True}, "baseline": {"passed": False}}

    bundle_upload_process(upload_id=upload.pk, trial=trial)

    assert [(s["stage"], s["done"], s["total"]) for s in seen] == [
        ("validate", 0, 0),
        ("reference", 0, 2),
        ("baseline", 1, 2),
    ]
    assert seen[0]["stage_label"] == "校验结构与校验和"
    assert seen[2]["stage_label"] == "试运行 baseline（第 2 个，共 2 个）"
    final = client.get(url).json()
    assert final["state"] == "accepted" and final["final"] and final["stage_label"] == ""
