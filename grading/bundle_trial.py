"""The trial run of a task bundle: its reference solution must pass and its baseline
must run and fail, through the same pipeline that grades candidates. Training stores
bundles and takes this as its ``BundleTrial`` (``training.bundles.storage``)."""

import tempfile
from pathlib import Path
from typing import Any

from grading.evaluation import EvaluationReport, GradingSpec, practical_evaluate
from training.bundles.manifest import BundleRefused, Manifest
from training.bundles.paths import BundlePaths
from training.bundles.storage import TrialReport


def bundle_trial(*, root: Path, manifest: Manifest) -> TrialReport:
    """Runs the reference and the baseline of the unpacked bundle at ``root``. Returns
    both reports; raises BundleRefused unless the reference passes and the baseline
    runs and fails. Touches no database row; runs the code each time it is called."""
    spec = GradingSpec.from_manifest(manifest)
    paths = BundlePaths(root)
    solutions = {"reference": paths.reference_solution, "baseline": paths.baseline_solution}
    reports = {}
    for name, solution in solutions.items():
        with tempfile.TemporaryDirectory(prefix="trial-", dir=_scratch(root)) as scratch:
            reports[name] = practical_evaluate(
                spec=spec, bundle=paths, solution=solution, scratch=Path(scratch)
            )
    reference, baseline = reports["reference"], reports["baseline"]
    if reference["verdict"] == "sandbox_error" or baseline["verdict"] == "sandbox_error":
        raise BundleRefused(
            "trial run could not start (infrastructure); try again: "
            + (reference["message"] or baseline["message"])
        )
    if reference["passed"] is not True:
        raise BundleRefused(
            f"the reference solution must pass: {reference['verdict']}, "
            f"score {reference['test_score']} vs threshold {manifest.pass_threshold}. "
            f"{reference['message']} {reference['train_log'][-500:]}"
        )
    if baseline["verdict"] != "ok" or baseline["passed"] is not False:
        raise BundleRefused(
            f"the baseline solution must run and fail: {baseline['verdict']}, "
            f"passed={baseline['passed']}, score {baseline['test_score']}"
        )
    return {name: _summary(report) for name, report in reports.items()}


def _summary(report: EvaluationReport) -> dict[str, Any]:
    """What the bundle version keeps of a trial report."""
    return {
        "verdict": report["verdict"],
        "dev_score": report["dev_score"],
        "test_score": report["test_score"],
        "passed": report["passed"],
        "stages": report["stages"],
    }


def _scratch(root: Path) -> Path:
    """Next to the staging folders (``bundles/.scratch``), on the same file system."""
    scratch = root.parent.parent / ".scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    return scratch
