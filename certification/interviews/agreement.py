"""How well interview raters agree: Cohen's kappa and the ICC per pair of raters
who rated the same interviews (grading.agreement computes the statistics)."""

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from certification.interviews.selectors import blueprint_interview_rubric
from certification.models import Interview, InterviewRating
from certification.results.selectors import blueprints_for_applications
from core.errors import ApplicationError, NotFound
from core.roles import Role, has_role
from grading.agreement import cohen_kappa, icc


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of two examiners over the interviews both rated (as first raters).
    Kappa is over the rubric levels chosen per criterion (the level's rank within
    its criterion, an ordinal scale); the ICC is over the interviews' percents."""

    first: Any
    second: Any
    interviews: int
    criterion_pairs: int
    kappa_linear: float | None
    kappa_quadratic: float | None
    icc_2_1: float | None
    icc_3_1: float | None
    mean_gap: Decimal | None


def _level_rank(rubric_criteria: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    return {
        (criterion["id"], level["id"]): rank
        for criterion in rubric_criteria
        for rank, level in enumerate(
            sorted(criterion["levels"], key=lambda lv: float(lv["points"]))
        )
    }


def rater_agreement(*, viewer: User) -> list[PairAgreement]:
    """Per examiner pair: Cohen's weighted kappa (linear and quadratic) and ICC(2,1)
    (with ICC(3,1) alongside). Committee only; read-only."""
    if not has_role(viewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    ratings = (
        InterviewRating.objects.filter(role=InterviewRating.Role.RATER)
        .select_related("examiner")
        .order_by("interview_id", "examiner_id")
    )
    rubric_ranks: dict[int, dict[tuple[str, str], int]] = {}
    by_interview: dict[int, list[InterviewRating]] = {}
    for rating in ratings:
        by_interview.setdefault(rating.interview_id, []).append(rating)
    interviews = list(Interview.objects.filter(pk__in=by_interview).select_related("application"))
    blueprints = blueprints_for_applications([i.application for i in interviews])
    for interview in interviews:
        try:
            rubric = blueprint_interview_rubric(blueprints[interview.application_id])
        except ApplicationError:
            continue
        rubric_ranks[interview.pk] = _level_rank(rubric.criteria)
    pairs: dict[tuple[int, int], list[tuple[InterviewRating, InterviewRating]]] = {}
    users: dict[int, Any] = {}
    for interview_id, rows in by_interview.items():
        if interview_id not in rubric_ranks:
            continue
        for a, b in itertools.combinations(rows, 2):
            users[a.examiner_id], users[b.examiner_id] = a.examiner, b.examiner
            pairs.setdefault((a.examiner_id, b.examiner_id), []).append((a, b))
    out = []
    for (first, second), rated in sorted(pairs.items()):
        levels_a: list[int] = []
        levels_b: list[int] = []
        for a, b in rated:
            ranks = rubric_ranks[a.interview_id]
            for criterion_id, level_a in a.levels.items():
                level_b = b.levels.get(criterion_id)
                if (criterion_id, level_a) in ranks and (criterion_id, level_b) in ranks:
                    levels_a.append(ranks[(criterion_id, level_a)])
                    levels_b.append(ranks[(criterion_id, str(level_b))])
        matrix = [[float(a.percent), float(b.percent)] for a, b in rated]
        gaps = [abs(a.percent - b.percent) for a, b in rated]
        out.append(
            PairAgreement(
                first=users[first],
                second=users[second],
                interviews=len(rated),
                criterion_pairs=len(levels_a),
                kappa_linear=cohen_kappa(levels_a, levels_b, weights="linear"),
                kappa_quadratic=cohen_kappa(levels_a, levels_b, weights="quadratic"),
                icc_2_1=icc(matrix, form="ICC(2,1)"),
                icc_3_1=icc(matrix, form="ICC(3,1)"),
                mean_gap=(sum(gaps, Decimal(0)) / len(gaps)).quantize(Decimal("0.01"))
                if gaps
                else None,
            )
        )
    return out
