"""Written exam delivery: start, autosave, submit. The deadline is the server's."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.models import Answer, Application, Attempt, Exam, ExamItem
from config.errors import Conflict, NotFound
from grading.objective import response_score, response_validate


def attempt_start(*, candidate: Any, exam: Exam) -> Attempt:
    """Starts the candidate's attempt, or returns the one in progress (so a closed
    browser resumes where it was). Requires an approved application whose
    certification uses this exam; one attempt per application."""
    application = (
        Application.objects.filter(
            candidate=candidate,
            state=Application.State.APPROVED,
            certification__written_exam=exam,
        )
        .order_by("-created_at")
        .first()
    )
    if application is None:
        raise NotFound("Not found.")
    existing = Attempt.objects.filter(application=application).first()
    if existing is not None:
        if existing.state != Attempt.State.IN_PROGRESS:
            raise Conflict("你已完成该考试 / You have already taken this exam.")
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            return Attempt.objects.create(
                exam=exam,
                application=application,
                candidate=candidate,
                started_at=now,
                deadline=now + timedelta(minutes=exam.time_limit_minutes),
            )
    except IntegrityError:
        # A second tab started it at the same moment: the database kept one.
        return Attempt.objects.get(candidate=candidate, exam=exam, state=Attempt.State.IN_PROGRESS)


def answer_save(
    *, attempt: Attempt, item_id: int, response: Any, revision: int, now: Any = None
) -> Answer:
    """Saves one answer. ``revision`` grows with every change the browser makes; an
    older revision arriving late (a re-sent copy) never overwrites a newer one.

    Answers are accepted until the deadline, and within the exam's grace period after
    it flagged ``late`` for the committee; later ones raise Conflict. Safe to repeat.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)
        late = now > attempt.deadline
        if attempt.state != Attempt.State.IN_PROGRESS:
            raise Conflict("试卷已提交，答案未保存 / Already submitted; answer not saved.")
        if late and not _within_grace(attempt, now):
            raise Conflict("考试时间已到 / Time is up; answer not saved.")
        try:
            item = ExamItem.objects.select_related("question").get(pk=item_id, exam=attempt.exam)
        except ExamItem.DoesNotExist as exc:
            raise NotFound("Not found.") from exc
        clean = response_validate(question=item.question, response=response)
        answer = Answer.objects.filter(attempt=attempt, item=item).first()
        if answer is None:
            answer = Answer.objects.create(
                attempt=attempt,
                item=item,
                response=clean,
                saved_at=now,
                revision=revision,
                late=late,
            )
        elif revision >= answer.revision:
            answer.response, answer.saved_at, answer.revision = clean, now, revision
            answer.late = answer.late or late
            answer.save(update_fields=["response", "saved_at", "revision", "late"])
    return answer


def seconds_left(attempt: Attempt, now: Any = None) -> int:
    now = now or timezone.now()
    return max(0, int((attempt.deadline - now).total_seconds()))


def _within_grace(attempt: Attempt, now: Any) -> bool:
    return now <= attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds)


def attempt_submit(*, attempt: Attempt, now: Any = None) -> Attempt:
    """Submits and grades the objective items. Idempotent: submitting a submitted or
    graded attempt returns it unchanged."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.state != Attempt.State.IN_PROGRESS:
            return attempt
        attempt.state = Attempt.State.SUBMITTED
        attempt.submitted_at = min(
            now, attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds)
        )
        attempt.save(update_fields=["state", "submitted_at"])
        _grade(attempt)
    return attempt


def _grade(attempt: Attempt) -> None:
    items = ExamItem.objects.filter(exam_id=attempt.exam_id).select_related("question")
    answers = {a.item_id: a for a in Answer.objects.filter(attempt=attempt)}
    total, maximum = Decimal(0), Decimal(0)
    for item in items:
        answer = answers.get(item.pk)
        points = response_score(
            question=item.question, response=answer.response if answer else None
        )
        maximum += item.question.points
        total += points
        if answer is not None and answer.points != points:
            answer.points = points
            answer.save(update_fields=["points"])
    attempt.score, attempt.max_score, attempt.state = total, maximum, Attempt.State.GRADED
    attempt.save(update_fields=["score", "max_score", "state"])


def attempt_close_if_overdue(*, attempt: Attempt, now: Any = None) -> Attempt:
    """Submits ``attempt`` when its deadline and grace have passed (the candidate
    closed the browser and came back later); otherwise returns it unchanged."""
    now = now or timezone.now()
    if attempt.state == Attempt.State.IN_PROGRESS and not _within_grace(attempt, now):
        return attempt_submit(attempt=attempt, now=now)
    return attempt


def attempts_submit_overdue(*, now: Any = None) -> int:
    """Submits every attempt whose deadline and grace have passed (closed browsers).
    Returns how many it submitted. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    overdue = Attempt.objects.filter(
        state=Attempt.State.IN_PROGRESS, deadline__lt=now
    ).select_related("exam")
    count = 0
    for attempt in overdue:
        if attempt_close_if_overdue(attempt=attempt, now=now).state != Attempt.State.IN_PROGRESS:
            count += 1
    return count
