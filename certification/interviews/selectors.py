"""Reads of interviews: the booking rules' time limits, the slots a candidate may
book, a candidate's and an examiner's interviews, and the rubric an interview is
rated with. Each access read answers NotFound for what the reader may not see."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.applications.conflicts import conflicted_candidate_ids, conflicted_staff_ids
from certification.applications.selectors import application_get_for_candidate
from certification.models import (
    Application,
    Blueprint,
    BlueprintComponent,
    Interview,
    InterviewSlot,
)
from certification.results.selectors import blueprint_for_application
from core.errors import ApplicationError, NotFound
from core.roles import Role, has_role
from training.models import Rubric


def interview_application_for_candidate(*, candidate: User, application_id: int) -> Application:
    application = application_get_for_candidate(candidate=candidate, application_id=application_id)
    blueprint = blueprint_for_application(application)
    has_interview = blueprint is not None and any(
        c.kind == BlueprintComponent.Kind.INTERVIEW for c in blueprint.components.all()
    )
    if application.state != Application.State.APPROVED or not has_interview:
        raise NotFound("Not found.")
    return application


def interview_slots_open(
    *, candidate: User, application_id: int, now: datetime | None = None
) -> list[InterviewSlot]:
    """Slots the candidate may book for the application: of its certification, far
    enough ahead, free, with no examiner in conflict with the candidate. Read-only."""
    application = interview_application_for_candidate(
        candidate=candidate, application_id=application_id
    )
    now = now or timezone.now()
    conflicted = conflicted_staff_ids(candidate=candidate)
    return list(
        InterviewSlot.objects.filter(
            certification_id=application.certification_id,
            starts_at__gte=now + booking_cutoff(),
        )
        .exclude(interviews__state=Interview.State.BOOKED)
        .exclude(first_examiner_id__in=conflicted)
        .exclude(second_examiner_id__in=conflicted)
        .order_by("starts_at", "pk")
    )


def interview_for_candidate(*, candidate: User, application_id: int) -> Interview | None:
    """The candidate's current booking for the application, or None."""
    application = interview_application_for_candidate(
        candidate=candidate, application_id=application_id
    )
    return (
        Interview.objects.filter(application=application, state=Interview.State.BOOKED)
        .select_related("slot")
        .first()
    )


def _assigned(examiner: User) -> Q:
    return Q(rater_a=examiner) | Q(rater_b=examiner) | Q(adjudicator=examiner)


def _open_assignments(examiner: User) -> QuerySet[Interview]:
    """The booked interviews ``examiner`` is assigned to and has not rated yet, never
    one of a candidate they have a conflict with. NotFound for a non-examiner."""
    if not has_role(examiner, Role.EXAMINER):
        raise NotFound("Not found.")
    return (
        Interview.objects.filter(_assigned(examiner), state=Interview.State.BOOKED)
        .exclude(application__candidate_id__in=conflicted_candidate_ids(staff=examiner))
        .exclude(ratings__examiner=examiner, ratings__superseded=False)
        .select_related("slot", "application__certification")
    )


def interviews_for_examiner(*, examiner: User) -> list[Interview]:
    """The examiner's open assignments, soonest first."""
    return list(_open_assignments(examiner).order_by("slot__starts_at", "pk"))


def interview_get_for_examiner(*, examiner: User, interview_id: int) -> Interview:
    """One of the examiner's open assignments; NotFound for anything else (another
    examiner's interview, a rated one, a conflicted candidate)."""
    interview = _open_assignments(examiner).filter(pk=interview_id).first()
    if interview is None:
        raise NotFound("Not found.")
    return interview


def interview_rubric(interview: Interview) -> Rubric:
    """The rubric of the interview component of the application's blueprint.
    ApplicationError without one."""
    return blueprint_interview_rubric(blueprint_for_application(interview.application))


def blueprint_interview_rubric(blueprint: Blueprint | None) -> Rubric:
    component = next(
        (
            c
            for c in (blueprint.components.all() if blueprint else [])
            if c.kind == BlueprintComponent.Kind.INTERVIEW
        ),
        None,
    )
    if component is None or component.rubric is None:
        raise ApplicationError(_("面试没有评分量表"))
    return component.rubric


def booking_cutoff() -> timedelta:
    return timedelta(hours=int(getattr(settings, "INTERVIEW_BOOKING_CUTOFF_HOURS", 24)))


def reschedule_cutoff() -> timedelta:
    return timedelta(hours=int(getattr(settings, "INTERVIEW_RESCHEDULE_CUTOFF_HOURS", 24)))


def max_reschedules() -> int:
    return int(getattr(settings, "INTERVIEW_MAX_RESCHEDULES", 2))
