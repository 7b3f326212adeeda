"""Worker hosts for the exam-day simulation (``certification.bench.exam_day``): real
Celery worker processes on ``sandbox-cpu``, each standing for one host, one of which
can be killed with SIGKILL as a host that loses power; the reaper as beat would run
it, with its clock compressed; and the checks of the practical runs against the
database (nothing lost, every submission scored exactly once)."""

import os
import signal
import socket
import statistics
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

import sandbox
from grading import practical
from grading.models import GradingRun, Submission
from grading.workers import worker_env, worker_start, worker_stop
from training.models import PracticalTask


class Fleet:
    """``size`` worker processes (solo pool: one process = the whole worker, so a
    SIGKILL takes down the host's worker and its run together). Their logs go to
    ``logs``."""

    def __init__(self, *, size: int, logs: Path, prefix: str = "examday") -> None:
        self.logs = logs
        self.names = [f"{prefix}{index}-{os.getpid()}" for index in range(size)]
        self.processes: list[subprocess.Popen[bytes]] = []
        self.killed: dict[str, float] = {}

    def start(self) -> None:
        for name in self.names:
            with (self.logs / f"worker-{name}.log").open("wb") as log:
                self.processes.append(
                    worker_start(
                        hostname=f"{name}@%h",
                        queues=practical.QUEUE_CPU,
                        pool="solo",
                        loglevel="INFO",
                        env=worker_env(PRACTICAL_RETRY_BASE_SECONDS="1"),
                        output=log,
                    )
                )

    def node(self, index: int) -> str:
        """The Celery node name, as the worker records it on its GradingRun rows."""
        return f"{self.names[index]}@{socket.gethostname()}"

    def running_on(self, index: int) -> int:
        return GradingRun.objects.filter(
            worker=self.node(index), state=GradingRun.State.RUNNING
        ).count()

    def kill(self, index: int) -> None:
        """SIGKILL: no shutdown handler runs, the message stays unacknowledged."""
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait(timeout=30)
        self.killed[self.node(index)] = time.monotonic()

    def alive(self) -> int:
        return sum(1 for process in self.processes if process.poll() is None)

    def stop(self) -> None:
        for process in self.processes:
            worker_stop(process, timeout=30)

    def log_tail(self, chars: int | None = 3000) -> str:
        """The end of every worker's log (all of it with ``chars=None``)."""
        return "\n".join(
            path.read_text(errors="replace")[-chars if chars else 0 :]
            for path in sorted(self.logs.glob("worker-*.log"))
        )


def reaper_tick(*, task: PracticalTask, lost_after_seconds: float) -> list[int]:
    """Runs the reaper as beat does, with its clock moved ahead so that a RUNNING
    submission counts as lost ``lost_after_seconds`` after it started instead of after
    its stages' limits plus the 5-minute margin: the simulated day compresses that
    wait, nothing else. Returns the requeued ids."""
    limits = task.train_seconds + task.predict_seconds + practical.STUCK_MARGIN_SECONDS
    ahead = timedelta(seconds=max(0.0, limits - lost_after_seconds))
    return practical.submissions_reap(now=timezone.now() + ahead)["requeued"]


def duplicates_deliver(
    fleet: Fleet, *, ids: list[int], task: PracticalTask, timeout: float = 60
) -> int:
    """Sends every submission's grading message once more, as Redis does when a
    visibility timeout passes on a message a dead worker held, and waits until the
    live workers have turned each one down ("nothing to claim"). Returns how many
    were turned down; the caller checks that no run was scored again."""
    pattern = "submission {}: nothing to claim"
    before = {pk: fleet.log_tail(None).count(pattern.format(pk)) for pk in ids}
    for pk in ids:
        practical.submission_enqueue(submission_id=pk, task=task)
    deadline = time.monotonic() + timeout
    ignored = 0
    while time.monotonic() < deadline:
        logs = fleet.log_tail(None)
        ignored = sum(1 for pk in ids if logs.count(pattern.format(pk)) > before[pk])
        if ignored == len(ids):
            break
        time.sleep(0.5)
    return ignored


def orphans_remove(submission_ids: list[int]) -> int:
    """What the sandbox janitor does later for a dead host's containers: removes the
    sandbox containers of these submissions. Returns how many."""
    removed = 0
    for public_id in Submission.objects.filter(pk__in=submission_ids).values_list(
        "public_id", flat=True
    ):
        removed += sandbox.janitor_sweep(0, labels={"cert-engine.submission": str(public_id)})
    return removed


def practical_check(ids: list[int], *, killed_nodes: list[str]) -> dict[str, Any]:
    """The practical part of the report, from the database: every submission done,
    exactly one GradingRun that scored it, the runs a dead worker left abandoned, and
    the time from queueing to the result."""
    submissions = Submission.objects.filter(pk__in=ids)
    done = submissions.filter(state=Submission.State.DONE)
    scored: dict[int, int] = {}
    for submission_id in GradingRun.objects.filter(
        submission_id__in=ids, state=GradingRun.State.DONE
    ).values_list("submission_id", flat=True):
        scored[submission_id] = scored.get(submission_id, 0) + 1
    runs = GradingRun.objects.filter(submission_id__in=ids)
    latencies = [
        (finished - queued).total_seconds()
        for queued, finished in done.values_list("created_at", "finished_at")
        if finished is not None
    ]
    verdicts: dict[str, int] = {}
    for verdict in done.values_list("verdict", flat=True):
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    return {
        "submissions": len(ids),
        "done": done.count(),
        "lost": len(ids) - done.count(),
        "scored_once": sum(1 for n in scored.values() if n == 1),
        "scored_twice": sum(1 for n in scored.values() if n > 1),
        "verdicts": verdicts,
        "runs": runs.count(),
        "runs_abandoned": runs.filter(state=GradingRun.State.ABANDONED).count(),
        "runs_on_killed_worker": runs.filter(worker__in=killed_nodes).count(),
        "runs_per_worker": _runs_per_worker(ids),
        "queued_to_result_p50_s": _round(statistics.median(latencies)) if latencies else None,
        "queued_to_result_max_s": _round(max(latencies)) if latencies else None,
    }


def _runs_per_worker(ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for worker in GradingRun.objects.filter(submission_id__in=ids).values_list("worker", flat=True):
        counts[worker] = counts.get(worker, 0) + 1
    return counts


def _round(value: float) -> float:
    return round(value, 2)
