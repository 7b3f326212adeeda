"""Task bundles: manifest schema, safe unpacking, checksums, versioned private
storage, and the trial run (reference must pass, baseline must fail)."""

import hashlib
import io
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from grading.bundle_trial import bundle_trial
from training.bundles.manifest import BundleRefused, manifest_parse
from training.bundles.storage import bundle_upload, bundle_verify
from training.demo.bundles import demo_bundle
from training.models import BundleVersion, PracticalTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def langid(tmp_path: Path) -> Path:
    folder = tmp_path / "langid"
    shutil.copytree(demo_bundle("langid"), folder)
    manifest_with(folder, 'slug = "langid"', 'slug = "langid-test"')  # the demo holds "langid"
    return folder


def manifest_with(folder: Path, old: str, new: str) -> None:
    path = folder / "task.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    "old,new,reason",
    [
        ('name = "macro_f1"', 'name = "vibes"', "unknown metric"),
        ("pass_threshold = 0.85", 'pass_threshold = "high"', "wrong type"),
        ("pass_threshold = 0.85", "pass_threshold = -1", "non-negative"),
        ('framework = "any"', 'framework = "jax"', "framework"),
        ("seconds = 120", "seconds = 0", "positive integers"),
        ("seconds = 120", "seconds = 999999", "maximum"),
        ("[task]", "[task]\ncolour = 'red'", "unknown key"),
        ('slug = "langid-test"', 'slug = "../etc"', "slug"),
    ],
)
def test_manifest_errors_name_the_key(langid, old, new, reason):
    manifest_with(langid, old, new)
    before = PracticalTask.objects.count(), BundleVersion.objects.count()
    with pytest.raises(BundleRefused, match=reason):
        bundle_upload(source=langid, trial=None)
    assert (PracticalTask.objects.count(), BundleVersion.objects.count()) == before


def test_manifest_parses_the_documented_example():
    manifest = manifest_parse((demo_bundle("digits") / "task.toml").read_text())
    assert (manifest.slug, manifest.metric, manifest.pass_threshold, manifest.train_seconds) == (
        "digits-pytorch",
        "accuracy",
        0.9,
        180,
    )


def test_missing_material_and_labels_beside_hidden_inputs_are_refused(langid):
    (langid / "solutions/baseline/solution.py").unlink()
    with pytest.raises(BundleRefused, match="baseline"):
        bundle_upload(source=langid, trial=None)
    (langid / "solutions/baseline/solution.py").write_text("x = 1\n")
    shutil.copyfile(langid / "hidden/labels/y.npy", langid / "hidden/inputs/y.npy")
    with pytest.raises(BundleRefused, match=r"only X\.npy"):
        bundle_upload(source=langid, trial=None)


def test_checksums_are_checked_when_given(langid):
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(langid).as_posix()}"
        for p in sorted(langid.rglob("*"))
        if p.is_file()
    ]
    (langid / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    assert bundle_upload(source=langid, trial=None).number == 1
    (langid / "public/statement.md").write_text("tampered")
    with pytest.raises(BundleRefused, match="SHA256SUMS"):
        bundle_upload(source=langid, trial=None)


def test_unsafe_archives_are_refused(tmp_path, langid):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(langid, arcname=".")
        data = b"owned"
        info = tarfile.TarInfo("../../escape.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BundleRefused, match="unsafe path"):
        bundle_upload(source=archive, trial=None)
    linked = tmp_path / "link.tar"
    with tarfile.open(linked, "w") as tar:
        info = tarfile.TarInfo("public/train/X.npy")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(BundleRefused, match="links"):
        bundle_upload(source=linked, trial=None)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_size_cap(settings, langid):
    settings.BUNDLE_MAX_BYTES = 10_000
    with pytest.raises(BundleRefused, match="larger than"):
        bundle_upload(source=langid, trial=None)


def test_zip_upload_is_stored_privately_checksummed_and_versioned(tmp_path, langid, settings):
    archive = tmp_path / "langid.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(langid.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(langid).as_posix())
    first = bundle_upload(source=archive, trial=None)
    task = PracticalTask.objects.get(slug="langid-test")
    assert (task.current_version, task.metric, task.pass_threshold) == (first, "macro_f1", 0.85)
    stored = Path(settings.PRIVATE_STORAGE_DIR) / first.storage_dir
    assert stored.is_dir() and bundle_verify(first) == []
    assert (
        first.files["hidden/labels/y.npy"]
        == hashlib.sha256((stored / "hidden/labels/y.npy").read_bytes()).hexdigest()
    )

    manifest_with(langid, "pass_threshold = 0.85", "pass_threshold = 0.8")
    second = bundle_upload(source=langid, trial=None)
    task.refresh_from_db()
    assert (second.number, task.current_version, task.pass_threshold) == (2, second, 0.8)
    assert (Path(settings.PRIVATE_STORAGE_DIR) / first.storage_dir).is_dir()  # history kept

    (stored / "hidden/labels/y.npy").write_bytes(b"changed")
    assert bundle_verify(first) == ["hidden/labels/y.npy"]


def test_private_storage_is_never_served_over_http(langid, settings):
    version = bundle_upload(source=langid, trial=None)
    client = Client()
    for prefix in ("/private/", "/media/", "/static/", "/var/private/", "/"):
        response = client.get(f"{prefix}{version.storage_dir}/hidden/labels/y.npy")
        assert response.status_code == 404


@pytest.mark.docker
def test_trial_run_refuses_a_bundle_whose_baseline_passes(langid):
    shutil.copyfile(
        langid / "solutions/reference/solution.py", langid / "solutions/baseline/solution.py"
    )
    with pytest.raises(BundleRefused, match="baseline solution must run and fail"):
        bundle_upload(source=langid, trial=bundle_trial)
    assert not BundleVersion.objects.filter(task__slug="langid-test").exists()


@pytest.mark.docker
def test_trial_run_refuses_a_bundle_whose_reference_fails(langid):
    manifest_with(langid, "pass_threshold = 0.85", "pass_threshold = 0.999")
    with pytest.raises(BundleRefused, match="reference solution must pass"):
        bundle_upload(source=langid, trial=bundle_trial)
    assert not BundleVersion.objects.filter(task__slug="langid-test").exists()


def test_a_run_fits_the_task_time_limit_which_fits_the_visibility_timeout(langid, settings):
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT < visibility
    manifest_with(langid, "seconds = 120", "seconds = 3000")
    with pytest.raises(BundleRefused, match="must not exceed 3000"):
        bundle_upload(source=langid, trial=None)
