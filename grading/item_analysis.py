"""Item analysis of a written exam, with Moodle's quiz statistics definitions.

Pure NumPy: no models, no database. The input is a ``(candidates x items)`` matrix of
marks and each item's maximum mark; the output is a ``TestStatistics`` for the whole
test and one ``ItemStatistics`` per item, both frozen and exportable to CSV.

The definitions follow Moodle's quiz statistics report (docs.moodle.org/dev/
Quiz_statistics_calculations and ``question/classes/statistics/questions/
calculator.php``, ``mod/quiz/report/statistics/classes/calculator.php``):

* facility = mean mark / maximum mark;
* item standard deviation = sample SD of the marks (n - 1), reported as a fraction
  of the maximum mark (``sd``) and in marks (``sd_mark``);
* discrimination index = Pearson correlation of the item's mark with the rest of
  the test (the candidate's total minus this item's mark);
* discriminative efficiency = covariance(item, rest) / the largest covariance the
  same two sets of values could have, i.e. both sorted and paired rank by rank;
* effective weight = sqrt(cov(item, total)) / sum over items with cov >= 0 of
  sqrt(cov(item, total)); None for an item whose covariance with the total is
  negative;
* intended weight = maximum mark / sum of maximum marks;
* test skewness and kurtosis are the k-statistic ratios k3 / k2^1.5 and k4 / k2^2
  (the bias-corrected G1 and excess G2);
* coefficient of internal consistency = Cronbach's alpha
  p / (p - 1) * (1 - sum of item variances / variance of totals); error ratio =
  sqrt(1 - alpha); standard error of measurement = error ratio * SD of totals.

Moodle displays most of these multiplied by 100; here every ratio is a plain
fraction (facility 0.62, not 62 %), and marks stay in marks.

Missing marks (NaN) mean "this item was not part of this candidate's attempt" and
are left out, as Moodle leaves out a slot that has no step in an attempt (a random
question that drew another item): the item's statistics use only the candidates
who had it, and it adds nothing to that candidate's total. Moodle marks a question
that was shown but left blank 0, so pass 0 for those, not NaN
(``responses_to_matrix(..., fill=0.0)`` when absent rows mean "left blank").

Where Moodle leaves a figure blank this module returns None, never NaN: fewer than
two candidates for a variance, an item (or rest of the test) that every candidate
scored the same for a correlation, a zero maximum mark for a facility.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

ItemId: TypeAlias = int | str
FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]

__all__ = [
    "ItemAnalysis",
    "ItemStatistics",
    "ResponseMatrix",
    "TestStatistics",
    "item_analysis_compute",
    "responses_to_matrix",
]


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class ItemStatistics:
    """Statistics of one item (one column of the score matrix)."""

    item_id: ItemId
    max_points: float
    attempts: int  # candidates who had this item (Moodle's "s")
    mean_mark: float | None
    facility: float | None
    sd: float | None  # fraction of max_points, as Moodle displays it
    sd_mark: float | None
    random_guess_score: float | None
    intended_weight: float | None
    effective_weight: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None

    @classmethod
    def csv_header(cls) -> list[str]:
        return [field.name for field in fields(cls)]

    def to_row(self) -> list[str]:
        """The values in ``csv_header()`` order, as CSV cells (None is empty)."""
        return [_csv_cell(value) for value in astuple(self)]


@dataclass(frozen=True, slots=True)
class TestStatistics:
    """Statistics of the test totals (one total per candidate)."""

    __test__ = False  # not a pytest test class, despite the name

    attempts: int
    items: int
    max_total: float
    mean: float | None
    median: float | None
    standard_deviation: float | None
    skewness: float | None
    kurtosis: float | None
    cronbach_alpha: float | None  # Moodle's coefficient of internal consistency
    error_ratio: float | None
    standard_error: float | None  # standard error of measurement, in marks

    def to_rows(self) -> list[list[str]]:
        """``[["statistic", "value"], [name, value], ...]`` for ``csv.writer``."""
        return [
            ["statistic", "value"],
            *([field.name, _csv_cell(getattr(self, field.name))] for field in fields(self)),
        ]


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    test: TestStatistics
    items: tuple[ItemStatistics, ...]

    def to_rows(self) -> list[list[str]]:
        """The item table for ``csv.writer``: a header, then one row per item."""
        return [ItemStatistics.csv_header(), *(item.to_row() for item in self.items)]


@dataclass(frozen=True, slots=True, eq=False)
class ResponseMatrix:
    """Scores laid out for ``item_analysis_compute``: row i is ``attempt_ids[i]``,
    column j is ``item_ids[j]``; both id arrays are sorted ascending."""

    attempt_ids: NDArray[Any]
    item_ids: NDArray[Any]
    scores: FloatArray


def responses_to_matrix(
    attempt_ids: ArrayLike,
    item_ids: ArrayLike,
    points: ArrayLike,
    *,
    fill: float = math.nan,
) -> ResponseMatrix:
    """Turn flat response rows (one per attempt and item) into a score matrix.

    Absent (attempt, item) pairs get ``fill``: NaN ("not in this attempt") by
    default, 0.0 when absence means "left blank". Raises ValueError when the three
    arrays differ in length or an (attempt, item) pair occurs twice.
    """
    attempts = np.asarray(attempt_ids).ravel()
    items = np.asarray(item_ids).ravel()
    values = np.asarray(points, dtype=np.float64).ravel()
    if not attempts.shape == items.shape == values.shape:
        raise ValueError("attempt_ids, item_ids and points must have the same length")
    attempt_labels, rows = _factorize(attempts)
    item_labels, columns = _factorize(items)
    shape = (attempt_labels.size, item_labels.size)
    flat = rows.astype(np.int64) * shape[1] + columns
    counts = np.bincount(flat, minlength=shape[0] * shape[1])
    if counts.size and counts.max() > 1:
        duplicated = int(np.count_nonzero(counts > 1))
        raise ValueError(f"{duplicated} (attempt, item) pairs occur more than once")
    scores = np.full(shape, fill, dtype=np.float64)
    scores.ravel()[flat] = values
    return ResponseMatrix(attempt_ids=attempt_labels, item_ids=item_labels, scores=scores)


def _factorize(ids: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """``np.unique(ids, return_inverse=True)``, in linear time for integer ids whose
    range is not much wider than their count (database primary keys): a sort of a
    million ids costs more than the whole analysis."""
    if ids.size and np.issubdtype(ids.dtype, np.integer):
        lowest, highest = int(ids.min()), int(ids.max())
        span = highest - lowest + 1
        if span <= 4 * ids.size + 1024:
            offsets = (ids - lowest).astype(np.intp)
            seen = np.zeros(span, dtype=bool)
            seen[offsets] = True
            labels = (np.flatnonzero(seen) + lowest).astype(ids.dtype)
            positions = np.cumsum(seen, dtype=np.intp) - 1
            return labels, positions[offsets]
    labels, inverse = np.unique(ids, return_inverse=True)
    return labels, inverse.astype(np.intp).ravel()


def _optional(values: FloatArray, defined: BoolArray) -> list[float | None]:
    return [
        float(v) if ok and math.isfinite(v) else None for v, ok in zip(values, defined, strict=True)
    ]


def _constant(values: FloatArray, present: BoolArray) -> BoolArray:
    """Per column: do all present values equal each other? (Exact, not a tolerance:
    the mean of equal floats is not always exactly that float, so a variance computed
    from it can come out as 1e-33 instead of 0.)"""
    highest = np.where(present, values, -np.inf).max(axis=0, initial=-np.inf)
    lowest = np.where(present, values, np.inf).min(axis=0, initial=np.inf)
    result: BoolArray = highest <= lowest
    return result


def _sorted_deviations(values: FloatArray, present: BoolArray, means: FloatArray) -> FloatArray:
    """Each column's present values sorted ascending, minus the column mean; the
    missing ones (sorted to the end as NaN) become 0 so they add nothing."""
    columns = np.where(present, values, np.nan).T.copy()  # items x candidates, contiguous
    columns.sort(axis=1)
    deviations = columns - means[:, None]
    deviations[np.isnan(deviations)] = 0.0
    return deviations


def item_analysis_compute(
    scores: ArrayLike,
    max_points: ArrayLike,
    *,
    item_ids: Sequence[ItemId] | NDArray[Any] | None = None,
    random_guess_scores: ArrayLike | None = None,
) -> ItemAnalysis:
    """Moodle's item and test statistics for a ``(candidates x items)`` score matrix.

    ``scores`` holds marks (NaN: the item was not in that attempt, see the module
    docstring); ``max_points`` each item's maximum mark; ``random_guess_scores``
    (optional) each item's expected fraction for a random guess, which depends on the
    item type and so must come from the caller (NaN: not applicable). Returns an
    ``ItemAnalysis``; raises ValueError on a malformed input (wrong shapes, infinite
    marks, negative maxima). Pure: safe to call any number of times.
    """
    matrix = np.asarray(scores, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError("scores must be a (candidates x items) matrix")
    n_items = matrix.shape[1]
    maxima, labels, guesses = _item_inputs(matrix, max_points, item_ids, random_guess_scores)
    present = ~np.isnan(matrix)
    marks = np.where(present, matrix, 0.0)
    totals = marks.sum(axis=1)
    moments = _moments(marks, present, totals, maxima)
    items = _items(labels, maxima, guesses, moments)
    spread = moments.attempts > 1
    item_variance_sum = float(np.where(spread, moments.var_mark, 0.0).sum())
    test = _test_statistics(totals, n_items, float(moments.sum_max), item_variance_sum)
    return ItemAnalysis(test=test, items=items)


def _item_inputs(
    matrix: FloatArray,
    max_points: ArrayLike,
    item_ids: Sequence[ItemId] | NDArray[Any] | None,
    random_guess_scores: ArrayLike | None,
) -> tuple[FloatArray, list[ItemId], FloatArray]:
    """Each item's maximum, id and random-guess score, checked against the matrix."""
    n_items = matrix.shape[1]
    maxima = np.asarray(max_points, dtype=np.float64).ravel()
    if maxima.shape != (n_items,):
        raise ValueError(f"max_points must have one value per item ({n_items})")
    if not np.all(np.isfinite(maxima)) or np.any(maxima < 0):
        raise ValueError("max_points must be finite and not negative")
    if np.isinf(matrix).any():
        raise ValueError("scores must be finite or NaN")
    labels: list[ItemId] = (
        list(range(n_items)) if item_ids is None else list(np.asarray(item_ids).tolist())
    )
    if len(labels) != n_items:
        raise ValueError(f"item_ids must have one id per item ({n_items})")
    guesses = (
        np.full(n_items, np.nan)
        if random_guess_scores is None
        else np.asarray(random_guess_scores, dtype=np.float64).ravel()
    )
    if guesses.shape != (n_items,):
        raise ValueError(f"random_guess_scores must have one value per item ({n_items})")
    return maxima, labels, guesses


@dataclass(frozen=True)
class _Moments:
    """Per item (one value per column): counts, means, variances and the statistics
    derived from them, NaN or inf where undefined (``_items`` masks those)."""

    attempts: NDArray[np.int64]
    mean_mark: FloatArray
    var_mark: FloatArray
    sd_mark: FloatArray
    facility: FloatArray
    sd_fraction: FloatArray
    intended: FloatArray
    effective: FloatArray
    discrimination: FloatArray
    efficiency: FloatArray
    varied: BoolArray
    weighs: BoolArray
    sum_max: np.float64
    sum_sqrt_cov_total: np.float64


def _moments(
    marks: FloatArray, present: BoolArray, totals: FloatArray, maxima: FloatArray
) -> _Moments:
    rest = totals[:, None] - marks  # the rest of the test, per candidate and item
    with np.errstate(divide="ignore", invalid="ignore"):
        s = present.sum(axis=0)
        mean_mark = marks.sum(axis=0) / s
        mean_rest = np.where(present, rest, 0.0).sum(axis=0) / s
        dev_mark = np.where(present, marks - mean_mark, 0.0)
        dev_rest = np.where(present, rest - mean_rest, 0.0)
        item_flat = _constant(marks, present)
        rest_flat = _constant(rest, present)
        dev_mark[:, item_flat] = 0.0
        dev_rest[:, rest_flat] = 0.0
        denominator = s - 1
        var_mark = np.einsum("ij,ij->j", dev_mark, dev_mark) / denominator
        var_rest = np.einsum("ij,ij->j", dev_rest, dev_rest) / denominator
        cov = np.einsum("ij,ij->j", dev_mark, dev_rest) / denominator
        # Rearrangement inequality: pairing both sorted gives the largest covariance.
        cov_max = (
            np.einsum(
                "ij,ij->i",
                _sorted_deviations(marks, present, mean_mark),
                _sorted_deviations(rest, present, mean_rest),
            )
            / denominator
        )
        # The total is item + rest, so its covariance with the item needs no new pass.
        cov_total = var_mark + cov
        sum_max = maxima.sum()
        weighs = (s > 1) & (cov_total >= 0)
        sqrt_cov_total = np.sqrt(np.where(weighs, cov_total, 0.0))
        sum_sqrt_cov_total = sqrt_cov_total.sum()
        return _Moments(
            attempts=s,
            mean_mark=mean_mark,
            var_mark=var_mark,
            sd_mark=np.sqrt(var_mark),
            facility=mean_mark / maxima,
            sd_fraction=np.sqrt(var_mark) / maxima,
            intended=maxima / sum_max,
            effective=sqrt_cov_total / sum_sqrt_cov_total,
            discrimination=cov / np.sqrt(var_mark * var_rest),
            efficiency=cov / cov_max,
            varied=(s > 1) & ~item_flat & ~rest_flat,
            weighs=weighs,
            sum_max=sum_max,
            sum_sqrt_cov_total=sum_sqrt_cov_total,
        )


def _items(
    labels: list[ItemId], maxima: FloatArray, guesses: FloatArray, m: _Moments
) -> tuple[ItemStatistics, ...]:
    """One ItemStatistics per item, None wherever a statistic is undefined."""
    n_items = len(labels)
    has_max = maxima > 0
    answered = m.attempts > 0
    spread = m.attempts > 1
    return tuple(
        ItemStatistics(
            item_id=label,
            max_points=float(maximum),
            attempts=int(count),
            mean_mark=mean,
            facility=fac,
            sd=sd,
            sd_mark=sdm,
            random_guess_score=guess,
            intended_weight=iw,
            effective_weight=ew,
            discrimination_index=di,
            discriminative_efficiency=de,
        )
        for label, maximum, count, mean, fac, sd, sdm, guess, iw, ew, di, de in zip(
            labels,
            maxima,
            m.attempts,
            _optional(m.mean_mark, answered),
            _optional(m.facility, answered & has_max),
            _optional(m.sd_fraction, spread & has_max),
            _optional(m.sd_mark, spread),
            _optional(guesses, np.ones(n_items, dtype=bool)),
            _optional(m.intended, np.full(n_items, m.sum_max > 0)),
            _optional(m.effective, m.weighs & (m.sum_sqrt_cov_total > 0)),
            _optional(m.discrimination, m.varied),
            _optional(m.efficiency, m.varied),
            strict=True,
        )
    )


def _test_statistics(
    totals: FloatArray, n_items: int, max_total: float, item_variance_sum: float
) -> TestStatistics:
    n = totals.size
    mean = median = sd = skewness = kurtosis = alpha = error_ratio = standard_error = None
    if n > 0:
        mean = float(totals.mean())
        median = float(np.median(totals))
    if n > 1:
        deviations = totals - totals.mean()
        squares = deviations * deviations
        m2 = float(squares.mean())
        k2 = n * m2 / (n - 1)  # the sample variance
        sd = math.sqrt(k2)
        if np.ptp(totals) > 0:
            if n > 2:
                m3 = float((squares * deviations).mean())
                skewness = (n * n * m3 / ((n - 1) * (n - 2))) / k2**1.5
            if n > 3:
                m4 = float((squares * squares).mean())
                k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
                kurtosis = k4 / (k2 * k2)
            if n_items > 1:
                alpha = n_items / (n_items - 1) * (1 - item_variance_sum / k2)
                # Only with missing marks (item variances over different candidates)
                # can alpha pass 1; the error ratio is then undefined.
                if alpha <= 1:
                    error_ratio = math.sqrt(1 - alpha)
                    standard_error = error_ratio * sd
    return TestStatistics(
        attempts=n,
        items=n_items,
        max_total=max_total,
        mean=mean,
        median=median,
        standard_deviation=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        cronbach_alpha=alpha,
        error_ratio=error_ratio,
        standard_error=standard_error,
    )
