"""Practical submissions: storing them, and grading them in two sandboxed stages.

``submission_create`` runs in a web request; ``submission_grade`` runs in a Celery
worker (``grading.tasks``). The hidden labels never enter a container: the worker
reads the predictions the predict stage wrote, validates them and scores them here.
"""

import hashlib
import io
import logging
import shutil
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from numpy.typing import NDArray

import sandbox
from config.errors import ApplicationError, Conflict
from grading.bundles import BundlePaths, bundle_paths
from grading.metrics import METRICS
from grading.models import Submission
from training.models import PracticalTask

logger = logging.getLogger(__name__)

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
TRAIN_LOG_MAX_CHARS = 20_000
MAX_INFRA_RETRIES = 4


class InvalidSubmission(ApplicationError):
    code = "invalid_submission"


class SandboxUnavailable(Exception):
    """The infrastructure failed (engine down, image missing): retry, never charge."""


def submission_dir(submission: Submission) -> Path:
    return Path(settings.PRIVATE_STORAGE_DIR) / "submissions" / str(submission.public_id)


def submissions_used(*, task: PracticalTask, candidate: Any) -> int:
    """Submissions that count against the quota: infrastructure failures do not."""
    return (
        Submission.objects.filter(task=task, candidate=candidate)
        .exclude(state=Submission.State.FAILED)
        .count()
    )


def submission_create(*, task: PracticalTask, candidate: Any, upload: UploadedFile) -> Submission:
    """Stores ``upload`` as the candidate's ``solution.py`` and queues grading after
    commit. Raises InvalidSubmission for a bad file and Conflict when the quota is
    used up. Each call creates a new submission (the UI guards double clicks)."""
    content = _read_upload(upload)
    with transaction.atomic():
        # Lock the candidate's row so that two uploads at once cannot both pass the
        # quota check.
        get_user_model().objects.select_for_update().get(pk=candidate.pk)
        if submissions_used(task=task, candidate=candidate) >= task.submission_quota:
            raise Conflict(
                f"提交次数已用完（{task.submission_quota} 次）/ Submission quota used up."
            )
        submission = Submission.objects.create(
            task=task,
            candidate=candidate,
            file_name=upload.name or "solution.py",
            sha256=hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
        )
        folder = submission_dir(submission)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "solution.py").write_bytes(content)

        from grading.tasks import submission_grade_task

        transaction.on_commit(partial(submission_grade_task.delay, submission.pk))
    return submission


def _read_upload(upload: UploadedFile) -> bytes:
    if upload.size is not None and upload.size > settings.SOLUTION_MAX_BYTES:
        raise InvalidSubmission(
            f"文件过大（上限 {settings.SOLUTION_MAX_BYTES // 1024} KiB）/ File too large."
        )
    name = upload.name or ""
    if not name.endswith(".py"):
        raise InvalidSubmission("请上传 solution.py / Upload a Python file (solution.py).")
    content = upload.read()
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSubmission("文件不是 UTF-8 文本 / The file is not UTF-8 text.") from exc
    if not content.strip():
        raise InvalidSubmission("文件为空 / The file is empty.")
    return content


def submission_claim(*, submission_id: int) -> bool:
    """Moves a QUEUED submission to RUNNING. Returns False when another delivery of
    the same task already claimed it (the conditional UPDATE found no row)."""
    claimed = Submission.objects.filter(pk=submission_id, state=Submission.State.QUEUED).update(
        state=Submission.State.RUNNING, stage="train", started_at=timezone.now()
    )
    return claimed == 1


def submission_grade(*, submission_id: int) -> None:
    """Claims and grades one submission. Safe to call twice: a second call finds
    nothing to claim. Raises SandboxUnavailable after putting the submission back in
    the queue when the infrastructure failed, so that the caller may retry."""
    if not submission_claim(submission_id=submission_id):
        logger.info("submission %s: nothing to claim", submission_id)
        return
    submission = Submission.objects.select_related("task").get(pk=submission_id)
    with tempfile.TemporaryDirectory(prefix="grade-", dir=_scratch_root()) as scratch:
        outcome = practical_evaluate(
            task=submission.task,
            solution=submission_dir(submission) / "solution.py",
            scratch=Path(scratch),
            on_stage=lambda stage: _stage_set(submission_id, stage),
        )
    if outcome["verdict"] == Submission.Verdict.SANDBOX_ERROR:
        Submission.objects.filter(pk=submission_id).update(
            state=Submission.State.QUEUED,
            stage="",
            infra_failures=F("infra_failures") + 1,
            message=outcome["message"],
        )
        raise SandboxUnavailable(outcome["message"])
    Submission.objects.filter(pk=submission_id, state=Submission.State.RUNNING).update(
        state=Submission.State.DONE,
        stage="",
        finished_at=timezone.now(),
        verdict=outcome["verdict"],
        message=outcome["message"],
        dev_score=outcome["dev_score"],
        test_score=outcome["test_score"],
        passed=outcome["passed"],
        stages=outcome["stages"],
        train_log=outcome["train_log"],
    )


def submission_fail_infrastructure(*, submission_id: int, message: str) -> None:
    """Gives up after repeated infrastructure failures. FAILED never counts against
    the candidate's quota; the committee can re-queue it."""
    Submission.objects.filter(
        pk=submission_id, state__in=[Submission.State.QUEUED, Submission.State.RUNNING]
    ).update(
        state=Submission.State.FAILED,
        stage="",
        verdict=Submission.Verdict.SANDBOX_ERROR,
        finished_at=timezone.now(),
        message=message,
    )


def submissions_requeue_stuck(*, now: Any = None) -> list[int]:
    """Puts RUNNING submissions whose worker died (past their stages' limits plus a
    margin) back in the queue and re-sends them. Returns their ids. Safe to run
    often and twice: the conditional UPDATE claims each stuck row once."""
    now = now or timezone.now()
    requeued = []
    running = Submission.objects.filter(state=Submission.State.RUNNING).select_related("task")
    for submission in running:
        limit = submission.task.train_seconds + submission.task.predict_seconds + 300
        started = submission.started_at or submission.created_at
        if (now - started).total_seconds() <= limit:
            continue
        moved = Submission.objects.filter(
            pk=submission.pk, state=Submission.State.RUNNING, started_at=submission.started_at
        ).update(state=Submission.State.QUEUED, stage="", infra_failures=F("infra_failures") + 1)
        if moved:
            requeued.append(submission.pk)
    from grading.tasks import submission_grade_task

    for pk in requeued:
        submission_grade_task.delay(pk)
    return requeued


def _stage_set(submission_id: int, stage: str) -> None:
    Submission.objects.filter(pk=submission_id, state=Submission.State.RUNNING).update(stage=stage)


def _scratch_root() -> Path:
    root = Path(settings.PRIVATE_STORAGE_DIR) / "scratch"
    root.mkdir(parents=True, exist_ok=True)
    return root


def practical_evaluate(
    *,
    task: PracticalTask,
    solution: Path,
    scratch: Path,
    on_stage: Any = None,
) -> dict[str, Any]:
    """Runs ``solution`` through train and predict and scores it. Returns a report:
    verdict, message, dev_score, test_score, passed, stages (time and memory per
    stage) and train_log. Touches no database row; used by the worker and by the
    ``grade_practical`` command."""
    bundle = bundle_paths(task)
    image = settings.SANDBOX_IMAGE or sandbox.default_image()
    submission_mount = scratch / "submission"
    model_dir, output_dir = scratch / "model", scratch / "output"
    for folder in (submission_mount, model_dir, output_dir):
        folder.mkdir()
    shutil.copyfile(solution, submission_mount / "solution.py")
    common = (
        sandbox.Mount(HARNESS_DIR, "/harness"),
        sandbox.Mount(submission_mount, "/submission"),
    )
    report: dict[str, Any] = {
        "verdict": "",
        "message": "",
        "dev_score": None,
        "test_score": None,
        "passed": None,
        "stages": {},
        "train_log": "",
    }

    if on_stage:
        on_stage("train")
    train = sandbox.run(
        sandbox.RunSpec(
            image=image,
            command=("python3", "/harness/run_solution.py", "train"),
            mounts=(
                *common,
                sandbox.Mount(bundle.train_dir, "/data/train"),
                sandbox.Mount(model_dir, "/model", writable=True),
            ),
            limits=_limits(task, seconds=task.train_seconds),
            labels={"cert-engine.stage": "train"},
        )
    )
    report["stages"]["train"] = _stage_report(train)
    report["train_log"] = (train.stdout + train.stderr)[-TRAIN_LOG_MAX_CHARS:]
    if train.verdict != sandbox.Verdict.OK:
        return _failed(report, train, stage="train")

    if on_stage:
        on_stage("predict")
    predict = sandbox.run(
        sandbox.RunSpec(
            image=image,
            command=("python3", "/harness/run_solution.py", "predict"),
            mounts=(
                *common,
                sandbox.Mount(model_dir, "/model"),
                sandbox.Mount(_inputs_only(bundle, scratch), "/data"),
                sandbox.Mount(output_dir, "/output", writable=True),
            ),
            limits=_limits(task, seconds=task.predict_seconds),
            labels={"cert-engine.stage": "predict"},
        )
    )
    # The predict stage's output is never shown: it could carry the hidden inputs.
    report["stages"]["predict"] = _stage_report(predict)
    if predict.verdict != sandbox.Verdict.OK:
        return _failed(report, predict, stage="predict")

    if on_stage:
        on_stage("score")
    return _score(report, task=task, bundle=bundle, output_dir=output_dir)


def _inputs_only(bundle: BundlePaths, scratch: Path) -> Path:
    """A folder holding only the dev and test *inputs*, assembled by hard links or
    copies, so that no label file is reachable from the predict container."""
    data = scratch / "data"
    for split, source in (
        ("dev", bundle.dev_dir / "X.npy"),
        ("test", bundle.test_inputs_dir / "X.npy"),
    ):
        (data / split).mkdir(parents=True)
        shutil.copyfile(source, data / split / "X.npy")
    return data


def _limits(task: PracticalTask, *, seconds: int) -> sandbox.Limits:
    return sandbox.Limits(
        wall_seconds=seconds, memory_mb=task.memory_mb, cpus=1.0, pids=256, writable_mb=256
    )


def _stage_report(result: sandbox.RunResult) -> dict[str, Any]:
    return {
        "verdict": str(result.verdict),
        "exit_code": result.exit_code,
        "wall_seconds": round(result.wall_seconds, 2),
        "peak_memory_mb": None
        if result.peak_memory_mb is None
        else round(result.peak_memory_mb, 1),
    }


_FAILURE_MESSAGES = {
    sandbox.Verdict.TIME_LIMIT: "{stage} 阶段超时 / The {stage} stage ran out of time.",
    sandbox.Verdict.MEMORY_LIMIT: "{stage} 阶段内存超限 / The {stage} stage ran out of memory.",
    sandbox.Verdict.OUTPUT_LIMIT: "{stage} 阶段输出过多 / The {stage} stage wrote too much output.",
    sandbox.Verdict.RUNTIME_ERROR: "{stage} 阶段出错退出（见日志）/ The {stage} stage failed; see the log.",
}


def _failed(report: dict[str, Any], result: sandbox.RunResult, *, stage: str) -> dict[str, Any]:
    if result.verdict == sandbox.Verdict.SANDBOX_ERROR:
        report["verdict"] = Submission.Verdict.SANDBOX_ERROR
        report["message"] = (
            f"评测系统暂时不可用，将自动重试，不计入次数 / Infrastructure error: {result.detail}"
        )
        return report
    report["verdict"] = str(result.verdict)
    report["message"] = _FAILURE_MESSAGES[result.verdict].format(stage=stage)
    report["passed"] = False
    return report


def _score(
    report: dict[str, Any], *, task: PracticalTask, bundle: BundlePaths, output_dir: Path
) -> dict[str, Any]:
    metric = METRICS[task.metric]
    try:
        files = sandbox.read_output_files(output_dir, max_total_bytes=64 * 1024 * 1024, max_files=8)
        scores = {}
        for split in ("dev", "test"):
            labels = bundle.labels(split)
            predictions = predictions_parse(files.get(f"{split}.npy"), expected=labels.shape[0])
            scores[split] = metric(predictions=predictions, labels=labels)
    except (InvalidPredictions, sandbox.OutputFileError) as exc:
        report["verdict"] = Submission.Verdict.INVALID_OUTPUT
        report["message"] = f"预测结果无效 / Invalid predictions: {exc}"
        report["passed"] = False
        return report
    report["verdict"] = Submission.Verdict.OK
    report["dev_score"] = round(scores["dev"], 6)
    report["test_score"] = round(scores["test"], 6)
    report["passed"] = scores["test"] >= task.pass_threshold
    report["message"] = "评测完成 / Graded."
    return report


class InvalidPredictions(ValueError):
    pass


def predictions_parse(data: bytes | None, *, expected: int) -> NDArray[np.int64]:
    """Parses a ``.npy`` file of class labels without ever unpickling. Raises
    InvalidPredictions with a reason the candidate can act on."""
    if data is None:
        raise InvalidPredictions("predict() wrote no predictions")
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise InvalidPredictions(f"not a valid .npy array ({exc})") from exc
    if not isinstance(array, np.ndarray) or array.ndim != 1 or array.shape[0] != expected:
        shape = getattr(array, "shape", None)
        raise InvalidPredictions(f"expected shape ({expected},), got {shape}")
    if array.dtype.kind not in "iu":
        if (
            array.dtype.kind == "f"
            and np.all(np.isfinite(array))
            and np.all(array == np.round(array))
        ):
            array = array.astype(np.int64)
        else:
            raise InvalidPredictions(f"expected integer class labels, got dtype {array.dtype}")
    return array.astype(np.int64)
