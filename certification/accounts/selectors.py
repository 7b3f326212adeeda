"""Reads for the candidate's dashboard (each of their applications with its latest
attempt, its result and its certificate) and a person's preferences."""

from dataclasses import dataclass

from django.contrib.auth.models import User

from certification.models import Application, Attempt, Certificate, Preference
from certification.results.scoring import CompositeResult
from certification.results.selectors import results_for_applications
from certification.sittings.selectors import SittingStatus, sitting_statuses


@dataclass(frozen=True)
class DashboardRow:
    application: Application
    attempt: Attempt | None
    result: CompositeResult
    certificate: Certificate | None
    # The written exam's sitting booking, for an exam with sittings; None otherwise.
    sitting: SittingStatus | None = None


def dashboard_rows(*, candidate: User) -> list[DashboardRow]:
    """The candidate's applications, newest first as the model orders them, with
    their results computed together (a fixed number of queries)."""
    own = list(
        Application.objects.filter(candidate_id=candidate.pk)
        .select_related("certification__written_exam", "certification__practical_task")
        .prefetch_related("attempts")
    )
    results = results_for_applications(own, feedback=True)
    sittings = sitting_statuses(
        candidate=candidate,
        exam_ids=[a.certification.written_exam_id for a in own if a.certification.written_exam_id],
    )
    return [
        DashboardRow(
            application=application,
            attempt=application.attempts.first(),
            result=result,
            certificate=getattr(application, "certificate", None),
            sitting=sittings.get(application.certification.written_exam_id or 0),
        )
        for application, result in zip(own, results, strict=True)
    ]


def user_zone_name(*, user_id: int) -> str:
    """The zone the person chose, or "" for the site's."""
    chosen = Preference.objects.filter(user_id=user_id).values_list("time_zone", flat=True)
    return next(iter(chosen), "")


def user_zone_names(*, user_ids: list[int]) -> dict[int, str]:
    """The zones chosen by these people (those who chose none are left out)."""
    return dict(
        Preference.objects.filter(user_id__in=user_ids)
        .exclude(time_zone="")
        .values_list("user_id", "time_zone")
    )
