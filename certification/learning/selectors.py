"""What a candidate's learning pages read: progress per curriculum, per lesson and per
learning objective, and the reviews due."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Avg, Count
from django.utils import timezone

from certification.learning.plan import exam_categories, lesson_positions
from certification.models import Enrolment, LessonProgress, PracticeResponse, ReviewCard
from certification.sessions.selectors import Attendance, attended_sessions
from training.models import Curriculum, Lesson

# An objective counts as met when its lesson is completed and the lesson's practice
# items, if the candidate answered any, average at least this share of points.
OBJECTIVE_PRACTICE_BAR = 0.7


@dataclass
class LessonState:
    lesson: Lesson
    seconds: int = 0
    completed_at: datetime | None = None
    practice_answers: int = 0
    practice_share: float | None = None  # mean share of points on the lesson's items

    @property
    def objectives_met(self) -> bool:
        practised_enough = self.practice_share is None or self.practice_share >= (
            OBJECTIVE_PRACTICE_BAR
        )
        return self.completed_at is not None and practised_enough


@dataclass
class CurriculumProgress:
    curriculum: Curriculum
    enrolment: Enrolment | None
    lessons: list[LessonState] = field(default_factory=list)
    attendance: Attendance = field(default_factory=lambda: Attendance(sessions=0, minutes=0))

    @property
    def completed(self) -> int:
        return sum(1 for state in self.lessons if state.completed_at)

    @property
    def share(self) -> float:
        return self.completed / len(self.lessons) if self.lessons else 0.0

    @property
    def seconds(self) -> int:
        return sum(state.seconds for state in self.lessons)

    @property
    def objectives(self) -> tuple[int, int]:
        """(met, all) learning objectives."""
        met = sum(len(s.lesson.objectives) for s in self.lessons if s.objectives_met)
        return met, sum(len(s.lesson.objectives) for s in self.lessons)

    @property
    def is_complete(self) -> bool:
        return bool(self.lessons) and self.completed == len(self.lessons)


def curriculum_progress(*, candidate: User, curriculum: Curriculum) -> CurriculumProgress:
    """Lessons in order with time spent, completion and practice on their items."""
    lessons = list(curriculum.lessons.filter(is_published=True).order_by("position"))
    states = {lesson.pk: LessonState(lesson=lesson) for lesson in lessons}
    for done in LessonProgress.objects.filter(candidate=candidate, lesson__in=lessons):
        states[done.lesson_id].seconds = done.seconds
        states[done.lesson_id].completed_at = done.completed_at
    by_position = {lesson.position: states[lesson.pk] for lesson in lessons}
    answers = list(
        PracticeResponse.objects.filter(
            candidate=candidate, question__bank_id__in=curriculum_banks(curriculum)
        )
        .values("question_id")
        .annotate(n=Count("pk"), share=Avg("fraction"))
    )
    positions = lesson_positions(row["question_id"] for row in answers)
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in answers:
        position = positions.get(row["question_id"])
        if position in by_position:
            totals[position][0] += row["n"]
            totals[position][1] += row["n"] * row["share"]
    for position, (n, points) in totals.items():
        by_position[position].practice_answers = int(n)
        by_position[position].practice_share = points / n
    enrolment = Enrolment.objects.filter(candidate=candidate, curriculum=curriculum).first()
    return CurriculumProgress(
        attendance=attended_sessions(candidate=candidate, curriculum=curriculum),
        curriculum=curriculum,
        enrolment=enrolment,
        lessons=list(states.values()),
    )


def curriculum_banks(curriculum: Curriculum) -> set[int]:
    """The question banks the curriculum's written exam draws from."""
    return {c.category.bank_id for c in exam_categories(curriculum)}


def enrolled_progress(*, candidate: User) -> list[CurriculumProgress]:
    """The candidate's curricula, most recently enrolled first."""
    enrolments = Enrolment.objects.filter(candidate=candidate).select_related(
        "curriculum__level", "curriculum__domain"
    )
    return [
        curriculum_progress(candidate=candidate, curriculum=e.curriculum)
        for e in enrolments.order_by("-enrolled_at", "-pk")
    ]


def reviews_due_count(*, candidate: User, now: datetime | None = None) -> int:
    return ReviewCard.objects.filter(candidate=candidate, due_at__lte=now or timezone.now()).count()
