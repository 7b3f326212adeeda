"""A whole exam day on this machine, scaled down, with the real parts: PostgreSQL, the
site under its web server (config/serve.py), Redis, two Celery worker processes standing for two worker
hosts, the Docker sandbox. ``manage.py exam_day`` runs it (docs/operations.md).

N candidates start the written exam, autosave every item, submit; some of them then
upload a practical solution. Once a share of the practical runs has started, the
first worker is killed with SIGKILL while a run is in flight (a host that loses
power). The reaper, run as beat runs it but with its clock compressed, gives that
run back to the queue; the other worker grades it. The report says whether anything
was lost, whether every practical submission was scored exactly once (a duplicate
of every grading message, as Redis redelivers a dead worker's, must change nothing),
and the latencies. Needs PostgreSQL, REDIS_URL and the Docker engine with the sandbox image.

Long: ``exam_day_run`` reads top to bottom as the day it simulates.
"""

import math
import os
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from certification.bench.exam_day_client import Candidate, Tally, thread_session, web_start
from certification.bench.exam_day_setup import Day, exam_day_setup
from certification.models import Answer, AnswerEvent, Attempt
from core import web_server
from grading.bench.fleet import (
    Fleet,
    duplicates_deliver,
    orphans_remove,
    practical_check,
    reaper_tick,
)
from grading.models import GradingRun, Submission
from grading.workers import worker_env


class SimulationFailed(Exception):
    """The day could not run (no broker, not PostgreSQL, the site did not start)."""


class Control(threading.Thread):
    """Kills worker 0 once ``kill_at`` practical runs have started and worker 0 has
    one in flight; from then on runs the reaper every second (beat's job)."""

    def __init__(self, *, fleet: Fleet, day: Day, kill_at: int, lost_after: float) -> None:
        super().__init__(daemon=True)
        self.fleet, self.day, self.kill_at, self.lost_after = fleet, day, kill_at, lost_after
        self.stop = threading.Event()
        self.killed_at: float | None = None
        self.requeued: list[int] = []
        self.failure = ""

    def run(self) -> None:
        try:
            while not self.stop.wait(0.2):
                self._tick()
        except Exception as exc:  # reported, not lost in a thread
            self.failure = repr(exc)
        finally:
            connection.close()

    def _tick(self) -> None:
        if self.killed_at is None:
            started = GradingRun.objects.filter(submission__task=self.day.task).count()
            if started >= self.kill_at and self.fleet.running_on(0):
                self.fleet.kill(0)
                self.killed_at = time.monotonic()
        elif time.monotonic() - self.killed_at >= 1:
            self.requeued += reaper_tick(task=self.day.task, lost_after_seconds=self.lost_after)


def exam_day_run(
    *,
    candidates: int,
    practical: int,
    items: int = 10,
    saves_per_item: int = 1,
    kill_after: float = 0.5,
    concurrency: int = 16,
    web_workers: int = 3,
    lost_after: float = 15.0,
    timeout: float = 600.0,
    logs: Path,
) -> dict[str, Any]:
    """Runs the day and returns the report (see the module docstring). Raises
    SimulationFailed when it cannot run. Adds its rows to the database (named
    ``examday-<hex>-*``): run it against a scratch database."""
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"] or not settings.REDIS_URL:
        raise SimulationFailed("needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    practical = min(practical, candidates)
    label = f"examday-{uuid.uuid4().hex[:6]}"
    day = exam_day_setup(label=label, candidates=candidates, items=items, practical=practical)
    began = time.perf_counter()
    fleet = Fleet(size=2, logs=logs)
    with (logs / "web.log").open("wb") as web_log:
        web, base = web_start(env=worker_env(), workers=web_workers, output=web_log)
    fleet.start()
    kill_at = max(1, math.ceil(kill_after * practical))
    control = Control(fleet=fleet, day=day, kill_at=kill_at, lost_after=lost_after)
    control.start()
    tally = Tally()
    try:
        _drive(
            day, tally, base=base, practical=practical, saves=saves_per_item, threads=concurrency
        )
        written_seconds = time.perf_counter() - began
        _wait_for_practical(day, practical=practical, timeout=timeout, fleet=fleet)
        ids = list(Submission.objects.filter(task=day.task).values_list("pk", flat=True))
        duplicates = duplicates_deliver(fleet, ids=ids, task=day.task)
    finally:
        control.stop.set()
        control.join(timeout=30)
        fleet.stop()
        web_server.stop(web)
    orphans = orphans_remove(ids)
    report = {
        "label": label,
        "machine": {"cpus": os.cpu_count()},
        "candidates": candidates,
        "items": items,
        "seconds": round(time.perf_counter() - began, 1),
        "written_seconds": round(written_seconds, 1),
        "starts": _latency(tally.start_ms, expected=candidates),
        "autosaves": {**_latency(tally.save_ms), **_saves_check(tally)},
        "submissions": {**_latency(tally.submit_ms), **_submits_check(day, tally)},
        "uploads": _latency(tally.upload_ms, expected=practical),
        "practical": practical_check(ids, killed_nodes=list(fleet.killed)),
        "duplicates": {"sent": len(ids), "turned_down": duplicates},
        "kill": {
            "worker": next(iter(fleet.killed), None),
            "after_runs_started": kill_at,
            "requeued_by_reaper": len(control.requeued),
            "reaper_lost_after_s": lost_after,
            "orphan_containers_removed": orphans,
        },
        "errors": tally.errors[:20],
        "error_count": len(tally.errors),
        "control_failure": control.failure,
    }
    report["ok"] = _invariants_hold(report, practical=practical)
    return report


def _drive(day: Day, tally: Tally, *, base: str, practical: int, saves: int, threads: int) -> None:
    """Every candidate's day, ``threads`` at a time; the practical ones are spread
    evenly over the day."""
    every = max(1, len(day.tokens) // max(1, practical))
    slug = day.certification.slug

    def one(numbered: tuple[int, str]) -> None:
        index, token = numbered
        with_practical = practical > 0 and index % every == 0 and index // every < practical
        Candidate(base=base, token=token, tally=tally, session=thread_session()).day(
            exam_id=day.exam.pk,
            saves_per_item=saves,
            practical_slug=slug if with_practical else None,
        )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, enumerate(day.tokens)))


def _wait_for_practical(day: Day, *, practical: int, timeout: float, fleet: Fleet) -> None:
    finished = (Submission.State.DONE, Submission.State.FAILED)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        if Submission.objects.filter(task=day.task, state__in=finished).count() >= practical:
            return
        if not fleet.alive():
            break
        time.sleep(0.5)
    raise SimulationFailed(
        "the practical runs did not finish in time; workers:\n" + fleet.log_tail()
    )


def _latency(values: list[float], *, expected: int | None = None) -> dict[str, Any]:
    ordered = sorted(values)
    out: dict[str, Any] = {"count": len(ordered)}
    if expected is not None:
        out["expected"] = expected
    if ordered:
        out["p50_ms"] = round(statistics.median(ordered), 1)
        out["p99_ms"] = round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1)
        out["max_ms"] = round(ordered[-1], 1)
    return out


def _saves_check(tally: Tally) -> dict[str, int]:
    """Every acknowledged save has its AnswerEvent row, and every item's stored
    answer is the newest revision acknowledged for it."""
    attempts = {attempt for attempt, _, _ in tally.saved}
    events = set(
        AnswerEvent.objects.filter(item__attempt__public_id__in=attempts).values_list(
            "item_id", "revision"
        )
    )
    newest: dict[int, int] = {}
    for _, item, revision in tally.saved:
        newest[item] = max(revision, newest.get(item, 0))
    stored = dict(
        Answer.objects.filter(item_id__in=list(newest)).values_list("item_id", "revision")
    )
    return {
        "acknowledged": len(tally.saved),
        "lost": sum(1 for _, item, rev in tally.saved if (item, rev) not in events),
        "stale": sum(1 for item, rev in newest.items() if stored.get(item) != rev),
    }


def _submits_check(day: Day, tally: Tally) -> dict[str, int]:
    still_open = Attempt.objects.filter(
        public_id__in=tally.submitted, state__in=Attempt.ACTIVE_STATES
    ).count()
    return {"acknowledged": len(tally.submitted), "lost": still_open}


def _invariants_hold(report: dict[str, Any], *, practical: int) -> bool:
    runs = report["practical"]
    return (
        report["error_count"] == 0
        and not report["control_failure"]
        and report["starts"]["count"] == report["candidates"]
        and report["autosaves"]["lost"] == 0
        and report["autosaves"]["stale"] == 0
        and report["submissions"]["lost"] == 0
        and report["uploads"]["count"] == practical
        and runs["lost"] == 0
        and runs["scored_once"] == practical
        and runs["scored_twice"] == 0
        and report["duplicates"]["turned_down"] == report["duplicates"]["sent"]
    )
