"""Practical submissions: storing them, and grading them in two sandboxed stages.

``submission_create`` runs in a web request; ``submission_grade`` runs in a Celery
worker (``grading.tasks``). The hidden labels never enter a container: the worker
reads the predictions the predict stage wrote, validates them and scores them here.

Every grading attempt is a :class:`GradingRun`. A worker claims a QUEUED submission
with a conditional UPDATE that also bumps ``run_count``; it writes its result only
while the submission is still RUNNING under its run's number, so a run the reaper
gave up on can never overwrite a later one, and a submission is scored once per
claim.
"""

import functools
import hashlib
import logging
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

import sandbox
from core.errors import ApplicationError, Conflict, NotFound
from grading.bundles import BundlePaths, Manifest, bundle_paths
from grading.metrics import METRICS, Metric, bootstrap_ci
from grading.models import GradingRun, Submission
from grading.predictions import InvalidPredictions, predictions_file, predictions_parse
from training.models import PracticalTask

logger = logging.getLogger(__name__)

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
TRAIN_LOG_MAX_CHARS = 20_000
MAX_INFRA_RETRIES = 4
# A RUNNING submission older than its two stages' limits plus this margin has lost
# its worker; a QUEUED one older than QUEUED_RESEND_AFTER has maybe lost its message.
STUCK_MARGIN_SECONDS = 300
QUEUED_RESEND_AFTER = timedelta(minutes=30)
QUEUE_CPU, QUEUE_GPU = "sandbox-cpu", "sandbox-gpu"
PREDICTIONS_MAX_BYTES = 256 * 1024 * 1024

__all__ = ["InvalidPredictions", "predictions_parse"]


class InvalidSubmission(ApplicationError):
    code = "invalid_submission"


class SandboxUnavailable(Exception):
    """The infrastructure failed (engine down, image missing): retry, never charge."""


@dataclass(frozen=True)
class GradingSpec:
    """What grading a solution needs to know about its task, from a task row or from
    a bundle's manifest (the upload's trial run, the ``grade_practical`` command)."""

    metric: Metric
    metric_options: dict[str, Any] = field(default_factory=dict)
    pass_threshold: float = 0.0
    framework: str = "pytorch"
    image: str = ""
    gpu: bool = False
    train_seconds: int = 300
    train_memory_mb: int = 2048
    predict_seconds: int = 120
    predict_memory_mb: int = 2048

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> "GradingSpec":
        return cls(
            metric=manifest.scorer,
            metric_options=manifest.metric_options,
            pass_threshold=manifest.pass_threshold,
            framework=manifest.framework,
            image=manifest.image,
            gpu=manifest.gpu,
            train_seconds=manifest.train_seconds,
            train_memory_mb=manifest.train_memory_mb,
            predict_seconds=manifest.predict_seconds,
            predict_memory_mb=manifest.predict_memory_mb,
        )

    @classmethod
    def from_task(cls, task: PracticalTask) -> "GradingSpec":
        return cls(
            metric=METRICS[task.metric],
            metric_options=task.metric_options or {},
            pass_threshold=task.pass_threshold,
            framework=task.framework,
            image=task.image,
            gpu=task.gpu,
            train_seconds=task.train_seconds,
            train_memory_mb=task.memory_mb,
            predict_seconds=task.predict_seconds,
            predict_memory_mb=task.memory_mb,
        )

    def resolved_image(self) -> str:
        if self.image:
            return self.image
        if self.framework == "tensorflow":
            return settings.SANDBOX_IMAGE_TENSORFLOW or _framework_image("tensorflow")
        return settings.SANDBOX_IMAGE or sandbox.default_image()


@functools.cache
def _framework_image(framework: str) -> str:
    return sandbox.image_tag(framework)


def submission_dir(submission: Submission) -> Path:
    return Path(settings.PRIVATE_STORAGE_DIR) / "submissions" / str(submission.public_id)


def submission_queue(task: PracticalTask) -> str:
    """GPU tasks go to the GPU queue, which only GPU workers consume."""
    return QUEUE_GPU if task.gpu else QUEUE_CPU


def submission_enqueue(*, submission_id: int, task: PracticalTask) -> None:
    """Sends the grading task to the task's queue. Call on commit."""
    from grading.tasks import submission_grade_task

    submission_grade_task.apply_async(args=(submission_id,), queue=submission_queue(task))


def _enqueue_on_commit(submission: Submission) -> None:
    transaction.on_commit(
        functools.partial(submission_enqueue, submission_id=submission.pk, task=submission.task)
    )


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
            bundle_version_id=task.current_version_id,
            candidate=candidate,
            file_name=upload.name or "solution.py",
            sha256=hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
            queued_at=timezone.now(),
        )
        folder = submission_dir(submission)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "solution.py").write_bytes(content)
        _enqueue_on_commit(submission)
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


def submission_claim(*, submission_id: int) -> GradingRun | None:
    """Moves a QUEUED submission to RUNNING and opens its next GradingRun. Returns
    None when another delivery already claimed it (the conditional UPDATE found no
    row)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Submission.objects.filter(pk=submission_id, state=Submission.State.QUEUED).update(
            state=Submission.State.RUNNING,
            stage="train",
            started_at=now,
            run_count=F("run_count") + 1,
        )
        if claimed != 1:
            return None
        submission = Submission.objects.get(pk=submission_id)
        return GradingRun.objects.create(
            submission=submission,
            number=submission.run_count,
            trigger=GradingRun.Trigger.RERUN
            if submission.rerun_requested_by_id
            else GradingRun.Trigger.SUBMISSION,
            requested_by_id=submission.rerun_requested_by_id,
            worker=socket.gethostname(),
            started_at=now,
        )


def submission_grade(*, submission_id: int) -> None:
    """Claims and grades one submission. Safe to call twice: a second call finds
    nothing to claim. Raises SandboxUnavailable after putting the submission back in
    the queue when the infrastructure failed, so that the caller may retry."""
    run = submission_claim(submission_id=submission_id)
    if run is None:
        logger.info("submission %s: nothing to claim", submission_id)
        return
    submission = Submission.objects.select_related("task", "bundle_version").get(pk=submission_id)
    task = submission.task
    bundle = bundle_paths(task, submission.bundle_version)
    with tempfile.TemporaryDirectory(prefix="grade-", dir=_scratch_root()) as scratch:
        outcome = practical_evaluate(
            spec=GradingSpec.from_task(task),
            bundle=bundle,
            solution=submission_dir(submission) / "solution.py",
            scratch=Path(scratch),
            on_stage=lambda stage: _stage_set(submission_id, run.number, stage),
            labels={"cert-engine.submission": str(submission.public_id)},
        )
    if outcome["verdict"] == Submission.Verdict.SANDBOX_ERROR:
        with transaction.atomic():
            Submission.objects.filter(
                pk=submission_id, state=Submission.State.RUNNING, run_count=run.number
            ).update(
                state=Submission.State.QUEUED,
                stage="",
                infra_failures=F("infra_failures") + 1,
                message=outcome["message"],
            )
            _run_close(run, GradingRun.State.INFRA_ERROR, outcome)
        raise SandboxUnavailable(outcome["message"])
    results = _result_fields(outcome)
    with transaction.atomic():
        scored = Submission.objects.filter(
            pk=submission_id, state=Submission.State.RUNNING, run_count=run.number
        ).update(
            state=Submission.State.DONE,
            stage="",
            finished_at=timezone.now(),
            rerun_requested_by=None,
            **results,
        )
        _run_close(run, GradingRun.State.DONE if scored else GradingRun.State.ABANDONED, outcome)


RESULT_FIELDS = (
    "verdict",
    "message",
    "dev_score",
    "test_score",
    "test_ci_low",
    "test_ci_high",
    "passed",
    "stages",
    "train_log",
)


def _result_fields(outcome: dict[str, Any]) -> dict[str, Any]:
    """The part of an evaluation report stored on both the submission and its run."""
    return {key: outcome[key] for key in RESULT_FIELDS}


def _run_close(run: GradingRun, state: str, outcome: dict[str, Any]) -> None:
    GradingRun.objects.filter(pk=run.pk, state=GradingRun.State.RUNNING).update(
        state=state,
        finished_at=timezone.now(),
        **_result_fields(outcome),
    )


def submission_fail_infrastructure(*, submission_id: int, message: str) -> None:
    """Gives up after repeated infrastructure failures. FAILED never counts against
    the candidate's quota; the committee can re-run it."""
    Submission.objects.filter(
        pk=submission_id, state__in=[Submission.State.QUEUED, Submission.State.RUNNING]
    ).update(
        state=Submission.State.FAILED,
        stage="",
        verdict=Submission.Verdict.SANDBOX_ERROR,
        finished_at=timezone.now(),
        message=message,
    )


def submission_rerun(*, submission_id: int, requested_by: Any) -> Submission:
    """A committee re-run: puts a finished submission back in the queue. The next
    claim opens a new GradingRun (trigger ``rerun``); earlier runs stay as they are.
    Does not count against the candidate's quota. Raises NotFound, or Conflict while
    the submission is still queued or running (so two clicks queue one re-run)."""
    with transaction.atomic():
        moved = Submission.objects.filter(
            pk=submission_id, state__in=[Submission.State.DONE, Submission.State.FAILED]
        ).update(
            state=Submission.State.QUEUED,
            stage="",
            infra_failures=0,
            queued_at=timezone.now(),
            rerun_requested_by=requested_by,
        )
        submission = Submission.objects.select_related("task").filter(pk=submission_id).first()
        if submission is None:
            raise NotFound("没有这个提交 / No such submission.")
        if not moved:
            raise Conflict("提交仍在评测中 / The submission is still being graded.")
        _enqueue_on_commit(submission)
    return submission


def submissions_reap(*, now: datetime | None = None) -> dict[str, list[int]]:
    """The reaper. RUNNING submissions past their stages' limits plus a margin lost
    their worker: their run is marked abandoned and they go back to the queue (or to
    FAILED after MAX_INFRA_RETRIES, which never costs the quota). QUEUED submissions
    waiting longer than QUEUED_RESEND_AFTER are sent again, in case the broker lost
    the message. Each requeued or resent submission is sent to its queue once its
    move commits. Returns the ids per action. Safe to run often and twice: each row is
    moved by a conditional UPDATE on the state it was seen in."""
    now = now or timezone.now()
    requeued, failed, resent = [], [], []
    running = Submission.objects.filter(state=Submission.State.RUNNING).select_related("task")
    for submission in running:
        limit = submission.task.train_seconds + submission.task.predict_seconds
        started = submission.started_at or submission.created_at
        if (now - started).total_seconds() <= limit + STUCK_MARGIN_SECONDS:
            continue
        same_claim = Submission.objects.filter(
            pk=submission.pk, state=Submission.State.RUNNING, run_count=submission.run_count
        )
        with transaction.atomic():
            if submission.infra_failures + 1 >= MAX_INFRA_RETRIES:
                moved = same_claim.update(
                    state=Submission.State.FAILED,
                    stage="",
                    verdict=Submission.Verdict.SANDBOX_ERROR,
                    finished_at=now,
                    infra_failures=F("infra_failures") + 1,
                    message="评测多次中断，已停止，不计入提交次数 / Grading kept being "
                    "interrupted; not counted against your quota.",
                )
                if moved:
                    failed.append(submission.pk)
            else:
                moved = same_claim.update(
                    state=Submission.State.QUEUED,
                    stage="",
                    queued_at=now,
                    infra_failures=F("infra_failures") + 1,
                )
                if moved:
                    requeued.append(submission.pk)
                    _enqueue_on_commit(submission)
            if moved:
                GradingRun.objects.filter(
                    submission_id=submission.pk,
                    number=submission.run_count,
                    state=GradingRun.State.RUNNING,
                ).update(state=GradingRun.State.ABANDONED, finished_at=now)
    stale = Submission.objects.filter(
        state=Submission.State.QUEUED, queued_at__lt=now - QUEUED_RESEND_AFTER
    ).select_related("task")
    for submission in stale:
        if Submission.objects.filter(
            pk=submission.pk, state=Submission.State.QUEUED, queued_at=submission.queued_at
        ).update(queued_at=now):
            resent.append(submission.pk)
            _enqueue_on_commit(submission)
    return {"requeued": requeued, "failed": failed, "resent": resent}


def _stage_set(submission_id: int, run_number: int, stage: str) -> None:
    Submission.objects.filter(
        pk=submission_id, state=Submission.State.RUNNING, run_count=run_number
    ).update(stage=stage)


def _scratch_root() -> Path:
    root = Path(settings.PRIVATE_STORAGE_DIR) / "scratch"
    root.mkdir(parents=True, exist_ok=True)
    return root


def practical_evaluate(
    *,
    spec: GradingSpec,
    bundle: BundlePaths,
    solution: Path,
    scratch: Path,
    on_stage: Callable[[str], None] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Runs ``solution`` through train and predict and scores it. ``labels`` are added
    to both containers' labels (the worker names the submission, for operators). Returns a report:
    verdict, message, metric, dev_score, test_score, test_ci_low/high (95 % bootstrap
    interval of the hidden-set score), passed, stages (time and memory per stage) and
    train_log. Touches no database row; used by the worker, the bundle trial run and
    the ``grade_practical`` command. Safe to call any number of times."""
    image = spec.resolved_image()
    submission_mount = scratch / "submission"
    model_dir, output_dir = scratch / "model", scratch / "output"
    for folder in (submission_mount, model_dir, output_dir):
        folder.mkdir()
    shutil.copyfile(solution, submission_mount / "solution.py")
    for folder in (scratch, submission_mount):
        folder.chmod(0o755)
    (submission_mount / "solution.py").chmod(0o644)
    common = (
        sandbox.Mount(HARNESS_DIR, "/harness"),
        sandbox.Mount(submission_mount, "/submission"),
    )
    report: dict[str, Any] = {
        "verdict": "",
        "message": "",
        "metric": spec.metric.name,
        "dev_score": None,
        "test_score": None,
        "test_ci_low": None,
        "test_ci_high": None,
        "pass_threshold": spec.pass_threshold,
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
            limits=_limits(spec, seconds=spec.train_seconds, memory_mb=spec.train_memory_mb),
            labels={**(labels or {}), "cert-engine.stage": "train"},
        )
    )
    report["stages"]["train"] = _stage_report(train)
    report["train_log"] = _truncate_log(train.stdout + train.stderr)
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
            limits=_limits(spec, seconds=spec.predict_seconds, memory_mb=spec.predict_memory_mb),
            labels={**(labels or {}), "cert-engine.stage": "predict"},
        )
    )
    # The predict stage's output is never shown: it could carry the hidden inputs.
    report["stages"]["predict"] = _stage_report(predict)
    if predict.verdict != sandbox.Verdict.OK:
        # For operators only (the worker's log), never for the candidate.
        logger.info("predict stage %s: %s", predict.verdict, predict.stderr[-2000:])
        return _failed(report, predict, stage="predict")

    if on_stage:
        on_stage("score")
    return _score(report, spec=spec, bundle=bundle, output_dir=output_dir)


def _truncate_log(log: str) -> str:
    if len(log) <= TRAIN_LOG_MAX_CHARS:
        return log
    return "[… truncated …]\n" + log[-TRAIN_LOG_MAX_CHARS:]


def _inputs_only(bundle: BundlePaths, scratch: Path) -> Path:
    """A folder holding only the dev and test *inputs*, copied, so that no label file
    is reachable from the predict container."""
    data = scratch / "data"
    for split, source in (
        ("dev", bundle.dev_dir / "X.npy"),
        ("test", bundle.test_inputs_dir / "X.npy"),
    ):
        (data / split).mkdir(parents=True)
        shutil.copyfile(source, data / split / "X.npy")
        (data / split / "X.npy").chmod(0o644)
        (data / split).chmod(0o755)
    data.chmod(0o755)
    return data


def _limits(spec: GradingSpec, *, seconds: int, memory_mb: int) -> sandbox.Limits:
    return sandbox.Limits(
        wall_seconds=seconds,
        memory_mb=memory_mb,
        cpus=1.0,
        pids=256,
        writable_mb=256,
        gpus=1 if spec.gpu else 0,
    )


def _stage_report(result: sandbox.RunResult) -> dict[str, Any]:
    return {
        "verdict": str(result.verdict),
        "exit_code": result.exit_code,
        "wall_seconds": round(result.wall_seconds, 2),
        "cpu_seconds": None if result.cpu_seconds is None else round(result.cpu_seconds, 2),
        "peak_memory_mb": None
        if result.peak_memory_mb is None
        else round(result.peak_memory_mb, 1),
    }


_FAILURE_MESSAGES = {
    sandbox.Verdict.TIME_LIMIT: "{stage} 阶段超时，请减少训练轮数或数据量 / The {stage} stage "
    "ran out of time ({seconds} s); train for fewer epochs or on less data.",
    sandbox.Verdict.MEMORY_LIMIT: "{stage} 阶段内存超限，请减小批量或模型 / The {stage} stage "
    "ran out of memory ({memory} MB); use smaller batches or a smaller model.",
    sandbox.Verdict.OUTPUT_LIMIT: "{stage} 阶段输出过多（日志或文件）/ The {stage} stage wrote "
    "too much (log or files); print less and keep the model small.",
    sandbox.Verdict.RUNTIME_ERROR: "{stage} 阶段出错退出，请查看训练日志 / The {stage} stage "
    "failed (exit code {exit_code}); see the training log.",
}


def _failed(report: dict[str, Any], result: sandbox.RunResult, *, stage: str) -> dict[str, Any]:
    if result.verdict == sandbox.Verdict.SANDBOX_ERROR:
        report["verdict"] = Submission.Verdict.SANDBOX_ERROR
        report["message"] = (
            f"评测系统暂时不可用，将自动重试，不计入次数 / Infrastructure error: {result.detail}"
        )
        return report
    report["verdict"] = str(result.verdict)
    report["message"] = _FAILURE_MESSAGES[result.verdict].format(
        stage=stage,
        seconds=int(report["stages"][stage]["wall_seconds"]),
        memory=report["stages"][stage]["peak_memory_mb"],
        exit_code=result.exit_code,
    )
    if stage == "predict" and result.verdict == sandbox.Verdict.RUNTIME_ERROR:
        report["message"] += " (predict 阶段的输出不显示 / the predict stage's output is not shown)"
    report["passed"] = False
    return report


def predictions_score(
    *, spec: GradingSpec, bundle: BundlePaths, files: dict[str, bytes]
) -> dict[str, Any]:
    """Parses and scores the predictions in ``files`` for dev and test. Returns
    ``{dev_score, test_score, test_ci_low, test_ci_high, passed}``; raises
    InvalidPredictions."""
    scores: dict[str, float] = {}
    parsed: dict[str, Any] = {}
    for split in ("dev", "test"):
        labels = bundle.labels(split)
        fmt, data = predictions_file(files, split)
        parsed[split] = (
            predictions_parse(fmt, data, kind=spec.metric.kind, labels=labels),
            labels,
        )
        try:
            scores[split] = spec.metric(*parsed[split], **spec.metric_options)
        except (ValueError, IndexError) as exc:
            raise InvalidPredictions(f"{split}: {exc}") from exc
        if not np.isfinite(scores[split]):
            raise InvalidPredictions(f"{split}: the score is not a number")
    low, high = bootstrap_ci(spec.metric, *parsed["test"], options=spec.metric_options)
    return {
        "dev_score": round(scores["dev"], 6),
        "test_score": round(scores["test"], 6),
        "test_ci_low": round(low, 6),
        "test_ci_high": round(high, 6),
        "passed": spec.metric.passes(scores["test"], spec.pass_threshold),
    }


def _score(
    report: dict[str, Any], *, spec: GradingSpec, bundle: BundlePaths, output_dir: Path
) -> dict[str, Any]:
    try:
        files = sandbox.read_output_files(
            output_dir, max_total_bytes=PREDICTIONS_MAX_BYTES, max_files=8
        )
        report.update(predictions_score(spec=spec, bundle=bundle, files=files))
    except (InvalidPredictions, sandbox.OutputFileError) as exc:
        report["verdict"] = Submission.Verdict.INVALID_OUTPUT
        report["message"] = f"预测结果无效 / Invalid predictions: {exc}"
        report["passed"] = False
        return report
    report["verdict"] = Submission.Verdict.OK
    report["message"] = (
        "评测完成：通过 / Graded: passed."
        if report["passed"]
        else "评测完成：未达合格线 / Graded: below the pass threshold."
    )
    return report
