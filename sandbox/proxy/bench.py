"""``python -m sandbox.proxy.bench [--runs N]``: the proxy's cost per sandbox run. A
trivial script (``print('ok')``, the ``sandbox_run`` spec) runs through
``sandbox.run`` straight to the engine and through a proxy started in this process,
interleaved (the order alternates every round) after a warm-up; prints the medians,
ranges and the difference as one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sandbox import Limits, Mount, RunSpec, default_image, docker_engine, run
from sandbox.proxy.config import load_config
from sandbox.proxy.server import Proxy


def _spec(root: Path) -> RunSpec:
    (root / "code").mkdir(mode=0o755)
    (root / "out").mkdir(mode=0o755)
    (root / "code" / "main.py").write_text("print('ok')\n")
    (root / "code" / "main.py").chmod(0o644)
    return RunSpec(
        image=default_image(),
        command=("python3", "/work/code/main.py"),
        mounts=(
            Mount(root / "code", "/work/code"),
            Mount(root / "out", "/work/out", writable=True),
        ),
        workdir="/work/out",
        limits=Limits(wall_seconds=30, memory_mb=256, cpus=1),
    )


def _timed(spec: RunSpec, docker_host: str) -> float:
    os.environ["DOCKER_HOST"] = docker_host
    docker_engine._clients.clear()  # a client per DOCKER_HOST
    started = time.perf_counter()
    result = run(spec, backend="docker")
    elapsed = time.perf_counter() - started
    if result.stdout != "ok\n":
        raise SystemExit(f"a run failed: {result}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.proxy.bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--upstream", default="/var/run/docker.sock")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = _spec(Path(tmp))
        proxy = Proxy(str(Path(tmp) / "proxy.sock"), args.upstream, load_config())
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        hosts = {"direct": f"unix://{args.upstream}", "proxy": f"unix://{tmp}/proxy.sock"}
        times: dict[str, list[float]] = {"direct": [], "proxy": []}
        for name in hosts:
            _timed(spec, hosts[name])  # warm-up
        for index in range(args.runs):
            for name in sorted(hosts, reverse=index % 2 == 1):
                times[name].append(_timed(spec, hosts[name]))
        proxy.shutdown()
    medians = {name: statistics.median(values) for name, values in times.items()}
    report: dict[str, object] = {
        name: {
            "median_s": round(medians[name], 4),
            "min_s": round(min(v), 4),
            "max_s": round(max(v), 4),
        }
        for name, v in times.items()
    }
    report["overhead_median_s"] = round(medians["proxy"] - medians["direct"], 4)
    report["runs"] = args.runs
    print(json.dumps(report))


if __name__ == "__main__":
    main()
