"""Celery tasks for certificates (listed in ``CELERY_IMPORTS``; the name is stable)."""

from celery import shared_task

from certification.credentials.services import certificate_expiry_reminders_send


@shared_task(
    name="certification.certificate_tasks.certificate_expiry_reminders_task",
    time_limit=600,
    soft_time_limit=540,
)
def certificate_expiry_reminders_task(within_days: int = 30) -> int:
    """Beat (daily): e-mails holders whose certificate expires within ``within_days``.
    Safe to run twice: each certificate is claimed before its mail goes out."""
    return certificate_expiry_reminders_send(within_days=within_days)
