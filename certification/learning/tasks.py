"""Celery tasks of the learning journey (listed in ``CELERY_IMPORTS``; names are stable)."""

from celery import shared_task

from certification.learning.plan import study_plans_refresh


@shared_task(
    name="certification.learning_tasks.study_plans_refresh_task",
    time_limit=1800,
    soft_time_limit=1700,
)
def study_plans_refresh_task() -> int:
    """Beat (nightly): item statistics from every practice answer, then a plan snapshot
    for every enrolment. Safe to run twice: both are upserts."""
    return study_plans_refresh()
