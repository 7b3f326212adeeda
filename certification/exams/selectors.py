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
class SectionCapacity:
    section: ExamSection
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
    short: tuple[ExamSection, ...]


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
    children: dict[int | None, list[int]] = {}
    for category_id, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(category_id)
    counts: dict[tuple[frozenset[int], str], dict[int | None, int]] = {}
    rows: dict[int, list[SectionCapacity]] = {exam.pk: [] for exam in exams}
    for section in sections:
        wanted = section.difficulty_mix or ({"": section.draw_count} if section.draw_count else {})
        if not wanted:
            continue
        tags = frozenset(tag.pk for tag in section.draw_tags.all())
        subtree = _subtree(children, section.draw_category_id)
        available = {}
        for difficulty in wanted:
            key = (tags, difficulty)
            if key not in counts:
                counts[key] = _pool_counts_by_category(tags, difficulty)
            by_category = counts[key]
            available[difficulty] = (
                sum(by_category.values())
                if subtree is None
                else sum(by_category.get(c, 0) for c in subtree)
            )
        forms = min(available[d] // int(n) for d, n in wanted.items() if int(n) > 0)
        rows[section.exam_id].append(SectionCapacity(section, dict(wanted), available, forms))
    return {exam_id: _capacity(found) for exam_id, found in rows.items()}


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
