"""The candidate's practical page, through HTTP: statement, the public material's
download, the dev-score history, progress steps, a message per verdict, the hidden
score only where the task's rules show it."""

import io
import json
import re
import zipfile

import pytest
from django.test import Client

from grading.models import Submission
from tests.conftest import broker_take
from tests.factories import approved_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(demo, candidate, committee):
    certification = demo["certification"]
    approved_application(candidate=candidate, certification=certification, committee=committee)
    client = Client()
    client.force_login(candidate)
    return client, f"/certifications/{certification.slug}/practical/", certification.practical_task


def graded(task, candidate, **fields):
    return Submission.objects.create(
        task=task,
        candidate=candidate,
        file_name="solution.py",
        sha256="0" * 64,
        size_bytes=1,
        **{"state": "done", **fields},
    )


def test_statement_download_link_and_steps(page, candidate):
    client, url, task = page
    graded(task, candidate, state="running", stage="predict")
    html = client.get(url).content.decode()
    assert "手写数字识别" in html and "Submission contract" in html
    assert 'href="?download=public"' in html
    assert 'data-state="running" data-stage="predict"' in html
    assert all(
        f'data-step="{step}"' in html for step in ("queued", "train", "predict", "score", "done")
    )


def test_public_download_holds_only_public_material(page):
    client, url, _ = page
    response = client.get(url, {"download": "public"})
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "digits-pytorch/public/starter/solution.py" in names
    assert "digits-pytorch/public/check.py" in names and "digits-pytorch/public/dev/y.npy" in names
    assert all("/public/" in name for name in names)
    assert not any("hidden" in name or "solutions" in name or "task.toml" in name for name in names)


def test_dev_history_and_a_message_per_verdict(page, candidate):
    client, url, task = page
    graded(
        task,
        candidate,
        verdict="ok",
        dev_score=0.5,
        test_score=0.51,
        passed=False,
        message_code="graded_below_threshold",
        stages={"train": {"wall_seconds": 3.2, "peak_memory_mb": 200.0}},
    )
    graded(
        task,
        candidate,
        verdict="time_limit",
        passed=False,
        message_code="stage_timeout",
        message_params={"stage": "train", "seconds": 180},
    )
    graded(
        task,
        candidate,
        verdict="ok",
        dev_score=0.95,
        test_score=0.96,
        passed=True,
        message_code="graded_passed",
    )
    html = client.get(url).content.decode()
    history = json.loads(
        re.search(r'id="dev-history" type="application/json">(.*?)</script>', html).group(1)
    )
    assert [point["dev"] for point in history] == [0.5, 0.95]
    assert "训练阶段超时（180 秒）" in html and "评测完成：未达合格线" in html
    assert "train: 3.2 s, 200.0 MB" in html
    assert "0.96" not in html  # the hidden-set score is not shown for this task
    task.show_test_score = True
    task.save()
    assert "(0.96)" in client.get(url).content.decode()


def test_another_candidate_cannot_open_the_page(page, other_candidate):
    client, url, _ = page
    client.force_login(other_candidate)
    assert client.get(url, {"download": "public"}).status_code in (403, 404)


@pytest.mark.xdist_group("worker")
def test_committee_sees_the_interval_and_reruns_from_the_admin(
    demo, candidate, django_capture_on_commit_callbacks
):
    task = demo["certification"].practical_task
    submission = graded(
        task,
        candidate,
        verdict="ok",
        dev_score=0.9,
        test_score=0.93,
        test_ci_low=0.9012,
        test_ci_high=0.9544,
        passed=True,
    )
    client = Client()
    client.force_login(demo["committee"])
    listing = client.get("/admin/grading/submission/").content.decode()
    assert "0.9012" in listing and "0.9544" in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/grading/submission/", {"action": "rerun", "_selected_action": [submission.pk]}
        )
    assert response.status_code == 302
    queued = broker_take("sandbox-cpu", "grading.tasks.submission_grade_task")
    assert queued.count([submission.pk]) == 1  # on the real broker, once
    submission.refresh_from_db()
    assert (submission.state, submission.rerun_requested_by) == ("queued", demo["committee"])


def test_bundle_upload_command(tmp_path, capsys):
    import shutil

    from django.core.management import call_command

    from training.demo.bundles import demo_bundle

    folder = tmp_path / "b"
    shutil.copytree(demo_bundle("langid"), folder)
    toml = folder / "task.toml"
    toml.write_text(toml.read_text().replace('slug = "langid"', 'slug = "langid-cmd"'))
    call_command("practical_bundle_upload", str(folder), "--no-trial", "--user", "instructor")
    report = json.loads(capsys.readouterr().out)
    assert (report["task"], report["version"]) == ("langid-cmd", 1)
    toml.write_text(toml.read_text().replace("[metric]", "[metrics]"))
    with pytest.raises(SystemExit) as exit_info:
        call_command("practical_bundle_upload", str(folder), "--no-trial")
    assert exit_info.value.code == 2 and "unknown table" in capsys.readouterr().err
