"""``manage.py benchmark``: every benchmark of ``docs/benchmarks.md`` with its baseline,
run one after another in this process, gathered into one report.

Each suite is a management command called with ``--json`` (or, for the item
analysis, a function) that gives ``{"measures": [...]}`` (``core.benchmarks``). A
suite that fails, lacks a tool (wrk, pgbench, Docker) or prints no measures is
reported as not run, with its reason; no figure is ever made up for it.

Long: ``suites`` is the table of every suite with its full and quick arguments, kept
in one place to read.
"""

import contextlib
import io
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from certification.bench.clients import client_environment_setup
from certification.demo.benchmark import demo_benchmark_load
from core.benchmarks import Measure, scratch_database
from grading.bench.item_analysis import measures as item_analysis_measures

MEASURE_KEYS = {"measure", "ours", "baseline", "unit", "ratio", "target", "held"}


@dataclass(frozen=True)
class Suite:
    """One benchmark. ``command`` is a management command name, called with
    ``--json`` and ``args`` (or ``quick_args`` with ``--quick``); ``function``, when
    given instead, is called with ``quick`` and returns the measures itself."""

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    quick_args: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # executables that must be on PATH
    env: dict[str, str] = field(default_factory=dict)  # set while the suite runs
    function: Callable[[bool], list[Measure]] | None = None
    # Runs with --current-database on the report's one scratch database with the demo
    # data (created once for all such suites: migrating and loading take minutes).
    shared_database: bool = False


@dataclass
class SuiteResult:
    name: str
    call: str
    seconds: float
    measures: list[dict[str, Any]]
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.name,
            "call": self.call,
            "seconds": round(self.seconds, 1),
            "run": self.error is None,
            "error": self.error,
            "measures": self.measures,
        }


def measures_parse(text: str) -> list[dict[str, Any]]:
    """The measures in a suite's ``--json`` output: the last line that is a JSON
    object with a ``measures`` list of well-formed entries. Raises ValueError."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        data = json.loads(line)
        measures = data.get("measures") if isinstance(data, dict) else None
        if not isinstance(measures, list) or not measures:
            raise ValueError("the JSON output has no measures")
        for measure in measures:
            if not isinstance(measure, dict) or not set(measure) >= MEASURE_KEYS:
                raise ValueError(f"malformed measure: {measure!r}")
            if not isinstance(measure["ours"], int | float):
                raise ValueError(f"measure without a figure: {measure!r}")
        return measures
    raise ValueError("no JSON line in the output")


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Any:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def suite_run(suite: Suite, *, quick: bool) -> SuiteResult:
    """Runs one suite; never raises for the suite's own failure (it is reported)."""
    args = suite.quick_args if quick else suite.args
    call = (
        f"{suite.command} --json {' '.join(args)}".strip()
        if suite.function is None
        else f"{suite.function.__module__}.{suite.function.__name__}(quick={quick})"
    )
    missing = [tool for tool in suite.needs if shutil.which(tool) is None]
    if missing:
        return SuiteResult(suite.name, call, 0.0, [], f"needs {', '.join(missing)}")
    started = time.perf_counter()
    out, err = io.StringIO(), io.StringIO()
    try:
        with _environment(suite.env):
            if suite.function is not None:
                measures = [m.to_json() for m in suite.function(quick)]
            else:
                call_command(suite.command, "--json", *args, stdout=out, stderr=err)
                measures = measures_parse(out.getvalue())
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        reason = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]
        return SuiteResult(suite.name, call, time.perf_counter() - started, [], reason)
    return SuiteResult(suite.name, call, time.perf_counter() - started, measures)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": nproc,
        "cpu": model or platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "database": connection.vendor,
        "commit": _git_commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=settings.BASE_DIR,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = result.stdout.strip() or "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        timeout=10,
        cwd=settings.BASE_DIR,
        check=False,
    ).stdout.strip()
    return f"{commit}+changes" if dirty else commit


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def report_run(suites: list[Suite], *, quick: bool) -> dict[str, Any]:
    """Runs ``suites``: first those with their own database or none, in order, then
    the others on one scratch database with the demo data. The report as one
    JSON-ready object."""
    started = time.perf_counter()
    facts = machine()
    facts["load_before"] = _load()
    results = [suite_run(suite, quick=quick) for suite in suites if not suite.shared_database]
    shared = [suite for suite in suites if suite.shared_database]
    if shared:
        results += _shared_run(shared, quick=quick)
    facts["load_after"] = _load()
    order = [suite.name for suite in suites]
    results.sort(key=lambda result: order.index(result.name))
    return {
        "machine": facts,
        "quick": quick,
        "seconds": round(time.perf_counter() - started, 1),
        "suites": [result.to_json() for result in results],
    }


def _shared_run(suites: list[Suite], *, quick: bool) -> list[SuiteResult]:
    if connection.vendor != "postgresql":
        return [SuiteResult(s.name, s.command, 0.0, [], "needs PostgreSQL") for s in suites]
    started = time.perf_counter()
    client_environment_setup()
    settings.PRIVATE_STORAGE_DIR = tempfile.mkdtemp(prefix="benchmark-")
    results: list[SuiteResult] = []
    try:
        with scratch_database("bench"):
            demo_benchmark_load(programme_exams=not quick)
            loaded = time.perf_counter() - started
            for suite in suites:
                result = suite_run(suite, quick=quick)
                result.seconds += loaded  # the first one pays for the database
                loaded = 0.0
                results.append(result)
    except Exception as exc:
        # The scratch database or the demo data failed: every suite not yet run says so.
        reason = f"scratch database: {type(exc).__name__}: {exc}".splitlines()[0][:300]
        done = {result.name for result in results}
        results += [
            SuiteResult(s.name, s.command, 0.0, [], reason) for s in suites if s.name not in done
        ]
    return results


def _figure(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def report_table(report: dict[str, Any]) -> str:
    """The report as a Markdown table, with the machine above it."""
    facts = report["machine"]
    lines = [
        f"{facts['date']}, commit {facts['commit']}, nproc {facts['nproc']}, {facts['cpu']}, "
        f"Python {facts['python']}, {facts['database']}; load average before "
        f"{' '.join(map(str, facts['load_before']))}, after "
        f"{' '.join(map(str, facts['load_after']))}; "
        f"{'--quick, ' if report['quick'] else ''}{report['seconds']:.0f} s in all",
        "",
        "| Suite | Measure | Ours | Baseline | Ratio | Unit | Target | Held |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for suite in report["suites"]:
        if not suite["run"]:
            lines.append(
                f"| {suite['suite']} | not run: {suite['error']} | | | | | | |".replace("\n", " ")
            )
            continue
        for m in suite["measures"]:
            lines.append(
                f"| {suite['suite']} | {m['measure']} | {_figure(m['ours'])} | "
                f"{_figure(m['baseline'])} | {_figure(m['ratio'])} | {m['unit']} | "
                f"{m['target']} | {_figure(m['held'])} |"
            )
    lines.append("")
    lines.append(
        "Seconds per suite: "
        + ", ".join(f"{suite['suite']} {suite['seconds']:.0f}" for suite in report["suites"])
    )
    return "\n".join(lines)


def report_failed(report: dict[str, Any]) -> list[str]:
    """Suites not run and measures whose target was not held (for ``--strict``)."""
    failed = []
    for suite in report["suites"]:
        if not suite["run"]:
            failed.append(f"{suite['suite']}: not run")
        failed += [
            f"{suite['suite']}: {m['measure']}" for m in suite["measures"] if m["held"] is False
        ]
    return failed


def _item_analysis(quick: bool) -> list[Measure]:
    return item_analysis_measures(candidates=20_000, items=50, runs=3 if quick else 7)


def suites() -> list[Suite]:
    """Every benchmark, its full and its quick arguments (docs/benchmarks.md)."""
    name = connection.settings_dict["NAME"]
    docker = {"SANDBOX_BACKEND": "docker"}
    current = "--current-database"
    return [
        Suite(
            "exam",
            "bench_exam",
            args=("--database", f"{name}_bench_exam", "--seconds", "60", "--start-window", "10"),
            quick_args=(
                "--database",
                f"{name}_bench_exam",
                "--candidates",
                "300",
                "--seconds",
                "10",  # 5 s was mostly each process's first save of each attempt
                "--start-window",
                "3",
            ),
            needs=("wrk", "pgbench"),
        ),
        Suite("item-analysis", function=_item_analysis),
        Suite(
            "sandbox",
            "sandbox_benchmark",
            args=("--runs", "20", "--throughput-runs", "40"),
            quick_args=("--runs", "5", "--throughput-runs", "10"),
            needs=("docker",),
            env=docker,
        ),
        Suite(
            "practical",
            "practical_benchmark",
            args=("--skip-drain", "--runs", "7"),
            quick_args=("--skip-drain", "--runs", "3"),
            needs=("docker",),
            env=docker,
        ),
        Suite(
            "credentials",
            "bench_credentials",
            args=("--cpu", "0", "-n", "500", "-r", "5"),
            quick_args=("--cpu", "0", "-n", "200", "-r", "3"),
            shared_database=True,
        ),
        Suite(
            "pages",
            "bench_pages",
            args=(current, "-n", "20"),
            quick_args=(current, "-n", "3", "--warmup", "1"),
            shared_database=True,
        ),
        Suite(
            "study-plan",
            "bench_study_plan",
            args=(current,),
            # The quick demo data has no programme exams: the beginner curriculum's
            # written exam stands in for the intermediate one.
            quick_args=(current, "--curriculum", "beginner-cv", "--candidates", "1000", "-n", "20"),
            shared_database=True,
        ),
        Suite(
            "committee",
            "bench_committee",
            args=(current, "-n", "200"),
            quick_args=(current, "--applications", "2000", "--components", "20000", "-n", "20"),
            shared_database=True,
        ),
    ]
