"""The trial run of a task bundle: its reference solution must pass and its baseline
must run and fail, through the same pipeline that grades candidates. A task whose
framework is "any" has its reference run in each framework's image: "reference" is the
PyTorch run, "reference_tensorflow" the TensorFlow one, and both must pass; the baseline
runs once, in the default framework's image. Training stores bundles and takes this as
its ``BundleTrial`` (``training.bundles.storage``)."""

import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from grading.evaluation import EvaluationReport, GradingSpec, practical_evaluate
from grading.messages import message_text
from training.bundles.manifest import BundleRefused, Manifest
from training.bundles.paths import BundlePaths, bundle_files
from training.bundles.storage import StageReport, TrialReport
from training.models import BundleVersion

# Queued by name (core.tasks) from the studio; grading/tasks.py defines the task.
BUNDLE_TRIAL_RERUN_TASK = "grading.tasks.bundle_trial_rerun_task"


def trial_solutions(paths: BundlePaths, manifest: Manifest) -> dict[str, tuple[Path, str]]:
    """Name → (solution, framework) of what a trial runs: the reference once per
    framework the task offers ("reference", then "reference_<framework>"), the
    baseline with the default framework."""
    default, *others = manifest.frameworks
    solutions = {"reference": (paths.reference_for(default), default)}
    for framework in others:
        solutions[f"reference_{framework}"] = (paths.reference_for(framework), framework)
    solutions["baseline"] = (paths.baseline_solution, default)
    return solutions


def bundle_trial_reports(
    *, root: Path, manifest: Manifest, progress: StageReport | None = None
) -> dict[str, EvaluationReport]:
    """Runs the references and the baseline of the unpacked bundle at ``root`` through
    the grading pipeline, each in its framework's image, and returns every report,
    whatever it says. ``progress`` hears each solution's name before it runs."""
    paths = BundlePaths(root)
    reports = {}
    solutions = trial_solutions(paths, manifest)
    for done, (name, (solution, framework)) in enumerate(solutions.items()):
        if progress is not None:
            progress(name, done, len(solutions))
        spec = GradingSpec.from_manifest(manifest, framework=framework)
        with tempfile.TemporaryDirectory(prefix="trial-", dir=_scratch(root)) as scratch:
            reports[name] = practical_evaluate(
                spec=spec, bundle=paths, solution=solution, scratch=Path(scratch)
            )
    return reports


def bundle_trial(
    *, root: Path, manifest: Manifest, progress: StageReport | None = None
) -> TrialReport:
    """Runs the references and the baseline of the unpacked bundle at ``root``.
    Returns every report; raises BundleRefused unless each reference passes and the
    baseline runs and fails. Touches no database row; runs the code each time it is
    called; ``progress`` hears each solution before it runs."""
    reports = bundle_trial_reports(root=root, manifest=manifest, progress=progress)
    baseline = reports["baseline"]
    references = [r for name, r in reports.items() if name != "baseline"]
    if any(report["verdict"] == "sandbox_error" for report in reports.values()):
        raise BundleRefused(
            "trial run could not start (infrastructure); try again: "
            + next(
                message_text(r["message"])
                for r in reports.values()
                if r["verdict"] == "sandbox_error"
            )
        )
    for reference in references:
        if reference["passed"] is not True:
            raise BundleRefused(
                f"the reference solution must pass ({reference['framework']}): "
                f"{reference['verdict']}, "
                f"score {reference['test_score']} vs threshold {manifest.pass_threshold}. "
                f"{message_text(reference['message'])} {reference['train_log'][-500:]}"
            )
    if baseline["verdict"] != "ok" or baseline["passed"] is not False:
        raise BundleRefused(
            f"the baseline solution must run and fail: {baseline['verdict']}, "
            f"passed={baseline['passed']}, score {baseline['test_score']}"
        )
    return {name: _summary(report) for name, report in reports.items()}


def trial_rerun(*, version_id: int) -> dict[str, Any]:
    """Runs the stored bundle version's reference and baseline again (say, after a new
    sandbox image) and appends the run, with the time, to the version's trial record;
    the latest run's reports stay under "reference" and "baseline". Nothing is refused:
    a failing reference is exactly what the instructor needs to see."""
    version = BundleVersion.objects.select_related("task").get(pk=version_id)
    try:
        with bundle_files(version.task, version) as paths:
            manifest = paths.manifest()
            assert manifest is not None, "a stored bundle has a manifest"
            reports = bundle_trial_reports(root=paths.root, manifest=manifest)
    except Exception:
        _trial_write(version_id, run=None)  # the button works again
        raise
    run = {"at": timezone.now().isoformat(), **{n: _summary(r) for n, r in reports.items()}}
    _trial_write(version_id, run=run)
    return run


def _trial_write(version_id: int, *, run: dict[str, Any] | None) -> None:
    """Appends ``run`` (if any) to the version's trial record and clears "pending".
    The upload's own trial, recorded before runs were kept, becomes the first run."""
    with transaction.atomic():
        locked = BundleVersion.objects.select_for_update().get(pk=version_id)
        trial = {k: v for k, v in (locked.trial or {}).items() if k != "pending"}
        runs = trial.pop("runs", None) or (
            [{"at": locked.created_at.isoformat(), **trial}] if trial.get("reference") else []
        )
        if run is not None:
            trial, runs = dict(run), [*runs, run]
        locked.trial = {**trial, "runs": runs}
        locked.save(update_fields=["trial"])


def _summary(report: EvaluationReport) -> dict[str, Any]:
    """What the bundle version keeps of a trial report."""
    return {
        "framework": report["framework"],
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
