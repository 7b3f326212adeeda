"""Practical grading on the real Docker engine and the real sandbox image."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from core.errors import Conflict
from grading import evaluation, practical
from grading.messages import message_text
from grading.models import Submission
from tests.conftest import broker_take
from training.bundles.paths import bundle_paths

pytestmark = [pytest.mark.django_db, pytest.mark.docker]

CRASH = b"def train(train_dir, model_dir):\n    raise RuntimeError('boom in training')\n\ndef predict(model_dir, inputs):\n    return inputs\n"

# A candidate who looks for the hidden labels: any integer .npy of the right length
# anywhere in the predict container is used as the predictions. If the labels were
# reachable, this would score 1.0.
CHEAT = b"""
import os
import numpy as np

def train(train_dir, model_dir):
    pass

def predict(model_dir, inputs):
    for top in ("/", ):
        for folder, dirs, files in os.walk(top):
            if folder.startswith(("/proc", "/sys", "/usr", "/dev")):
                dirs[:] = []
                continue
            for name in files:
                path = os.path.join(folder, name)
                try:
                    found = np.load(path, allow_pickle=False)
                except Exception:
                    continue
                if found.ndim == 1 and len(found) == len(inputs) and found.dtype.kind in "iu":
                    return found
    return np.zeros(len(inputs), dtype=np.int64)
"""

# Writes pickled .npy files itself and exits before the harness can replace them:
# the worker must refuse them without unpickling.
PICKLE = b"""
import os
import numpy as np

def train(train_dir, model_dir):
    pass

def predict(model_dir, inputs):
    for name in ("dev", "test"):
        np.save(f"/output/{name}.npy", np.array([{"x": 1}] * len(inputs), dtype=object), allow_pickle=True)
    os._exit(0)
"""


def submit(task, candidate, content: bytes, name: str = "solution.py") -> Submission:
    return practical.submission_create(
        task=task, candidate=candidate, upload=SimpleUploadedFile(name, content)
    )


@pytest.fixture
def task(demo):
    return demo["certification"].practical_task


def reference(task) -> bytes:
    return bundle_paths(task).reference_solution.read_bytes()


def test_reference_passes_and_reports_time_memory_and_log(task, candidate):
    submission = submit(task, candidate, reference(task))
    practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert (submission.state, submission.verdict, submission.passed) == ("done", "ok", True)
    assert submission.test_score >= 0.9 and submission.dev_score >= 0.9
    for stage in ("train", "predict"):
        assert submission.stages[stage]["verdict"] == "ok"
        assert submission.stages[stage]["wall_seconds"] > 0
        assert submission.stages[stage]["peak_memory_mb"] > 0
    assert "epoch 40" in submission.train_log
    assert submission.test_ci_low <= submission.test_score <= submission.test_ci_high
    [run] = submission.runs.all()
    assert (run.state, run.trigger, run.number, run.test_score) == (
        "done",
        "submission",
        1,
        submission.test_score,
    )


def test_baseline_runs_but_fails_the_threshold(task, candidate):
    baseline = (bundle_paths(task).root / "solutions/baseline/solution.py").read_bytes()
    submission = submit(task, candidate, baseline)
    practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert (submission.verdict, submission.passed) == ("ok", False)
    assert submission.test_score < 0.2


def test_a_crash_is_a_final_verdict_with_the_log(task, candidate):
    submission = submit(task, candidate, CRASH)
    practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert (submission.state, submission.verdict, submission.passed) == (
        "done",
        "runtime_error",
        False,
    )
    assert "boom in training" in submission.train_log
    assert "predict" not in submission.stages
    assert submission.message_code == "train_crashed"
    assert submission.message_params == {"exit_code": submission.stages["train"]["exit_code"]}


def test_hidden_labels_are_not_reachable_from_the_predict_stage(task, candidate):
    submission = submit(task, candidate, CHEAT)
    practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.verdict == "ok"
    assert submission.test_score < 0.2


def test_pickled_predictions_are_refused_not_loaded(task, candidate):
    submission = submit(task, candidate, PICKLE)
    practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.verdict == "invalid_output", (
        submission.message_text,
        submission.stages,
        submission.train_log,
    )
    assert submission.message_code == "invalid_predictions"
    assert "pickle" in submission.message_params["detail"]  # the reason, as data


def test_second_delivery_finds_nothing_to_claim(task, candidate):
    submission = submit(task, candidate, CRASH)
    practical.submission_grade(submission_id=submission.pk)
    finished = Submission.objects.get(pk=submission.pk)
    practical.submission_grade(submission_id=submission.pk)
    again = Submission.objects.get(pk=submission.pk)
    assert (again.finished_at, again.verdict) == (finished.finished_at, finished.verdict)


def test_infrastructure_failure_requeues_and_never_costs_the_quota(task, candidate, settings):
    settings.SANDBOX_IMAGE = "cert-engine/no-such-image:0"
    task.submission_quota = 1
    task.save()
    submission = submit(task, candidate, CRASH)
    with pytest.raises(practical.SandboxUnavailable):
        practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert (submission.state, submission.infra_failures, submission.verdict) == ("queued", 1, "")
    assert [r.state for r in submission.runs.all()] == ["infra_error"]
    assert submission.message_code == submission.runs.get().message_code == "infra_retry"
    assert "no-such-image" in submission.message_params["detail"]

    practical.submission_fail_infrastructure(submission_id=submission.pk, detail="gave up")
    submission.refresh_from_db()
    assert (submission.message_code, submission.message_params) == (
        "infra_gave_up",
        {"detail": "gave up"},
    )
    assert practical.submissions_used(task=task, candidate=candidate) == 0
    submit(task, candidate, CRASH)  # the quota is still there


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("model.pt", b"x", "solution.py"),
        ("solution.py", b"\xff\xfe\x00", "UTF-8"),
        ("solution.py", b"   ", "文件为空"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(task, candidate, name, content, reason):
    with pytest.raises(practical.InvalidSubmission, match=reason):
        submit(task, candidate, content, name)
    assert not Submission.objects.exists()


def test_upload_size_is_capped(task, candidate, settings):
    settings.SOLUTION_MAX_BYTES = 10
    with pytest.raises(practical.InvalidSubmission):
        submit(task, candidate, b"x = 1\n" * 10)


def test_quota_is_enforced(task, candidate):
    task.submission_quota = 2
    task.save()
    submit(task, candidate, CRASH)
    submit(task, candidate, CRASH)
    with pytest.raises(Conflict):
        submit(task, candidate, CRASH)
    assert Submission.objects.count() == 2


def test_stored_solution_is_checksummed(task, candidate):
    submission = submit(task, candidate, CRASH)
    stored = practical.submission_dir(submission) / "solution.py"
    import hashlib

    assert hashlib.sha256(stored.read_bytes()).hexdigest() == submission.sha256


def test_stuck_running_submission_is_requeued_once(task, candidate):
    submission = submit(task, candidate, CRASH)
    assert practical.submission_claim(submission_id=submission.pk)
    later = timezone.now() + timedelta(seconds=task.train_seconds + task.predict_seconds + 301)
    assert practical.submissions_reap(now=timezone.now())["requeued"] == []
    assert practical.submissions_reap(now=later)["requeued"] == [submission.pk]
    assert practical.submissions_reap(now=later)["requeued"] == []
    assert Submission.objects.get(pk=submission.pk).state == "queued"


def test_bundle_dir_cannot_escape_private_storage(task):
    task.bundle_dir = "../../etc"
    with pytest.raises(ValueError):
        bundle_paths(task)


def test_hidden_labels_never_inside_a_mounted_folder(task):
    bundle = bundle_paths(task)
    mounted = [bundle.train_dir, bundle.dev_dir, bundle.test_inputs_dir]
    assert all(not Path(bundle.test_labels_file).is_relative_to(folder) for folder in mounted)


def test_committee_rerun_creates_a_new_run_and_keeps_the_history(task, candidate, committee):
    submission = submit(task, candidate, CRASH)
    practical.submission_grade(submission_id=submission.pk)
    with pytest.raises(Conflict):  # not twice at once
        practical.submission_rerun(submission_id=submission.pk, requested_by=committee)
        practical.submission_rerun(submission_id=submission.pk, requested_by=committee)
    practical.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    runs = list(submission.runs.order_by("number"))
    assert [(r.number, r.trigger, r.state, r.verdict) for r in runs] == [
        (1, "submission", "done", "runtime_error"),
        (2, "rerun", "done", "runtime_error"),
    ]
    assert runs[1].requested_by == committee and submission.rerun_requested_by is None
    assert practical.submissions_used(task=task, candidate=candidate) == 1


def test_a_stale_worker_cannot_overwrite_a_later_claim(task, candidate):
    submission = submit(task, candidate, CRASH)
    first = practical.submission_claim(submission_id=submission.pk)
    later = timezone.now() + timedelta(seconds=task.train_seconds + task.predict_seconds + 301)
    assert practical.submissions_reap(now=later)["requeued"] == [submission.pk]
    second = practical.submission_claim(submission_id=submission.pk)
    assert (first.number, second.number) == (1, 2)
    assert Submission.objects.get(pk=submission.pk).runs.get(number=1).state == "abandoned"


def test_reaper_gives_up_after_repeated_interruptions_without_costing_the_quota(task, candidate):
    submission = submit(task, candidate, CRASH)
    for _ in range(practical.MAX_INFRA_RETRIES):
        assert practical.submission_claim(submission_id=submission.pk)
        later = timezone.now() + timedelta(seconds=task.train_seconds + task.predict_seconds + 301)
        practical.submissions_reap(now=later)
    submission.refresh_from_db()
    assert (submission.state, submission.verdict) == ("failed", "sandbox_error")
    assert submission.message_code == "grading_interrupted"
    assert practical.submissions_used(task=task, candidate=candidate) == 0


@pytest.mark.xdist_group("worker")
def test_reaper_resends_submissions_queued_too_long_to_their_queue(
    task, candidate, django_capture_on_commit_callbacks
):
    """Published to the real broker: the resent message is on the task's queue."""
    name = "grading.tasks.submission_grade_task"
    task.gpu = True
    task.save()
    submission = submit(task, candidate, CRASH)
    later = timezone.now() + practical.QUEUED_RESEND_AFTER + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert practical.submissions_reap()["resent"] == []
        assert practical.submissions_reap(now=later)["resent"] == [submission.pk]
        assert practical.submissions_reap(now=later)["resent"] == []
    assert broker_take("sandbox-gpu", name).count([submission.pk]) == 1


@pytest.mark.xdist_group("worker")
def test_gpu_tasks_are_routed_to_the_gpu_queue_with_one_gpu(
    task, candidate, django_capture_on_commit_callbacks
):
    """Published to the real broker: a GPU task lands on sandbox-gpu only."""
    name = "grading.tasks.submission_grade_task"
    cpu_spec = evaluation.GradingSpec.from_task(task)
    task.gpu = True
    task.save()
    with django_capture_on_commit_callbacks(execute=True):
        gpu_submission = submit(task, candidate, CRASH)
    assert [gpu_submission.pk] in broker_take("sandbox-gpu", name)
    assert [gpu_submission.pk] not in broker_take("sandbox-cpu", name)
    assert (
        evaluation._limits(evaluation.GradingSpec.from_task(task), seconds=1, memory_mb=64).gpus
        == 1
    )
    assert evaluation._limits(cpu_spec, seconds=1, memory_mb=64).gpus == 0
    task.gpu = False
    task.save()
    with django_capture_on_commit_callbacks(execute=True):
        cpu_submission = submit(task, candidate, CRASH)
    assert [cpu_submission.pk] in broker_take("sandbox-cpu", name)
    assert [cpu_submission.pk] not in broker_take("sandbox-gpu", name)


def test_every_candidate_verdict_has_a_helpful_message():
    import sandbox

    for verdict in (
        sandbox.Verdict.TIME_LIMIT,
        sandbox.Verdict.MEMORY_LIMIT,
        sandbox.Verdict.OUTPUT_LIMIT,
        sandbox.Verdict.RUNTIME_ERROR,
    ):
        result = sandbox.RunResult(
            verdict=verdict,
            exit_code=1,
            wall_seconds=3,
            cpu_seconds=1,
            peak_memory_mb=10,
            stdout="",
            stderr="",
        )
        report = {"stages": {"train": evaluation._stage_report(result)}}
        stored = evaluation._failed(report, result, stage="train", memory_mb=2048)["message"]
        with translation.override("en"):
            shown = message_text(stored)
        assert "training" in shown and len(shown) > 40
