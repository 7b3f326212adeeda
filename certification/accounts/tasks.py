"""Celery tasks of accounts (listed in ``CELERY_IMPORTS``; names are stable)."""

from celery import shared_task

from certification.accounts.tokens import api_tokens_expired_delete


@shared_task(name="certification.accounts_tasks.api_tokens_expired_delete_task")
def api_tokens_expired_delete_task() -> int:
    """Beat (daily): deletes expired API tokens. Safe to run twice."""
    return api_tokens_expired_delete()
