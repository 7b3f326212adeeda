"""A practical task's runs: each bundle version's trial runs of the reference and the
baseline (with a button to run them again on the sandbox queue), and the metric's
distribution over candidates' graded submissions against the pass threshold."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification.models import Certification
from certification.studio import selectors
from core.http import AuthenticatedRequest
from core.tasks import task_send_on_commit
from grading.bundle_trial import BUNDLE_TRIAL_RERUN_TASK
from grading.metrics import METRICS, Metric
from training.access import author_required
from training.models import BundleVersion, PracticalTask

BINS = 20
CHART_WIDTH, CHART_HEIGHT = 600, 160


def _runs(version: BundleVersion) -> list[dict[str, Any]]:
    """The version's trial runs, newest first; ``at`` (ISO 8601 in the stored JSON) is
    a datetime for the template to format in the reader's language, or None."""
    trial = version.trial or {}
    runs = trial.get("runs") or ([{"at": "", **trial}] if trial.get("reference") else [])
    return [{**run, "at": _instant(run.get("at"))} for run in reversed(runs)]


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def histogram(
    scores: list[float], *, low: float, high: float, marks: dict[str, float | None]
) -> dict[str, Any]:
    """Bars of the scores over [low, high] in BINS bins, in chart coordinates, and the
    x of each mark (threshold, reference, baseline) that has a value."""
    span = (high - low) or 1.0
    counts = [0] * BINS
    for score in scores:
        index = int((min(max(score, low), high) - low) / span * BINS)
        counts[min(index, BINS - 1)] += 1
    tallest = max(counts) or 1
    width = CHART_WIDTH / BINS
    bars = [
        {
            "x": round(i * width, 1),
            "width": round(width - 2, 1),
            "height": round(count / tallest * (CHART_HEIGHT - 30), 1),
            "y": round(CHART_HEIGHT - 20 - count / tallest * (CHART_HEIGHT - 30), 1),
            "count": count,
            "low": round(low + i * span / BINS, 3),
            "high": round(low + (i + 1) * span / BINS, 3),
        }
        for i, count in enumerate(counts)
    ]
    xs = {
        name: round((min(max(value, low), high) - low) / span * CHART_WIDTH, 1)
        for name, value in marks.items()
        if value is not None
    }
    return {"bars": bars, "marks": xs, "width": CHART_WIDTH, "height": CHART_HEIGHT}


def _range(metric: Metric, values: list[float]) -> tuple[float, float]:
    """From 0 (or below, R²) to 1, or to the largest score for the lower-is-better
    metrics, which have no upper bound (MSE, WER above 1, …)."""
    low = min(0.0, *values) if values else 0.0
    if metric.higher_is_better:
        return low, 1.0
    return low, max(1.0, *values) if values else 1.0


@author_required
def task_runs(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(PracticalTask, slug=slug)
    versions = list(
        BundleVersion.objects.filter(task=task).select_related("uploaded_by").order_by("-number")
    )
    scores = selectors.task_scores(task=task)
    latest = _runs(versions[0])[0] if versions and _runs(versions[0]) else {}
    marks = {
        "threshold": task.pass_threshold,
        "reference": (latest.get("reference") or {}).get("test_score"),
        "baseline": (latest.get("baseline") or {}).get("test_score"),
    }
    metric = METRICS[task.metric]
    low, high = _range(metric, [*scores, *(v for v in marks.values() if v is not None)])
    return render(
        request,
        "studio/task_runs.html",
        {
            "task": task,
            "versions": [{"version": v, "runs": _runs(v)} for v in versions],
            "scores": scores,
            "passed": sum(1 for s in scores if metric.passes(s, task.pass_threshold)),
            "chart": histogram(scores, low=low, high=high, marks=marks),
            "low": low,
            "high": high,
            "certifications": Certification.objects.order_by("pk"),
        },
    )


@author_required
@require_POST
def task_trial_rerun(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Queues a new trial run of the task's current version; a second click while
    one is pending queues nothing."""
    task = get_object_or_404(PracticalTask, slug=slug)
    if task.current_version_id is None:
        messages.error(request, _("此任务还没有任务包。"))
        return redirect("studio-task-runs", slug=slug)
    with transaction.atomic():
        version = BundleVersion.objects.select_for_update().get(pk=task.current_version_id)
        if (version.trial or {}).get("pending"):
            messages.info(request, _("试运行已在队列中。"))
            return redirect("studio-task-runs", slug=slug)
        version.trial = {**(version.trial or {}), "pending": True}
        version.save(update_fields=["trial"])
        task_send_on_commit(BUNDLE_TRIAL_RERUN_TASK, version.pk)
    messages.success(request, _("已排队：参考解与基线解将在沙箱中重新运行，完成后刷新本页。"))
    return redirect("studio-task-runs", slug=slug)
