import pytest
from django.core import mail

from certification.applications import services as applications
from certification.models import Application, AuditEvent
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def submit(candidate, certification):
    return applications.application_submit(
        candidate=candidate,
        certification=certification,
        full_name="王小明",
        learning_history="MOOC",
        project_experience="digits",
    )


def test_candidate_applies_and_committee_approves_with_audit_and_mail(
    demo, candidate, committee, django_capture_on_commit_callbacks
):
    application = submit(candidate, demo["certification"])
    assert application.state == Application.State.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        approved = applications.application_approve(
            application_id=application.pk, reviewer=committee
        )

    assert approved.state == Application.State.APPROVED
    assert approved.reviewed_by == committee
    event = AuditEvent.objects.get(action="application.approve")
    assert (event.actor, event.before, event.after["state"]) == (
        committee,
        {"state": "submitted"},
        "approved",
    )
    assert mail.outbox[0].to == [candidate.email]


def test_second_live_application_for_same_certification_is_refused(demo, candidate):
    submit(candidate, demo["certification"])
    with pytest.raises(Conflict):
        submit(candidate, demo["certification"])
    assert Application.objects.filter(candidate=candidate).count() == 1


def test_rejection_needs_a_reason_the_candidate_reads(demo, candidate, committee):
    application = submit(candidate, demo["certification"])
    with pytest.raises(ApplicationError):
        applications.application_reject(
            application_id=application.pk, reviewer=committee, reason=" "
        )
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED

    rejected = applications.application_reject(
        application_id=application.pk, reviewer=committee, reason="学习经历不足"
    )
    assert (rejected.state, rejected.decision_reason) == (
        Application.State.REJECTED,
        "学习经历不足",
    )


def test_approve_twice_is_harmless_but_approving_a_rejected_one_conflicts(
    demo, candidate, committee
):
    application = submit(candidate, demo["certification"])
    applications.application_approve(application_id=application.pk, reviewer=committee)
    applications.application_approve(application_id=application.pk, reviewer=committee)
    assert AuditEvent.objects.filter(action="application.approve").count() == 1

    other = submit(make_user("dan", Role.CANDIDATE), demo["certification"])
    applications.application_reject(application_id=other.pk, reviewer=committee, reason="no")
    with pytest.raises(Conflict):
        applications.application_approve(application_id=other.pk, reviewer=committee)


@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.INSTRUCTOR, Role.EXAMINER, None])
def test_only_the_committee_decides(demo, candidate, role):
    application = submit(candidate, demo["certification"])
    outsider = make_user(f"x-{role}", role)
    with pytest.raises(NotFound):
        applications.application_approve(application_id=application.pk, reviewer=outsider)
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert not AuditEvent.objects.exists()


def test_committee_member_cannot_decide_their_own_application(demo, committee):
    role_holder = committee
    from core.roles import role_grant

    role_grant(user=role_holder, role=Role.CANDIDATE)
    application = submit(role_holder, demo["certification"])
    with pytest.raises(NotFound):
        applications.application_approve(application_id=application.pk, reviewer=role_holder)
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert not AuditEvent.objects.exists()


def test_non_candidates_cannot_apply(demo, committee):
    with pytest.raises(NotFound):
        submit(committee, demo["certification"])


def test_closed_certification_refuses_applications(demo, candidate):
    from certification.models import Certification

    closed = Certification.objects.get(slug="advanced-nlp")
    with pytest.raises(ApplicationError):
        submit(candidate, closed)
