"""Reliability of the practical pipeline with real processes: a Celery worker killed
with SIGKILL mid-run, Redis restarted with work queued, the Docker engine
unreachable and then back. Each test runs its own Redis (appendonly, on a free
loopback port) so that nothing it queues reaches another test's worker.

The Docker outage is simulated by pointing the worker's DOCKER_HOST at a Unix
socket that nothing listens on, then putting a proxy (socat) to the real engine's
socket there: stopping the shared engine would break every other test running."""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import docker
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certification.demo.programme import demo_load
from grading import practical
from grading.models import GradingRun, Submission
from grading.tasks import submission_grade_task
from grading.workers import worker_env, worker_start, worker_stop
from training.models import PracticalTask

pytestmark = [
    pytest.mark.docker,
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True),
]

QUICK = b"""
import numpy as np

def train(train_dir, model_dir):
    print("quick train")

def predict(model_dir, inputs):
    return np.zeros(len(inputs), dtype=np.int64)
"""

SLOW = b"""
import time
import numpy as np

def train(train_dir, model_dir):
    print("slow train", flush=True)
    time.sleep(6)

def predict(model_dir, inputs):
    return np.zeros(len(inputs), dtype=np.int64)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Redis:
    """A private redis-server with the append-only file on."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        redis_server = shutil.which("redis-server")
        assert redis_server, "redis-server is needed for this test"
        self.process = subprocess.Popen(
            [
                redis_server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if self.cli("ping") == "PONG":
                return
            time.sleep(0.05)
        raise AssertionError("private redis did not start")

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return done.stdout.strip()

    def restart(self) -> None:
        assert self.process is not None
        self.cli("shutdown")
        self.process.wait(timeout=10)
        self.start()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def send_to(redis: Redis) -> Iterator[None]:
    """This test process publishes to the private Redis (through the real
    ``submission_enqueue`` and reaper code, only the connection differs)."""
    from config.celery import app

    with app.connection_for_write(redis.url) as connection:
        original = submission_grade_task.apply_async

        def apply_async(*args: Any, **kwargs: Any) -> Any:
            return original(*args, connection=connection, **kwargs)

        with mock.patch.object(submission_grade_task, "apply_async", apply_async):
            yield


@pytest.fixture
def start_worker(redis: Redis, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, queues: str = "sandbox-cpu", **env: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"worker-{name}.log").open("wb") as log:
            process = worker_start(
                hostname=f"{name}-{os.getpid()}@%h",
                queues=queues,
                pool="solo",
                env=worker_env(REDIS_URL=redis.url, PRACTICAL_RETRY_BASE_SECONDS="1", **env),
                output=log,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        worker_stop(process, timeout=20)


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, logs: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = ""
    if logs is not None:
        tail = "\n".join(
            p.read_text(errors="replace")[-3000:] for p in sorted(logs.glob("worker-*.log"))
        )
    pytest.fail(f"timed out waiting for {what}\n{tail}")


def submit(task: PracticalTask, candidate: Any, content: bytes) -> Submission:
    return practical.submission_create(
        task=task, candidate=candidate, upload=SimpleUploadedFile("solution.py", content)
    )


def remove_containers(submission: Submission) -> None:
    client = docker.from_env()
    for container in client.containers.list(
        all=True,
        # The socket proxy lists sandbox containers only (docs/sandbox.md).
        filters={
            "label": ["cert-engine.sandbox=1", f"cert-engine.submission={submission.public_id}"]
        },
    ):
        container.remove(force=True)


@pytest.fixture
def digits(transactional_db: None) -> PracticalTask:
    demo_load()
    task = PracticalTask.objects.get(slug="digits-pytorch")
    task.submission_quota = 20
    task.save(update_fields=["submission_quota"])
    return task


@pytest.fixture
def alice(transactional_db: None) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="alice-rel", password="x" * 20)


def test_worker_killed_mid_run_is_rerun_and_scored_exactly_once(
    digits, alice, redis, send_to, start_worker, tmp_path
):
    first = start_worker("first")
    submission = submit(digits, alice, SLOW)
    wait_for(
        lambda: Submission.objects.filter(
            pk=submission.pk, state="running", stage="train"
        ).exists(),
        60,
        "the run to start",
        tmp_path,
    )
    time.sleep(1.5)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    remove_containers(submission)  # what the sandbox janitor does for an orphan
    assert Submission.objects.get(pk=submission.pk).state == "running"

    second = start_worker("second")
    # Time passes past the stages' limits: the reaper (beat, every 2 min) acts.
    later = timezone.now() + timedelta(seconds=digits.train_seconds + digits.predict_seconds + 301)
    assert practical.submissions_reap(now=later)["requeued"] == [submission.pk]
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).state == "done", 90, "the re-run", tmp_path
    )

    # Redis hands the killed worker's message out again later: nothing to claim.
    submission_grade_task.apply_async(args=(submission.pk,), queue="sandbox-cpu")
    log = tmp_path / "worker-second.log"
    wait_for(
        lambda: f"submission {submission.pk}: nothing to claim" in log.read_text(errors="replace"),
        30,
        "the duplicate",
        tmp_path,
    )
    assert second.poll() is None

    done = Submission.objects.get(pk=submission.pk)
    runs = list(done.runs.order_by("number"))
    assert [(r.number, r.state) for r in runs] == [(1, "abandoned"), (2, "done")]
    assert (done.verdict, done.run_count) == ("ok", 2)
    assert GradingRun.objects.filter(submission=done, state="done").count() == 1
    assert practical.submissions_used(task=digits, candidate=alice) == 1


def test_redis_restart_with_work_queued_loses_nothing_and_gpu_work_waits_for_a_gpu_worker(
    digits, alice, redis, send_to, start_worker, tmp_path
):
    gpu_task = PracticalTask.objects.create(
        slug="digits-gpu",
        title="GPU",
        statement="-",
        pass_threshold=0.9,
        bundle_dir=digits.bundle_dir,
        current_version=digits.current_version,
        gpu=True,
    )
    cpu = [submit(digits, alice, QUICK) for _ in range(3)]
    gpu = submit(gpu_task, alice, QUICK)
    assert (redis.cli("llen", "sandbox-cpu"), redis.cli("llen", "sandbox-gpu")) == ("3", "1")

    redis.restart()
    assert (redis.cli("llen", "sandbox-cpu"), redis.cli("llen", "sandbox-gpu")) == ("3", "1")

    start_worker("cpu")
    wait_for(
        lambda: Submission.objects.filter(pk__in=[s.pk for s in cpu], state="done").count() == 3,
        120,
        "all CPU work",
        tmp_path,
    )
    assert all(s.verdict == "ok" for s in Submission.objects.filter(pk__in=[s.pk for s in cpu]))
    assert GradingRun.objects.filter(submission__in=cpu, state="done").count() == 3
    # The CPU worker never took the GPU task: it is still queued, its message waiting.
    assert Submission.objects.get(pk=gpu.pk).state == "queued"
    assert redis.cli("llen", "sandbox-gpu") == "1"


def test_docker_engine_unreachable_then_back_runs_wait_retry_and_complete(
    digits, alice, redis, send_to, start_worker, tmp_path
):
    socat = shutil.which("socat")
    assert socat, "socat is needed for this test"
    engine = "/var/run/docker.sock"
    assert Path(engine).is_socket()
    down = Path(f"/tmp/cert-docker-{os.getpid()}.sock")  # short: Unix socket paths are limited
    down.unlink(missing_ok=True)
    start_worker("nodocker", DOCKER_HOST=f"unix://{down}")
    submission = submit(digits, alice, QUICK)
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).infra_failures >= 1,
        60,
        "an infrastructure failure",
        tmp_path,
    )
    waiting = Submission.objects.get(pk=submission.pk)
    assert waiting.state in ("queued", "running") and waiting.verdict == ""
    assert practical.submissions_used(task=digits, candidate=alice) == 1

    proxy = subprocess.Popen([socat, f"UNIX-LISTEN:{down},fork", f"UNIX-CONNECT:{engine}"])
    try:
        wait_for(
            lambda: Submission.objects.get(pk=submission.pk).state in ("done", "failed"),
            90,
            "the retry",
            tmp_path,
        )
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        down.unlink(missing_ok=True)
    done = Submission.objects.get(pk=submission.pk)
    assert (done.state, done.verdict) == ("done", "ok"), done.message_text
    states = [r.state for r in done.runs.order_by("number")]
    assert states[-1] == "done" and set(states[:-1]) == {"infra_error"}
