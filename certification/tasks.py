from celery import shared_task

from certification.services import exams


@shared_task
def attempts_submit_overdue_task() -> int:
    """Beat: submits attempts whose time and grace are over (closed browsers)."""
    return exams.attempts_submit_overdue()
