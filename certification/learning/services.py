"""The learning journey's decisions: enrolling, time on a lesson, completing it,
recording practice answers, and the spaced-repetition reviews of missed items."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from certification.exams.presentation import feedback_text, version_preview
from certification.models import (
    Application,
    AttemptItem,
    Enrolment,
    LessonProgress,
    PracticeResponse,
    ReviewCard,
)
from core.errors import NotFound
from core.roles import Role, has_role
from grading.objective import response_fraction, response_validate
from training.markup import render_markdown
from training.models import Curriculum, Lesson, QuestionVersion, ReviewStatus

# A lesson page sends a heartbeat every 30 s while it is visible; a gap longer than
# this counts as a pause, not as study time.
HEARTBEAT_MAX_SECONDS = 45
# No enable_fuzzing: the same answers give the same schedule (tests, support calls).
SCHEDULER = Scheduler(enable_fuzzing=False)


def _candidate(user: User) -> None:
    if not has_role(user, Role.CANDIDATE):
        raise NotFound("Not found.")


def enrolment_ensure(
    *, candidate: User, curriculum: Curriculum, source: str = Enrolment.Source.SELF
) -> Enrolment:
    """Enrols ``candidate`` in ``curriculum``; returns the existing enrolment if any."""
    _candidate(candidate)
    try:
        with transaction.atomic():
            enrolment, _ = Enrolment.objects.get_or_create(
                candidate=candidate, curriculum=curriculum, defaults={"source": source}
            )
    except IntegrityError:  # two clicks raced: the other one enrolled
        enrolment = Enrolment.objects.get(candidate=candidate, curriculum=curriculum)
    return enrolment


def enrol_on_approval(*, application: Application) -> Enrolment | None:
    """An approved application enrols its candidate in the certification's curriculum
    (the one of the same level and domain), if there is one."""
    certification = application.certification
    curriculum = Curriculum.objects.filter(
        level_id=certification.level_id, domain_id=certification.domain_id
    ).first()
    if curriculum is None:
        return None
    return enrolment_ensure(
        candidate=application.candidate, curriculum=curriculum, source=Enrolment.Source.APPLICATION
    )


def _published_lesson(lesson_id: int) -> Lesson:
    lesson = Lesson.objects.select_related("curriculum").filter(pk=lesson_id).first()
    if lesson is None or not lesson.is_published:
        raise NotFound("Not found.")
    return lesson


def lesson_heartbeat(
    *, candidate: User, lesson_id: int, now: datetime | None = None
) -> LessonProgress:
    """Counts the time since the previous heartbeat (at most HEARTBEAT_MAX_SECONDS)
    as study time of the lesson; the first heartbeat starts the clock."""
    _candidate(candidate)
    lesson = _published_lesson(lesson_id)
    now = now or timezone.now()
    with transaction.atomic():
        _, first = LessonProgress.objects.get_or_create(candidate=candidate, lesson=lesson)
        if first:  # opening a lesson enrols in its curriculum; later beats need not ask
            enrolment_ensure(candidate=candidate, curriculum=lesson.curriculum)
        progress = LessonProgress.objects.select_for_update().get(
            candidate=candidate, lesson=lesson
        )
        if progress.last_seen_at is not None:
            gap = (now - progress.last_seen_at).total_seconds()
            if 0 < gap <= HEARTBEAT_MAX_SECONDS:
                progress.seconds += round(gap)
        progress.last_seen_at = now
        progress.save(update_fields=["seconds", "last_seen_at"])
    return progress


def lesson_complete(
    *, candidate: User, lesson_id: int, done: bool = True, now: datetime | None = None
) -> LessonProgress:
    """Marks a lesson studied (or, with ``done=False``, not yet). Idempotent."""
    _candidate(candidate)
    lesson = _published_lesson(lesson_id)
    enrolment_ensure(candidate=candidate, curriculum=lesson.curriculum)
    progress, _ = LessonProgress.objects.get_or_create(candidate=candidate, lesson=lesson)
    if done and progress.completed_at is None:
        progress.completed_at = now or timezone.now()
    elif not done:
        progress.completed_at = None
    progress.save(update_fields=["completed_at"])
    return progress


def practice_record(*, item: AttemptItem, fraction: float, now: datetime | None = None) -> None:
    """Records a checked practice answer (checking the same item again replaces its
    score) and schedules a missed item for review."""
    now = now or timezone.now()
    attempt = item.attempt
    question = item.version.question
    PracticeResponse.objects.update_or_create(
        attempt_item=item,
        defaults={
            "candidate_id": attempt.candidate_id,
            "question": question,
            "category_id": question.category_id,
            "fraction": fraction,
            "source": PracticeResponse.Source.PRACTICE,
            "answered_at": now,
        },
    )
    if fraction < 1.0:
        _card_schedule(candidate_id=attempt.candidate_id, question_id=question.pk, now=now)


def _card_schedule(*, candidate_id: int, question_id: int, now: datetime) -> None:
    """A new card for a missed item, first due a minute from now; an existing card is
    left to its schedule."""
    if ReviewCard.objects.filter(candidate_id=candidate_id, question_id=question_id).exists():
        return
    card, _ = SCHEDULER.review_card(Card(), Rating.Again, now)
    try:
        with transaction.atomic():
            ReviewCard.objects.create(
                candidate_id=candidate_id,
                question_id=question_id,
                state=card.to_dict(),
                due_at=card.due,
                lapses=1,
            )
    except IntegrityError:
        pass  # the same item checked twice at once: one card is enough


def reviews_add(*, candidate: User, question_ids: list[int], now: datetime | None = None) -> int:
    """Adds items to the candidate's reviews, due now (those already there keep their
    schedule); returns how many were added."""
    _candidate(candidate)
    now = now or timezone.now()
    have = set(
        ReviewCard.objects.filter(candidate=candidate, question_id__in=question_ids).values_list(
            "question_id", flat=True
        )
    )
    fresh = Card(due=now)
    cards = [
        ReviewCard(candidate=candidate, question_id=pk, state=fresh.to_dict(), due_at=now)
        for pk in dict.fromkeys(question_ids)
        if pk not in have
    ]
    ReviewCard.objects.bulk_create(cards, ignore_conflicts=True)
    return len(cards)


def review_version(*, card: ReviewCard) -> QuestionVersion:
    """The item to review: the latest published version of the card's question."""
    version = (
        QuestionVersion.objects.filter(question_id=card.question_id, status=ReviewStatus.PUBLISHED)
        .select_related("question")
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NotFound("Not found.")
    return version


@dataclass(frozen=True)
class ReviewOutcome:
    fraction: float | None
    feedback_html: str
    due_at: datetime
    card: ReviewCard


def _rating(fraction: float | None) -> Rating:
    if fraction is None or fraction < 0.5:
        return Rating.Again
    return Rating.Good if fraction >= 1.0 else Rating.Hard


def review_answer(
    *, candidate: User, card_id: int, response: Any, now: datetime | None = None
) -> ReviewOutcome:
    """Scores the answer to a due review card with the exam's own scoring, shows the
    item's feedback, and reschedules the card (FSRS: missed → soon again, right →
    later each time). Raises InvalidResponse for a malformed answer, nothing saved."""
    _candidate(candidate)
    now = now or timezone.now()
    with transaction.atomic():
        card = (
            ReviewCard.objects.select_for_update().filter(pk=card_id, candidate=candidate).first()
        )
        if card is None:
            raise NotFound("Not found.")
        version = review_version(card=card)
        answer = response_validate(version=version, response=response)
        fraction = response_fraction(version=version, response=answer)
        rating = _rating(fraction)
        scheduled, _ = SCHEDULER.review_card(Card.from_dict(card.state), rating, now)
        card.state = scheduled.to_dict()
        card.due_at = scheduled.due
        card.reviews += 1
        card.lapses += rating == Rating.Again
        card.save(update_fields=["state", "due_at", "reviews", "lapses"])
        if fraction is not None:
            PracticeResponse.objects.create(
                candidate=candidate,
                question=version.question,
                category_id=version.question.category_id,
                fraction=fraction,
                source=PracticeResponse.Source.REVIEW,
                answered_at=now,
            )
    return ReviewOutcome(
        fraction=fraction,
        feedback_html=str(render_markdown(feedback_text(version, answer))),
        due_at=card.due_at,
        card=card,
    )


def review_preview(*, card: ReviewCard) -> dict[str, Any]:
    """The card's item as the candidate sees it: no key, no feedback."""
    return version_preview(review_version(card=card), item_id=card.pk)


def reviews_due_shown(*, candidate: User) -> list[dict[str, Any]]:
    """The due cards with their items as the candidate sees them; a card whose item
    was withdrawn (no published version left) is skipped."""
    shown = []
    for card in reviews_due(candidate=candidate):
        try:
            shown.append({"card": card, "item": review_preview(card=card)})
        except NotFound:
            continue
    return shown


def reviews_due(
    *, candidate: User, now: datetime | None = None, limit: int = 20
) -> list[ReviewCard]:
    now = now or timezone.now()
    return list(
        ReviewCard.objects.filter(candidate=candidate, due_at__lte=now + timedelta(seconds=1))
        .order_by("due_at", "pk")
        .select_related("question")[:limit]
    )
