"""Kappa against scikit-learn; ICC against published values and an independent
long-format ANOVA computed here."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from grading.agreement import cohen_kappa, icc


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(5))
def test_kappa_matches_scikit_learn(weights, seed):
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 4, size=40)
    # The second rater mostly agrees, sometimes one level off.
    second = np.clip(first + rng.choice([-1, 0, 0, 0, 1], size=40), 0, 3)
    expected = cohen_kappa_score(first, second, weights=weights)
    assert cohen_kappa(first.tolist(), second.tolist(), weights=weights) == pytest.approx(
        expected, abs=1e-12
    )


def test_kappa_with_unused_labels_matches_scikit_learn():
    first, second = [0, 1, 2, 2, 1], [0, 2, 2, 1, 1]
    labels = [0, 1, 2, 3]
    expected = cohen_kappa_score(first, second, weights="quadratic", labels=labels)
    assert cohen_kappa(first, second, weights="quadratic", labels=labels) == pytest.approx(expected)


def test_kappa_is_undefined_without_variation():
    assert cohen_kappa([1, 1, 1], [1, 1, 1], weights="linear") is None
    assert cohen_kappa([], [], weights="linear") is None


# Shrout & Fleiss (1979), Table 2: six targets, four judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_matches_shrout_and_fleiss():
    assert icc(SHROUT_FLEISS, form="ICC(2,1)") == pytest.approx(0.29, abs=0.005)
    assert icc(SHROUT_FLEISS, form="ICC(3,1)") == pytest.approx(0.71, abs=0.005)


def _icc_reference(x: np.ndarray) -> tuple[float, float]:
    """Independent: sums of squares from a long-format table with explicit loops."""
    n, k = x.shape
    rows = [(i, j, x[i, j]) for i in range(n) for j in range(k)]
    grand = sum(v for _, _, v in rows) / len(rows)
    subject_means = [sum(v for i2, _, v in rows if i2 == i) / k for i in range(n)]
    rater_means = [sum(v for _, j2, v in rows if j2 == j) / n for j in range(k)]
    ssr = sum(k * (m - grand) ** 2 for m in subject_means)
    ssc = sum(n * (m - grand) ** 2 for m in rater_means)
    sse = sum((v - subject_means[i] - rater_means[j] + grand) ** 2 for i, j, v in rows)
    msr, msc, mse = ssr / (n - 1), ssc / (k - 1), sse / ((n - 1) * (k - 1))
    icc21 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    icc31 = (msr - mse) / (msr + (k - 1) * mse)
    return icc21, icc31


@pytest.mark.parametrize("seed", range(5))
def test_icc_matches_an_independent_anova(seed):
    rng = np.random.default_rng(seed)
    truth = rng.normal(70, 12, size=25)
    x = np.column_stack([truth + rng.normal(0, 5, 25), truth + 4 + rng.normal(0, 5, 25)])
    icc21, icc31 = _icc_reference(x)
    assert icc(x.tolist(), form="ICC(2,1)") == pytest.approx(icc21, rel=1e-9)
    assert icc(x.tolist(), form="ICC(3,1)") == pytest.approx(icc31, rel=1e-9)
    # A rater 4 points harsher lowers absolute agreement more than consistency.
    assert icc21 < icc31


def test_icc_is_undefined_for_too_little_data():
    assert icc([[1.0, 2.0]]) is None
    assert icc([[1.0], [2.0]]) is None
    assert icc([[5.0, 5.0], [5.0, 5.0]]) is None
