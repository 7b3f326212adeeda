"""Objects of results, decisions, appeals, blueprints, Angoff and interviews for the
role × endpoint matrix (tests/test_permissions.py), made through the services."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from certification.appeals import services as appeals
from certification.interviews import selectors
from certification.interviews import services as interviews
from certification.models import (
    AngoffEstimate,
    Appeal,
    Application,
    Blueprint,
    Certification,
    Decision,
    Interview,
    InterviewRating,
    InterviewSlot,
)
from certification.results import services as decisions
from certification.results.angoff import angoff_items, angoff_study_create
from certification.results.blueprints import ComponentSpec, blueprint_create
from core.roles import Role
from tests.conftest import make_user


def results_world(users: dict[str, Any], application: Application) -> SimpleNamespace:
    """``application`` (the owner's, Beginner CV) gets a defer decision by a second
    committee member; the owner also holds an approved Advanced CV application (the
    demo's interview blueprint) with a booked interview that ``users["examiner"]``
    rates, already under way, and an open appeal the matrix's committee member (not
    involved) may decide. Plus an Angoff study and a draft blueprint."""
    committee, owner = users["committee"], users["owner"]
    chair2 = make_user("chair2", Role.COMMITTEE)
    panel = make_user("judge2", Role.EXAMINER)
    advanced = Certification.objects.get(slug="advanced-cv")
    # Advanced eligibility (an intermediate certificate or a waiver) is the review's
    # business; this world starts from an approved application.
    adv = Application.objects.create(
        candidate=owner,
        certification=advanced,
        full_name="Owner",
        learning_history="-",
        project_experience="-",
        state=Application.State.APPROVED,
        reviewed_by=committee,
        reviewed_at=timezone.now(),
    )
    slot = interviews.interview_slot_create(
        certification=advanced,
        starts_at=timezone.now() + timedelta(days=3),
        first_examiner=users["examiner"],
        second_examiner=panel,
        created_by=committee,
    )
    spare = interviews.interview_slot_create(
        certification=advanced,
        starts_at=timezone.now() + timedelta(days=4),
        first_examiner=users["examiner"],
        second_examiner=panel,
        created_by=committee,
    )
    interview = interviews.interview_book(candidate=owner, application_id=adv.pk, slot_id=slot.pk)
    InterviewSlot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    for app in (application, adv):
        decisions.decision_record(
            application_id=app.pk, decided_by=chair2, outcome="defer", rationale="Waiting."
        )
    appeal = appeals.appeal_file(
        candidate=owner, application_id=adv.pk, grounds="Please look again.", components=["written"]
    )
    assert application.certification.written_exam is not None
    study = angoff_study_create(
        exam=application.certification.written_exam, title="Study", created_by=committee
    )
    question_id = angoff_items(study)[0].question_id
    draft = blueprint_create(
        certification=application.certification,
        created_by=committee,
        cut_score=Decimal(72),
        components=[
            ComponentSpec("written", Decimal("0.5")),
            ComponentSpec("practical", Decimal("0.5")),
        ],
    )
    return SimpleNamespace(
        advanced=adv,
        slot=slot,
        spare=spare,
        interview=interview,
        appeal=appeal,
        study=study,
        question_id=question_id,
        draft=draft,
        levels={
            c["id"]: c["levels"][1]["id"] for c in selectors.interview_rubric(interview).criteria
        },
    )


def results_state() -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    return (
        sorted(Decision.objects.values_list("pk", "outcome", "set_aside_at")),
        sorted(Appeal.objects.values_list("pk", "state")),
        sorted(Interview.objects.values_list("pk", "state", "slot_id", "adjudicator_id")),
        InterviewRating.objects.count(),
        InterviewSlot.objects.count(),
        sorted(Blueprint.objects.values_list("pk", "published_at")),
        AngoffEstimate.objects.count(),
    )
