"""Reads for the candidate's dashboard: each of their applications with its latest
attempt, its result and its certificate."""

from dataclasses import dataclass

from django.contrib.auth.models import User

from certification.models import Application, Attempt, Certificate
from certification.results.scoring import CompositeResult
from certification.results.selectors import results_for_applications


@dataclass(frozen=True)
class DashboardRow:
    application: Application
    attempt: Attempt | None
    result: CompositeResult
    certificate: Certificate | None


def dashboard_rows(*, candidate: User) -> list[DashboardRow]:
    """The candidate's applications, newest first as the model orders them, with
    their results computed together (a fixed number of queries)."""
    own = list(
        Application.objects.filter(candidate_id=candidate.pk)
        .select_related("certification__written_exam", "certification__practical_task")
        .prefetch_related("attempts")
    )
    results = results_for_applications(own, feedback=True)
    return [
        DashboardRow(
            application=application,
            attempt=application.attempts.first(),
            result=result,
            certificate=getattr(application, "certificate", None),
        )
        for application, result in zip(own, results, strict=True)
    ]
