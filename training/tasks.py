"""Celery tasks of the training app: ids in, claim the row, call a service. The
question import runs no candidate code: it goes to the ``default`` queue."""

from celery import shared_task

from training.services import imports


@shared_task(name=imports.QUESTION_IMPORT_TASK, acks_late=True, reject_on_worker_lost=True)
def question_import_task(import_id: int) -> None:
    """Previews or imports an uploaded question file (a second delivery claims
    nothing)."""
    imports.question_import_run(import_id=import_id)
