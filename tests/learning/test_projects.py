"""Guided projects: a practical task run against its public dev set, as often as the
daily quota allows, through the exam's own pipeline with purpose "project".

Rules through the services on PostgreSQL, the pages and the API through HTTP; the
hidden-set isolation and a whole run on the real Docker sandbox; one run through a
real Celery worker process."""

import io
import os
import shutil
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from certification.exams.practical import practical_submit
from certification.learning import projects
from certification.learning import services as learning
from certification.models import PracticalSubmission
from core.errors import Conflict, NotFound
from core.roles import Role
from grading import evaluation, practical
from grading.evaluation import DEV_ONLY, GradingSpec, practical_evaluate, predictions_score
from grading.models import Submission
from grading.workers import worker_env, worker_start, worker_stop
from tests.conftest import broker_take, client_for, make_user
from tests.factories import approved_application
from training.bundles.paths import BundlePaths, bundle_paths, labels_load
from training.models import Curriculum, PracticalTask

pytestmark = pytest.mark.django_db

SLUG = "digits-pytorch"
RUNS = f"/api/v1/learning/projects/{SLUG}/runs/"

# Trains nothing and answers class 0 for every input: quick (no torch import), and
# its dev score is the share of zeros among the dev labels.
ZEROS = b"""
import numpy as np

def train(train_dir, model_dir):
    print("nothing to learn")

def predict(model_dir, inputs):
    return np.zeros(len(inputs), dtype=np.int64)
"""

# A project run must not see the hidden set: in both stages this solution fails if
# a mount names the hidden folders or a test split, or if any .npy file other than
# the dev inputs is readable outside the system folders.
SNOOP = b"""
import os
import numpy as np

SYSTEM = ("/proc", "/sys", "/usr", "/dev", "/lib", "/etc", "/harness", "/submission")

def look(allowed):
    mounts = open("/proc/mounts").read()
    for word in ("hidden", "/data/test", "labels"):
        if word in mounts:
            raise SystemExit(f"mount names {word}")
    if os.path.exists("/data/test"):
        raise SystemExit("/data/test exists")
    for folder, dirs, files in os.walk("/"):
        if folder.startswith(SYSTEM):
            dirs[:] = []
            continue
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".npy") and not path.startswith(allowed):
                raise SystemExit(f"found {path}")

def train(train_dir, model_dir):
    look(("/data/train/",))
    print("looked around: no hidden set")

def predict(model_dir, inputs):
    look(("/data/dev/X.npy",))
    return np.zeros(len(inputs), dtype=np.int64)
"""


def upload(content: bytes = ZEROS, name: str = "solution.py") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def task(demo) -> PracticalTask:
    return PracticalTask.objects.get(slug=SLUG)


@pytest.fixture
def learner(demo) -> Any:
    """A candidate enrolled in beginner CV, whose certification's task is digits."""
    user = make_user("lin", Role.CANDIDATE)
    learning.enrolment_ensure(candidate=user, curriculum=Curriculum.objects.get(slug="beginner-cv"))
    return user


def dev_zero_share(task: PracticalTask) -> float:
    labels = labels_load(bundle_paths(task, task.current_version).dev_dir)
    return round(float(np.mean(np.asarray(labels) == 0)), 6)


# --- which tasks a candidate may practise -----------------------------------------


def test_enrolled_candidate_sees_the_task_of_their_curriculum(learner, candidate, task):
    assert [t.slug for t in projects.projects_available(candidate=learner)] == [SLUG]
    # Not enrolled: nothing; another role: nothing.
    assert not projects.projects_available(candidate=candidate).exists()
    instructor = make_user("teacher", Role.INSTRUCTOR)
    assert not projects.projects_available(candidate=instructor).exists()
    with pytest.raises(NotFound):
        projects.project_get_for_candidate(candidate=candidate, slug=SLUG)


# --- runs: purpose, quota, no exam side effects -----------------------------------


def test_a_project_run_is_a_dev_only_submission_without_application_link(learner, task):
    run = projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    assert (run.purpose, run.state, run.task_id) == ("project", "queued", task.pk)
    assert run.bundle_version_id == task.current_version_id
    assert not PracticalSubmission.objects.filter(submission=run).exists()
    assert practical.submissions_used(task=task, candidate=learner) == 0
    assert practical.project_runs_today(task=task, candidate=learner) == 1


def test_the_daily_quota_is_per_task_and_day_and_failures_do_not_count(learner, task, settings):
    settings.PROJECT_RUNS_PER_DAY = 2
    first = projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    with pytest.raises(Conflict, match="每天 2 次") as refused:
        projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    assert "明天再试" in refused.value.message
    assert Submission.objects.filter(candidate=learner).count() == 2  # nothing stored
    # An infrastructure failure gives the run back; so does a new day.
    Submission.objects.filter(pk=first.pk).update(state=Submission.State.FAILED)
    projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    Submission.objects.filter(candidate=learner).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    assert practical.project_runs_today(task=task, candidate=learner) == 0
    projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())


def test_project_runs_never_use_the_exam_quota_and_exam_submissions_not_the_daily_one(
    demo, task, settings
):
    """The owner of an approved application is enrolled in its curriculum."""
    owner = make_user("mei", Role.CANDIDATE)
    approved_application(
        candidate=owner, certification=demo["certification"], committee=demo["committee"]
    )
    task.submission_quota = 1
    task.save(update_fields=["submission_quota"])
    settings.PROJECT_RUNS_PER_DAY = 1
    projects.project_run_create(candidate=owner, slug=SLUG, upload=upload())
    exam = practical_submit(candidate=owner, certification=demo["certification"], upload=upload())
    assert exam.purpose == "exam" and PracticalSubmission.objects.filter(submission=exam).exists()
    assert practical.submissions_used(task=task, candidate=owner) == 1
    assert practical.project_runs_today(task=task, candidate=owner) == 1


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("model.pt", b"\x80\x04", "请上传 solution.py"),
        ("solution.py", b"   \n", "文件为空"),
        ("solution.py", b"\xff\xfe", "不是 UTF-8"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(learner, name, content, reason):
    with pytest.raises(practical.InvalidSubmission, match=reason):
        projects.project_run_create(candidate=learner, slug=SLUG, upload=upload(content, name))
    with pytest.raises(practical.InvalidSubmission, match=r"请上传 solution\.py"):
        projects.project_run_create(candidate=learner, slug=SLUG, upload=None)
    assert not Submission.objects.filter(candidate=learner).exists()


def test_a_project_run_can_never_carry_a_hidden_set_score(learner):
    run = projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=run.pk).update(test_score=0.99, passed=True)


@pytest.mark.xdist_group("worker")
def test_project_runs_go_to_the_tasks_queue_like_exam_submissions(
    learner, task, django_capture_on_commit_callbacks
):
    name = practical.SUBMISSION_GRADE_TASK
    with django_capture_on_commit_callbacks(execute=True):
        cpu = projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    assert [cpu.pk] in broker_take("sandbox-cpu", name)
    task.gpu = True
    task.save(update_fields=["gpu"])
    with django_capture_on_commit_callbacks(execute=True):
        gpu = projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    assert [gpu.pk] in broker_take("sandbox-gpu", name)
    assert [gpu.pk] not in broker_take("sandbox-cpu", name)


# --- scoring: the dev set only ----------------------------------------------------


def dev_only_copy(task: PracticalTask, root: Path) -> BundlePaths:
    """The task's bundle without its hidden folder: a project run must not need it."""
    copy = root / "bundle"
    shutil.copytree(bundle_paths(task, task.current_version).root, copy)
    shutil.rmtree(copy / "hidden")
    return BundlePaths(root=copy)


def test_dev_only_scoring_reads_the_dev_labels_and_never_the_hidden_ones(task, tmp_path):
    bundle = dev_only_copy(task, tmp_path)
    dev = np.asarray(bundle.labels("dev"))
    files = {"dev.npy": np_bytes(np.zeros(len(dev), dtype=np.int64))}
    scores = predictions_score(
        spec=GradingSpec.from_task(task), bundle=bundle, files=files, splits=DEV_ONLY
    )
    assert scores == {
        "dev_score": dev_zero_share(task),
        "test_score": None,
        "test_ci_low": None,
        "test_ci_high": None,
        "passed": None,
    }
    perfect = predictions_score(
        spec=GradingSpec.from_task(task),
        bundle=bundle,
        files={"dev.npy": np_bytes(dev)},
        splits=DEV_ONLY,
    )
    assert perfect["dev_score"] == 1.0
    # The predict stage's data folder holds the dev inputs only.
    data = evaluation._inputs_only(bundle, tmp_path, DEV_ONLY)
    assert sorted(str(p.relative_to(data)) for p in data.rglob("*")) == ["dev", "dev/X.npy"]


def np_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.mark.docker
def test_a_project_run_never_sees_the_hidden_set(task, tmp_path):
    """In the real sandbox, with a bundle that has no hidden folder at all."""
    solution = tmp_path / "solution.py"
    solution.write_bytes(SNOOP)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    scratch.chmod(0o755)
    report = practical_evaluate(
        spec=GradingSpec.from_task(task),
        bundle=dev_only_copy(task, tmp_path),
        solution=solution,
        scratch=scratch,
        splits=DEV_ONLY,
    )
    assert report["verdict"] == "ok", (report["message"], report["train_log"])
    assert "no hidden set" in report["train_log"]
    assert report["dev_score"] == dev_zero_share(task)
    assert (report["test_score"], report["passed"]) == (None, None)
    # The control: as an exam submission, the same solution sees the hidden inputs.
    exam_scratch = tmp_path / "exam"
    exam_scratch.mkdir()
    exam_scratch.chmod(0o755)
    exam = practical_evaluate(
        spec=GradingSpec.from_task(task),
        bundle=bundle_paths(task, task.current_version),
        solution=solution,
        scratch=exam_scratch,
    )
    assert (exam["verdict"], exam["stages"]["predict"]["verdict"]) == (
        "runtime_error",
        "runtime_error",
    )


@pytest.mark.docker
def test_a_project_run_is_graded_on_the_dev_set(learner, task):
    run = projects.project_run_create(candidate=learner, slug=SLUG, upload=upload(SNOOP))
    practical.submission_grade(submission_id=run.pk)
    run.refresh_from_db()
    assert (run.state, run.verdict) == ("done", "ok"), (run.message_text, run.train_log)
    assert run.dev_score == dev_zero_share(task)
    assert (run.test_score, run.test_ci_low, run.test_ci_high, run.passed) == (None,) * 4
    assert (run.message_code, run.message_params) == ("scored_dev", {"score": run.dev_score})
    assert set(run.stages) == {"train", "predict"}
    [grading_run] = run.runs.all()
    assert (grading_run.state, grading_run.test_score) == ("done", None)


# --- the API ----------------------------------------------------------------------


def test_api_lists_projects_and_creates_and_reads_runs(learner, task):
    api = client_for(learner)
    [listed] = api.get("/api/v1/learning/projects/").json()
    assert listed["slug"] == SLUG and listed["runs"] == 0 and listed["best_dev_score"] is None
    assert listed["runs_per_day"] == settings.PROJECT_RUNS_PER_DAY
    created = api.post(RUNS, {"file": upload()}, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["task"], body["state"], body["dev_score"]) == (SLUG, "queued", None)
    assert "passed" not in body and "test_score" not in body
    Submission.objects.filter(public_id=body["id"]).update(
        state="done", verdict="ok", dev_score=0.5
    )
    assert api.get(f"/api/v1/learning/project-runs/{body['id']}/").json()["dev_score"] == 0.5
    assert [r["id"] for r in api.get(RUNS).json()] == [body["id"]]
    assert api.get("/api/v1/learning/projects/").json()[0]["best_dev_score"] == 0.5
    # Not an exam submission: the exam's submission API does not know it.
    assert api.get(f"/api/v1/submissions/{body['id']}/").status_code == 404


def test_api_bad_inputs_get_clear_answers(learner, candidate, task, settings):
    api = client_for(learner)
    wrong = api.post(RUNS, {"file": upload(b"x", "model.pkl")}, format="multipart")
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_submission"
    assert "请上传 solution.py" in wrong.json()["error"]["message"]
    missing = api.post(RUNS, {}, format="multipart")
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "invalid_submission")
    unavailable = client_for(candidate).post(RUNS, {"file": upload()}, format="multipart")
    assert unavailable.status_code == 404
    assert "不属于你报名的课程" in unavailable.json()["error"]["message"]
    settings.PROJECT_RUNS_PER_DAY = 1
    assert api.post(RUNS, {"file": upload()}, format="multipart").status_code == 201
    over = api.post(RUNS, {"file": upload()}, format="multipart")
    assert (over.status_code, over.json()["error"]["code"]) == (409, "conflict")
    assert "明天再试" in over.json()["error"]["message"]
    assert Submission.objects.filter(purpose="project").count() == 1


def test_another_candidates_run_answers_404(learner, demo):
    run = projects.project_run_create(candidate=learner, slug=SLUG, upload=upload())
    other = make_user("wang", Role.CANDIDATE)
    learning.enrolment_ensure(
        candidate=other, curriculum=Curriculum.objects.get(slug="beginner-cv")
    )
    response = client_for(other).get(f"/api/v1/learning/project-runs/{run.public_id}/")
    assert response.status_code == 404
    assert client_for(other).get(RUNS).json() == []


def test_the_schema_documents_the_project_endpoints(db):
    schema = APIClient().get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/learning/projects/",
        "/api/v1/learning/projects/{slug}/runs/",
        "/api/v1/learning/project-runs/{run_id}/",
    ):
        assert path in schema["paths"], path
    create = schema["paths"]["/api/v1/learning/projects/{slug}/runs/"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]


# --- the pages --------------------------------------------------------------------


def page_client(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_pages_list_the_project_and_take_an_upload(learner, task):
    client = page_client(learner)
    listing = client.get("/learn/projects/").content.decode()
    assert f'href="/learn/projects/{SLUG}/"' in listing and "项目练习" in listing
    assert "/learn/projects/" in client.get("/learn/").content.decode()
    page = client.get(f"/learn/projects/{SLUG}/").content.decode()
    assert task.title in page and 'id="download-public"' in page and 'name="file"' in page
    assert "开发集" in page
    download = client.get(f"/learn/projects/{SLUG}/?download=public")
    assert download["Content-Type"] == "application/zip"
    response = client.post(f"/learn/projects/{SLUG}/", {"file": upload()})
    assert response.status_code == 302
    [run] = Submission.objects.filter(candidate=learner)
    assert run.purpose == "project"
    page = client.get(f"/learn/projects/{SLUG}/").content.decode()
    assert f"/api/v1/learning/project-runs/{run.public_id}/" in page


def test_pages_show_refusals_and_hide_unavailable_tasks(learner, candidate, task, settings):
    client = page_client(learner, "en")
    wrong = client.post(f"/learn/projects/{SLUG}/", {"file": upload(b"x", "notes.txt")})
    assert (
        wrong.status_code == 200 and "Upload a Python file (solution.py)." in wrong.content.decode()
    )
    settings.PROJECT_RUNS_PER_DAY = 0
    over = client.post(f"/learn/projects/{SLUG}/", {"file": upload()}).content.decode()
    assert "try again tomorrow" in over
    assert not Submission.objects.filter(candidate=learner).exists()
    assert page_client(candidate).get(f"/learn/projects/{SLUG}/").status_code == 404
    assert page_client(candidate).get("/learn/projects/nope/").status_code == 404


def test_pages_in_english(learner, task):
    client = page_client(learner, "en")
    listing = client.get("/learn/projects/").content.decode()
    assert "Projects" in listing and "Best dev-set score" in listing
    page = client.get(f"/learn/projects/{SLUG}/").content.decode()
    assert "Run on the dev set" in page and "hidden test set" in page


# --- through a real Celery worker and the Docker sandbox --------------------------


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path) -> Iterator[Path]:
    """A real worker on the sandbox-cpu queue; yields its log once it is ready (it
    purges the queue while starting, so nothing may be sent before)."""
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = worker_start(
            hostname=f"projects-{os.getpid()}@%h",
            pool="solo",
            purge=True,
            output=output,
            env=worker_env(REDIS_URL=settings.CELERY_BROKER_URL),
        )
        deadline = time.monotonic() + 60
        while b" ready." not in log.read_bytes():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield log
        worker_stop(process, timeout=20)


@pytest.mark.docker
@pytest.mark.worker
@pytest.mark.xdist_group("worker")
def test_a_worker_runs_an_uploaded_solution_and_the_candidate_sees_the_dev_score(worker, demo):
    learner = make_user("lin", Role.CANDIDATE)
    learning.enrolment_ensure(
        candidate=learner, curriculum=Curriculum.objects.get(slug="beginner-cv")
    )
    task = PracticalTask.objects.get(slug=SLUG)
    api = client_for(learner)
    created = api.post(RUNS, {"file": upload()}, format="multipart")
    assert created.status_code == 201, created.content
    url = f"/api/v1/learning/project-runs/{created.json()['id']}/"
    deadline = time.monotonic() + 180
    while (run := api.get(url).json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, (run, worker.read_text()[-4000:])
        time.sleep(0.5)
    assert (run["state"], run["verdict"]) == ("done", "ok"), run
    assert run["dev_score"] == dev_zero_share(task)
    assert "nothing to learn" in run["train_log"]
    [summary] = api.get("/api/v1/learning/projects/").json()
    assert summary["best_dev_score"] == run["dev_score"] and summary["runs_today"] == 1
