"""Item analysis of an exam from its graded attempts (grading/item_analysis.py does
the statistics). Items are identified by question, since drawn items differ between
attempts; an item an attempt did not show is left out of that attempt's row."""

from collections.abc import Callable
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db.models import Count, FloatField, Q
from django.db.models.functions import Cast

from certification.exams.selectors import exams_capacity
from certification.models import Attempt, AttemptItem, Certification, Exam
from core.errors import NotFound
from core.roles import Role, has_role
from grading.item_analysis import ItemAnalysis, item_analysis_compute, responses_to_matrix
from training.models import Question


def may_analyse(viewer: User) -> bool:
    return has_role(viewer, Role.INSTRUCTOR) or has_role(viewer, Role.COMMITTEE)


def exams_for_analysis(*, viewer: User) -> list[dict[str, Any]]:
    """Every exam with what it is used for (the certifications whose written exam it
    is, and the curriculum of a practice quiz), its number of graded attempts and how
    many forms its sections can fill (``exam_capacity``), for the instructors' and the
    committee's list. Raises NotFound for anyone else."""
    if not may_analyse(viewer):
        raise NotFound("Not found.")
    used_by: dict[int, list[Certification]] = {}
    for certification in Certification.objects.filter(written_exam__isnull=False).order_by("pk"):
        used_by.setdefault(certification.written_exam_id, []).append(certification)  # type: ignore[arg-type]
    exams = list(
        Exam.objects.select_related("curriculum")
        .annotate(graded=Count("attempts", filter=Q(attempts__state=Attempt.State.GRADED)))
        .order_by("mode", "title")
    )
    capacities = exams_capacity(exams=exams)
    return [
        {
            "exam": exam,
            "certifications": used_by.get(exam.pk, []),
            "curriculum": exam.curriculum,
            "graded": exam.graded,
            "capacity": capacities[exam.pk],
        }
        for exam in exams
    ]


# Graded attempts read per query (a range of their ids): each read is one step of a
# refresh's progress, some 160,000 responses of an 8-item exam (docs/benchmarks.md).
READ_CHUNK_ATTEMPTS = 20_000


def exam_item_analysis(*, exam: Exam, viewer: User) -> tuple[ItemAnalysis, dict[int, str]] | None:
    """Statistics of every graded attempt of ``exam``, and each question's label.
    Instructors and the committee only; None when no attempt is graded yet."""
    if not may_analyse(viewer):
        raise NotFound("Not found.")
    return item_analysis_read(exam=exam)


def item_analysis_read(
    *, exam: Exam, progress: Callable[[int, int], None] | None = None
) -> tuple[ItemAnalysis, dict[int, str]] | None:
    """``exam_item_analysis`` without the viewer: reads the graded attempts'
    responses ``READ_CHUNK_ATTEMPTS`` attempts at a time, calling ``progress(done,
    total)`` (attempts) after each read, then computes. Read-only."""
    graded = Attempt.objects.filter(exam=exam, state=Attempt.State.GRADED)
    attempt_ids = list(graded.order_by("pk").values_list("pk", flat=True))
    rows: list[tuple[int, int, float, float]] = []
    for start in range(0, len(attempt_ids), READ_CHUNK_ATTEMPTS):
        chunk = attempt_ids[start : start + READ_CHUNK_ATTEMPTS]
        rows += AttemptItem.objects.filter(
            attempt__exam=exam,
            attempt__state=Attempt.State.GRADED,
            attempt_id__gte=chunk[0],
            attempt_id__lte=chunk[-1],
            points__isnull=False,
        ).values_list(
            "attempt_id",
            "version__question_id",
            Cast("points", FloatField()),
            Cast("version__points", FloatField()),
        )
        if progress is not None:
            progress(start + len(chunk), len(attempt_ids))
    if not rows:
        return None
    attempt_column, question_ids, points, maxima = (
        np.asarray(column) for column in zip(*rows, strict=True)
    )
    matrix = responses_to_matrix(attempt_column, question_ids, points)
    # An item's maximum is the largest any of its versions had.
    max_points = np.zeros(matrix.item_ids.size)
    np.maximum.at(max_points, np.searchsorted(matrix.item_ids, question_ids), maxima)
    analysis = item_analysis_compute(matrix.scores, max_points, item_ids=matrix.item_ids)
    labels = {
        q.pk: (q.name or f"Q{q.pk}")[:60]
        for q in Question.objects.filter(pk__in=matrix.item_ids.tolist())
    }
    return analysis, labels


def exam_score_percents(*, exam: Exam, viewer: User) -> list[float]:
    """The percentage score of every graded attempt of ``exam`` (for its score
    distribution). Instructors and the committee only. Read-only."""
    if not may_analyse(viewer):
        raise NotFound("Not found.")
    return score_percents_read(exam=exam)


def score_percents_read(*, exam: Exam) -> list[float]:
    """``exam_score_percents`` without the viewer. Read-only."""
    return [
        float(score / maximum * 100)
        for score, maximum in Attempt.objects.filter(
            exam=exam, state=Attempt.State.GRADED, score__isnull=False, max_score__gt=0
        ).values_list("score", "max_score")
        if score is not None and maximum
    ]
