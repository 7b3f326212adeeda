"""The committee decides pass, fail or defer with a rationale; issuing needs a pass
decision; a candidate appeals within the window; an uninvolved member decides; a
granted appeal sets the decision aside and re-scores."""

from datetime import timedelta
from decimal import Decimal

import pytest

from certification.appeals import selectors
from certification.appeals import services as appeals
from certification.applications import conflicts
from certification.credentials.services import certificate_issue
from certification.exams import manual_grading as manual
from certification.models import (
    Appeal,
    Attempt,
    AuditEvent,
    Certificate,
    Decision,
    InterviewRating,
)
from certification.results import services as decisions
from certification.results.selectors import result_for_application, result_for_candidate
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role
from grading.models import Submission
from tests.conftest import make_user
from tests.factories import approved_application, objective_exam
from tests.test_results import graded_practical, graded_written

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(demo, candidate, committee):
    """Beginner CV (v1: written 0.4, practical 0.6, cut 70): 50 % and 95 % → 77."""
    objective_exam(certification=demo["certification"])
    application = approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    graded_written(application, 2)
    graded_practical(application, 0.95)
    return application


def decide(application, user, outcome, rationale="Reviewed the evidence."):
    return decisions.decision_record(
        application_id=application.pk, decided_by=user, outcome=outcome, rationale=rationale
    )


def test_pass_needs_a_passing_result_and_a_rationale(scored, committee):
    with pytest.raises(ApplicationError):
        decide(scored, committee, "pass", rationale="  ")
    decision = decide(scored, committee, "pass")
    assert decision.result["composite"] == "77.00" and decision.blueprint.version == 1
    assert decide(scored, committee, "pass").pk == decision.pk  # a double click
    assert AuditEvent.objects.filter(action="decision.record").count() == 1


def test_pending_results_can_only_be_deferred(demo, candidate, committee):
    objective_exam(certification=demo["certification"])
    application = approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    for outcome in ("pass", "fail"):
        with pytest.raises(Conflict):
            decide(application, committee, outcome)
    assert decide(application, committee, "defer").outcome == "defer"


def test_a_failing_result_cannot_pass(demo, candidate, committee):
    objective_exam(certification=demo["certification"])
    application = approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    graded_written(application, 1)
    graded_practical(application, 0.3)
    with pytest.raises(Conflict):
        decide(application, committee, "pass")
    assert decide(application, committee, "fail").outcome == "fail"
    assert not Decision.objects.filter(outcome="pass").exists()


def test_conflicted_or_non_committee_deciders_get_not_found(scored, committee, candidate):
    trainer = make_user("trainer", Role.COMMITTEE)
    conflicts.conflict_declare(
        declared_by=committee, staff=trainer, candidate=candidate, kind="trainer"
    )
    for user in (trainer, candidate, make_user("ex", Role.EXAMINER)):
        with pytest.raises(NotFound):
            decide(scored, user, "pass")
    assert not Decision.objects.exists()


def test_issuing_records_the_pass_decision_and_respects_a_fail(scored, committee):
    certificate = certificate_issue(application_id=scored.pk, issued_by=committee)
    decision = Decision.objects.get(application=scored)
    assert (decision.outcome, decision.decided_by) == ("pass", committee)
    assert certificate.composite == Decimal("77.00")
    with pytest.raises(Conflict):  # a certificate stands: no fail without revoking
        decide(scored, make_user("chair2", Role.COMMITTEE), "fail")


def test_no_certificate_after_a_defer(scored, committee):
    decide(scored, committee, "defer")
    with pytest.raises(Conflict):
        certificate_issue(application_id=scored.pk, issued_by=committee)
    assert not Certificate.objects.filter(application=scored).exists()


def test_the_candidate_sees_the_breakdown_and_feedback(scored, candidate, committee):
    decide(scored, committee, "pass", "Meets every component.")
    result = result_for_candidate(candidate=candidate, application_id=scored.pk)
    assert [(c.kind, c.percent) for c in result.components] == [
        ("practical", Decimal("95.00")),
        ("written", Decimal("50.00")),
    ]
    assert result.component("written").feedback[0] == "3.00 / 6.00"
    assert result.decision.rationale == "Meets every component."
    with pytest.raises(NotFound):
        result_for_candidate(candidate=make_user("nosy", Role.CANDIDATE), application_id=scored.pk)


# --- Appeals ---


def test_appeal_within_the_window_once(scored, candidate, committee):
    with pytest.raises(Conflict):  # nothing decided yet
        appeals.appeal_file(
            candidate=candidate, application_id=scored.pk, grounds="x", components=["written"]
        )
    decision = decide(scored, committee, "pass")
    with pytest.raises(Conflict):
        appeals.appeal_file(
            candidate=candidate,
            application_id=scored.pk,
            grounds="Item 3 was marked wrong.",
            components=["written"],
            now=decision.decided_at + timedelta(days=15),
        )
    with pytest.raises(ApplicationError):
        appeals.appeal_file(
            candidate=candidate, application_id=scored.pk, grounds="x", components=["interview"]
        )
    appeal = appeals.appeal_file(
        candidate=candidate,
        application_id=scored.pk,
        grounds="Item 3 was marked wrong.",
        components=["written"],
    )
    with pytest.raises(Conflict):
        appeals.appeal_file(
            candidate=candidate, application_id=scored.pk, grounds="again", components=["written"]
        )
    with pytest.raises(NotFound):
        appeals.appeal_file(
            candidate=make_user("other", Role.CANDIDATE),
            application_id=scored.pk,
            grounds="x",
            components=["written"],
        )
    assert Appeal.objects.get() == appeal
    with pytest.raises(Conflict):  # no new decision while the appeal is open
        decide(scored, committee, "fail")


def test_only_an_uninvolved_member_decides_and_granting_rescores_written(
    scored, candidate, committee
):
    decide(scored, committee, "fail", "Written below expectations.")
    appeal = appeals.appeal_file(
        candidate=candidate, application_id=scored.pk, grounds="Re-mark.", components=["written"]
    )
    with pytest.raises(NotFound):
        appeals.appeal_decide(appeal_id=appeal.pk, decided_by=committee, grant=True, rationale="x")
    assert selectors.appeals_for_committee(reviewer=committee) == []
    second = make_user("second", Role.COMMITTEE)
    assert selectors.appeals_for_committee(reviewer=second) == [appeal]
    granted = appeals.appeal_decide(
        appeal_id=appeal.pk, decided_by=second, grant=True, rationale="The key was disputed."
    )
    assert granted.state == "granted" and granted.rescoring["written"]["reopened"] == 0
    assert Decision.objects.get().set_aside_at is not None
    result = result_for_application(scored)
    assert result.decision is None  # the committee decides again
    assert AuditEvent.objects.filter(action="appeal.grant").count() == 1
    # Granting twice is harmless; rejecting a granted appeal is refused.
    assert appeals.appeal_decide(appeal_id=appeal.pk, decided_by=second, grant=True, rationale="x")
    with pytest.raises(Conflict):
        appeals.appeal_decide(appeal_id=appeal.pk, decided_by=second, grant=False, rationale="x")


def test_a_rejected_appeal_leaves_the_decision(scored, candidate, committee):
    decision = decide(scored, committee, "pass")
    appeal = appeals.appeal_file(
        candidate=candidate, application_id=scored.pk, grounds="Higher!", components=["practical"]
    )
    second = make_user("second", Role.COMMITTEE)
    appeals.appeal_decide(
        appeal_id=appeal.pk, decided_by=second, grant=False, rationale="No error."
    )
    decision.refresh_from_db()
    assert decision.set_aside_at is None
    assert not Submission.objects.filter(state="queued").exists()


def test_granting_a_practical_appeal_reruns_the_submission(
    scored, candidate, committee, django_capture_on_commit_callbacks
):
    decide(scored, committee, "fail", "Practical too low?")
    appeal = appeals.appeal_file(
        candidate=candidate, application_id=scored.pk, grounds="Re-run.", components=["practical"]
    )
    second = make_user("second", Role.COMMITTEE)
    with django_capture_on_commit_callbacks(execute=False):
        appeals.appeal_decide(appeal_id=appeal.pk, decided_by=second, grant=True, rationale="OK")
    assert Submission.objects.get().state == "queued"
    assert result_for_application(scored).state == "pending"  # until re-graded


def test_granting_an_interview_appeal_brings_two_new_raters(world):
    from certification.models import Interview as InterviewModel

    make_user("fresh1", Role.EXAMINER)
    make_user("fresh2", Role.EXAMINER)
    world.book()
    world.score(practical=0.9)
    world.rate(world.examiners[0], 75)
    world.rate(world.examiners[1], 75)
    decisions.decision_record(
        application_id=world.application.pk,
        decided_by=world.committee,
        outcome="pass",
        rationale="Good.",
    )
    appeal = appeals.appeal_file(
        candidate=world.candidate,
        application_id=world.application.pk,
        grounds="The panel misunderstood me.",
        components=["interview"],
    )
    second = make_user("second", Role.COMMITTEE)
    appeals.appeal_decide(appeal_id=appeal.pk, decided_by=second, grant=True, rationale="Re-rate.")
    interview = InterviewModel.objects.get(state="booked")
    old = {world.examiners[0].pk, world.examiners[1].pk}
    assert {interview.rater_a_id, interview.rater_b_id}.isdisjoint(old)
    assert InterviewRating.objects.filter(superseded=True).count() == 2
    assert result_for_application(world.application).state == "pending"


def test_a_written_appeal_reopens_rubric_items_for_another_examiner(demo, candidate, committee):
    """A case-analysis item graded by an examiner goes back to the queue after a granted
    appeal, but not to the same examiner."""
    from certification.exams import services as exams
    from tests.factories import answer_all, question
    from training.models import QuestionBank, QuestionVersion, Rubric

    exam = objective_exam(certification=demo["certification"])
    rubric = Rubric.objects.create(
        title="Case",
        criteria=[{"id": "c", "name": "c", "levels": [
            {"id": "0", "label": "0", "descriptor": "-", "points": 0},
            {"id": "1", "label": "1", "descriptor": "+", "points": 1},
        ]}],
    )  # fmt: skip
    case = question(
        QuestionBank.objects.get(slug="test-bank"),
        QuestionVersion.Kind.CASE_ANALYSIS,
        {},
        {"rubric": rubric.pk, "model_answer": "An answer."},
        "4",
    )
    exam.sections.get().fixed_items.create(question=case, position=4)
    application = approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    answer_all(attempt)
    exams.attempt_submit(attempt=attempt)
    first = make_user("grader1", Role.EXAMINER)
    [item] = manual.manual_queue(examiner=first)
    manual.manual_grade(examiner=first, item_id=item.pk, levels={"c": "0"}, comment="Thin.")
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED
    graded_practical(application, 0.95)
    decide(application, committee, "fail", "Written too low.")
    appeal = appeals.appeal_file(
        candidate=candidate,
        application_id=application.pk,
        grounds="Re-mark the case.",
        components=["written"],
    )
    granted = appeals.appeal_decide(
        appeal_id=appeal.pk,
        decided_by=make_user("second", Role.COMMITTEE),
        grant=True,
        rationale="OK",
    )
    assert granted.rescoring["written"]["reopened"] == 1
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.SUBMITTED
    assert manual.manual_queue(examiner=first) == []
    second_grader = make_user("grader2", Role.EXAMINER)
    assert [i.pk for i in manual.manual_queue(examiner=second_grader)] == [item.pk]
    assert result_for_application(application).state == "pending"
    manual.manual_grade(examiner=second_grader, item_id=item.pk, levels={"c": "1"}, comment="Fine.")
    result = result_for_application(application)
    assert result.written_percent == Decimal("100.00")
    assert "Fine." in result.component("written").feedback
