"""Reads of exams: a candidate's attempt, the item pool a section draws from, and how
many forms an exam's sections can fill without repeating an item."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q

from certification.models import Attempt, Exam, ExamSection
from core.errors import NotFound
from training.models import Category, Question, QuestionVersion, ReviewStatus


def attempt_get_for_candidate(*, candidate: User, public_id: uuid.UUID | str) -> Attempt:
    try:
        return Attempt.objects.select_related("exam").get(public_id=public_id, candidate=candidate)
    except (Attempt.DoesNotExist, ValueError) as exc:
        raise NotFound("Not found.") from exc


def published_questions() -> Any:
    """Items that have a published version: the only ones an exam may show."""
    published = QuestionVersion.objects.filter(
        question=OuterRef("pk"), status=ReviewStatus.PUBLISHED
    )
    return Question.objects.filter(Exists(published))


def section_pool(section: ExamSection) -> Any:
    """The questions ``section`` draws from: its category subtree, with all its tags,
    among the items with a published version."""
    pool = published_questions()
    if section.draw_category_id:
        assert section.draw_category is not None
        pool = pool.filter(category_id__in=section.draw_category.subtree_ids())
    tag_ids = [tag.pk for tag in section.draw_tags.all()]
    if tag_ids:
        pool = pool.annotate(
            matched=Count("tags", filter=Q(tags__in=tag_ids), distinct=True)
        ).filter(matched=len(tag_ids))
    return pool


@dataclass(frozen=True)
class SectionDraw:
    """What a section draws, saved or not (the blueprint editor checks unsaved ones):
    ``wanted`` maps a difficulty ("" for any) to the items drawn per form."""

    position: int
    title: str
    category_id: int | None
    tag_ids: frozenset[int]
    wanted: dict[str, int]

    @classmethod
    def of(cls, section: ExamSection) -> "SectionDraw":
        wanted = section.difficulty_mix or ({"": section.draw_count} if section.draw_count else {})
        return cls(
            position=section.position,
            title=section.title,
            category_id=section.draw_category_id,
            tag_ids=frozenset(tag.pk for tag in section.draw_tags.all()),
            wanted={str(k): int(v) for k, v in wanted.items()},
        )


@dataclass(frozen=True)
class SectionCapacity:
    section: SectionDraw
    wanted: dict[str, int]  # difficulty ("" for any) → items drawn per form
    available: dict[str, int]  # difficulty → items in the pool
    forms: int  # forms this section fills without repeating an item


@dataclass(frozen=True)
class ExamCapacity:
    """How many forms the exam's draws can fill, each with items no other form has:
    the smallest of its sections' (an upper bound when sections share a pool).
    ``short``: the sections that set that number. None for an exam of fixed items."""

    forms: int | None
    sections: tuple[SectionCapacity, ...]
    short: tuple[SectionDraw, ...]


def exam_capacity(*, exam: Exam) -> ExamCapacity:
    """The capacity of ``exam``'s blueprint (see ``exams_capacity``)."""
    return exams_capacity(exams=[exam])[exam.pk]


def exams_capacity(*, exams: Sequence[Exam]) -> dict[int, ExamCapacity]:
    """Exam id → its capacity. The pools are counted per category in one query for
    each distinct set of draw tags and difficulty, whatever the number of exams, and
    a section's count is the sum over its category subtree."""
    sections = list(
        ExamSection.objects.filter(exam__in=exams)
        .prefetch_related("draw_tags")
        .order_by("exam_id", "position")
    )
    draws: dict[int, list[SectionDraw]] = {exam.pk: [] for exam in exams}
    for section in sections:
        draws[section.exam_id].append(SectionDraw.of(section))
    counter = _PoolCounter()
    return {exam_id: draws_capacity(found, counter) for exam_id, found in draws.items()}


class _PoolCounter:
    """Counts published items per category once per (tags, difficulty) and sums
    them over category subtrees."""

    def __init__(self) -> None:
        self.children: dict[int | None, list[int]] = {}
        for category_id, parent_id in Category.objects.values_list("pk", "parent_id"):
            self.children.setdefault(parent_id, []).append(category_id)
        self.counts: dict[tuple[frozenset[int], str], dict[int | None, int]] = {}

    def available(self, draw: SectionDraw, difficulty: str) -> int:
        key = (draw.tag_ids, difficulty)
        if key not in self.counts:
            self.counts[key] = _pool_counts_by_category(draw.tag_ids, difficulty)
        by_category = self.counts[key]
        subtree = _subtree(self.children, draw.category_id)
        if subtree is None:
            return sum(by_category.values())
        return sum(by_category.get(c, 0) for c in subtree)


def draws_capacity(
    draws: Sequence[SectionDraw], counter: "_PoolCounter | None" = None
) -> ExamCapacity:
    """The capacity of a blueprint given as draws (saved or not)."""
    counter = counter or _PoolCounter()
    rows = []
    for draw in draws:
        wanted = {d: n for d, n in draw.wanted.items() if n > 0}
        if not wanted:
            continue
        available = {d: counter.available(draw, d) for d in wanted}
        forms = min(available[d] // n for d, n in wanted.items())
        rows.append(SectionCapacity(draw, wanted, available, forms))
    return _capacity(rows)


def _subtree(children: dict[int | None, list[int]], root: int | None) -> list[int] | None:
    """``root`` and every category below it; None (no restriction) without a root."""
    if root is None:
        return None
    found, frontier = [root], [root]
    while frontier:
        frontier = [child for parent in frontier for child in children.get(parent, [])]
        found.extend(frontier)
    return found


def _pool_counts_by_category(tags: frozenset[int], difficulty: str) -> dict[int | None, int]:
    """Category id → published questions carrying every tag of ``tags`` (and the
    difficulty)."""
    pool = published_questions()
    for tag_id in sorted(tags):
        pool = pool.filter(tags=tag_id)
    if difficulty:
        pool = pool.filter(tags__name=f"difficulty:{difficulty}")
    return dict(pool.values_list("category_id").annotate(n=Count("pk", distinct=True)).order_by())


def _capacity(rows: list[SectionCapacity]) -> ExamCapacity:
    if not rows:
        return ExamCapacity(forms=None, sections=(), short=())
    fewest = min(row.forms for row in rows)
    short = tuple(row.section for row in rows if row.forms == fewest)
    return ExamCapacity(forms=fewest, sections=tuple(rows), short=short)
