"""Celery tasks of interviews (the name is stable: the beat schedule uses it)."""

from celery import shared_task

from certification.interviews import services as interviews


@shared_task(name="certification.tasks.interview_adjudications_sweep_task")
def interview_adjudications_sweep_task() -> int:
    """Beat: assigns a third rater wherever two interview ratings differ too much or
    a composite that became complete lies within the blueprint's margin of the cut."""
    return interviews.interview_adjudications_sweep()
