"""``manage.py sandbox_benchmark``: per-run overhead of the Docker backend, with and
without the pool of pre-started containers, and the throughput of trivial runs.

``--json`` prints exactly one object ``{"measures": [...]}`` on stdout (each measure:
measure, ours, baseline, unit, ratio, target, held) and the human summary on stderr;
``manage.py benchmark`` reads it. Without it, the detailed report on stdout (the
summary on stderr too)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from argparse import ArgumentParser
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sandbox import Limits, Mount, RunSpec, Verdict, default_image, run
from sandbox.pool import ContainerPool, forced_pool_size
from sandbox.removal import removals_wait

TRIVIAL = "print('ok')\n"
TARGETS = {"fresh_ratio_max": 1.1, "pooled_ratio_max": 0.35, "throughput_min": 5.0}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(samples), 3),
        "min_s": round(min(samples), 3),
        "max_s": round(max(samples), 3),
    }


class Command(BaseCommand):
    # Needs neither the database nor the other apps: usable while they are broken.
    requires_system_checks: list[str] = []
    help = (
        "Time a trivial script run the way `sandbox_run` runs it (read-only code, "
        "writable /work/out) through sandbox.run on a fresh container and on a pooled "
        "one, against a bare `docker run --rm` of the same image, interleaved in one "
        "loop; then the throughput of concurrent trivial runs without and with the "
        "pool. Prints one JSON object."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--runs", type=int, default=10, help="timed runs of each kind")
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument(
            "--throughput-runs", type=int, default=30, help="runs per throughput measurement"
        )
        parser.add_argument(
            "--pool-size", type=int, default=2, help="pool size for the pooled runs"
        )
        parser.add_argument("--image")
        parser.add_argument(
            "--json",
            action="store_true",
            help='print only {"measures": [...]} on stdout (the summary goes to stderr)',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        image = options["image"] or default_image()
        runs, concurrency = options["runs"], options["concurrency"]
        if runs < 1 or concurrency < 1 or options["pool_size"] < 1:
            raise CommandError("--runs, --concurrency and --pool-size must be positive")
        if options["throughput_runs"] < 1:
            raise CommandError("--throughput-runs must be positive")
        with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
            bench = _Bench(image, Path(tmp))
            times: dict[str, list[float]] = {"fresh": [], "bare": [], "pooled": []}
            with forced_pool_size(options["pool_size"]) as pool:
                assert pool is not None
                bench.timed_rounds(pool, runs, times)
                pooled_hits = pool.hits
                throughput_pooled = _throughput(
                    bench.sandbox_once, concurrency, options["throughput_runs"], pool
                )
            throughput_fresh = _throughput(
                bench.sandbox_once, concurrency, options["throughput_runs"], None
            )
        fresh = statistics.median(times["fresh"])
        bare = statistics.median(times["bare"])
        pooled = statistics.median(times["pooled"])
        report = {
            "image": image,
            "machine": {"nproc": os.cpu_count(), "cpu": _cpu_model()},
            "load_average_1m": round(os.getloadavg()[0], 2),
            "runs": runs,
            "sandbox_run_fresh": _summary(times["fresh"]),
            "sandbox_run_pooled": _summary(times["pooled"]),
            "bare_docker_run": _summary(times["bare"]),
            "ratio_fresh_vs_bare": round(fresh / bare, 3),
            "ratio_pooled_vs_bare": round(pooled / bare, 3),
            "pool_size": options["pool_size"],
            "pool_hits": pooled_hits,
            "concurrency": concurrency,
            "throughput_fresh_runs_per_s": throughput_fresh,
            "throughput_pooled_runs_per_s": throughput_pooled,
            "targets": TARGETS,
            "all_ok": not bench.failures,
            "failures": bench.failures[:5],
            "docker_host": os.environ.get("DOCKER_HOST", "") or "the engine's default socket",
        }
        measures = _measures(report)
        summary = _summary_text(report, measures)
        if options["json"]:
            self.stderr.write(summary)
            self.stdout.write(json.dumps({"measures": measures}))
            return
        self.stderr.write(summary)
        self.stdout.write(json.dumps(report, indent=2))


def measure(
    name: str,
    ours: float,
    baseline: float | None,
    unit: str,
    target: str,
    held: bool | None,
) -> dict[str, Any]:
    """One row of the benchmark report (the ``--json`` contract)."""
    return {
        "measure": name,
        "ours": round(ours, 4),
        "baseline": None if baseline is None else round(baseline, 4),
        "unit": unit,
        "ratio": None if not baseline else round(ours / baseline, 3),
        "target": target,
        "held": held,
    }


def _measures(report: dict[str, Any]) -> list[dict[str, Any]]:
    fresh = report["sandbox_run_fresh"]["median_s"]
    pooled = report["sandbox_run_pooled"]["median_s"]
    bare = report["bare_docker_run"]["median_s"]
    ok = report["all_ok"]
    floor = TARGETS["throughput_min"]
    return [
        measure(
            "sandbox fresh run", fresh, bare, "s", f"≤ {TARGETS['fresh_ratio_max']}",
            ok and fresh / bare <= TARGETS["fresh_ratio_max"],
        ),
        measure(
            "sandbox pooled run", pooled, bare, "s", f"≤ {TARGETS['pooled_ratio_max']}",
            ok and pooled / bare <= TARGETS["pooled_ratio_max"],
        ),
        measure(
            f"sandbox throughput, {report['concurrency']} callers, fresh",
            report["throughput_fresh_runs_per_s"], None, "runs/s", f"≥ {floor:g}",
            ok and report["throughput_fresh_runs_per_s"] >= floor,
        ),
        measure(
            f"sandbox throughput, {report['concurrency']} callers, pool of {report['pool_size']}",
            report["throughput_pooled_runs_per_s"], None, "runs/s", f"≥ {floor:g}",
            ok and report["throughput_pooled_runs_per_s"] >= floor,
        ),
    ]  # fmt: skip


def _summary_text(report: dict[str, Any], measures: list[dict[str, Any]]) -> str:
    lines = [
        f"sandbox benchmark: {report['runs']} timed runs of each kind, image {report['image']}, "
        f"engine via {report['docker_host']}, load average {report['load_average_1m']}, "
        f"all runs ok: {report['all_ok']}"
    ]
    for row in measures:
        baseline = "" if row["baseline"] is None else f" vs {row['baseline']} {row['unit']}"
        ratio = "" if row["ratio"] is None else f" = {row['ratio']}"
        lines.append(
            f"  {row['measure']}: {row['ours']} {row['unit']}{baseline}{ratio} "
            f"(target {row['target']}: {'held' if row['held'] else 'NOT held'})"
        )
    return "\n".join(lines) + "\n"


class _Bench:
    """The trivial script, run through ``sandbox.run`` and through a bare
    ``docker run --rm`` of the same image with the same mounts."""

    def __init__(self, image: str, root: Path) -> None:
        root.chmod(0o755)
        code, out = root / "code", root / "out"
        code.mkdir(mode=0o755)
        out.mkdir(mode=0o755)
        (code / "main.py").write_text(TRIVIAL)
        (code / "main.py").chmod(0o644)
        # The spec `manage.py sandbox_run main.py` builds.
        self.spec = RunSpec(
            image=image,
            command=("python3", "/work/code/main.py"),
            mounts=(Mount(code, "/work/code"), Mount(out, "/work/out", writable=True)),
            workdir="/work/out",
            limits=Limits(wall_seconds=30, memory_mb=256),
            labels={"cert-engine.sandbox.origin": "benchmark"},
        )
        self.bare_cmd = [
            "docker", "run", "--rm", "--network", "none",
            "-v", f"{code}:/work/code:ro", "-v", f"{out}:/work/out", "-w", "/work/out",
            image, "python3", "/work/code/main.py",
        ]  # fmt: skip
        self.failures: list[str] = []

    def sandbox_once(self) -> None:
        result = run(self.spec, backend="docker")
        if result.verdict != Verdict.OK or result.stdout != "ok\n":
            self.failures.append(f"{result.verdict}: {result.detail} {result.stderr[-300:]}")

    def bare_once(self) -> None:
        subprocess.run(self.bare_cmd, check=True, capture_output=True)

    def timed_rounds(self, pool: ContainerPool, runs: int, times: dict[str, list[float]]) -> None:
        """Fresh, bare and pooled runs interleaved, ``runs`` of each, into ``times``."""
        # Warm-up: page cache, the engine, and the pool learns the shape.
        for warm in (self.sandbox_once, self.bare_once, self.sandbox_once):
            warm()
        pool.wait_full()
        kinds: list[tuple[str, Callable[[], None]]] = [
            ("fresh", self.sandbox_once),
            ("bare", self.bare_once),
            ("pooled", self.sandbox_once),
        ]
        for i in range(runs):
            # Rotate the order so that none always follows another.
            for name, once in kinds[i % 3 :] + kinds[: i % 3]:
                # Let the refill and the removals finish first: background work must
                # not slow any measurement.
                pool.wait_full()
                removals_wait()
                _timed(name, once, pool, times)


def _timed(
    name: str,
    once: Callable[[], None],
    pool: ContainerPool,
    times: dict[str, list[float]],
) -> None:
    if name == "fresh":
        with pool.bypassed():  # a container created on demand, as without a pool
            t0 = time.perf_counter()
            once()
            times[name].append(time.perf_counter() - t0)
        return
    t0 = time.perf_counter()
    once()
    times[name].append(time.perf_counter() - t0)


def _throughput(
    once: Callable[[], None], concurrency: int, total: int, pool: ContainerPool | None
) -> float:
    if pool is not None:
        pool.wait_full()
    removals_wait()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as executor:
        list(executor.map(lambda _: once(), range(total)))
    removals_wait()  # the containers' removal is part of the work
    return round(total / (time.perf_counter() - t0), 2)
