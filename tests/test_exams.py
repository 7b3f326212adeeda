from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.models import Answer, Attempt
from certification.services import exams
from config.errors import Conflict, NotFound
from tests.factories import approved_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(demo, candidate, committee):
    approved_application(candidate=candidate, certification=demo["certification"], committee=committee)
    return exams.attempt_start(candidate=candidate, exam=demo["certification"].written_exam)


def items(attempt):
    return list(attempt.exam.items.select_related("question").order_by("position"))


def test_start_sets_the_server_deadline_and_resumes_the_same_attempt(attempt, candidate):
    assert attempt.deadline - attempt.started_at == timedelta(minutes=attempt.exam.time_limit_minutes)
    again = exams.attempt_start(candidate=candidate, exam=attempt.exam)
    assert again.pk == attempt.pk
    assert Attempt.objects.count() == 1


def test_no_attempt_without_an_approved_application(demo, candidate):
    with pytest.raises(NotFound):
        exams.attempt_start(candidate=candidate, exam=demo["certification"].written_exam)
    assert not Attempt.objects.exists()


def test_database_allows_one_active_attempt_per_candidate_and_exam(attempt):
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            exam=attempt.exam,
            application=attempt.application,
            candidate=attempt.candidate,
            started_at=timezone.now(),
            deadline=timezone.now(),
        )


def test_older_revision_never_overwrites_a_newer_answer(attempt):
    item = items(attempt)[0]
    exams.answer_save(attempt=attempt, item_id=item.pk, response={"choice": 2}, revision=3)
    exams.answer_save(attempt=attempt, item_id=item.pk, response={"choice": 0}, revision=2)
    exams.answer_save(attempt=attempt, item_id=item.pk, response={"choice": 2}, revision=3)  # re-sent copy
    answer = Answer.objects.get(attempt=attempt, item=item)
    assert (answer.response, answer.revision) == ({"choice": 2}, 3)


def test_answers_in_grace_are_kept_and_flagged_later_ones_refused(attempt):
    first, second, *_ = items(attempt)
    in_grace = attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds - 1)
    answer = exams.answer_save(attempt=attempt, item_id=first.pk, response={"choice": 1}, revision=1, now=in_grace)
    assert answer.late is True

    too_late = attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds + 1)
    with pytest.raises(Conflict):
        exams.answer_save(attempt=attempt, item_id=second.pk, response={"choice": 1}, revision=1, now=too_late)
    assert not Answer.objects.filter(item=second).exists()


def test_item_of_another_exam_is_not_found(attempt):
    from certification.models import Exam, ExamItem

    other = Exam.objects.create(title="other")
    foreign = ExamItem.objects.create(exam=other, question=items(attempt)[0].question, position=1)
    with pytest.raises(NotFound):
        exams.answer_save(attempt=attempt, item_id=foreign.pk, response={"choice": 1}, revision=1)


def test_submit_grades_objective_items_and_is_idempotent(attempt):
    for item in items(attempt):
        q = item.question
        response = {"choice": q.key["correct"]} if q.kind == "single_choice" else {"text": q.key["accepted"][0].lower()}
        exams.answer_save(attempt=attempt, item_id=item.pk, response=response, revision=1)
    wrong = items(attempt)[0]
    exams.answer_save(attempt=attempt, item_id=wrong.pk, response={"choice": 3}, revision=2)

    graded = exams.attempt_submit(attempt=attempt)
    assert graded.state == Attempt.State.GRADED
    assert (graded.score, graded.max_score) == (Decimal(5), Decimal(6))
    assert graded.percent == Decimal("83.33")

    again = exams.attempt_submit(attempt=attempt)
    assert (again.state, again.score, again.submitted_at) == (graded.state, graded.score, graded.submitted_at)
    with pytest.raises(Conflict):
        exams.answer_save(attempt=attempt, item_id=wrong.pk, response={"choice": 1}, revision=3)


def test_sweeper_submits_only_attempts_past_deadline_and_grace(attempt):
    assert exams.attempts_submit_overdue() == 0
    later = attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds + 5)
    assert exams.attempts_submit_overdue(now=later) == 1
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED
    assert attempt.submitted_at == attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds)
    assert exams.attempts_submit_overdue(now=later) == 0


def test_second_attempt_after_finishing_is_refused(attempt, candidate):
    exams.attempt_submit(attempt=attempt)
    with pytest.raises(Conflict):
        exams.attempt_start(candidate=candidate, exam=attempt.exam)
