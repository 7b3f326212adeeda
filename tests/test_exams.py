from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.exams import accommodations, answers
from certification.exams import services as exams
from certification.models import (
    Accommodation,
    Answer,
    AnswerEvent,
    Attempt,
    AttemptItem,
    AuditEvent,
    Exam,
)
from core.errors import ApplicationError, Conflict, NotFound
from grading.objective import InvalidResponse
from tests.factories import (
    answer_all,
    approved_application,
    choices,
    objective_exam,
    question,
)
from training.models import Category, QuestionBank, QuestionVersion, Tag

pytestmark = pytest.mark.django_db
Kind = QuestionVersion.Kind


@pytest.fixture
def exam(demo, candidate, committee):
    exam = objective_exam(certification=demo["certification"])
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    return exam


@pytest.fixture
def attempt(exam, candidate):
    return exams.attempt_start(candidate=candidate, exam=exam)


def items(attempt):
    return list(attempt.items.select_related("version").order_by("position"))


def test_start_sets_the_server_deadline_and_resumes_the_same_attempt(attempt, candidate):
    assert attempt.deadline - attempt.started_at == timedelta(
        minutes=attempt.exam.time_limit_minutes
    )
    assert [i.version.kind for i in items(attempt)] == [
        Kind.SINGLE_CHOICE,
        Kind.TRUE_FALSE,
        Kind.FILL_IN,
    ]
    again = exams.attempt_start(candidate=candidate, exam=attempt.exam)
    assert again.pk == attempt.pk
    assert Attempt.objects.count() == 1


def test_no_attempt_without_an_approved_application(demo, other_candidate):
    exam = objective_exam(certification=demo["certification"])
    with pytest.raises(NotFound):
        exams.attempt_start(candidate=other_candidate, exam=exam)
    assert not Attempt.objects.exists()


def test_window_and_attempts_allowed(exam, candidate):
    now = timezone.now()
    exam.opens_at, exam.closes_at = now + timedelta(hours=1), now + timedelta(hours=2)
    exam.save()
    with pytest.raises(Conflict):
        exams.attempt_start(candidate=candidate, exam=exam)
    with pytest.raises(Conflict):
        exams.attempt_start(candidate=candidate, exam=exam, now=now + timedelta(hours=2))
    first = exams.attempt_start(candidate=candidate, exam=exam, now=now + timedelta(minutes=61))
    exams.attempt_submit(attempt=first)
    with pytest.raises(Conflict):
        exams.attempt_start(candidate=candidate, exam=exam, now=now + timedelta(minutes=62))


def test_deadline_gets_extra_time_and_is_capped_by_the_close_time(exam, candidate, committee):
    accommodations.accommodation_grant(
        candidate=candidate, exam=exam, extra_minutes=15, reason="dyslexia", granted_by=committee
    )
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    assert attempt.deadline - attempt.started_at == timedelta(minutes=45)
    assert AuditEvent.objects.filter(action="accommodation.grant").exists()

    closes = attempt.started_at + timedelta(minutes=20)
    exam.closes_at = closes
    exam.save()
    accommodations.accommodation_grant(
        candidate=candidate, exam=exam, extra_minutes=30, reason="more", granted_by=committee
    )
    attempt.refresh_from_db()
    assert attempt.deadline == closes
    assert Accommodation.objects.count() == 1


def test_an_exam_specific_accommodation_wins_over_a_general_one(exam, candidate, committee):
    """Whatever order the database sorts a null exam in (PostgreSQL puts nulls last
    going up, first going down; SQLite the other way)."""
    for target, minutes in ((None, 10), (exam, 25)):
        accommodations.accommodation_grant(
            candidate=candidate,
            exam=target,
            extra_minutes=minutes,
            reason="-",
            granted_by=committee,
        )
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    limit = timedelta(minutes=exam.time_limit_minutes)
    assert attempt.deadline - attempt.started_at == limit + timedelta(minutes=25)


def test_a_start_reads_what_it_decides_on_in_one_query(
    exam, candidate, django_assert_num_queries, settings
):
    """Exam start storms (docs/benchmarks.md): the application, the attempts so far,
    sittings and extra time in one query, then the attempt and its items in one
    INSERT; inside a caller's transaction (as here) in a savepoint of its own
    (SAVEPOINT, INSERT, RELEASE). The draw's inputs are cached. In autocommit it is
    two queries (tests/test_start_fast.py)."""
    settings.EXAM_BLUEPRINT_CACHE_SECONDS = 60
    exams.blueprint_inputs_cached(exam=exam)
    with django_assert_num_queries(4):
        exams.attempt_start(candidate=candidate, exam=exam)


def test_only_the_committee_grants_extra_time(exam, candidate, other_candidate):
    with pytest.raises(NotFound):
        accommodations.accommodation_grant(
            candidate=candidate, exam=exam, extra_minutes=5, reason="x", granted_by=other_candidate
        )
    assert not Accommodation.objects.exists()


def test_database_allows_one_active_attempt_per_candidate_and_exam(attempt):
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            exam=attempt.exam,
            candidate=attempt.candidate,
            number=2,
            seed=1,
            started_at=timezone.now(),
            deadline=timezone.now(),
            state=Attempt.State.OVERDUE,
        )


def test_older_revision_never_overwrites_a_newer_answer_and_every_step_is_logged(attempt):
    item = items(attempt)[0]
    answers.answer_save(attempt=attempt, item_id=item.pk, response={"choice": "c"}, revision=3)
    answers.answer_save(attempt=attempt, item_id=item.pk, response={"choice": "a"}, revision=2)
    answers.answer_save(attempt=attempt, item_id=item.pk, response={"choice": "c"}, revision=3)
    answer = Answer.objects.get(item=item)
    assert (answer.response, answer.revision) == ({"choice": "c"}, 3)
    assert list(AnswerEvent.objects.filter(item=item).values_list("revision", "applied")) == [
        (3, True),
        (2, False),
        (3, True),
    ]


def test_answers_in_grace_are_kept_and_flagged_later_ones_refused(attempt):
    first, second, _ = items(attempt)
    in_grace = attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds - 1)
    answer = answers.answer_save(
        attempt=attempt, item_id=first.pk, response={"choice": "b"}, revision=1, now=in_grace
    )
    assert answer.late is True
    too_late = attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds + 1)
    with pytest.raises(Conflict):
        answers.answer_save(
            attempt=attempt, item_id=second.pk, response={"value": False}, revision=1, now=too_late
        )
    assert not Answer.objects.filter(item=second).exists()


def test_bad_answers_change_nothing(attempt, demo, other_candidate, committee):
    item = items(attempt)[0]
    with pytest.raises(InvalidResponse):
        answers.answer_save(attempt=attempt, item_id=item.pk, response={"choice": "zz"}, revision=1)
    approved_application(
        candidate=other_candidate, certification=demo["certification"], committee=committee
    )
    foreign = exams.attempt_start(candidate=other_candidate, exam=attempt.exam)
    with pytest.raises(NotFound):
        answers.answer_save(
            attempt=attempt, item_id=items(foreign)[0].pk, response={"choice": "b"}, revision=1
        )
    for revision in (0, answers.MAX_REVISION + 1):
        with pytest.raises(ApplicationError, match="revision"):
            answers.answer_save(
                attempt=attempt, item_id=item.pk, response={"choice": "b"}, revision=revision
            )
    assert not Answer.objects.exists() and not AnswerEvent.objects.exists()


def test_submit_grades_and_is_idempotent_and_closes_saving(attempt):
    answer_all(attempt, correct=2)  # 1 + 2 of 6 points
    graded = exams.attempt_submit(attempt=attempt)
    assert graded.state == Attempt.State.GRADED
    assert (graded.score, graded.max_score, graded.percent) == (
        Decimal(3),
        Decimal(6),
        Decimal("50.00"),
    )
    again = exams.attempt_submit(attempt=attempt)
    assert (again.state, again.score, again.submitted_at) == (
        graded.state,
        graded.score,
        graded.submitted_at,
    )
    with pytest.raises(Conflict):
        answers.answer_save(
            attempt=attempt, item_id=items(attempt)[0].pk, response={"choice": "a"}, revision=9
        )


def test_sweeper_marks_overdue_then_submits_and_abandons_empty_attempts(
    attempt, demo, other_candidate, committee
):
    approved_application(
        candidate=other_candidate, certification=demo["certification"], committee=committee
    )
    empty = exams.attempt_start(candidate=other_candidate, exam=attempt.exam)
    answer_all(attempt)
    assert exams.attempts_sweep() == 0
    in_grace = attempt.deadline + timedelta(seconds=1)
    assert exams.attempts_sweep(now=in_grace) == 0
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.OVERDUE
    later = attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds + 5)
    assert exams.attempts_sweep(now=later) == 2
    attempt.refresh_from_db()
    empty.refresh_from_db()
    assert (attempt.state, attempt.score) == (Attempt.State.GRADED, Decimal(6))
    assert attempt.submitted_at == attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds)
    assert empty.state == Attempt.State.ABANDONED
    assert exams.attempts_sweep(now=later) == 0


def test_regrade_previews_then_applies_a_corrected_key(attempt, committee):
    answer_all(attempt)
    first = items(attempt)[0]
    answers.answer_save(attempt=attempt, item_id=first.pk, response={"choice": "c"}, revision=2)
    exams.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.score == Decimal(5)
    # The instructor finds the key was wrong: "c" is right. Editing makes version 2.
    old = first.version
    QuestionVersion.objects.create(
        question=old.question,
        number=2,
        kind=old.kind,
        stem=old.stem,
        data=old.data,
        key={"fractions": {"c": 1}},
        points=old.points,
    )

    preview = exams.exam_regrade(exam=attempt.exam, dry_run=True)
    assert [(c.position, c.old_points, c.new_points) for c in preview] == [
        (1, Decimal(0), Decimal(1))
    ]
    attempt.refresh_from_db()
    assert attempt.score == Decimal(5)

    exams.exam_regrade(exam=attempt.exam, dry_run=False, by=committee)
    attempt.refresh_from_db()
    assert attempt.score == Decimal(6)
    assert AttemptItem.objects.get(pk=first.pk).version == old  # the stem shown is kept
    assert AuditEvent.objects.filter(action="exam.regrade").count() == 1
    assert exams.exam_regrade(exam=attempt.exam, dry_run=False) == []


def test_manual_items_wait_for_an_examiner(demo, candidate, committee):
    from certification.exams import manual_grading as manual
    from core.roles import Role
    from tests.conftest import make_user
    from training.models import Rubric

    exam = objective_exam(certification=demo["certification"])
    rubric = Rubric.objects.create(
        title="r",
        criteria=[
            {"id": "c", "name": "c", "levels": [{"id": "0", "points": 0}, {"id": "1", "points": 2}]}
        ],
    )
    case = question(
        QuestionBank.objects.get(slug="test-bank"),
        Kind.CASE_ANALYSIS,
        {},
        {"rubric": rubric.pk},
        "4",
    )
    exam.sections.get().fixed_items.create(question=case, position=4)
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    answer_all(attempt)
    attempt = exams.attempt_submit(attempt=attempt)
    assert attempt.state == Attempt.State.SUBMITTED and attempt.score is None

    examiner = make_user("eve", Role.EXAMINER)
    [queued] = manual.manual_queue(examiner=examiner)
    assert queued.version.kind == Kind.CASE_ANALYSIS
    with pytest.raises(NotFound):
        manual.manual_queue(examiner=candidate)
    manual.manual_grade(examiner=examiner, item_id=queued.pk, levels={"c": "1"}, comment="good")
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score) == (Attempt.State.GRADED, Decimal(10))
    assert manual.manual_queue(examiner=examiner) == []


def test_practice_mode_gives_immediate_feedback(demo, candidate):
    exam = objective_exam(mode=Exam.Mode.PRACTICE)
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    item = items(attempt)[0]
    answers.answer_save(attempt=attempt, item_id=item.pk, response={"choice": "b"}, revision=1)
    assert exams.practice_check(attempt=attempt, item_id=item.pk).fraction == 1
    real = objective_exam()
    with pytest.raises(NotFound):
        exams.practice_check(attempt=Attempt(exam=real), item_id=item.pk)


def test_blueprint_draws_by_category_tags_and_difficulty_reproducibly(db):
    bank = QuestionBank.objects.create(slug="b", title="b")
    root = Category.objects.create(bank=bank, name="root")
    child = Category.objects.create(bank=bank, parent=root, name="child")
    easy, hard, cv = (
        Tag.objects.get_or_create(name=n)[0]
        for n in ("difficulty:easy", "difficulty:hard", "domain:cv")
    )
    for i in range(6):
        q = question(
            bank,
            Kind.SINGLE_CHOICE,
            {"choices": choices()},
            {"fractions": {"a": 1}},
            category=None,
            name=f"q{i}",
        )
        q.category = child if i % 2 else root
        q.save()
        q.tags.set([easy if i < 4 else hard, cv])
    outside = question(bank, Kind.TRUE_FALSE, {}, {"correct": True}, name="outside")
    outside.tags.set([easy, cv])
    exam = Exam.objects.create(title="drawn")
    section = exam.sections.create(
        position=1, draw_count=3, draw_category=root, difficulty_mix={"easy": 2, "hard": 1}
    )
    section.draw_tags.set([cv])

    drawn = exams.blueprint_draw(exam=exam, seed=42)
    assert drawn == exams.blueprint_draw(exam=exam, seed=42)
    names = [version.question.name for _, version in drawn]
    assert len(names) == 3 and "outside" not in names
    assert sum(name in {"q4", "q5"} for name in names) == 1
    assert (
        len(
            {
                tuple(v.question.name for _, v in exams.blueprint_draw(exam=exam, seed=s))
                for s in range(20)
            }
        )
        > 1
    )

    section.difficulty_mix = {"hard": 3}
    section.save()
    with pytest.raises(exams.BlueprintError):
        exams.blueprint_draw(exam=exam, seed=1)


def test_choices_are_shuffled_per_attempt_and_scored_by_id(demo, committee):
    """Six candidates: all four choices always shown, in more than one order (the
    chance that six shuffles of four agree is 1 in 24**5), and the key is by id, so
    the shuffle never changes what is correct."""
    from core.roles import Role
    from tests.conftest import make_user

    exam = objective_exam(certification=demo["certification"], shuffle_choices=True)
    orders = set()
    for index in range(6):
        user = make_user(f"shuffled{index}", Role.CANDIDATE)
        approved_application(
            candidate=user, certification=demo["certification"], committee=committee
        )
        attempt = exams.attempt_start(candidate=user, exam=exam)
        first = items(attempt)[0]
        assert sorted(first.choice_order) == ["a", "b", "c", "d"]
        orders.add(tuple(first.choice_order))
        answers.answer_save(attempt=attempt, item_id=first.pk, response={"choice": "b"}, revision=1)
        assert exams.attempt_submit(attempt=attempt).items.get(pk=first.pk).points == Decimal(1)
    assert len(orders) > 1
