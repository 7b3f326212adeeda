"""Celery tasks: ids in, claim the row, call a service. Retry only what can heal.

``submission_grade_task`` is sent to ``sandbox-cpu`` or ``sandbox-gpu`` by
``practical.submission_enqueue``; it acknowledges late and is rejected (so requeued)
when its worker dies, and a second delivery finds nothing to claim.

Every task's name is explicit: the services queue them by name (they may not import
this module: it imports them), and the task routes and the beat schedule in
config/settings.py name them too.
"""

import logging

from celery import Task, shared_task
from django.conf import settings

import sandbox
from grading import heartbeat, practical
from grading.bundle_trial import BUNDLE_TRIAL_RERUN_TASK, bundle_trial, trial_rerun
from training.bundles import uploads

logger = logging.getLogger(__name__)

# Every worker node records a heartbeat (grading/heartbeat.py) while it runs.
heartbeat.celery_signals_connect()


@shared_task(
    name=practical.SUBMISSION_GRADE_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=practical.MAX_INFRA_RETRIES,
)
def submission_grade_task(self: Task[[int], None], submission_id: int) -> None:
    try:
        practical.submission_grade(submission_id=submission_id, worker=self.request.hostname or "")
    except practical.SandboxUnavailable as exc:
        if self.request.retries >= practical.MAX_INFRA_RETRIES:
            practical.submission_fail_infrastructure(submission_id=submission_id, detail=str(exc))
            return
        base = getattr(settings, "PRACTICAL_RETRY_BASE_SECONDS", 10)
        raise self.retry(exc=exc, countdown=min(300, base * 2**self.request.retries)) from exc


@shared_task(name="grading.tasks.submissions_reap_task", acks_late=True)
def submissions_reap_task() -> None:
    outcome = practical.submissions_reap()
    if any(outcome.values()):
        logger.warning("reaper: %s", outcome)


@shared_task(name="grading.tasks.sandbox_janitor_task")
def sandbox_janitor_task() -> int:
    """Beat: removes sandbox containers (and pooled ones) left by a crashed worker.
    Runs on the sandbox queues, where the Docker engine is."""
    return sandbox.janitor_sweep(settings.SANDBOX_JANITOR_MAX_AGE)


@shared_task(name=uploads.BUNDLE_UPLOAD_TASK, acks_late=True, reject_on_worker_lost=True)
def bundle_upload_task(upload_id: int) -> None:
    """Validates and trial-runs an uploaded bundle (runs code: sandbox queue)."""
    uploads.bundle_upload_process(upload_id=upload_id, trial=bundle_trial)


@shared_task(name=BUNDLE_TRIAL_RERUN_TASK, acks_late=True, reject_on_worker_lost=True)
def bundle_trial_rerun_task(version_id: int) -> None:
    """Runs a stored bundle version's reference and baseline again (sandbox queue)."""
    trial_rerun(version_id=version_id)
