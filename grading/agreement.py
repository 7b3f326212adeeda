"""Inter-rater agreement: Cohen's weighted kappa and the intraclass correlation.

Pure NumPy: no models, no database.

* ``cohen_kappa``: Cohen's kappa of two raters' ordinal categories, unweighted,
  linearly or quadratically weighted; the same definition as scikit-learn's
  ``cohen_kappa_score`` (``1 - sum(w * observed) / sum(w * expected)``, with the
  expected table the outer product of the two raters' marginals).
* ``icc``: the intraclass correlation of an ``(n subjects x k raters)`` matrix from the
  two-way ANOVA mean squares (Shrout & Fleiss 1979; McGraw & Wong 1996):

  - ICC(2,1), two-way random effects, absolute agreement, single rater:
    ``(MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)``;
  - ICC(3,1), two-way mixed effects, consistency, single rater:
    ``(MSR - MSE) / (MSR + (k - 1) MSE)``.

  The dashboard reports ICC(2,1): the raters of an interview are a sample of the
  examiner pool, and a rater who is systematically harsher should lower the figure.

Both return None where the statistic is undefined (too few subjects, or no variance
to agree on), never NaN.
"""

from collections.abc import Sequence
from typing import Literal

import numpy as np

Weights = Literal["linear", "quadratic"] | None
IccForm = Literal["ICC(2,1)", "ICC(3,1)"]


def cohen_kappa(
    first: Sequence[int],
    second: Sequence[int],
    *,
    weights: Weights = None,
    labels: Sequence[int] | None = None,
) -> float | None:
    """Cohen's kappa of two equally long sequences of ordinal categories (integers;
    their order is the order of ``labels``, or of the sorted values seen). None for
    fewer than one pair or when chance agreement is total (both raters used one and
    the same category throughout)."""
    if len(first) != len(second):
        raise ValueError("both raters must rate the same subjects")
    if not first:
        return None
    categories = list(labels) if labels is not None else sorted(set(first) | set(second))
    index = {label: i for i, label in enumerate(categories)}
    q = len(categories)
    observed = np.zeros((q, q), dtype=float)
    for a, b in zip(first, second, strict=True):
        observed[index[a], index[b]] += 1
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    if weights is None:
        w = np.ones((q, q)) - np.eye(q)
    else:
        grid = np.abs(np.subtract.outer(np.arange(q), np.arange(q))).astype(float)
        w = grid if weights == "linear" else grid**2
    denominator = float((w * expected).sum())
    if denominator == 0:
        return None
    return float(1 - (w * observed).sum() / denominator)


def icc(ratings: Sequence[Sequence[float]], *, form: IccForm = "ICC(2,1)") -> float | None:
    """The intraclass correlation of a complete ``(subjects x raters)`` matrix. None
    with fewer than two subjects or two raters, or when there is no variance."""
    x = np.asarray(ratings, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2 or np.isnan(x).any():
        return None
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((x - grand) ** 2).sum())
    ss_error = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    if form == "ICC(2,1)":
        denominator = msr + (k - 1) * mse + k * (msc - mse) / n
    elif form == "ICC(3,1)":
        denominator = msr + (k - 1) * mse
    else:
        raise ValueError(f"unknown ICC form {form!r}")
    if denominator == 0:
        return None
    return float((msr - mse) / denominator)
