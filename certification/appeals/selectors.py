"""Reads of appeals: the committee's queue (without conflicts of interest or the
members involved in the decision) and a candidate's own appeals."""

from django.contrib.auth.models import User

from certification.applications.conflicts import conflicted_candidate_ids
from certification.applications.selectors import application_get_for_candidate
from certification.models import Appeal, Decision
from core.errors import NotFound
from core.roles import Role, has_role


def _involved(appeal: Appeal) -> set[int]:
    """Who may not decide the appeal: everyone who decided on the application."""
    return set(
        Decision.objects.filter(application_id=appeal.application_id).values_list(
            "decided_by_id", flat=True
        )
    )


def appeals_for_committee(*, reviewer: User) -> list[Appeal]:
    """Open appeals this committee member may decide: not on applications they
    decided on, not of candidates they have a conflict with. Oldest first."""
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    return list(
        Appeal.objects.filter(state=Appeal.State.SUBMITTED)
        .exclude(application__candidate_id__in=conflicted_candidate_ids(staff=reviewer))
        .exclude(application__decisions__decided_by=reviewer)
        .select_related("application__certification", "decision__decided_by")
        .distinct()
        .order_by("filed_at", "pk")
    )


def appeals_for_candidate(*, candidate: User, application_id: int) -> list[Appeal]:
    application = application_get_for_candidate(candidate=candidate, application_id=application_id)
    return list(Appeal.objects.filter(application=application).order_by("-filed_at"))
