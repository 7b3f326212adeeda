"""Programming questions: the candidate's code runs in the sandbox against test
calls; the worker compares each result with the expected value, which never enters
the sandbox. Per-test partial credit by weight (docs/items.md)."""

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

import sandbox
from grading.harness_files import harness_dir
from training.models import QuestionVersion


class ProgrammingInfrastructureError(Exception):
    """The sandbox itself failed: retry, never score."""


@dataclass(frozen=True)
class ProgrammingResult:
    fraction: float
    verdict: str
    tests: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""


def programming_run(
    *, code: str, tests: list[dict[str, Any]], time_limit: float = 10
) -> ProgrammingResult:
    """Runs ``code`` against ``tests`` (``name``, ``call``, ``expected``, ``weight``)
    in a fresh sandbox. Returns the weighted fraction passed and each test's outcome.
    Raises ProgrammingInfrastructureError when the sandbox failed."""
    root = Path(settings.PRIVATE_STORAGE_DIR) / "scratch"
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prog-", dir=root) as scratch:
        folder = Path(scratch)
        for name in ("submission", "tests", "output"):
            (folder / name).mkdir()
        (folder / "submission" / "solution.py").write_text(code, encoding="utf-8")
        calls = [{"name": t["name"], "call": t["call"]} for t in tests]
        (folder / "tests" / "calls.json").write_text(json.dumps(calls), encoding="utf-8")
        result = sandbox.run(
            sandbox.RunSpec(
                image=settings.SANDBOX_IMAGE or sandbox.default_image(),
                command=("python3", "/harness/run_calls.py"),
                mounts=(
                    sandbox.Mount(harness_dir(), "/harness"),
                    sandbox.Mount(folder / "submission", "/submission"),
                    sandbox.Mount(folder / "tests", "/tests"),
                    sandbox.Mount(folder / "output", "/output", writable=True),
                ),
                limits=sandbox.Limits(
                    wall_seconds=time_limit, memory_mb=256, pids=64, writable_mb=8
                ),
                labels={"cert-engine.kind": "programming"},
            )
        )
        if result.verdict == sandbox.Verdict.SANDBOX_ERROR:
            raise ProgrammingInfrastructureError(result.detail)
        outcomes: dict[str, dict[str, Any]] = {}
        if result.verdict == sandbox.Verdict.OK:
            try:
                files = sandbox.read_output_files(
                    folder / "output", max_total_bytes=4 * 1024 * 1024, max_files=2
                )
                parsed = json.loads(files.get("results.json", b"[]"))
                outcomes = {
                    str(r["name"]): r for r in parsed if isinstance(r, dict) and "name" in r
                }
            except (sandbox.OutputFileError, ValueError, TypeError):
                outcomes = {}
    report, earned, total = [], 0.0, 0.0
    for test in tests:
        weight = float(test.get("weight", 1))
        total += weight
        outcome = outcomes.get(test["name"], {})
        passed = outcome.get("repr") == test["expected"]
        earned += weight if passed else 0.0
        report.append({"name": test["name"], "passed": passed, "error": outcome.get("error", "")})
    return ProgrammingResult(
        fraction=earned / total if total else 0.0,
        verdict=str(result.verdict),
        tests=report,
        stderr=result.stderr[-2000:],
    )


def programming_grade(*, version: QuestionVersion, code: str) -> ProgrammingResult:
    """Scores a programming answer on the item's hidden tests."""
    return programming_run(
        code=code, tests=version.key["tests"], time_limit=float(version.key.get("time_limit", 10))
    )


def programming_samples(*, version: QuestionVersion, code: str) -> ProgrammingResult:
    """Runs the visible sample tests (candidates may try their code during the exam)."""
    return programming_run(
        code=code,
        tests=version.data.get("sample_tests", []),
        time_limit=float(version.key.get("time_limit", 10)),
    )
