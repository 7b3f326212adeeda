"""Conflict of interest: whoever trained or mentored a candidate may not review,
examine or decide on them; the system enforces it and says nothing about why."""

import pytest
from django.test import Client
from django.utils import timezone

from certification.applications import conflicts, review, selectors
from certification.applications import services as applications
from certification.exams import manual_grading as manual
from certification.exams import services as exams
from certification.models import Application, AuditEvent, TrainingRelation
from core.errors import ApplicationError, NotFound
from core.roles import Role, role_grant
from tests.committee.helpers import submit
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor(db):
    user = make_user("mentor", Role.COMMITTEE)
    role_grant(user=user, role=Role.EXAMINER)
    return user


def declare(mentor, candidate, kind="mentor"):
    return conflicts.conflict_declare(
        declared_by=mentor, staff=mentor, candidate=candidate, kind=kind
    )


def test_a_declared_relation_is_a_conflict_and_oneself_always_is(
    mentor, candidate, other_candidate
):
    assert not conflicts.has_conflict(staff=mentor, candidate=candidate)
    assert conflicts.has_conflict(staff=mentor, candidate=mentor)

    declare(mentor, candidate)

    assert conflicts.has_conflict(staff=mentor, candidate=candidate)
    assert conflicts.has_conflict(staff=mentor, candidate=candidate.pk)
    assert not conflicts.has_conflict(staff=mentor, candidate=other_candidate)
    assert conflicts.conflicted_candidate_ids(staff=mentor) == {candidate.pk, mentor.pk}
    assert conflicts.conflicted_staff_ids(candidate=candidate) == {mentor.pk, candidate.pk}
    assert conflicts.conflicted_staff_ids(candidate=other_candidate.pk) == {other_candidate.pk}


def test_declaring_twice_is_harmless_and_audited_once(mentor, candidate):
    first = declare(mentor, candidate)
    again = declare(mentor, candidate)
    assert first.pk == again.pk
    assert AuditEvent.objects.filter(action="conflict.declare").count() == 1


def test_candidates_cannot_declare_and_staff_only_for_themselves(mentor, candidate, committee):
    teacher = make_user("teach", Role.INSTRUCTOR)
    with pytest.raises(NotFound):
        conflicts.conflict_declare(
            declared_by=candidate, staff=mentor, candidate=candidate, kind="trainer"
        )
    with pytest.raises(NotFound):
        conflicts.conflict_declare(
            declared_by=teacher, staff=mentor, candidate=candidate, kind="trainer"
        )
    conflicts.conflict_declare(
        declared_by=teacher, staff=teacher, candidate=candidate, kind="trainer"
    )
    conflicts.conflict_declare(
        declared_by=committee, staff=mentor, candidate=candidate, kind="mentor"
    )
    with pytest.raises(ApplicationError):
        conflicts.conflict_declare(
            declared_by=committee, staff=mentor, candidate=mentor, kind="mentor"
        )
    assert TrainingRelation.objects.count() == 2


def test_a_mentor_can_neither_see_nor_decide_the_application(demo, mentor, candidate):
    application = submit(candidate, demo["certification"])
    declare(mentor, candidate)

    assert application not in selectors.review_queue(reviewer=mentor)
    with pytest.raises(NotFound):
        selectors.application_get_for_reviewer(reviewer=mentor, application_id=application.pk)
    with pytest.raises(NotFound):
        applications.application_approve(application_id=application.pk, reviewer=mentor)
    with pytest.raises(NotFound):
        applications.application_reject(application_id=application.pk, reviewer=mentor, reason="no")
    with pytest.raises(NotFound):
        review.waiver_grant_for_application(
            granted_by=mentor, application_id=application.pk, reason="x"
        )
    outcome = review.applications_bulk_decide(
        reviewer=mentor, application_ids=[application.pk], approve=True
    )

    assert outcome.decided == [] and outcome.skipped == {application.pk: "Not found."}
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert not AuditEvent.objects.exclude(action="conflict.declare").exists()


def test_the_manual_grading_queue_leaves_out_candidates_the_examiner_trained(
    demo, mentor, candidate, committee
):
    from decimal import Decimal

    from certification.models import Attempt, AttemptItem
    from tests.factories import approved_application, objective_exam
    from training.models import QuestionVersion

    exam = objective_exam(certification=demo["certification"])
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    # Given a submitted attempt with an answer waiting for an examiner,
    version = attempt.items.order_by("position").first().version
    QuestionVersion.objects.filter(pk=version.pk).update(kind=QuestionVersion.Kind.SHORT_ANSWER)
    Attempt.objects.filter(pk=attempt.pk).update(
        state=Attempt.State.SUBMITTED, submitted_at=timezone.now()
    )
    AttemptItem.objects.filter(attempt=attempt).exclude(version=version).update(points=Decimal(0))
    assert [i.attempt_id for i in manual.manual_queue(examiner=mentor)] == [attempt.pk]
    page = Client()
    page.force_login(mentor)
    load = page.get("/examiner/grading/").content.decode()
    assert "待评分答卷自交卷起已等待的天数 (n = 1)" in load

    # when the examiner turns out to have mentored the candidate,
    declare(mentor, candidate)

    # then the answer is not in their queue, and cannot be opened.
    assert manual.manual_queue(examiner=mentor) == []
    item = AttemptItem.objects.get(attempt=attempt, version=version)
    with pytest.raises(NotFound):
        manual.manual_item_get(examiner=mentor, item_id=item.pk)


def test_staff_declare_their_own_conflict_on_their_page_and_see_only_their_own(
    client, mentor, candidate, other_candidate
):
    other_staff = make_user("other-examiner", Role.EXAMINER)
    declare(other_staff, other_candidate)
    client.force_login(mentor)

    response = client.post(
        "/conflicts/",
        {"candidate": candidate.username, "kind": "trainer", "note": "Evening course"},
    )

    assert response.status_code == 302
    relation = TrainingRelation.objects.get(staff=mentor)
    assert (relation.candidate, relation.kind, relation.declared_by) == (
        candidate,
        "trainer",
        mentor,
    )
    page = client.get("/conflicts/").content.decode()
    assert candidate.username in page and other_candidate.username not in page


def test_an_unknown_candidate_is_refused_on_the_own_conflicts_page_and_nothing_is_recorded(
    client, mentor
):
    client.force_login(mentor)

    response = client.post("/conflicts/", {"candidate": "nobody", "kind": "trainer"})

    assert response.status_code == 200
    assert not TrainingRelation.objects.exists()


def test_a_candidate_has_no_own_conflicts_page(client, candidate):
    client.force_login(candidate)

    assert client.get("/conflicts/").status_code == 404
    with pytest.raises(NotFound):
        conflicts.conflicts_list_own(staff=candidate)
