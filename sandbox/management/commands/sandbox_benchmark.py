"""``manage.py sandbox_benchmark``: per-run overhead of the Docker backend."""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from argparse import ArgumentParser
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from sandbox import Limits, Mount, RunSpec, Verdict, default_image, run

TRIVIAL = "print('ok')\n"


class Command(BaseCommand):
    # Needs neither the database nor the other apps: usable while they are broken.
    requires_system_checks: list[str] = []
    help = (
        "Time trivial runs through sandbox.run (Docker backend) against a bare "
        "`docker run --rm` of the same image, interleaved, and the throughput of "
        "concurrent sandbox runs. Prints one JSON object."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--runs", type=int, default=10)
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--image")

    def handle(self, *args: Any, **options: Any) -> None:
        image = options["image"] or default_image()
        runs = options["runs"]
        with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
            code = Path(tmp) / "code"
            code.mkdir(mode=0o755)
            Path(tmp).chmod(0o755)
            (code / "main.py").write_text(TRIVIAL)
            (code / "main.py").chmod(0o644)
            spec = RunSpec(
                image=image,
                command=("python3", "/work/code/main.py"),
                mounts=(Mount(code, "/work/code"),),
                limits=Limits(wall_seconds=30, memory_mb=256),
                labels={"cert-engine.sandbox.origin": "benchmark"},
            )
            bare_cmd = [
                "docker", "run", "--rm", "--network", "none",
                "-v", f"{code}:/work/code:ro", image, "python3", "/work/code/main.py",
            ]  # fmt: skip
            sandbox_s: list[float] = []
            bare_s: list[float] = []
            run(spec, backend="docker")  # warm caches once
            for _ in range(runs):
                t0 = time.perf_counter()
                result = run(spec, backend="docker")
                sandbox_s.append(time.perf_counter() - t0)
                if result.verdict != Verdict.OK:
                    self.stderr.write(f"sandbox run failed: {result}")
                t0 = time.perf_counter()
                subprocess.run(bare_cmd, check=True, capture_output=True)
                bare_s.append(time.perf_counter() - t0)
            total = runs * options["concurrency"]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(options["concurrency"]) as pool:
                verdicts = list(
                    pool.map(lambda _: run(spec, backend="docker").verdict, range(total))
                )
            elapsed = time.perf_counter() - t0
        sandbox_median = statistics.median(sandbox_s)
        bare_median = statistics.median(bare_s)
        self.stdout.write(
            json.dumps(
                {
                    "image": image,
                    "runs": runs,
                    "sandbox_run_median_s": round(sandbox_median, 3),
                    "bare_docker_run_median_s": round(bare_median, 3),
                    "ratio": round(sandbox_median / bare_median, 3),
                    "concurrency": options["concurrency"],
                    "throughput_runs_per_s": round(total / elapsed, 2),
                    "all_ok": all(v == Verdict.OK for v in verdicts),
                }
            )
        )
