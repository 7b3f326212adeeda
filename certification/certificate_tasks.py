"""Celery tasks for certificates. Import this module from ``certification/tasks.py``
(or list it in ``CELERY_IMPORTS``) so the worker registers it."""

from celery import shared_task

from certification.services import certificates


@shared_task(time_limit=600, soft_time_limit=540)
def certificate_expiry_reminders_task(within_days: int = 30) -> int:
    """Beat (daily): e-mails holders whose certificate expires within ``within_days``.
    Safe to run twice: each certificate is claimed before its mail goes out."""
    return certificates.certificate_expiry_reminders_send(within_days=within_days)
