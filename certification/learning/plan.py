"""A candidate's study plan for a curriculum: mastery per exam category from their
practice responses (``mastery``), the exam points still to win in each, and the
lessons and practice items to take next. Also the nightly refresh of item
statistics and plan snapshots for every enrolled candidate.

The categories and their weights are those of the written exam of the
certification of the curriculum's level and domain: each section draws from one
category, weighted by the points it draws.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import timezone

from certification.exams.selectors import published_questions, section_pool
from certification.learning import mastery
from certification.models import (
    Certification,
    Enrolment,
    Exam,
    ItemStatistic,
    LessonProgress,
    PracticeResponse,
    StudyPlanSnapshot,
)
from training.models import Category, Curriculum, Lesson, Question

CATEGORIES_CACHE_SECONDS = 300
RECOMMENDED_CATEGORIES = 3
RECOMMENDED_ITEMS = 3


@dataclass(frozen=True)
class ExamCategory:
    category: Category
    subtree: frozenset[int]
    weight: float  # share of the exam's points
    exam_questions: list[int]


@dataclass
class PlanCategory:
    category_id: int
    name: str
    mastery: float
    low: float
    high: float
    weight: float
    missing_points: float
    responses: int
    lessons: list[int] = field(default_factory=list)  # lesson ids, to study next
    items: list[int] = field(default_factory=list)  # practice question ids, to try next


@dataclass
class StudyPlan:
    curriculum_id: int
    expected_share: float  # expected share of the written exam's points
    responses: int
    categories: list[PlanCategory]  # most points to win first

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def exam_categories(curriculum: Curriculum) -> list[ExamCategory]:
    """The written exam's sections' categories with their share of its points.

    Cached for CATEGORIES_CACHE_SECONDS under a key that changes when the certification
    gets another exam or the exam's sections change (their pks and count): building it
    costs some twenty queries, a plan without it three."""
    certification = (
        Certification.objects.filter(level_id=curriculum.level_id, domain_id=curriculum.domain_id)
        .select_related("written_exam")
        .first()
    )
    exam = certification.written_exam if certification else None
    if exam is None:
        return []
    shape = exam.sections.aggregate(last=Max("pk"), count=Count("pk"))
    key = f"learning:exam-categories:{curriculum.pk}:{exam.pk}:{shape['last']}:{shape['count']}"
    found: list[ExamCategory] | None = cache.get(key)
    if found is None:
        found = _exam_categories(exam)
        cache.set(key, found, CATEGORIES_CACHE_SECONDS)
    return found


def _exam_categories(exam: Exam) -> list[ExamCategory]:
    points: dict[int, float] = defaultdict(float)
    found: dict[int, tuple[Category, list[int]]] = {}
    for section in exam.sections.select_related("draw_category").prefetch_related("draw_tags"):
        if section.draw_category is None or not section.draw_count:
            continue
        pool = list(section_pool(section).values_list("pk", flat=True))
        category = section.draw_category
        found.setdefault(category.pk, (category, []))[1].extend(pool)
        points[category.pk] += float(section.draw_count)
    total = sum(points.values()) or 1.0
    return [
        ExamCategory(
            category=category,
            subtree=frozenset(category.subtree_ids()),
            weight=points[pk] / total,
            exam_questions=questions,
        )
        for pk, (category, questions) in found.items()
    ]


def difficulties(question_ids: Iterable[int]) -> dict[int, float]:
    """Rasch difficulty per question: from item analysis where it has run, else from
    the item's difficulty tag."""
    ids = set(question_ids)
    known = dict(
        ItemStatistic.objects.filter(question_id__in=ids).values_list("question_id", "difficulty")
    )
    rest = ids - known.keys()
    prior = _tag_prior(rest)
    for pk in rest:
        known[pk] = mastery.prior_difficulty(prior.get(pk, mastery.TAG_PRIOR["medium"]))
    return known


def _tag_prior(question_ids: Iterable[int]) -> dict[int, float]:
    through = Question.tags.through.objects.filter(
        question_id__in=list(question_ids), tag__name__startswith="difficulty:"
    ).values_list("question_id", "tag__name")
    return {
        pk: mastery.TAG_PRIOR[name.split(":", 1)[1]]
        for pk, name in through
        if name.split(":", 1)[1] in mastery.TAG_PRIOR
    }


def study_plan(*, candidate: User | int, curriculum: Curriculum) -> StudyPlan:
    """The plan of one candidate: three queries and a few milliseconds of NumPy."""
    candidate_id = candidate if isinstance(candidate, int) else candidate.pk
    categories = exam_categories(curriculum)
    index = _category_index(categories)
    rows = list(
        PracticeResponse.objects.filter(candidate_id=candidate_id, category_id__in=list(index))
        .values_list("category_id", "question_id")
        .annotate(n=Count("pk"), points=Sum("fraction"))
        .order_by()
    )
    b = difficulties({r[1] for r in rows} | {q for c in categories for q in c.exam_questions})
    return _plan(rows=rows, categories=categories, index=index, b=b, curriculum_id=curriculum.pk)


def _category_index(categories: list[ExamCategory]) -> dict[int, int]:
    """Category id (a section's category or one below it) → position in the plan."""
    return {pk: i for i, c in enumerate(categories) for pk in c.subtree}


def _plan(
    *,
    rows: list[tuple[int, int, int, float]],
    categories: list[ExamCategory],
    index: dict[int, int],
    b: dict[int, float],
    curriculum_id: int,
) -> StudyPlan:
    """The plan from one candidate's (category id, question id, answers, points) rows:
    one row per item answered."""
    n = len(rows)
    abilities = mastery.abilities_estimate(
        category=np.fromiter((index[r[0]] for r in rows), np.int64, n),
        count=np.fromiter((r[2] for r in rows), np.float64, n),
        fraction=np.fromiter((r[3] for r in rows), np.float64, n),
        difficulty=np.fromiter((b[r[1]] for r in rows), np.float64, n),
        categories=len(categories),
    )
    plans = mastery.category_plans(
        abilities=abilities,
        exam_difficulty=[np.array([b[q] for q in c.exam_questions]) for c in categories],
        weight=np.array([c.weight for c in categories]),
    )
    return StudyPlan(
        curriculum_id=curriculum_id,
        expected_share=float(sum(p.weight * p.mastery for p in plans)),
        responses=int(abilities.responses.sum()),
        categories=[
            PlanCategory(
                category_id=categories[p.index].category.pk,
                name=categories[p.index].category.name,
                mastery=p.mastery,
                low=p.low,
                high=p.high,
                weight=p.weight,
                missing_points=p.missing_points,
                responses=p.responses,
            )
            for p in plans
        ],
    )


def study_plan_recommended(*, candidate: User, curriculum: Curriculum) -> StudyPlan:
    """The candidate's plan with what to study next: what every page and the API show."""
    plan = study_plan(candidate=candidate, curriculum=curriculum)
    return plan_recommend(plan=plan, candidate=candidate, curriculum=curriculum)


def plan_recommend(*, plan: StudyPlan, candidate: User, curriculum: Curriculum) -> StudyPlan:
    """Fills the first categories' lessons (not yet completed first) and practice
    items (not yet answered right, nearest the candidate's level first)."""
    lessons = list(Lesson.objects.filter(curriculum=curriculum, is_published=True))
    done = set(
        LessonProgress.objects.filter(
            candidate=candidate, lesson__in=lessons, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    by_position = {lesson.position: lesson for lesson in lessons}
    mastered = set(
        PracticeResponse.objects.filter(candidate=candidate, fraction__gte=1.0).values_list(
            "question_id", flat=True
        )
    )
    for entry in plan.categories[:RECOMMENDED_CATEGORIES]:
        practice = published_questions().filter(
            category_id=entry.category_id, tags__name="pool:practice"
        )
        linked = lesson_positions(practice.values_list("pk", flat=True))
        wanted = sorted({p for p in linked.values()}, key=lambda p: (by_position[p].pk in done, p))
        entry.lessons = [by_position[p].pk for p in wanted if p in by_position]
        open_items = [pk for pk in practice.values_list("pk", flat=True) if pk not in mastered]
        b = difficulties(open_items)
        level = float(np.log(entry.mastery / (1.0 - entry.mastery))) if 0 < entry.mastery < 1 else 0
        entry.items = sorted(open_items, key=lambda q: (abs(b[q] - level), q))[:RECOMMENDED_ITEMS]
    return plan


def lesson_positions(question_ids: Iterable[int]) -> dict[int, int]:
    """Question id → position of the lesson it belongs to (tag ``lesson:<bank>/<n>``)."""
    through = Question.tags.through.objects.filter(
        question_id__in=list(question_ids), tag__name__startswith="lesson:"
    ).values_list("question_id", "tag__name")
    found = {}
    for pk, name in through:
        tail = name.rsplit("/", 1)[-1]
        if tail.isdigit():
            found[pk] = int(tail)
    return found


def item_statistics_refresh(*, now: datetime | None = None) -> int:
    """Item analysis of every practised item: responses, points scored, difficulty."""
    now = now or timezone.now()
    rows = list(
        PracticeResponse.objects.values("question_id").annotate(
            n=Count("pk"), correct=Sum("fraction")
        )
    )
    prior = _tag_prior(r["question_id"] for r in rows)
    default = mastery.TAG_PRIOR["medium"]
    b = mastery.item_difficulty(
        correct=np.array([r["correct"] for r in rows], dtype=np.float64),
        responses=np.array([r["n"] for r in rows], dtype=np.float64),
        prior=np.array([prior.get(r["question_id"], default) for r in rows], dtype=np.float64),
    )
    ItemStatistic.objects.bulk_create(
        [
            ItemStatistic(
                question_id=r["question_id"],
                responses=r["n"],
                correct=r["correct"],
                difficulty=float(d),
                updated_at=now,
            )
            for r, d in zip(rows, b, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["question"],
        update_fields=["responses", "correct", "difficulty", "updated_at"],
        batch_size=2000,
    )
    return len(rows)


def study_plans_refresh(*, now: datetime | None = None) -> int:
    """Nightly: item statistics, then a plan snapshot for every enrolment. Reads each
    curriculum's responses in one ordered pass instead of a query per candidate."""
    now = now or timezone.now()
    item_statistics_refresh(now=now)
    count = 0
    for curriculum in Curriculum.objects.filter(
        pk__in=Enrolment.objects.values("curriculum_id")
    ).order_by("pk"):
        count += _curriculum_snapshots(curriculum=curriculum, now=now)
    return count


def _curriculum_snapshots(*, curriculum: Curriculum, now: datetime) -> int:
    categories = exam_categories(curriculum)
    index = _category_index(categories)
    b = difficulties(
        {*Question.objects.filter(category_id__in=list(index)).values_list("pk", flat=True)}
        | {q for c in categories for q in c.exam_questions}
    )
    responses: dict[int, list[tuple[int, int, int, float]]] = defaultdict(list)
    enrolled = Enrolment.objects.filter(curriculum=curriculum).values("candidate_id")
    for candidate_id, category_id, question_id, n, points in (
        PracticeResponse.objects.filter(candidate_id__in=enrolled, category_id__in=list(index))
        .values_list("candidate_id", "category_id", "question_id")
        .annotate(n=Count("pk"), points=Sum("fraction"))
        .order_by()
        .iterator(chunk_size=20000)
    ):
        responses[candidate_id].append((category_id, question_id, n, points))
    snapshots = [
        StudyPlanSnapshot(
            candidate_id=candidate_id,
            curriculum=curriculum,
            plan=_plan(
                rows=responses.get(candidate_id, []),
                categories=categories,
                index=index,
                b=b,
                curriculum_id=curriculum.pk,
            ).as_json(),
            computed_at=now,
        )
        for candidate_id in enrolled.values_list("candidate_id", flat=True)
    ]
    StudyPlanSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["candidate", "curriculum"],
        update_fields=["plan", "computed_at"],
        batch_size=1000,
    )
    return len(snapshots)
