"""What the database says about the work in progress and done: sandbox runs by
verdict and duration, GPU time, exam starts, certificates, and what the operations
page lists. Every figure is read at the time it is asked for, so it is the same in
every process and survives restarts (a Celery worker's own counters would not be
visible to the web process that answers /metrics)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from certification.models import Attempt, Certificate
from grading.models import GradingRun, Submission

# Upper bounds (seconds) of the run-duration histogram: a quick check to a long training.
DURATION_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)

_DURATION = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())


@dataclass(frozen=True)
class DurationSummary:
    buckets: list[tuple[float, int]]  # (upper bound, runs at most that long), cumulative
    count: int
    total_seconds: float


def runs_by_verdict() -> dict[str, int]:
    """Finished grading runs by verdict; a run abandoned without one counts as
    "abandoned"."""
    rows = (
        GradingRun.objects.exclude(state=GradingRun.State.RUNNING)
        .values("verdict", "state")
        .annotate(n=Count("id"))
    )
    counts: dict[str, int] = {}
    for row in rows:
        key = row["verdict"] or str(row["state"])
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


def run_durations() -> DurationSummary:
    """Cumulative bucket counts of finished runs' wall time (claim to close), in one
    query."""
    finished = GradingRun.objects.filter(finished_at__isnull=False).annotate(duration=_DURATION)
    aggregates = {
        f"le_{i}": Count("id", filter=Q(duration__lte=timedelta(seconds=bound)))
        for i, bound in enumerate(DURATION_BUCKETS)
    }
    row = finished.aggregate(count=Count("id"), total=Sum("duration"), **aggregates)
    total: timedelta | None = row["total"]
    return DurationSummary(
        buckets=[(bound, row[f"le_{i}"]) for i, bound in enumerate(DURATION_BUCKETS)],
        count=row["count"],
        total_seconds=total.total_seconds() if total else 0.0,
    )


def gpu_busy_seconds() -> float:
    """Wall time of finished runs of GPU tasks: each holds its one GPU throughout."""
    total = (
        GradingRun.objects.filter(finished_at__isnull=False, submission__task__gpu=True)
        .annotate(duration=_DURATION)
        .aggregate(total=Sum("duration"))["total"]
    )
    return total.total_seconds() if total else 0.0


def runs_in_flight_count() -> int:
    return GradingRun.objects.filter(state=GradingRun.State.RUNNING).count()


def exam_starts_by_mode() -> dict[str, int]:
    """Attempts started, by the exam's mode (exam / practice)."""
    rows = Attempt.objects.values("exam__mode").annotate(n=Count("id"))
    return {str(row["exam__mode"]): row["n"] for row in rows}


def credentials_issued() -> int:
    """Certificates ever issued (a revoked one was issued too)."""
    return Certificate.objects.count()


# --- The operations page ---------------------------------------------------------------
@dataclass(frozen=True)
class RunInFlight:
    submission: str  # the public id's first characters: enough to search the logs
    task: str
    worker: str
    stage: str
    started_at: datetime
    age_seconds: int


@dataclass(frozen=True)
class DayFigures:
    finished: int
    infra_retries: int  # runs the infrastructure failed (the task was retried)
    abandoned: int  # runs a worker lost (the reaper requeued them)
    failed_submissions: int  # given up after the retries (never counted against a quota)
    queued: int
    oldest_queued_seconds: int | None
    per_hour: list[tuple[datetime, int, int]]  # (hour, finished, infrastructure failures)


def runs_in_flight(*, now: datetime | None = None, limit: int = 50) -> list[RunInFlight]:
    """Runs a worker holds now, the oldest first."""
    now = now or timezone.now()
    runs = (
        GradingRun.objects.filter(state=GradingRun.State.RUNNING)
        .select_related("submission__task")
        .order_by("started_at")[:limit]
    )
    return [
        RunInFlight(
            submission=str(run.submission.public_id)[:8],
            task=run.submission.task.title,
            worker=run.worker,
            stage=run.submission.stage,
            started_at=run.started_at,
            age_seconds=int((now - run.started_at).total_seconds()),
        )
        for run in runs
    ]


def last_day(*, now: datetime | None = None) -> DayFigures:
    """Grading over the last 24 hours, and what waits now."""
    now = now or timezone.now()
    since = now - timedelta(hours=24)
    closed = GradingRun.objects.filter(finished_at__gte=since)
    infra = Q(state=GradingRun.State.INFRA_ERROR)
    totals = closed.aggregate(
        finished=Count("id", filter=Q(state=GradingRun.State.DONE)),
        infra=Count("id", filter=infra),
        abandoned=Count("id", filter=Q(state=GradingRun.State.ABANDONED)),
    )
    hours = (
        closed.annotate(hour=TruncHour("finished_at"))
        .values("hour")
        .annotate(
            done=Count("id", filter=Q(state=GradingRun.State.DONE)), infra=Count("id", filter=infra)
        )
        .order_by("hour")
    )
    queued = Submission.objects.filter(state=Submission.State.QUEUED)
    oldest = queued.order_by("queued_at").values_list("queued_at", flat=True).first()
    return DayFigures(
        finished=totals["finished"],
        infra_retries=totals["infra"],
        abandoned=totals["abandoned"],
        failed_submissions=Submission.objects.filter(
            state=Submission.State.FAILED, finished_at__gte=since
        ).count(),
        queued=queued.count(),
        oldest_queued_seconds=int((now - oldest).total_seconds()) if oldest else None,
        per_hour=[(row["hour"], row["done"], row["infra"]) for row in hours],
    )
