"""The operations page's content, for the committee's non-technical staff: queues,
workers, runs in flight, the last 24 hours and a small chart of runs per hour."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from django.utils import timezone

from grading.heartbeat import Heartbeat, heartbeats_read, ttl_seconds
from ops import selectors
from ops.queues import queue_depths

logger = logging.getLogger(__name__)

CHART_WIDTH, CHART_HEIGHT, CHART_HOURS = 480, 120, 24


@dataclass(frozen=True)
class WorkerRow:
    name: str
    host: str
    queues: list[str]
    gpu: str
    docker_ok: bool
    age_seconds: int


@dataclass(frozen=True)
class Bar:
    x: int
    done_y: int
    done_height: int
    infra_y: int
    infra_height: int
    hour: datetime
    done: int
    infra: int


@dataclass
class Overview:
    redis_configured: bool
    redis_ok: bool
    queues: dict[str, int] = field(default_factory=dict)
    workers: list[WorkerRow] = field(default_factory=list)
    in_flight: list[selectors.RunInFlight] = field(default_factory=list)
    day: selectors.DayFigures | None = None
    bars: list[Bar] = field(default_factory=list)
    bar_width: int = CHART_WIDTH // CHART_HOURS
    chart_width: int = CHART_WIDTH
    chart_height: int = CHART_HEIGHT
    heartbeat_ttl: int = 0


def _worker_row(beat: Heartbeat) -> WorkerRow:
    return WorkerRow(
        name=beat.name,
        host=beat.host,
        queues=beat.queues,
        gpu=beat.gpu,
        docker_ok=beat.docker_ok,
        age_seconds=round(beat.age_seconds()),
    )


def chart_bars(per_hour: list[tuple[datetime, int, int]], *, now: datetime) -> list[Bar]:
    """One bar per hour of the last 24 (oldest left): finished runs stacked on
    infrastructure failures, scaled to the busiest hour."""
    by_hour = {hour: (done, infra) for hour, done, infra in per_hour}
    top = now.replace(minute=0, second=0, microsecond=0)
    hours = [top - timedelta(hours=CHART_HOURS - 1 - i) for i in range(CHART_HOURS)]
    peak = max((sum(by_hour.get(h, (0, 0))) for h in hours), default=0) or 1
    width = CHART_WIDTH // CHART_HOURS
    bars = []
    for i, hour in enumerate(hours):
        done, infra = by_hour.get(hour, (0, 0))
        done_h, infra_h = CHART_HEIGHT * done // peak, CHART_HEIGHT * infra // peak
        bars.append(
            Bar(
                x=i * width,
                done_y=CHART_HEIGHT - done_h,
                done_height=done_h,
                infra_y=CHART_HEIGHT - done_h - infra_h,
                infra_height=infra_h,
                hour=hour,
                done=done,
                infra=infra,
            )
        )
    return bars


def operations_overview(*, now: datetime | None = None) -> Overview:
    """Everything the page shows. Redis being down is shown, not raised."""
    now = now or timezone.now()
    overview = Overview(redis_configured=True, redis_ok=True, heartbeat_ttl=ttl_seconds())
    try:
        depths = queue_depths()
        overview.workers = [_worker_row(beat) for beat in heartbeats_read()]
    except redis.RedisError:
        logger.exception("operations page: Redis does not answer")
        depths, overview.redis_ok = {}, False
    if depths is None:
        overview.redis_configured = False
    else:
        overview.queues = depths
    overview.in_flight = selectors.runs_in_flight(now=now)
    overview.day = selectors.last_day(now=now)
    overview.bars = chart_bars(overview.day.per_hour, now=now)
    return overview
