"""grading.item_analysis against figures computed independently: scipy per item, a
loop-based textbook Cronbach's alpha, and small cases worked out by hand."""

from __future__ import annotations

import csv
import io
import math
import time
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from grading.bench.item_analysis import responses_generate
from grading.item_analysis import (
    ItemAnalysis,
    ItemStatistics,
    item_analysis_compute,
    responses_to_matrix,
)

Matrix = NDArray[np.float64]


def generated(
    *, candidates: int, items: int, missing: float = 0.0, seed: int = 11
) -> tuple[Matrix, Matrix]:
    """Scores from a logistic model: binary, partial-credit and 3-point items."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(candidates, 1))
    difficulty = rng.normal(scale=1.2, size=items)
    max_points = rng.choice([1.0, 2.0, 3.0], size=items)
    chance = 1 / (1 + np.exp(-(ability - difficulty)))
    draws = rng.random((candidates, items))
    partial = np.round((chance + draws - 0.5).clip(0, 1) * 4) / 4
    scores = np.where(rng.random(items) < 0.3, partial, draws < chance) * max_points
    scores[rng.random((candidates, items)) < missing] = np.nan
    return scores, max_points


def textbook_alpha(scores: Matrix) -> float:
    """Cronbach's alpha with explicit loops (complete data only)."""
    n, k = scores.shape
    totals = [sum(scores[i][j] for j in range(k)) for i in range(n)]

    def variance(values: list[float]) -> float:
        mean = sum(values) / len(values)
        return sum((v - mean) ** 2 for v in values) / (len(values) - 1)

    item_variances = sum(variance([scores[i][j] for i in range(n)]) for j in range(k))
    return k / (k - 1) * (1 - item_variances / variance(totals))


def reference_item(scores: Matrix, max_points: Matrix, j: int) -> dict[str, float]:
    """Moodle's item definitions computed one item at a time, straight from the text."""
    present = ~np.isnan(scores[:, j])
    totals = np.nansum(scores, axis=1)[present]
    x = scores[present, j]
    rest = totals - x
    cov = np.cov(x, rest, ddof=1)[0, 1]
    cov_max = np.cov(np.sort(x), np.sort(rest), ddof=1)[0, 1]
    return {
        "attempts": float(x.size),
        "facility": x.mean() / max_points[j],
        "sd": np.std(x, ddof=1) / max_points[j],
        "discrimination_index": stats.pearsonr(x, rest).statistic,
        "discriminative_efficiency": cov / cov_max,
        "cov_total": np.cov(x, totals, ddof=1)[0, 1],
    }


def assert_close(actual: float | None, expected: float, rel: float = 1e-9) -> None:
    assert actual is not None
    assert actual == pytest.approx(expected, rel=rel, abs=1e-12)


def all_figures(result: ItemAnalysis) -> list[object]:
    values: list[object] = list(vars_of(result.test))
    for item in result.items:
        values.extend(vars_of(item))
    return values


def vars_of(obj: object) -> list[object]:
    return [getattr(obj, name) for name in obj.__slots__]  # type: ignore[attr-defined]


# --- generated data against scipy / loops -----------------------------------------


@pytest.fixture(scope="module")
def complete() -> tuple[Matrix, Matrix, ItemAnalysis]:
    scores, max_points = generated(candidates=400, items=12)
    return scores, max_points, item_analysis_compute(scores, max_points)


def test_item_figures_match_scipy_per_item(complete: tuple[Matrix, Matrix, ItemAnalysis]) -> None:
    scores, max_points, result = complete
    for j, item in enumerate(result.items):
        expected = reference_item(scores, max_points, j)
        assert item.item_id == j
        assert item.attempts == 400
        assert_close(item.facility, expected["facility"])
        assert_close(item.mean_mark, expected["facility"] * max_points[j])
        assert_close(item.sd, expected["sd"])
        assert_close(item.sd_mark, expected["sd"] * max_points[j])
        assert_close(item.discrimination_index, expected["discrimination_index"])
        assert_close(item.discriminative_efficiency, expected["discriminative_efficiency"])
        assert_close(item.intended_weight, max_points[j] / max_points.sum())
        assert item.random_guess_score is None


def test_discriminative_efficiency_is_bounded_by_one(
    complete: tuple[Matrix, Matrix, ItemAnalysis],
) -> None:
    _, _, result = complete
    for item in result.items:
        assert item.discrimination_index is not None
        assert item.discriminative_efficiency is not None
        assert abs(item.discriminative_efficiency) <= 1 + 1e-12
        # Both share the sign of cov(item, rest).
        assert (item.discriminative_efficiency > 0) == (item.discrimination_index > 0)


def test_effective_weights_match_covariance_with_total(
    complete: tuple[Matrix, Matrix, ItemAnalysis],
) -> None:
    scores, max_points, result = complete
    roots = [math.sqrt(reference_item(scores, max_points, j)["cov_total"]) for j in range(12)]
    for item, root in zip(result.items, roots, strict=True):
        assert_close(item.effective_weight, root / sum(roots))
    assert sum(item.effective_weight or 0 for item in result.items) == pytest.approx(1)


def test_test_figures_match_scipy_and_textbook_alpha(
    complete: tuple[Matrix, Matrix, ItemAnalysis],
) -> None:
    scores, max_points, result = complete
    totals = scores.sum(axis=1)
    test = result.test
    alpha = textbook_alpha(scores)
    assert test.attempts == 400
    assert test.items == 12
    assert test.max_total == pytest.approx(max_points.sum())
    assert_close(test.mean, float(np.mean(totals)))
    assert_close(test.median, float(np.median(totals)))
    assert_close(test.standard_deviation, float(np.std(totals, ddof=1)))
    assert_close(test.skewness, float(stats.skew(totals, bias=False)), rel=1e-7)
    assert_close(test.kurtosis, float(stats.kurtosis(totals, fisher=True, bias=False)), rel=1e-7)
    assert_close(test.cronbach_alpha, alpha)
    assert_close(test.error_ratio, math.sqrt(1 - alpha))
    assert_close(test.standard_error, math.sqrt(1 - alpha) * float(np.std(totals, ddof=1)))


def test_alpha_matches_covariance_matrix_form() -> None:
    # alpha = k/(k-1) * (1 - trace(C) / sum(C)), another independent route.
    scores, max_points = generated(candidates=300, items=8, seed=5)
    covariance = np.cov(scores, rowvar=False, ddof=1)
    expected = 8 / 7 * (1 - np.trace(covariance) / covariance.sum())
    assert_close(item_analysis_compute(scores, max_points).test.cronbach_alpha, expected)


def test_items_left_out_of_attempts_use_only_the_candidates_who_had_them() -> None:
    scores, max_points = generated(candidates=500, items=10, missing=0.15, seed=7)
    result = item_analysis_compute(scores, max_points)
    for j, item in enumerate(result.items):
        expected = reference_item(scores, max_points, j)
        assert item.attempts == expected["attempts"] < 500
        assert_close(item.facility, expected["facility"])
        assert_close(item.sd, expected["sd"])
        assert_close(item.discrimination_index, expected["discrimination_index"])
        assert_close(item.discriminative_efficiency, expected["discriminative_efficiency"])
    totals = np.nansum(scores, axis=1)
    item_variances = sum(np.nanvar(scores[:, j], ddof=1) for j in range(10))
    assert_close(result.test.mean, float(totals.mean()))
    assert_close(result.test.cronbach_alpha, 10 / 9 * (1 - item_variances / np.var(totals, ddof=1)))


# --- a small case worked out by hand ----------------------------------------------

# Four candidates, three one-mark items in a Guttman pattern: totals 3, 2, 1, 0.
GUTTMAN = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=float)


def test_hand_computed_guttman_case() -> None:
    result = item_analysis_compute(GUTTMAN, [1, 1, 1], item_ids=["q1", "q2", "q3"])
    first, second, third = result.items
    assert [item.item_id for item in result.items] == ["q1", "q2", "q3"]
    assert [item.facility for item in result.items] == [0.75, 0.5, 0.25]
    assert_close(second.sd, math.sqrt(1 / 3))
    # q2 = (1, 1, 0, 0), rest = (2, 1, 1, 0): cov 1/3, variances 1/3 and 2/3.
    assert_close(second.discrimination_index, 1 / math.sqrt(2))
    # q1 = (1, 1, 1, 0), rest = (2, 1, 0, 0): cov 1/4, variances 1/4 and 11/12.
    assert_close(first.discrimination_index, 0.5 / math.sqrt(11 / 12))
    # A Guttman pattern is as discriminating as those marks allow.
    for item in result.items:
        assert_close(item.discriminative_efficiency, 1.0)
    # cov(item, total) = 1/2, 2/3, 1/2.
    roots = [math.sqrt(0.5), math.sqrt(2 / 3), math.sqrt(0.5)]
    assert_close(first.effective_weight, roots[0] / sum(roots))
    assert_close(second.effective_weight, roots[1] / sum(roots))
    assert_close(third.effective_weight, roots[2] / sum(roots))
    assert_close(first.intended_weight, 1 / 3)

    test = result.test
    assert test.mean == 1.5
    assert test.median == 1.5
    assert_close(test.standard_deviation, math.sqrt(5 / 3))
    assert_close(test.skewness, 0.0)
    assert_close(test.kurtosis, -1.2)  # four equally spaced points
    # Item variances 1/4 + 1/3 + 1/4 = 5/6; total variance 5/3: alpha = 3/2 * 1/2.
    assert_close(test.cronbach_alpha, 0.75)
    assert_close(test.error_ratio, 0.5)
    assert_close(test.standard_error, 0.5 * math.sqrt(5 / 3))


def test_anti_discriminating_item_has_negative_index_and_no_effective_weight() -> None:
    scores = np.column_stack([GUTTMAN, [0, 0, 1, 1]])  # weak candidates get it right
    result = item_analysis_compute(scores, [1, 1, 1, 1])
    reverse = result.items[3]
    assert reverse.discrimination_index is not None and reverse.discrimination_index < 0
    assert reverse.discriminative_efficiency is not None and reverse.discriminative_efficiency < 0
    # cov(item, total) < 0: Moodle leaves the effective weight blank.
    assert reverse.effective_weight is None
    assert all(item.effective_weight is not None for item in result.items[:3])


def test_random_guess_scores_are_passed_through_per_item() -> None:
    result = item_analysis_compute(GUTTMAN, [1, 1, 1], random_guess_scores=[0.25, math.nan, 0.5])
    assert [item.random_guess_score for item in result.items] == [0.25, None, 0.5]


# --- edge cases -------------------------------------------------------------------


def test_item_everyone_got_right_has_no_discrimination() -> None:
    scores, max_points = generated(candidates=200, items=5, seed=2)
    scores[:, 2] = max_points[2]
    result = item_analysis_compute(scores, max_points)
    easy = result.items[2]
    assert easy.facility == 1.0
    assert easy.sd == 0.0
    assert easy.discrimination_index is None
    assert easy.discriminative_efficiency is None
    assert easy.effective_weight == 0.0
    # The other items still get their figures.
    assert all(
        item.discrimination_index is not None for i, item in enumerate(result.items) if i != 2
    )


def test_fractional_marks_that_are_all_equal_count_as_zero_variance() -> None:
    # 0.1 summed 3 times and divided by 3 is not exactly 0.1.
    scores = np.array([[0.1, 1.0], [0.1, 0.0], [0.1, 1.0]])
    item = item_analysis_compute(scores, [1.0, 1.0]).items[0]
    assert item.sd == 0.0
    assert item.discrimination_index is None


def test_rest_of_test_constant_gives_no_discrimination() -> None:
    scores = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    first = item_analysis_compute(scores, [1.0, 1.0]).items[0]
    assert first.sd is not None and first.sd > 0
    assert first.discrimination_index is None
    assert first.discriminative_efficiency is None


def test_one_candidate() -> None:
    result = item_analysis_compute([[1.0, 0.5, 0.0]], [1.0, 1.0, 2.0])
    test = result.test
    assert (test.attempts, test.mean, test.median) == (1, 1.5, 1.5)
    assert test.standard_deviation is None
    assert test.skewness is None and test.kurtosis is None
    assert test.cronbach_alpha is None and test.error_ratio is None and test.standard_error is None
    assert [item.facility for item in result.items] == [1.0, 0.5, 0.0]
    for item in result.items:
        assert item.sd is None
        assert item.discrimination_index is None
        assert item.discriminative_efficiency is None
        assert item.effective_weight is None


def test_no_candidates() -> None:
    result = item_analysis_compute(np.empty((0, 3)), [1.0, 1.0, 1.0])
    assert result.test.attempts == 0
    assert result.test.mean is None and result.test.median is None
    assert all(item.facility is None and item.attempts == 0 for item in result.items)


def test_item_nobody_was_shown() -> None:
    scores, max_points = generated(candidates=50, items=4, seed=4)
    scores[:, 1] = np.nan
    result = item_analysis_compute(scores, max_points)
    hidden = result.items[1]
    assert hidden.attempts == 0
    assert hidden.mean_mark is None and hidden.facility is None and hidden.sd is None
    assert hidden.discrimination_index is None and hidden.effective_weight is None
    assert result.items[0].discrimination_index is not None


def test_zero_maximum_mark_has_no_facility() -> None:
    result = item_analysis_compute([[1.0, 0.0], [0.0, 0.0]], [1.0, 0.0])
    assert result.items[1].facility is None
    assert result.items[1].sd is None


def test_constant_totals_leave_shape_statistics_blank() -> None:
    result = item_analysis_compute([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], [1, 1])
    test = result.test
    assert test.standard_deviation == 0.0
    assert test.skewness is None and test.kurtosis is None and test.cronbach_alpha is None


@pytest.mark.parametrize(
    "scores",
    [
        GUTTMAN,
        np.ones((5, 3)),
        np.zeros((2, 2)),
        np.full((4, 3), np.nan),
        np.array([[1.0, np.nan], [np.nan, 1.0], [0.0, np.nan]]),
    ],
    ids=["guttman", "all-right", "all-wrong", "all-missing", "sparse"],
)
def test_no_figure_is_ever_nan(scores: Matrix) -> None:
    result = item_analysis_compute(scores, np.ones(scores.shape[1]))
    for value in all_figures(result):
        assert not (isinstance(value, float) and not math.isfinite(value))


@pytest.mark.parametrize(
    ("scores", "max_points", "message"),
    [
        (np.ones(3), [1.0, 1.0, 1.0], "matrix"),
        (np.ones((2, 3)), [1.0, 1.0], "one value per item"),
        (np.ones((2, 2)), [1.0, -1.0], "not negative"),
        (np.array([[1.0, np.inf]]), [1.0, 1.0], "finite"),
    ],
)
def test_malformed_input_is_refused(scores: Matrix, max_points: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        item_analysis_compute(scores, max_points)


def test_item_ids_must_match_columns() -> None:
    with pytest.raises(ValueError, match="item_ids"):
        item_analysis_compute(GUTTMAN, [1, 1, 1], item_ids=[1, 2])


# --- responses_to_matrix ----------------------------------------------------------


def test_responses_to_matrix_round_trips_shuffled_rows() -> None:
    scores, _ = generated(candidates=60, items=7, missing=0.2, seed=9)
    attempts = np.repeat(np.arange(60) * 13 + 1_000, 7)
    items = np.tile(np.array([70, 10, 30, 20, 60, 40, 50]), 60)
    present = ~np.isnan(scores.ravel())
    order = np.random.default_rng(1).permutation(int(present.sum()))
    matrix = responses_to_matrix(
        attempts[present][order], items[present][order], scores.ravel()[present][order]
    )
    assert matrix.attempt_ids.tolist() == (np.arange(60) * 13 + 1_000).tolist()
    assert matrix.item_ids.tolist() == [10, 20, 30, 40, 50, 60, 70]
    column_of = [70, 10, 30, 20, 60, 40, 50]
    expected = scores[:, np.argsort(column_of)]
    np.testing.assert_array_equal(matrix.scores, expected)  # NaN where absent


@pytest.mark.parametrize(
    ("attempts", "items"),
    [
        (np.array([10**15, 5, 10**15, 5]), np.array([2, 2, 1, 1])),  # sparse ids: sort path
        (np.array(["b", "a", "b", "a"]), np.array(["y", "y", "x", "x"])),  # text ids
    ],
    ids=["sparse-int", "str"],
)
def test_responses_to_matrix_other_id_kinds(attempts: NDArray[Any], items: NDArray[Any]) -> None:
    matrix = responses_to_matrix(attempts, items, [1.0, 2.0, 3.0, 4.0])
    assert matrix.attempt_ids.tolist() == sorted(set(attempts.tolist()))
    assert matrix.item_ids.tolist() == sorted(set(items.tolist()))
    np.testing.assert_array_equal(matrix.scores, [[4.0, 2.0], [3.0, 1.0]])


def test_responses_to_matrix_fill_for_absent_rows() -> None:
    matrix = responses_to_matrix([1, 2, 2], [1, 1, 2], [1.0, 0.5, 1.0], fill=0.0)
    np.testing.assert_array_equal(matrix.scores, [[1.0, 0.0], [0.5, 1.0]])


def test_responses_to_matrix_refuses_duplicates_and_ragged_input() -> None:
    with pytest.raises(ValueError, match="1 \\(attempt, item\\) pairs"):
        responses_to_matrix([1, 1, 2], [7, 7, 7], [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="same length"):
        responses_to_matrix([1, 2], [7], [1.0, 0.0])


def test_responses_to_matrix_empty() -> None:
    matrix = responses_to_matrix(np.array([], dtype=np.int64), np.array([], dtype=np.int64), [])
    assert matrix.scores.shape == (0, 0)


# --- CSV export -------------------------------------------------------------------


def test_csv_export() -> None:
    result = item_analysis_compute(
        np.column_stack([GUTTMAN, np.ones(4)]), [1, 1, 1, 1], item_ids=[11, 12, 13, 14]
    )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(result.to_rows())
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert list(rows[0]) == ItemStatistics.csv_header()
    assert [row["item_id"] for row in rows] == ["11", "12", "13", "14"]
    assert float(rows[1]["discrimination_index"]) == pytest.approx(1 / math.sqrt(2))
    assert rows[3]["discrimination_index"] == ""  # None, not "nan"
    assert rows[0]["random_guess_score"] == ""

    summary = dict(result.test.to_rows()[1:])
    assert result.test.to_rows()[0] == ["statistic", "value"]
    assert float(summary["cronbach_alpha"]) == result.test.cronbach_alpha
    assert summary["attempts"] == "4"


def test_results_are_frozen() -> None:
    result = item_analysis_compute(GUTTMAN, [1, 1, 1])
    with pytest.raises(AttributeError):
        result.items[0].facility = 0.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.test.mean = 0.0  # type: ignore[misc]


# --- speed ------------------------------------------------------------------------


def test_a_million_responses_in_under_two_seconds() -> None:
    responses = responses_generate(candidates=20_000, items=50, missing=0.0)
    assert responses.points.size == 1_000_000
    started = time.perf_counter()
    matrix = responses_to_matrix(responses.attempt_ids, responses.item_ids, responses.points)
    result = item_analysis_compute(matrix.scores, responses.max_points, item_ids=matrix.item_ids)
    elapsed = time.perf_counter() - started
    assert result.test.attempts == 20_000 and len(result.items) == 50
    assert elapsed < 2.0
