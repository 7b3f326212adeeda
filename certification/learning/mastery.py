"""Mastery per category from practice responses, and what to study next.

The model is the Rasch (one-parameter logistic) model: a candidate with ability
``theta_c`` in category ``c`` answers an item of difficulty ``b`` correctly with
probability ``sigmoid(theta_c - b)``. Item difficulties come from item analysis
(every candidate's practice responses, see ``item_difficulty``); each candidate's
``theta_c`` has a normal prior and is estimated by its posterior mode (Newton's
method, vectorised over categories with ``np.bincount``), with the Laplace
approximation for its uncertainty. Partial credit counts as a fractional success.

Unlike the share of correct answers, the estimate does not punish a candidate who
practised the hard items of a category, nor reward one who only met easy ones.

Mastery of a category is the expected share of points on the exam's items of that
category. The expected exam points still missing in a category, ``weight × (1 −
mastery)``, rank what to study: the category where the most points are to be won
comes first.

Pure NumPy, no database: the selectors feed it arrays.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

PRIOR_SD = 1.5
ITERATIONS = 12
# An 80 % credible interval: ±1.2816 posterior standard deviations.
Z80 = 1.2816
# Prior share correct by difficulty tag (before item analysis has seen responses),
# and how many responses that prior is worth.
TAG_PRIOR = {"easy": 0.8, "medium": 0.6, "hard": 0.4}
PRIOR_RESPONSES = 4.0

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def sigmoid(x: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * x))  # stable for large |x|
    return out


def item_difficulty(*, correct: FloatArray, responses: FloatArray, prior: FloatArray) -> FloatArray:
    """Rasch difficulty ``logit(1 − p)`` of items whose population answered ``correct``
    (sum of fractions) out of ``responses``, ``p`` shrunk toward the tag ``prior``."""
    p = (correct + PRIOR_RESPONSES * prior) / (responses + PRIOR_RESPONSES)
    p = np.clip(p, 0.02, 0.98)
    out: FloatArray = np.log((1.0 - p) / p)
    return out


def prior_difficulty(p: float) -> float:
    """The difficulty of an item nobody has answered yet, from its tag's prior share."""
    return float(np.log((1.0 - p) / p))


@dataclass(frozen=True)
class Abilities:
    theta: FloatArray  # posterior mode per category
    sd: FloatArray  # posterior standard deviation (Laplace)
    responses: IntArray  # responses seen per category


def abilities_estimate(
    *,
    category: IntArray,
    fraction: FloatArray,
    difficulty: FloatArray,
    categories: int,
    count: FloatArray | None = None,
) -> Abilities:
    """Posterior ability per category from responses (category index, fraction of
    points 0–1, item difficulty). Categories without responses keep the prior.

    Rows may also be one item's responses taken together: ``count`` answers scoring
    ``fraction`` points in all. The likelihood is the same (it depends on an item's
    answers only through their number and their sum), so the database can group them."""
    n = np.ones_like(fraction) if count is None else count
    theta = np.zeros(categories)
    precision = np.full(categories, 1.0 / PRIOR_SD**2)
    for _ in range(ITERATIONS):
        p = sigmoid(theta[category] - difficulty)
        gradient = np.bincount(category, fraction - n * p, categories) - theta / PRIOR_SD**2
        precision = np.bincount(category, n * p * (1.0 - p), categories) + 1.0 / PRIOR_SD**2
        step = gradient / precision
        theta = theta + step
        if np.max(np.abs(step), initial=0.0) < 1e-6:
            break
    counts = np.rint(np.bincount(category, n, categories)).astype(np.int64)
    return Abilities(theta=theta, sd=1.0 / np.sqrt(precision), responses=counts)


@dataclass(frozen=True)
class CategoryPlan:
    index: int
    mastery: float  # expected share of the category's exam points
    low: float  # 80 % credible interval of mastery
    high: float
    weight: float  # the category's share of the exam's points
    missing_points: float  # weight × (1 − mastery): what studying it can win
    responses: int


def category_plans(
    *, abilities: Abilities, exam_difficulty: list[FloatArray], weight: FloatArray
) -> list[CategoryPlan]:
    """Each category's mastery (expected share correct over its exam items'
    difficulties) and the points to win there, most points first."""
    plans = []
    for c, difficulties in enumerate(exam_difficulty):
        b = difficulties if len(difficulties) else np.zeros(1)
        theta, sd = abilities.theta[c], abilities.sd[c]
        mastery = float(np.mean(sigmoid(theta - b)))
        plans.append(
            CategoryPlan(
                index=c,
                mastery=mastery,
                low=float(np.mean(sigmoid(theta - Z80 * sd - b))),
                high=float(np.mean(sigmoid(theta + Z80 * sd - b))),
                weight=float(weight[c]),
                missing_points=float(weight[c] * (1.0 - mastery)),
                responses=int(abilities.responses[c]),
            )
        )
    return sorted(plans, key=lambda plan: (-plan.missing_points, plan.mastery, plan.index))
