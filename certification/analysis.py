"""Item analysis of an exam from its graded attempts (grading/item_analysis.py does
the statistics). Items are identified by question, since drawn items differ between
attempts; an item an attempt did not show is left out of that attempt's row."""

from decimal import Decimal
from typing import Any

import numpy as np

from certification.models import Attempt, AttemptItem, Exam
from certification.roles import Role, has_role
from config.errors import NotFound
from grading.item_analysis import ItemAnalysis, item_analysis_compute, responses_to_matrix
from training.models import Question


def exam_item_analysis(*, exam: Exam, viewer: Any) -> tuple[ItemAnalysis, dict[int, str]] | None:
    """Statistics of every graded attempt of ``exam``, and each question's label.
    Instructors and the committee only; None when no attempt is graded yet."""
    if not (has_role(viewer, Role.INSTRUCTOR) or has_role(viewer, Role.COMMITTEE)):
        raise NotFound("Not found.")
    rows = AttemptItem.objects.filter(
        attempt__exam=exam, attempt__state=Attempt.State.GRADED, points__isnull=False
    ).values_list("attempt_id", "version__question_id", "points", "version__points")
    if not rows:
        return None
    attempt_ids, question_ids, points, maxima = (
        np.asarray(column) for column in zip(*rows, strict=True)
    )
    matrix = responses_to_matrix(attempt_ids, question_ids, points.astype(float))
    maximum_by_question: dict[int, Decimal] = {}
    for question_id, maximum in zip(question_ids.tolist(), maxima.tolist(), strict=True):
        maximum_by_question[question_id] = max(
            maximum, maximum_by_question.get(question_id, Decimal(0))
        )
    max_points = [float(maximum_by_question[q]) for q in matrix.item_ids.tolist()]
    analysis = item_analysis_compute(matrix.scores, max_points, item_ids=matrix.item_ids)
    labels = {
        q.pk: (q.name or f"Q{q.pk}")[:60]
        for q in Question.objects.filter(pk__in=matrix.item_ids.tolist())
    }
    return analysis, labels
