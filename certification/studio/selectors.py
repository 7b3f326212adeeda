"""What the studio's pages read."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from grading.models import Submission
from training.models import (
    Curriculum,
    Lesson,
    LessonVersion,
    PracticalTask,
    QuestionVersion,
    ReviewStatus,
)


@dataclass(frozen=True)
class ReviewRow:
    kind: str  # "item" or "lesson"
    version: QuestionVersion | LessonVersion
    title: str
    where: str  # the bank or the curriculum


def review_queue(*, reviewer: User) -> list[ReviewRow]:
    """Versions in review that ``reviewer`` may review: everyone's but their own,
    oldest first."""
    items = (
        QuestionVersion.objects.filter(status=ReviewStatus.IN_REVIEW)
        .exclude(created_by=reviewer)
        .select_related("question__bank", "created_by")
        .order_by("created_at")
    )
    lessons = (
        LessonVersion.objects.filter(status=ReviewStatus.IN_REVIEW)
        .exclude(created_by=reviewer)
        .select_related("lesson__curriculum", "created_by")
        .order_by("created_at")
    )
    rows = [ReviewRow("item", v, str(v.question), v.question.bank.title) for v in items]
    rows += [ReviewRow("lesson", v, v.title, v.lesson.curriculum.title) for v in lessons]
    return sorted(rows, key=lambda row: row.version.created_at)


def my_unpublished(*, author: User) -> list[ReviewRow]:
    """The author's drafts and versions waiting for review, newest first."""
    pending = [ReviewStatus.DRAFT, ReviewStatus.IN_REVIEW]
    items = QuestionVersion.objects.filter(created_by=author, status__in=pending).select_related(
        "question__bank"
    )
    lessons = LessonVersion.objects.filter(created_by=author, status__in=pending).select_related(
        "lesson__curriculum"
    )
    rows = [ReviewRow("item", v, str(v.question), v.question.bank.title) for v in items[:50]]
    rows += [ReviewRow("lesson", v, v.title, v.lesson.curriculum.title) for v in lessons[:50]]
    return sorted(rows, key=lambda row: row.version.created_at, reverse=True)


def curricula() -> QuerySet[Curriculum]:
    return Curriculum.objects.select_related("level", "domain").order_by(
        "domain__slug", "level__rank"
    )


def curriculum_lessons(*, curriculum: Curriculum) -> list[dict[str, Any]]:
    """Each lesson with its newest version (status) and whether candidates see it."""
    lessons = list(Lesson.objects.filter(curriculum=curriculum).order_by("position"))
    newest: dict[int, LessonVersion] = {}
    for version in LessonVersion.objects.filter(lesson__in=lessons).order_by(
        "lesson_id", "-number"
    ):
        newest.setdefault(version.lesson_id, version)
    return [{"lesson": lesson, "newest": newest.get(lesson.pk)} for lesson in lessons]


def task_scores(*, task: PracticalTask) -> list[float]:
    """The hidden-set scores of the task's graded submissions (latest run of each)."""
    scores = (
        Submission.objects.filter(task=task, verdict="ok", test_score__isnull=False)
        .order_by("test_score")
        .values_list("test_score", flat=True)
    )
    return [float(score) for score in scores if score is not None]
