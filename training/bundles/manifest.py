"""The ``task.toml`` manifest of a task bundle: its schema and its parser."""

import tomllib
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings

from core.errors import ApplicationError
from training.models import PracticalTask, frameworks_allowed

MANIFEST = "task.toml"
# "any": the bundle ships a starter per framework and the candidate picks one per
# submission (docs/practical.md, "Framework any").
FRAMEWORKS = {"pytorch", "tensorflow", PracticalTask.ANY_FRAMEWORK}
# grading.metrics implements exactly these (a test checks that the two agree).
METRIC_NAMES = frozenset(PracticalTask.Metric.values)
MAX_STAGE_SECONDS = 4 * 60 * 60
MAX_STAGE_MEMORY_MB = 64 * 1024

# key: (type, required). Unknown keys are refused so that typos do not pass silently.
MANIFEST_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "task": {
        "slug": (str, True),
        "title": (str, True),
        "framework": (str, True),
        "image": (str, False),
        "gpu": (bool, False),
        "submission_quota": (int, False),
        "show_hidden_score": (bool, False),
    },
    "metric": {
        "name": (str, True),
        "pass_threshold": ((int, float), True),
        "options": (dict, False),
    },
    "limits": {"train": (dict, True), "predict": (dict, True)},
}
STAGE_LIMIT_KEYS = {"seconds": int, "memory_mb": int}


class BundleRefused(ApplicationError):
    code = "bundle_refused"


@dataclass(frozen=True)
class Manifest:
    slug: str
    title: str
    framework: str
    image: str
    gpu: bool
    submission_quota: int
    show_hidden_score: bool
    metric: str
    metric_options: dict[str, Any]
    pass_threshold: float
    train_seconds: int
    train_memory_mb: int
    predict_seconds: int
    predict_memory_mb: int

    @property
    def frameworks(self) -> tuple[str, ...]:
        """The frameworks a submission may use, the default first."""
        return frameworks_allowed(self.framework)


def _run_budget_seconds() -> int:
    """Both stages of one run must end well inside the Celery task's soft time limit
    (and so inside the broker's visibility timeout, or Redis would hand the task to a
    second worker while the first still runs)."""
    return int(getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", 3300)) - 300


def manifest_parse(text: str) -> Manifest:
    """Parses and checks ``task.toml``. Raises BundleRefused naming the bad key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BundleRefused(f"task.toml is not valid TOML: {exc}") from exc
    _schema_check(data)
    task, metric = data["task"], data["metric"]
    stages = _stage_limits(data["limits"])
    slug = task["slug"]
    if not slug or not all(c.isalnum() or c in "-_" for c in slug) or len(slug) > 50:
        raise BundleRefused("task.toml: slug must be letters, digits, - or _ (at most 50)")
    if task["framework"] not in FRAMEWORKS:
        raise BundleRefused(f"task.toml: framework must be one of {sorted(FRAMEWORKS)}")
    if task["framework"] == PracticalTask.ANY_FRAMEWORK and task.get("image"):
        raise BundleRefused(
            'task.toml: framework = "any" runs each framework\'s own image; leave image out'
        )
    if metric["name"] not in METRIC_NAMES:
        raise BundleRefused(
            f"task.toml: unknown metric {metric['name']!r}; one of {sorted(METRIC_NAMES)}"
        )
    threshold = float(metric["pass_threshold"])
    if not np.isfinite(threshold) or threshold < 0:
        raise BundleRefused("task.toml: pass_threshold must be a non-negative number")
    quota = task.get("submission_quota", 5)
    if not 1 <= quota <= 100:
        raise BundleRefused("task.toml: submission_quota must be between 1 and 100")
    return Manifest(
        slug=slug,
        title=task["title"],
        framework=task["framework"],
        image=task.get("image", ""),
        gpu=task.get("gpu", False),
        submission_quota=quota,
        show_hidden_score=task.get("show_hidden_score", False),
        metric=metric["name"],
        metric_options=metric.get("options", {}),
        pass_threshold=threshold,
        train_seconds=stages["train"]["seconds"],
        train_memory_mb=stages["train"]["memory_mb"],
        predict_seconds=stages["predict"]["seconds"],
        predict_memory_mb=stages["predict"]["memory_mb"],
    )


def _schema_check(data: dict[str, Any]) -> None:
    """Every table and key of MANIFEST_SCHEMA, of its type; nothing else."""
    unknown = set(data) - set(MANIFEST_SCHEMA)
    if unknown:
        raise BundleRefused(f"task.toml: unknown table(s) {sorted(unknown)}")
    for table, keys in MANIFEST_SCHEMA.items():
        section = data.get(table)
        if not isinstance(section, dict):
            raise BundleRefused(f"task.toml: missing table [{table}]")
        if set(section) - set(keys):
            raise BundleRefused(
                f"task.toml: unknown key(s) in [{table}]: {sorted(set(section) - set(keys))}"
            )
        for key, (kind, required) in keys.items():
            if key not in section:
                if required:
                    raise BundleRefused(f"task.toml: [{table}] needs {key}")
                continue
            value = section[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise BundleRefused(f"task.toml: [{table}] {key} has the wrong type")


def _stage_limits(limits: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    """The train and predict limits: positive, under the site's maximum, and together
    inside the worker's time budget."""
    stages = {}
    for stage in ("train", "predict"):
        values = limits[stage]
        if set(values) != set(STAGE_LIMIT_KEYS) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values.values()
        ):
            raise BundleRefused(
                f"task.toml: [limits.{stage}] needs positive integers seconds and memory_mb"
            )
        if values["seconds"] > MAX_STAGE_SECONDS or values["memory_mb"] > MAX_STAGE_MEMORY_MB:
            raise BundleRefused(f"task.toml: [limits.{stage}] is above the site's maximum")
        stages[stage] = values
    budget = _run_budget_seconds()
    if stages["train"]["seconds"] + stages["predict"]["seconds"] > budget:
        raise BundleRefused(
            f"task.toml: train + predict seconds must not exceed {budget} "
            "(the worker's task time limit, which stays below the broker's visibility timeout)"
        )
    return stages
