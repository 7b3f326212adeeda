"""Reads of exams: a candidate's attempt, the item pool a section draws from, and how
many forms an exam's sections can fill without repeating an item."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q

from certification.models import Attempt, Exam, ExamSection
from core.errors import NotFound
from training.models import Question


def attempt_get_for_candidate(*, candidate: User, public_id: uuid.UUID | str) -> Attempt:
    try:
        return Attempt.objects.select_related("exam").get(public_id=public_id, candidate=candidate)
    except (Attempt.DoesNotExist, ValueError) as exc:
        raise NotFound("Not found.") from exc


def section_pool(section: ExamSection) -> Any:
    """The questions ``section`` draws from: its category subtree, with all its tags."""
    pool = Question.objects.all()
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
    """The capacity of ``exam``'s blueprint, one count per section and difficulty."""
    rows = []
    for section in exam.sections.select_related("draw_category").prefetch_related("draw_tags"):
        wanted = section.difficulty_mix or ({"": section.draw_count} if section.draw_count else {})
        if not wanted:
            continue
        pool = section_pool(section)
        available = {
            difficulty: (
                pool.filter(tags__name=f"difficulty:{difficulty}") if difficulty else pool
            ).count()
            for difficulty in wanted
        }
        forms = min(available[d] // int(n) for d, n in wanted.items() if int(n) > 0)
        rows.append(SectionCapacity(section, dict(wanted), available, forms))
    if not rows:
        return ExamCapacity(forms=None, sections=(), short=())
    fewest = min(row.forms for row in rows)
    short = tuple(row.section for row in rows if row.forms == fewest)
    return ExamCapacity(forms=fewest, sections=tuple(rows), short=short)
