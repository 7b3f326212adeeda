"""Practical submissions: storing them, queueing them and grading them.

``submission_create`` runs in a web request; ``submission_grade`` runs in a Celery
worker (``grading.tasks``) and evaluates the solution with
``grading.evaluation.practical_evaluate`` (two sandboxed stages, then scoring).

Every grading attempt is a :class:`GradingRun`. A worker claims a QUEUED submission
with a conditional UPDATE that also bumps ``run_count``; it writes its result only
while the submission is still RUNNING under its run's number, so a run the reaper
gave up on can never overwrite a later one, and a submission is scored once per
claim.

A submission's ``purpose`` parameterises the same pipeline: an exam submission
counts against the task's quota and is scored on the dev and hidden sets; a project
run counts against ``PROJECT_RUNS_PER_DAY`` (per candidate, task and day) and is
scored on the public dev set only (``evaluation.DEV_ONLY``).
"""

import functools
import hashlib
import logging
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import ApplicationError, Conflict, NotFound
from core.file_cache import CacheCorrupt, cached_files
from core.private_storage import private_is_local, private_local_path, private_save
from grading.evaluation import (
    DEV_AND_TEST,
    DEV_ONLY,
    EvaluationReport,
    GradingSpec,
    evaluation_infra_error,
    practical_evaluate,
)
from grading.models import GradingRun, Submission
from training.bundles.paths import BundlePaths, bundle_files
from training.models import PracticalTask

logger = logging.getLogger(__name__)

MAX_INFRA_RETRIES = 4
# A RUNNING submission older than its two stages' limits plus this margin has lost
# its worker; a QUEUED one older than QUEUED_RESEND_AFTER has maybe lost its message.
STUCK_MARGIN_SECONDS = 300
QUEUED_RESEND_AFTER = timedelta(minutes=30)
QUEUE_CPU, QUEUE_GPU = "sandbox-cpu", "sandbox-gpu"
# grading.tasks imports this module, so the grading task is queued by its name.
SUBMISSION_GRADE_TASK = "grading.tasks.submission_grade_task"


class InvalidSubmission(ApplicationError):
    code = "invalid_submission"


class SandboxUnavailable(Exception):
    """The infrastructure failed (engine down, image missing): retry, never charge."""


def submission_dir(submission: Submission) -> Path:
    """The submission's folder when the private storage is the local folder."""
    return private_local_path(submission_storage_dir(submission))


def submission_storage_dir(submission: Submission) -> str:
    """The submission's folder in the private storage (``solution.py`` inside)."""
    return f"submissions/{submission.public_id}"


@contextmanager
def submission_files(submission: Submission) -> Iterator[tuple[BundlePaths, Path]]:
    """The submission's bundle version and its ``solution.py`` as local files for the
    block: in place when the private storage is local, else the worker's verified
    cached copies. Raises CacheCorrupt or FileNotFoundError (or the storage's error)
    when a file cannot be had."""
    with bundle_files(submission.task, submission.bundle_version) as bundle:
        if private_is_local():
            yield bundle, submission_dir(submission) / "solution.py"
            return
        solution = {"solution.py": submission.sha256}
        with cached_files(files=solution, prefix=submission_storage_dir(submission)) as folder:
            yield bundle, folder / "solution.py"


def submission_queue(task: PracticalTask) -> str:
    """GPU tasks go to the GPU queue, which only GPU workers consume."""
    return QUEUE_GPU if task.gpu else QUEUE_CPU


def submission_enqueue(*, submission_id: int, task: PracticalTask) -> None:
    """Sends the grading task to the task's queue. Call on commit."""
    # By name, through the registered task (GradingConfig.ready registers it): it runs
    # in-process where tasks run eagerly, and the queue is chosen per submission, which
    # core.tasks.task_send_on_commit does not offer.
    current_app.tasks[SUBMISSION_GRADE_TASK].apply_async(
        args=(submission_id,), queue=submission_queue(task)
    )


def _enqueue_on_commit(submission: Submission) -> None:
    transaction.on_commit(
        functools.partial(submission_enqueue, submission_id=submission.pk, task=submission.task)
    )


def submissions_used(*, task: PracticalTask, candidate: User) -> int:
    """Exam submissions that count against the task's quota: infrastructure failures
    and project runs do not."""
    return (
        Submission.objects.filter(task=task, candidate=candidate, purpose=Submission.Purpose.EXAM)
        .exclude(state=Submission.State.FAILED)
        .count()
    )


def project_runs_today(*, task: PracticalTask, candidate: User, now: datetime | None = None) -> int:
    """The candidate's project runs of ``task`` since midnight (the site's time zone)
    that count against ``PROJECT_RUNS_PER_DAY``: infrastructure failures do not."""
    midnight = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return (
        Submission.objects.filter(
            task=task,
            candidate=candidate,
            purpose=Submission.Purpose.PROJECT,
            created_at__gte=midnight,
        )
        .exclude(state=Submission.State.FAILED)
        .count()
    )


def _quota_check(*, task: PracticalTask, candidate: User, purpose: str) -> None:
    """Raises Conflict when the candidate has no submission of ``purpose`` left."""
    if purpose == Submission.Purpose.PROJECT:
        per_day = settings.PROJECT_RUNS_PER_DAY
        if project_runs_today(task=task, candidate=candidate) >= per_day:
            raise Conflict(
                ngettext(
                    "今天的项目运行次数已用完（每个任务每天 %(n)d 次），请明天再试",
                    "今天的项目运行次数已用完（每个任务每天 %(n)d 次），请明天再试",
                    per_day,
                )
                % {"n": per_day}
            )
    elif submissions_used(task=task, candidate=candidate) >= task.submission_quota:
        quota = task.submission_quota
        raise Conflict(
            ngettext("提交次数已用完（%(n)d 次）", "提交次数已用完（%(n)d 次）", quota)
            % {"n": quota}
        )


def submission_create(
    *,
    task: PracticalTask,
    candidate: User,
    upload: UploadedFile,
    framework: str | None = None,
    purpose: str = Submission.Purpose.EXAM,
) -> Submission:
    """Stores ``upload`` as the candidate's ``solution.py``, to run with ``framework``
    (one of the task's; None: its default, PyTorch for a task whose framework is
    ``any``), and queues grading after commit to the task's queue. ``purpose``: an exam
    submission (the task's quota) or a project run (dev set only, the daily project
    quota). Raises InvalidSubmission for a bad file or a framework the task does not
    offer, and Conflict when the quota is used up; nothing is stored then. Each call
    creates a new submission (the UI guards double clicks)."""
    framework = submission_framework_check(task=task, framework=framework)
    content = _read_upload(upload)
    with transaction.atomic():
        # Lock the candidate's row so that two uploads at once cannot both pass the
        # quota check.
        get_user_model().objects.select_for_update().get(pk=candidate.pk)
        _quota_check(task=task, candidate=candidate, purpose=purpose)
        submission = Submission.objects.create(
            task=task,
            bundle_version_id=task.current_version_id,
            candidate=candidate,
            framework=framework,
            purpose=purpose,
            file_name=upload.name or "solution.py",
            sha256=hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
            queued_at=timezone.now(),
        )
        private_save(f"{submission_storage_dir(submission)}/solution.py", content)
        _enqueue_on_commit(submission)
    return submission


def submission_framework_check(*, task: PracticalTask, framework: str | None) -> str:
    """``framework``, or the task's default when None. Raises InvalidSubmission when
    the task does not offer it."""
    if framework is None:
        return task.frameworks[0]
    if framework not in task.frameworks:
        raise InvalidSubmission(
            _("此任务不接受 %(framework)s 的解答，请选择 %(choices)s 之一")
            % {"framework": framework, "choices": ", ".join(task.frameworks)}
        )
    return framework


def framework_last_used(*, task: PracticalTask, candidate: User) -> str:
    """The framework of the candidate's latest submission to ``task`` if the task
    still offers it, else the task's default: what the submission page preselects."""
    last = (
        Submission.objects.filter(task=task, candidate=candidate)
        .order_by("-created_at", "-pk")
        .values_list("framework", flat=True)
        .first()
    )
    return last if last in task.frameworks else task.frameworks[0]


def _read_upload(upload: UploadedFile) -> bytes:
    if upload.size is not None and upload.size > settings.SOLUTION_MAX_BYTES:
        raise InvalidSubmission(
            _("文件过大（上限 %(n)d KiB）") % {"n": settings.SOLUTION_MAX_BYTES // 1024}
        )
    name = upload.name or ""
    if not name.endswith(".py"):
        raise InvalidSubmission(_("请上传 solution.py"))
    content: bytes = upload.read()
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSubmission(_("文件不是 UTF-8 文本")) from exc
    if not content.strip():
        raise InvalidSubmission(_("文件为空"))
    return content


def submission_claim(*, submission_id: int, worker: str = "") -> GradingRun | None:
    """Moves a QUEUED submission to RUNNING and opens its next GradingRun, recording
    ``worker`` (the Celery node name, ``gpu0@host``: several workers share a host;
    empty: this host's name). Returns None when another delivery already claimed it
    (the conditional UPDATE found no row)."""
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
            worker=worker or socket.gethostname(),
            started_at=now,
        )


def submission_grade(*, submission_id: int, worker: str = "") -> None:
    """Claims and grades one submission (``worker``: see ``submission_claim``). Safe to
    call twice: a second call finds nothing to claim. Raises SandboxUnavailable after
    putting the submission back in the queue when the infrastructure failed, so that
    the caller may retry."""
    run = submission_claim(submission_id=submission_id, worker=worker)
    if run is None:
        logger.info("submission %s: nothing to claim", submission_id)
        return
    trace = {"submission_id": submission_id, "submission": str(run.submission.public_id)}
    logger.info("submission %s: run %s started", submission_id, run.number, extra=trace)
    outcome = _evaluate(submission_id, run.number)
    logger.info(
        "submission %s: run %s finished: %s",
        submission_id,
        run.number,
        outcome["verdict"],
        extra={**trace, "verdict": outcome["verdict"]},
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


def _evaluate(submission_id: int, run_number: int) -> EvaluationReport:
    """Evaluates the claimed submission. A file that cannot be fetched or verified
    (private storage unreachable, an object that does not match its hash) is an
    infrastructure error: the submission goes back to the queue, never charged."""
    submission = Submission.objects.select_related(
        "task", "task__current_version", "bundle_version"
    ).get(pk=submission_id)
    spec = GradingSpec.from_task(submission.task, framework=submission.framework)
    try:
        with (
            submission_files(submission) as (bundle, solution),
            tempfile.TemporaryDirectory(prefix="grade-", dir=_scratch_root()) as scratch,
        ):
            return practical_evaluate(
                spec=spec,
                bundle=bundle,
                solution=solution,
                scratch=Path(scratch),
                on_stage=lambda stage: _stage_set(submission_id, run_number, stage),
                labels={"cert-engine.submission": str(submission.public_id)},
                splits=DEV_ONLY
                if submission.purpose == Submission.Purpose.PROJECT
                else DEV_AND_TEST,
            )
    except (CacheCorrupt, OSError) as exc:
        logger.error("submission %s: private files unavailable: %s", submission_id, exc)
        return evaluation_infra_error(spec, f"private storage: {exc}")


def _result_fields(outcome: EvaluationReport) -> dict[str, Any]:
    """The part of an evaluation report stored on both the submission and its run."""
    return {
        "verdict": outcome["verdict"],
        "message": outcome["message"],
        "dev_score": outcome["dev_score"],
        "test_score": outcome["test_score"],
        "test_ci_low": outcome["test_ci_low"],
        "test_ci_high": outcome["test_ci_high"],
        "passed": outcome["passed"],
        "stages": outcome["stages"],
        "train_log": outcome["train_log"],
    }


def _run_close(run: GradingRun, state: str, outcome: EvaluationReport) -> None:
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


def submission_rerun(*, submission_id: int, requested_by: User) -> Submission:
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
            raise NotFound(_("没有这个提交"))
        if not moved:
            raise Conflict(_("提交仍在评测中"))
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
