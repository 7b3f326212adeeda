"""The shape every benchmark command prints with ``--json`` and ``manage.py benchmark``
collects: ``{"measures": [{"measure", "ours", "baseline", "unit", "ratio", "target",
"held"}, ...]}``. ``baseline`` is what the same run measured for the physical limit
or the reference (None when there is none); ``held`` is None when the measure has no
target."""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import connection


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


@contextlib.contextmanager
def scratch_database(suffix: str, *, keep: bool = False) -> Iterator[str]:
    """Creates and migrates the scratch database ``<NAME>_<suffix>`` beside the
    configured one, points the connection at it, and afterwards drops it (unless
    ``keep``) and points the connection back, so that several benchmarks can run one
    after another in one process. PostgreSQL only; never touches the configured
    database's data."""
    original = connection.settings_dict["NAME"]
    name = f"{original}_{suffix}"
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield name
    finally:
        if keep:
            connection.close()
            connection.settings_dict["NAME"] = original
            settings.DATABASES[connection.alias]["NAME"] = original
        else:
            connection.creation.destroy_test_db(original, verbosity=0)


CURRENT_DATABASE_HELP = (
    "use the configured database as it is (it must hold the demo data; the benchmark "
    "adds its rows to it) instead of a scratch one: manage.py benchmark runs several "
    "suites on one scratch database this way"
)


@contextlib.contextmanager
def benchmark_database(suffix: str, *, current: bool, keep: bool = False) -> Iterator[bool]:
    """A scratch database (``scratch_database``), or with ``current`` the configured
    one, refused on a production site. Yields whether it is a fresh scratch database
    (so the caller loads the demo data)."""
    if current:
        if settings.PRODUCTION:
            raise RuntimeError("refusing to add benchmark rows to a production database")
        yield False
        return
    with scratch_database(suffix, keep=keep):
        yield True
