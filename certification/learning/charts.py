"""The study plan's chart: one horizontal bar per exam category, mastery with its 80 %
credible interval, in the plan's order (most points to win first). Computed here, drawn
as SVG by the template: no script, readable by a screen reader through its table."""

from dataclasses import dataclass

from django.utils.translation import get_language

from certification.learning.plan import StudyPlan

WIDTH = 640
LABEL = 220  # room for the category names, left of the bars
ROW = 30
BAR = 16


@dataclass(frozen=True)
class MasteryBar:
    name: str
    y: int
    width: float  # mastery
    low_x: float  # the interval
    high_x: float
    percent: int
    weight_percent: int


@dataclass(frozen=True)
class MasteryChart:
    width: int
    height: int
    label: int
    scale: int  # pixels for 100 %
    bars: list[MasteryBar]
    ticks: list[tuple[float, int]]  # x, percent


def label(name: str) -> str:
    """The part of a bilingual "中文 / English" name in the page's language, short."""
    parts = name.split(" / ", 1)
    if len(parts) == 2:
        name = parts[1] if (get_language() or "").startswith("en") else parts[0]
    return name if len(name) <= 28 else name[:27] + "…"


def mastery_chart(plan: StudyPlan) -> MasteryChart:
    scale = WIDTH - LABEL - 20
    bars = [
        MasteryBar(
            name=label(entry.name),
            y=8 + i * ROW,
            width=round(entry.mastery * scale, 1),
            low_x=round(LABEL + entry.low * scale, 1),
            high_x=round(LABEL + entry.high * scale, 1),
            percent=round(entry.mastery * 100),
            weight_percent=round(entry.weight * 100),
        )
        for i, entry in enumerate(plan.categories)
    ]
    return MasteryChart(
        width=WIDTH,
        height=8 + ROW * len(bars) + 24,
        label=LABEL,
        scale=scale,
        bars=bars,
        ticks=[(LABEL + p / 100 * scale, p) for p in (0, 25, 50, 75, 100)],
    )
