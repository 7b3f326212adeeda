"""Celery tasks of live sessions (listed in ``CELERY_IMPORTS``; the name is stable)."""

from celery import shared_task

from certification.sessions.services import reminders_send


@shared_task(
    name="certification.sessions_tasks.session_reminders_task",
    time_limit=600,
    soft_time_limit=540,
)
def session_reminders_task() -> int:
    """Beat (every 15 minutes): reminds registrants of sessions starting within a day.
    Safe to run twice, or two at once: each registration is claimed before its
    reminder is recorded."""
    return reminders_send()
