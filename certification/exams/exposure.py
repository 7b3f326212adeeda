"""Exposure control: an exam may cap the share of its recent attempts that see any
one drawn item (``Exam.max_exposure_percent`` over ``exposure_window_days``). The
draw then prefers the least-exposed items of a pool, at random among equals, and
goes over the cap only when the pool leaves no choice (logged as a warning). Fixed
items are always shown and not counted against anything."""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count

from certification.models import Attempt, AttemptItem, Exam

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Exposure:
    """How often each question was shown to the ``cohort`` attempts of the window."""

    exam_id: int
    share: float  # 0..1
    cohort: int
    counts: dict[int, int]

    def allowed(self, question_id: int) -> bool:
        """Whether showing the question once more keeps it within the share of the
        cohort this attempt joins (so an item is over by at most one attempt)."""
        return self.counts.get(question_id, 0) < self.share * (self.cohort + 1)


def exam_exposure(*, exam: Exam, now: datetime) -> Exposure | None:
    """The exposure of ``exam``'s questions in its window; None without a cap. Two
    queries (the cohort, and the counts grouped by question)."""
    if exam.max_exposure_percent is None:
        return None
    recent = Attempt.objects.filter(
        exam=exam, started_at__gte=now - timedelta(days=exam.exposure_window_days)
    )
    counts = dict(
        AttemptItem.objects.filter(attempt__in=recent)
        .values_list("version__question_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Exposure(
        exam_id=exam.pk,
        share=exam.max_exposure_percent / 100,
        cohort=recent.count(),
        counts=counts,
    )


def exposure_pick(
    *, ids: list[int], count: int, rng: random.Random, exposure: Exposure
) -> list[int]:
    """``count`` of ``ids``: the least exposed, at random among equals. Logs a
    warning when the pool cannot keep every pick within the cap."""
    order = list(ids)
    rng.shuffle(order)
    order.sort(key=lambda question_id: exposure.counts.get(question_id, 0))  # stable
    picked = order[:count]
    over = [question_id for question_id in picked if not exposure.allowed(question_id)]
    if over:
        logger.warning(
            "exam %s: exposure cap exceeded for %d item(s); the pool is too small",
            exposure.exam_id,
            len(over),
        )
    return picked
