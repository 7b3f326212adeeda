"""The study plan's estimator against simulated candidates whose mastery is known."""

import numpy as np

from certification.learning.mastery import (
    PRIOR_SD,
    abilities_estimate,
    category_plans,
    item_difficulty,
    sigmoid,
)

CATEGORIES = 6


def _simulate(rng: np.random.Generator, *, answers: int, weak: int) -> tuple:
    """A candidate weak in ``weak`` categories (ability −1.5…−0.5 logits) and strong in
    the others (0.5…1.5), who practised ``answers`` items per category (30: two or three practice quizzes); each category's
    practice leaned toward easier or harder items (a shift of its difficulties), which
    fools the share of right answers but not the model."""
    weak_set = rng.choice(CATEGORIES, weak, replace=False)
    theta = rng.uniform(0.5, 1.5, CATEGORIES)
    theta[weak_set] = rng.uniform(-1.5, -0.5, weak)
    bank = [rng.normal(0.0, 1.0, 20) for _ in range(CATEGORIES)]
    category, fraction, difficulty = [], [], []
    for c in range(CATEGORIES):
        b = bank[c][rng.integers(0, 20, answers)] + rng.normal(0.0, 0.8)
        right = rng.random(answers) < sigmoid(theta[c] - b)
        category += [c] * answers
        fraction += right.astype(float).tolist()
        difficulty += b.tolist()
    return (
        set(weak_set.tolist()),
        bank,
        np.array(category),
        np.array(fraction),
        np.array(difficulty),
    )


def test_the_plan_ranks_the_weakest_categories_first_in_nine_simulations_of_ten():
    rng = np.random.default_rng(2026)
    hits = naive_hits = 0
    runs = 400
    for _ in range(runs):
        weak, bank, category, fraction, difficulty = _simulate(rng, answers=30, weak=2)
        abilities = abilities_estimate(
            category=category, fraction=fraction, difficulty=difficulty, categories=CATEGORIES
        )
        plans = category_plans(
            abilities=abilities, exam_difficulty=bank, weight=np.full(CATEGORIES, 1 / CATEGORIES)
        )
        hits += {plan.index for plan in plans[:2]} == weak
        share = np.bincount(category, fraction) / np.bincount(category)
        naive_hits += set(np.argsort(share)[:2].tolist()) == weak
    assert hits / runs >= 0.90
    # The share of right answers, blind to which items were practised, does worse.
    assert naive_hits / runs < hits / runs - 0.15


def test_abilities_are_recovered_from_many_answers():
    rng = np.random.default_rng(7)
    theta = np.array([-1.0, 0.0, 1.2])
    category = np.repeat(np.arange(3), 2000)
    difficulty = rng.normal(0.0, 1.0, category.size)
    fraction = (rng.random(category.size) < sigmoid(theta[category] - difficulty)).astype(float)
    found = abilities_estimate(
        category=category, fraction=fraction, difficulty=difficulty, categories=3
    )
    assert np.allclose(found.theta, theta, atol=0.15)
    assert np.all(found.sd < 0.06)
    assert found.responses.tolist() == [2000, 2000, 2000]


def test_without_answers_the_prior_stands_and_the_interval_is_wide():
    empty = np.array([], dtype=np.int64)
    found = abilities_estimate(
        category=empty, fraction=empty.astype(float), difficulty=empty.astype(float), categories=2
    )
    assert found.theta.tolist() == [0.0, 0.0]
    assert np.allclose(found.sd, PRIOR_SD)
    plans = category_plans(
        abilities=found, exam_difficulty=[np.zeros(3), np.zeros(3)], weight=np.array([0.25, 0.75])
    )
    # Equal (unknown) mastery: the category with more exam points comes first.
    assert [plan.index for plan in plans] == [1, 0]
    assert plans[0].low < plans[0].mastery < plans[0].high
    assert abs(plans[0].mastery - 0.5) < 1e-9


def test_partial_credit_counts_as_a_fractional_success():
    difficulty = np.zeros(40)
    half = abilities_estimate(
        category=np.zeros(40, dtype=np.int64),
        fraction=np.full(40, 0.5),
        difficulty=difficulty,
        categories=1,
    )
    assert abs(half.theta[0]) < 1e-6


def test_item_difficulty_shrinks_toward_the_tag_until_the_answers_speak():
    prior = np.array([0.8, 0.8])
    b = item_difficulty(
        correct=np.array([0.0, 20.0]), responses=np.array([0.0, 100.0]), prior=prior
    )
    assert b[0] < 0  # an easy item nobody answered yet: easier than average
    assert b[1] > 1  # answered right by only a fifth of 100: hard, whatever its tag said
