"""Server-rendered SVG charts: the geometry only, computed here and drawn by
templates/_histogram.html (an ``<svg viewBox>`` with a title for screen readers and
the same numbers as a table). No JavaScript and no inline styles (the CSP forbids
them); sizes are in the viewBox's units and the SVG scales to its box."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

WIDTH, HEIGHT, AXIS = 600, 180, 20


@dataclass(frozen=True)
class Bar:
    low: float
    high: float
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Mark:
    """A vertical line across the bars (a cut score), with its label."""

    label: str
    value: float
    x: float


@dataclass(frozen=True)
class Histogram:
    bars: list[Bar]
    total: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - AXIS
    ticks: list[tuple[float, str]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)


def histogram(
    values: Iterable[float],
    *,
    low: float = 0,
    high: float = 100,
    bins: int = 10,
    marks: dict[str, float] | None = None,
) -> Histogram:
    """Counts ``values`` into ``bins`` equal bins from ``low`` to ``high`` (a value
    equal to ``high`` falls into the last bin; values outside are clamped) and lays
    the bars out in a WIDTH × HEIGHT viewBox, the tallest bar reaching the top.
    ``marks``: labelled vertical lines (a cut score) at values on the same axis."""
    counts = histogram_counts(values, low=low, high=high, bins=bins)
    return histogram_of_counts(counts, low=low, high=high, marks=marks)


def histogram_counts(
    values: Iterable[float], *, low: float = 0, high: float = 100, bins: int = 10
) -> list[int]:
    """How many of ``values`` fall into each of ``bins`` equal bins (as ``histogram``
    counts them): what a stored chart keeps instead of every value."""
    if bins < 1 or high <= low:
        raise ValueError("a histogram needs at least one bin over a non-empty range")
    span = (high - low) / bins
    counts = [0] * bins
    for value in values:
        index = int((float(value) - low) // span)
        counts[min(max(index, 0), bins - 1)] += 1
    return counts


def histogram_of_counts(
    counts: list[int],
    *,
    low: float = 0,
    high: float = 100,
    marks: dict[str, float] | None = None,
) -> Histogram:
    """The chart of bins already counted (``histogram_counts``) from ``low`` to
    ``high``."""
    bins = len(counts)
    if bins < 1 or high <= low:
        raise ValueError("a histogram needs at least one bin over a non-empty range")
    span = (high - low) / bins
    tallest = max(counts) or 1
    room = HEIGHT - AXIS - 4
    step = WIDTH / bins

    def x_of(value: float) -> float:
        return round((min(max(value, low), high) - low) / (high - low) * WIDTH, 1)

    bars = [
        Bar(
            low=round(low + i * span, 2),
            high=round(low + (i + 1) * span, 2),
            count=count,
            x=round(i * step + 1, 1),
            y=round(HEIGHT - AXIS - count / tallest * room, 1),
            width=round(step - 2, 1),
            height=round(count / tallest * room, 1),
        )
        for i, count in enumerate(counts)
    ]
    ticks = [(x_of(low + i * span), f"{low + i * span:g}") for i in range(0, bins + 1, 2)]
    return Histogram(
        bars=bars,
        total=sum(counts),
        ticks=ticks,
        marks=[
            Mark(label=label, value=value, x=x_of(value)) for label, value in (marks or {}).items()
        ],
    )


def waiting_days(since: Iterable[datetime], *, now: datetime, weeks: int = 2) -> Histogram:
    """A queue's load: how long its entries have waited, in days, one bar per day up to
    ``weeks`` weeks (older ones in the last bar)."""
    days = [(now - moment).total_seconds() / 86_400 for moment in since]
    return histogram(days, low=0, high=7 * weeks, bins=7 * weeks)
