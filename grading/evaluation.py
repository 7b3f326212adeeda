"""Evaluating a practical solution: train and predict in two fresh sandboxes, then
score the predictions here, in trusted code. The hidden labels never enter a
container: the worker reads the predictions the predict stage wrote, validates them
and scores them against the labels.

``splits`` says which sets the predict stage sees and which are scored: both for an
exam submission, only the public dev set for a project run (``DEV_ONLY``), whose
containers never see the hidden inputs and whose scoring never reads the hidden labels.

Touches no database row: the worker (``grading.practical``), the bundle trial run
(``grading.bundle_trial``) and the ``grade_practical`` command all call
``practical_evaluate``.

Long: the two stages, the pool and the validation of predictions share one run's
state; they are read together.
"""

import functools
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
from django.conf import settings

import sandbox
from grading.harness_files import harness_dir
from grading.messages import GradingMessage, message
from grading.metrics import METRICS, Metric, bootstrap_ci
from grading.models import Submission
from grading.predictions import (
    InvalidPredictions,
    Predictions,
    predictions_file,
    predictions_parse,
)
from training.bundles.manifest import Manifest
from training.bundles.paths import BundlePaths, Labels
from training.models import PracticalTask

logger = logging.getLogger(__name__)

TRAIN_LOG_MAX_CHARS = 20_000
PREDICTIONS_MAX_BYTES = 256 * 1024 * 1024
DEV_AND_TEST: tuple[str, ...] = ("dev", "test")
DEV_ONLY: tuple[str, ...] = ("dev",)
# What the harness (grading/harness/run_solution.py) imports first thing: a pre-started
# pooled container imports it while it waits, off the run's critical path.
HARNESS_PRELOAD: tuple[str, ...] = ("numpy",)


class StageReport(TypedDict):
    verdict: str
    exit_code: int | None
    wall_seconds: float
    cpu_seconds: float | None
    peak_memory_mb: float | None


class Scores(TypedDict):
    """The hidden-set fields are None when only the dev set was scored."""

    dev_score: float
    test_score: float | None
    test_ci_low: float | None
    test_ci_high: float | None
    passed: bool | None


class EvaluationReport(TypedDict):
    """What ``practical_evaluate`` found (``framework``: the image's; ``message``: a
    code and its parameters, rendered in the reader's language by
    ``grading.messages.message_render``). Scores are None until scored; ``passed`` is
    None when the infrastructure failed or only the dev set was scored (nothing was
    decided)."""

    verdict: str
    message: GradingMessage
    metric: str
    framework: str
    dev_score: float | None
    test_score: float | None
    test_ci_low: float | None
    test_ci_high: float | None
    pass_threshold: float
    passed: bool | None
    stages: dict[str, StageReport]
    train_log: str


@dataclass(frozen=True)
class GradingSpec:
    """What grading a solution needs to know about its task, from a task row or from
    a bundle's manifest (the upload's trial run, the ``grade_practical`` command).
    ``framework`` is the one the solution runs with (a submission's, for a task whose
    framework is ``any``): it picks the sandbox image."""

    metric: Metric
    metric_options: dict[str, Any] = field(default_factory=dict)
    pass_threshold: float = 0.0
    framework: str = "pytorch"
    image: str = ""
    gpu: bool = False
    train_seconds: int = 300
    train_memory_mb: int = 2048
    predict_seconds: int = 120
    predict_memory_mb: int = 2048

    @classmethod
    def from_manifest(cls, manifest: Manifest, *, framework: str | None = None) -> "GradingSpec":
        """``framework``: one of the manifest's frameworks; None, its default."""
        return cls(
            metric=METRICS[manifest.metric],
            metric_options=manifest.metric_options,
            pass_threshold=manifest.pass_threshold,
            framework=_framework_check(framework or manifest.frameworks[0], manifest.frameworks),
            image=manifest.image,
            gpu=manifest.gpu,
            train_seconds=manifest.train_seconds,
            train_memory_mb=manifest.train_memory_mb,
            predict_seconds=manifest.predict_seconds,
            predict_memory_mb=manifest.predict_memory_mb,
        )

    @classmethod
    def from_task(cls, task: PracticalTask, *, framework: str | None = None) -> "GradingSpec":
        """``framework``: the submission's (checked when it was made: a later bundle
        version may have dropped it, and the submission keeps its own); None, the task's
        default."""
        return cls(
            metric=METRICS[task.metric],
            metric_options=task.metric_options or {},
            pass_threshold=task.pass_threshold,
            framework=framework or task.frameworks[0],
            image=task.image,
            gpu=task.gpu,
            train_seconds=task.train_seconds,
            train_memory_mb=task.memory_mb,
            predict_seconds=task.predict_seconds,
            predict_memory_mb=task.memory_mb,
        )

    def resolved_image(self) -> str:
        if self.image:
            return self.image
        if self.framework == "tensorflow":
            return settings.SANDBOX_IMAGE_TENSORFLOW or _framework_image("tensorflow")
        return settings.SANDBOX_IMAGE or sandbox.default_image()


def _framework_check(framework: str, allowed: tuple[str, ...]) -> str:
    """Raises ValueError unless ``framework`` is one of ``allowed``."""
    if framework not in allowed:
        raise ValueError(f"framework {framework!r} is not one of the task's {allowed}")
    return framework


@functools.cache
def _framework_image(framework: str) -> str:
    return sandbox.image_tag(framework)


@dataclass(frozen=True)
class _Workspace:
    """The scratch folders of one evaluation: the solution (read-only in both
    stages), the model (written by train, read by predict) and the predictions."""

    scratch: Path
    submission: Path
    model: Path
    output: Path

    @classmethod
    def create(cls, scratch: Path, solution: Path) -> "_Workspace":
        workspace = cls(scratch, scratch / "submission", scratch / "model", scratch / "output")
        for folder in (workspace.submission, workspace.model, workspace.output):
            folder.mkdir()
        shutil.copyfile(solution, workspace.submission / "solution.py")
        for folder in (scratch, workspace.submission):
            folder.chmod(0o755)
        (workspace.submission / "solution.py").chmod(0o644)
        return workspace

    def common_mounts(self) -> tuple[sandbox.Mount, ...]:
        return (
            sandbox.Mount(harness_dir(), "/harness"),
            sandbox.Mount(self.submission, "/submission"),
        )


def practical_evaluate(
    *,
    spec: GradingSpec,
    bundle: BundlePaths,
    solution: Path,
    scratch: Path,
    on_stage: Callable[[str], None] | None = None,
    labels: dict[str, str] | None = None,
    splits: tuple[str, ...] = DEV_AND_TEST,
) -> EvaluationReport:
    """Runs ``solution`` through train and predict and scores it. ``labels`` name this
    evaluation's two runs (the worker names the submission, for operators and the
    janitor): a container's labels, or, for a pre-started pooled container, recorded in
    its slot (``sandbox.RunSpec.run_labels``), so that the worker's pool still matches.
    ``splits``: the sets predicted and scored, ``DEV_AND_TEST`` (an exam submission) or
    ``DEV_ONLY`` (a project run: the hidden inputs are not copied for the predict stage
    and the hidden labels are not read, so the bundle need not even hold them).
    Returns the report: verdict, message, metric, framework, dev_score, test_score,
    test_ci_low/high (95 % bootstrap interval of the hidden-set score), passed, stages
    (time and memory per stage) and train_log; with ``DEV_ONLY`` the hidden-set fields
    and ``passed`` stay None. Touches no database row. Safe to call any number of
    times."""
    if splits not in (DEV_AND_TEST, DEV_ONLY):
        raise ValueError(f"splits must be {DEV_AND_TEST} or {DEV_ONLY}, not {splits}")
    report = _evaluate(
        spec=spec,
        bundle=bundle,
        solution=solution,
        scratch=scratch,
        notify=on_stage or (lambda stage: None),
        labels=labels or {},
        splits=splits,
    )
    if "test" not in splits:
        report["passed"] = None  # the pass mark is for the hidden set only
    return report


def _evaluate(
    *,
    spec: GradingSpec,
    bundle: BundlePaths,
    solution: Path,
    scratch: Path,
    notify: Callable[[str], None],
    labels: dict[str, str],
    splits: tuple[str, ...],
) -> EvaluationReport:
    image = spec.resolved_image()
    workspace = _Workspace.create(scratch, solution)
    report = _report_new(spec)

    notify("train")
    train = sandbox.run(_train_spec(spec, image, bundle, workspace, labels))
    _log_run("train", train, labels)
    report["stages"]["train"] = _stage_report(train)
    report["train_log"] = _truncate_log(train.stdout + train.stderr)
    if train.verdict != sandbox.Verdict.OK:
        return _failed(report, train, stage="train", memory_mb=spec.train_memory_mb)

    notify("predict")
    predict = sandbox.run(_predict_spec(spec, image, bundle, workspace, labels, splits))
    _log_run("predict", predict, labels)
    # The predict stage's output is never shown: it could carry the hidden inputs.
    report["stages"]["predict"] = _stage_report(predict)
    if predict.verdict != sandbox.Verdict.OK:
        # For operators only (the worker's log), never for the candidate.
        logger.info("predict stage %s: %s", predict.verdict, predict.stderr[-2000:])
        return _failed(report, predict, stage="predict", memory_mb=spec.predict_memory_mb)

    notify("score")
    return _score(report, spec=spec, bundle=bundle, output_dir=workspace.output, splits=splits)


def _log_run(stage: str, result: sandbox.RunResult, labels: dict[str, str] | None) -> None:
    """One line per sandbox run, with the caller's labels (the submission's id): with
    the request id the log handler adds, a submission is followed across processes."""
    logger.info(
        "sandbox run %s: %s in %.1f s",
        stage,
        result.verdict,
        result.wall_seconds,
        extra={
            "stage": stage,
            "verdict": str(result.verdict),
            "wall_seconds": round(result.wall_seconds, 2),
            "sandbox_run": result.run_id,
            "labels": labels or {},
        },
    )


def evaluation_infra_error(spec: GradingSpec, detail: str) -> EvaluationReport:
    """The report of an evaluation the infrastructure prevented (nothing decided)."""
    report = _report_new(spec)
    report["verdict"] = Submission.Verdict.SANDBOX_ERROR
    report["message"] = message("infra_retry", detail=detail)
    return report


def _report_new(spec: GradingSpec) -> EvaluationReport:
    return {
        "verdict": "",
        "message": {"code": "", "params": {}},
        "metric": spec.metric.name,
        "framework": spec.framework,
        "dev_score": None,
        "test_score": None,
        "test_ci_low": None,
        "test_ci_high": None,
        "pass_threshold": spec.pass_threshold,
        "passed": None,
        "stages": {},
        "train_log": "",
    }


def _train_spec(
    spec: GradingSpec,
    image: str,
    bundle: BundlePaths,
    workspace: _Workspace,
    labels: dict[str, str],
) -> sandbox.RunSpec:
    return sandbox.RunSpec(
        image=image,
        command=("python3", "/harness/run_solution.py", "train"),
        mounts=(
            *workspace.common_mounts(),
            sandbox.Mount(bundle.train_dir, "/data/train"),
            sandbox.Mount(workspace.model, "/model", writable=True),
        ),
        limits=_limits(spec, seconds=spec.train_seconds, memory_mb=spec.train_memory_mb),
        labels={"cert-engine.stage": "train"},
        run_labels=labels,
        preload=HARNESS_PRELOAD,
    )


def _predict_spec(
    spec: GradingSpec,
    image: str,
    bundle: BundlePaths,
    workspace: _Workspace,
    labels: dict[str, str],
    splits: tuple[str, ...],
) -> sandbox.RunSpec:
    return sandbox.RunSpec(
        image=image,
        command=("python3", "/harness/run_solution.py", "predict", *splits),
        mounts=(
            *workspace.common_mounts(),
            sandbox.Mount(workspace.model, "/model"),
            sandbox.Mount(_inputs_only(bundle, workspace.scratch, splits), "/data"),
            sandbox.Mount(workspace.output, "/output", writable=True),
        ),
        limits=_limits(spec, seconds=spec.predict_seconds, memory_mb=spec.predict_memory_mb),
        labels={"cert-engine.stage": "predict"},
        run_labels=labels,
        preload=HARNESS_PRELOAD,
    )


def _truncate_log(log: str) -> str:
    if len(log) <= TRAIN_LOG_MAX_CHARS:
        return log
    return "[… truncated …]\n" + log[-TRAIN_LOG_MAX_CHARS:]


def _inputs_only(bundle: BundlePaths, scratch: Path, splits: tuple[str, ...]) -> Path:
    """A folder holding only the *inputs* of ``splits``, copied, so that no label file
    (and, for a project run, no hidden input) is reachable from the predict
    container."""
    data = scratch / "data"
    data.mkdir()
    sources = {"dev": bundle.dev_dir / "X.npy", "test": bundle.test_inputs_dir / "X.npy"}
    for split in splits:
        source = sources[split]
        (data / split).mkdir()
        shutil.copyfile(source, data / split / "X.npy")
        (data / split / "X.npy").chmod(0o644)
        (data / split).chmod(0o755)
    data.chmod(0o755)
    return data


def _limits(spec: GradingSpec, *, seconds: int, memory_mb: int) -> sandbox.Limits:
    return sandbox.Limits(
        wall_seconds=seconds,
        memory_mb=memory_mb,
        cpus=1.0,
        pids=256,
        writable_mb=256,
        gpus=1 if spec.gpu else 0,
    )


def _stage_report(result: sandbox.RunResult) -> StageReport:
    return {
        "verdict": str(result.verdict),
        "exit_code": result.exit_code,
        "wall_seconds": round(result.wall_seconds, 2),
        "cpu_seconds": None if result.cpu_seconds is None else round(result.cpu_seconds, 2),
        "peak_memory_mb": None
        if result.peak_memory_mb is None
        else round(result.peak_memory_mb, 1),
    }


def _failed(
    report: EvaluationReport, result: sandbox.RunResult, *, stage: str, memory_mb: int
) -> EvaluationReport:
    """Records a stage that did not finish. ``memory_mb``: the stage's memory limit."""
    if result.verdict == sandbox.Verdict.SANDBOX_ERROR:
        report["verdict"] = Submission.Verdict.SANDBOX_ERROR
        report["message"] = message("infra_retry", detail=result.detail)
        return report
    report["verdict"] = str(result.verdict)
    report["message"] = _failure_message(result, stage=stage, memory_mb=memory_mb)
    report["passed"] = False
    return report


def _failure_message(result: sandbox.RunResult, *, stage: str, memory_mb: int) -> GradingMessage:
    if result.verdict == sandbox.Verdict.TIME_LIMIT:
        return message("stage_timeout", stage=stage, seconds=int(result.wall_seconds))
    if result.verdict == sandbox.Verdict.MEMORY_LIMIT:
        return message("stage_out_of_memory", stage=stage, memory_mb=memory_mb)
    if result.verdict == sandbox.Verdict.OUTPUT_LIMIT:
        return message("stage_output_limit", stage=stage)
    if stage == "predict":  # its output is never shown: it could carry the hidden inputs
        return message("predict_crashed", exit_code=result.exit_code)
    return message("train_crashed", exit_code=result.exit_code)


def predictions_score(
    *,
    spec: GradingSpec,
    bundle: BundlePaths,
    files: dict[str, bytes],
    splits: tuple[str, ...] = DEV_AND_TEST,
) -> Scores:
    """Parses and scores the predictions in ``files`` for ``splits`` (only their labels
    are read). Returns ``{dev_score, test_score, test_ci_low, test_ci_high, passed}``,
    the hidden-set fields None without "test"; raises InvalidPredictions."""
    scores: dict[str, float] = {}
    parsed: dict[str, tuple[Predictions, Labels]] = {}
    for split in splits:
        labels = bundle.labels(split)
        fmt, data = predictions_file(files, split)
        parsed[split] = (
            predictions_parse(fmt, data, kind=spec.metric.kind, labels=labels),
            labels,
        )
        try:
            scores[split] = spec.metric(*parsed[split], **spec.metric_options)
        except (ValueError, IndexError) as exc:
            raise InvalidPredictions(f"{split}: {exc}") from exc
        if not np.isfinite(scores[split]):
            raise InvalidPredictions(f"{split}: the score is not a number")
    if "test" not in splits:
        return {
            "dev_score": round(scores["dev"], 6),
            "test_score": None,
            "test_ci_low": None,
            "test_ci_high": None,
            "passed": None,
        }
    low, high = bootstrap_ci(spec.metric, *parsed["test"], options=spec.metric_options)
    return {
        "dev_score": round(scores["dev"], 6),
        "test_score": round(scores["test"], 6),
        "test_ci_low": round(low, 6),
        "test_ci_high": round(high, 6),
        "passed": spec.metric.passes(scores["test"], spec.pass_threshold),
    }


def _score(
    report: EvaluationReport,
    *,
    spec: GradingSpec,
    bundle: BundlePaths,
    output_dir: Path,
    splits: tuple[str, ...],
) -> EvaluationReport:
    try:
        files = sandbox.read_output_files(
            output_dir, max_total_bytes=PREDICTIONS_MAX_BYTES, max_files=8
        )
        scores = predictions_score(spec=spec, bundle=bundle, files=files, splits=splits)
    except (InvalidPredictions, sandbox.OutputFileError) as exc:
        report["verdict"] = Submission.Verdict.INVALID_OUTPUT
        report["message"] = message("invalid_predictions", detail=str(exc))
        report["passed"] = False
        return report
    report["dev_score"] = scores["dev_score"]
    report["test_score"] = scores["test_score"]
    report["test_ci_low"] = scores["test_ci_low"]
    report["test_ci_high"] = scores["test_ci_high"]
    report["passed"] = scores["passed"]
    report["verdict"] = Submission.Verdict.OK
    if "test" not in splits:
        report["message"] = message("scored_dev", score=scores["dev_score"])
        return report
    report["message"] = message("graded_passed" if report["passed"] else "graded_below_threshold")
    return report
