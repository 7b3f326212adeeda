"""The shape every benchmark command prints with ``--json`` and ``manage.py benchmark``
collects: ``{"measures": [{"measure", "ours", "baseline", "unit", "ratio", "target",
"held"}, ...]}``. ``baseline`` is what the same run measured for the physical limit
or the reference (None when there is none); ``held`` is None when the measure has no
target."""

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Measure:
    measure: str
    ours: float
    unit: str
    target: str
    held: bool | None
    baseline: float | None = None
    ratio: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def measure_with_baseline(
    *, measure: str, ours: float, baseline: float | None, unit: str, target: str, held: bool | None
) -> Measure:
    """A measure whose ratio is ours / baseline (None without a baseline)."""
    ratio = round(ours / baseline, 4) if baseline else None
    return Measure(
        measure=measure,
        ours=round(ours, 4),
        baseline=round(baseline, 4) if baseline is not None else None,
        ratio=ratio,
        unit=unit,
        target=target,
        held=held,
    )


def measures_json(measures: list[Measure], **extra: Any) -> str:
    """The ``--json`` output: one JSON object on one line."""
    return json.dumps({"measures": [m.to_json() for m in measures], **extra})
