"""Benchmarks of the practical pipeline (results in docs/benchmarks.md); the
``practical_benchmark`` management command runs them and prints one JSON object.

- overhead: the two stages of a trivial solution through ``practical_evaluate``
  (sandbox, mounts, validation, scoring, bootstrap) with the worker's pool of
  pre-started containers and with containers created on demand, against the same two
  stages as bare ``docker run --rm`` with the same image and mounts, interleaved (the
  order rotates each round; the pool's refill and the background removals finish
  before each timed run); the ratios of the medians.
- drain: N trivial submissions queued through ``submission_create`` to Redis and
  drained by a real Celery worker with ``concurrency`` processes; wall time, host
  CPU use while draining (from /proc/stat), none lost, none scored twice. Needs
  REDIS_URL and a database the workers share (PostgreSQL); removes what it created.
- scoring: parse and score 1,000,000 predictions (.npy), with the bootstrap interval.
"""

import contextlib
import io
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from grading import practical
from grading.evaluation import GradingSpec, practical_evaluate
from grading.harness_files import harness_dir
from grading.messages import message_text
from grading.metrics import METRICS, bootstrap_ci
from grading.models import GradingRun, Submission
from grading.predictions import predictions_parse
from grading.workers import worker_start, worker_stop
from sandbox.pool import forced_pool_size
from sandbox.removal import removals_wait
from training.bundles.manifest import manifest_parse
from training.bundles.paths import BundlePaths
from training.models import PracticalTask

TRIVIAL = b"""import numpy as np

def train(train_dir, model_dir):
    (model_dir / "m.txt").write_text("0")

def predict(model_dir, inputs):
    return np.zeros(len(inputs), dtype=np.int64)
"""


class BenchmarkFailed(Exception):
    """The benchmark could not run (a failed pipeline run, no broker)."""


def cpu_times() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def scoring_benchmark() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=1_000_000)
    buffer = io.BytesIO()
    np.save(buffer, np.where(rng.random(labels.size) < 0.9, labels, 0))
    data = buffer.getvalue()
    timings = []
    accuracy = 0.0
    for _ in range(5):
        started = time.perf_counter()
        parsed = predictions_parse("npy", data, kind="labels", labels=labels)
        accuracy = METRICS["accuracy"](parsed, labels)
        METRICS["macro_f1"](parsed, labels)
        bootstrap_ci(METRICS["accuracy"], parsed, labels)
        timings.append(time.perf_counter() - started)
    return {
        "predictions": labels.size,
        "accuracy": accuracy,
        "seconds_median": round(statistics.median(timings), 4),
        "seconds_max": round(max(timings), 4),
    }


def overhead_benchmark(bundle: Path, runs: int, *, pool_size: int = 1) -> dict[str, Any]:
    manifest = manifest_parse((bundle / "task.toml").read_text())
    spec = GradingSpec.from_manifest(manifest)
    image = spec.resolved_image()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    work.chmod(0o755)
    solution = work / "solution.py"
    solution.write_bytes(TRIVIAL)
    solution.chmod(0o644)
    times: dict[str, list[float]] = {"pooled": [], "fresh": [], "bare": []}
    counter = iter(range(10**6))

    def pipeline() -> None:
        scratch = work / f"p{next(counter)}"
        scratch.mkdir()
        report = practical_evaluate(
            spec=spec, bundle=BundlePaths(bundle), solution=solution, scratch=scratch
        )
        if report["verdict"] != "ok":
            raise BenchmarkFailed(f"pipeline run failed: {message_text(report['message'])}")

    def bare() -> None:
        bare_run(image, bundle, solution, work / f"b{next(counter)}")

    try:
        with forced_pool_size(pool_size) as pool:
            assert pool is not None
            # Warm-up: page cache, the engine; the pool learns both stages' shapes.
            pipeline()
            bare()
            kinds = [("pooled", pipeline), ("fresh", pipeline), ("bare", bare)]
            for i in range(runs):
                for name, once in kinds[i % 3 :] + kinds[: i % 3]:
                    pool.wait_full()
                    removals_wait()
                    with pool.bypassed() if name == "fresh" else contextlib.nullcontext():
                        started = time.perf_counter()
                        once()
                        times[name].append(time.perf_counter() - started)
            hits = pool.hits
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "runs": runs,
        "pool_size": pool_size,
        "pool_hits": hits,
        "pipeline_pooled_seconds_median": round(medians["pooled"], 3),
        "pipeline_fresh_seconds_median": round(medians["fresh"], 3),
        "bare_docker_run_seconds_median": round(medians["bare"], 3),
        "ratio": round(medians["pooled"] / medians["bare"], 3),
        "ratio_fresh": round(medians["fresh"] / medians["bare"], 3),
        "seconds": {name: [round(v, 3) for v in values] for name, values in times.items()},
    }


def bare_run(image: str, bundle: Path, solution: Path, folder: Path) -> None:
    """The same two stages with the docker CLI: same image, user, mounts, limits
    on memory and CPU, no network; no validation or scoring."""
    model, output, data = folder / "model", folder / "output", folder / "data"
    for path in (model, output):
        path.mkdir(parents=True)
        path.chmod(0o777)
    for split, source in (
        ("dev", bundle / "public/dev/X.npy"),
        ("test", bundle / "hidden/inputs/X.npy"),
    ):
        (data / split).mkdir(parents=True)
        shutil.copyfile(source, data / split / "X.npy")
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    for command in _bare_commands(image, bundle, solution, model, output, data):
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def _bare_commands(
    image: str, bundle: Path, solution: Path, model: Path, output: Path, data: Path
) -> tuple[list[str], list[str]]:
    base = [
        "docker", "run", "--rm", "--network", "none", "--user", "10001:10001",
        "--memory", "1536m", "--cpus", "1", "--read-only",
        "-v", f"{harness_dir()}:/harness:ro",
        "-v", f"{solution.parent}:/submission:ro",
    ]  # fmt: skip
    train = [
        *base,
        "-v", f"{bundle / 'public/train'}:/data/train:ro",
        "-v", f"{model}:/model",
        image, "python3", "/harness/run_solution.py", "train",
    ]  # fmt: skip
    predict = [
        *base,
        "-v", f"{model}:/model:ro",
        "-v", f"{data}:/data:ro",
        "-v", f"{output}:/output",
        image, "python3", "/harness/run_solution.py", "predict",
    ]  # fmt: skip
    return train, predict


def _bench_task(task: PracticalTask) -> PracticalTask:
    """A task of its own for the drain benchmark, on ``task``'s bundle, emptied."""
    bench = PracticalTask.objects.filter(slug="practical-benchmark").first()
    if bench is None:
        bench = PracticalTask.objects.create(
            slug="practical-benchmark",
            title="benchmark",
            statement="-",
            pass_threshold=0.5,
            bundle_dir=task.bundle_dir,
            current_version=task.current_version,
            submission_quota=10_000,
            train_seconds=60,
            predict_seconds=60,
            memory_mb=512,
        )
    Submission.objects.filter(task=bench).delete()
    return bench


def drain_benchmark(task: PracticalTask, count: int, concurrency: int) -> dict[str, Any]:
    if not settings.REDIS_URL:
        raise BenchmarkFailed("the drain benchmark needs REDIS_URL (a real broker and worker)")
    user, _ = get_user_model().objects.get_or_create(username="practical-benchmark")
    bench = _bench_task(task)
    worker = worker_start(
        hostname=f"bench-{os.getpid()}@%h",
        concurrency=concurrency,
        loglevel="WARNING",
        purge=True,
    )
    try:
        time.sleep(6)  # the worker connects; queued work then drains at full speed
        busy0, total0 = cpu_times()
        started = time.perf_counter()
        ids = [
            practical.submission_create(
                task=bench, candidate=user, upload=SimpleUploadedFile("solution.py", TRIVIAL)
            ).pk
            for _ in range(count)
        ]
        deadline = time.monotonic() + 60 * 30
        while time.monotonic() < deadline:
            if Submission.objects.filter(pk__in=ids, state__in=["done", "failed"]).count() == count:
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        busy1, total1 = cpu_times()
    finally:
        worker_stop(worker)
    outcome = {
        "submissions": count,
        "concurrency": concurrency,
        "cores": os.cpu_count(),
        "seconds": round(elapsed, 1),
        "per_submission_seconds": round(elapsed / count, 2),
        "cpu_busy_percent": round(100 * (busy1 - busy0) / max(1, total1 - total0), 1),
        **_drain_counts(ids),
    }
    Submission.objects.filter(task=bench).delete()
    return outcome


def _drain_counts(ids: list[int]) -> dict[str, int]:
    done = Submission.objects.filter(pk__in=ids, state="done", verdict="ok").count()
    runs = GradingRun.objects.filter(submission_id__in=ids, state="done")
    scored = runs.count()
    return {
        "done_ok": done,
        "lost": len(ids) - Submission.objects.filter(pk__in=ids, state="done").count(),
        "scored_twice": scored - len(set(runs.values_list("submission_id", flat=True))),
    }
