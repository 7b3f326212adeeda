"""/metrics: what Prometheus scrapes.

Two kinds of figures, chosen by where the truth lives:

- Per-process events of the web processes (request latency by view from
  django-prometheus's middleware, autosaves, verifications: core/metrics.py). Each web
  server process (config/serve.py) counts its own; with ``PROMETHEUS_MULTIPROC_DIR`` set
  prometheus-client's multiprocess mode sums them across the processes of one web
  container.
- Everything the database or Redis holds is derived at scrape time by
  ``StateCollector``: sandbox runs by verdict and duration, GPU time, runs in flight,
  exam starts, certificates issued, queue depth, live workers. The Celery workers run
  in other containers (often other hosts), so counters kept in their memory would be
  invisible here, reset on restart, and double-counted by a retried task; the rows
  are exact, global and survive restarts. With several web containers each answers
  the same state figures: take ``max`` over instances, ``sum`` for the per-process
  ones (the Grafana dashboard does)."""

import hmac
import logging
import os
from collections.abc import Iterator

import redis
from django.conf import settings
from django.db import DatabaseError
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from grading.heartbeat import heartbeats_read
from ops import selectors
from ops.queues import queue_depths

logger = logging.getLogger(__name__)


def _database_metrics() -> Iterator[Metric]:
    runs = CounterMetricFamily(
        "certengine_sandbox_runs", "Finished grading runs by verdict.", labels=["verdict"]
    )
    for verdict, count in sorted(selectors.runs_by_verdict().items()):
        runs.add_metric([verdict], count)
    yield runs
    durations = selectors.run_durations()
    yield HistogramMetricFamily(
        "certengine_sandbox_run_duration_seconds",
        "Wall time of finished grading runs (both stages and scoring).",
        buckets=[(str(bound), n) for bound, n in durations.buckets] + [("+Inf", durations.count)],
        sum_value=durations.total_seconds,
    )
    yield GaugeMetricFamily(
        "certengine_sandbox_runs_in_flight",
        "Grading runs a worker holds now.",
        value=selectors.runs_in_flight_count(),
    )
    yield CounterMetricFamily(
        "certengine_gpu_busy_seconds",
        "GPU time used by finished runs of GPU tasks.",
        value=selectors.gpu_busy_seconds(),
    )
    starts = CounterMetricFamily(
        "certengine_exam_starts", "Attempts started, by exam mode.", labels=["mode"]
    )
    for mode, count in sorted(selectors.exam_starts_by_mode().items()):
        starts.add_metric([mode], count)
    yield starts
    yield CounterMetricFamily(
        "certengine_credentials_issued",
        "Certificates issued.",
        value=selectors.credentials_issued(),
    )


def _redis_metrics() -> Iterator[Metric]:
    depths = queue_depths()
    if depths is None:
        return
    depth = GaugeMetricFamily(
        "certengine_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"]
    )
    for name, count in depths.items():
        depth.add_metric([name], count)
    yield depth
    workers = GaugeMetricFamily(
        "certengine_workers",
        "Workers with a fresh heartbeat, by queue and whether their Docker engine answers.",
        labels=["queue", "docker_ok"],
    )
    tally: dict[tuple[str, str], int] = {}
    for beat in heartbeats_read():
        for queue in beat.queues:
            key = (queue, str(beat.docker_ok).lower())
            tally[key] = tally.get(key, 0) + 1
    for (queue, docker_ok), count in sorted(tally.items()):
        workers.add_metric([queue, docker_ok], count)
    yield workers


class StateCollector(Collector):
    """The figures the database and Redis hold, read at scrape time. A source that
    does not answer drops its figures and sets ``certengine_source_up`` to 0."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "certengine_source_up", "Whether a source answered this scrape.", labels=["source"]
        )
        for source, metrics, errors in (
            ("database", _database_metrics, DatabaseError),
            ("redis", _redis_metrics, redis.RedisError),
        ):
            try:
                collected = list(metrics())
            except errors:
                logger.exception("metrics: %s did not answer", source)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from collected
        yield up


class _ThisProcess(Collector):
    """The default registry's metrics (this process's), outside multiprocess mode."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def metrics_render() -> bytes:
    """The exposition text of one scrape."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector())
    return generate_latest(registry)


def metrics_token_valid(authorization: str) -> bool:
    """Whether an ``Authorization: Bearer <token>`` header carries ``METRICS_TOKEN``
    (never, when no token is configured)."""
    token: str = settings.METRICS_TOKEN
    scheme, _, given = authorization.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
