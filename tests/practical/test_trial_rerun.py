"""Running a stored bundle version's reference and baseline again, in the real
sandbox: the run is appended to the version's trial record and "pending" clears."""

import shutil
from pathlib import Path

import pytest

from grading.bundle_trial import trial_rerun
from tests.practical.test_bundles import manifest_with
from training.bundles.storage import bundle_upload
from training.demo.bundles import demo_bundle

pytestmark = [pytest.mark.django_db, pytest.mark.docker]


def test_a_rerun_is_recorded_after_the_uploads_own_trial(tmp_path: Path) -> None:
    folder = tmp_path / "langid"
    shutil.copytree(demo_bundle("langid"), folder)
    manifest_with(folder, 'slug = "langid"', 'slug = "langid-rerun"')
    version = bundle_upload(source=folder, trial=None)
    upload_trial = {"reference": {"verdict": "ok", "test_score": 0.9, "passed": True}}
    version.trial = {**upload_trial, "pending": True}
    version.save(update_fields=["trial"])

    run = trial_rerun(version_id=version.pk)

    version.refresh_from_db()
    assert "pending" not in version.trial
    assert run["reference"]["passed"] is True and run["baseline"]["passed"] is False
    assert run["reference"]["stages"]["train"]["wall_seconds"] > 0
    first, latest = version.trial["runs"]
    assert first["reference"] == upload_trial["reference"]  # the upload's trial is kept
    assert latest == run and version.trial["reference"] == run["reference"]
