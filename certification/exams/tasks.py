"""Celery tasks of exam delivery. Task names are kept from before the areas moved:
queued messages, routes and the beat schedule refer to them."""

import logging
from typing import Any

from celery import Task, shared_task

from certification.exams import analysis_snapshots
from certification.exams import manual_grading as manual
from certification.exams import services as exams
from certification.exams.services import PROGRAMMING_ITEM_GRADE_TASK
from grading.programming import ProgrammingInfrastructureError

logger = logging.getLogger(__name__)


@shared_task(name="certification.tasks.attempts_sweep_task")
def attempts_sweep_task() -> int:
    """Beat: closes attempts whose time and grace are over (closed browsers)."""
    return exams.attempts_sweep()


@shared_task(
    name=PROGRAMMING_ITEM_GRADE_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
)
def programming_item_grade_task(self: Task[Any, Any], item_id: int) -> None:
    """Runs a programming answer's hidden tests in the sandbox and records the score.
    Safe twice: an item that already has points is left alone."""
    try:
        manual.programming_item_grade(item_id=item_id)
    except ProgrammingInfrastructureError as exc:
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc


@shared_task(
    name=analysis_snapshots.ITEM_ANALYSIS_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
)
def item_analysis_refresh_task(exam_id: int) -> None:
    """Refreshes an exam's stored item analysis with progress (a second delivery
    claims nothing)."""
    analysis_snapshots.item_analysis_refresh_run(exam_id=exam_id)
