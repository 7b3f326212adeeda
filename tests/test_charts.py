"""core.charts: the histogram's counts and geometry."""

from datetime import UTC, datetime, timedelta

import pytest

from core.charts import HEIGHT, WIDTH, histogram, waiting_days


def test_values_fall_into_equal_bins_and_the_top_value_into_the_last() -> None:
    chart = histogram([0, 9.99, 10, 55, 100, 100], bins=10)

    assert [bar.count for bar in chart.bars] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert chart.total == 6
    assert (chart.bars[0].low, chart.bars[0].high, chart.bars[-1].high) == (0, 10, 100)


def test_the_tallest_bar_fills_the_plot_and_bars_stay_inside_the_view_box() -> None:
    chart = histogram([5, 5, 15], bins=2, low=0, high=20, marks={"cut": 10})

    tallest, other = chart.bars
    assert tallest.y == 4 and tallest.height == chart.baseline - 4
    assert other.height == pytest.approx(tallest.height / 2, abs=0.1)
    assert all(b.x >= 0 and b.x + b.width <= WIDTH and b.y + b.height <= HEIGHT for b in chart.bars)
    assert [(m.label, m.x) for m in chart.marks] == [("cut", WIDTH / 2)]


def test_values_outside_the_range_are_clamped_and_no_values_draw_nothing() -> None:
    assert [b.count for b in histogram([-5, 120], bins=2).bars] == [1, 1]
    assert all(b.height == 0 for b in histogram([], bins=4).bars)
    with pytest.raises(ValueError):
        histogram([1], low=5, high=5)


def test_a_queues_load_counts_days_waited_with_the_oldest_in_the_last_bar() -> None:
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    waited = [now - timedelta(hours=h) for h in (1, 23, 25, 24 * 13 + 1, 24 * 40)]
    chart = waiting_days(waited, now=now)
    assert len(chart.bars) == 14 and chart.total == 5
    assert [bar.count for bar in chart.bars] == [2, 1] + [0] * 11 + [2]
