"""Task bundles: the ``task.toml`` manifest, validation, private versioned storage.

Layout of a bundle (docs/practical.md)::

    task.toml                                   the manifest (schema: MANIFEST_SCHEMA)
    SHA256SUMS                                  optional: ``sha256sum`` lines, all checked
    public/statement.md                         shown to candidates
    public/starter/solution.py                  starter code (downloadable)
    public/check.py                             optional: a check candidates run at home
    public/train/...                            training data (mounted read-only in train)
    public/dev/X.npy, public/dev/y.npy|y.json   the dev set (scores shown)
    hidden/inputs/X.npy                         hidden test inputs (mounted in predict)
    hidden/labels/y.npy|y.json                  hidden labels: read by the worker alone
    solutions/reference/solution.py             must pass the trial run
    solutions/baseline/solution.py              must run and fail the threshold

``bundle_upload`` validates an archive or folder, trial-runs reference and baseline
in the sandbox, and stores an accepted bundle under ``PRIVATE_STORAGE_DIR/bundles/
<slug>/v<N>-<hash>/`` as a new :class:`training.models.BundleVersion`. Nothing under
PRIVATE_STORAGE_DIR is ever served over HTTP.
"""

import hashlib
import os
import shutil
import tarfile
import tempfile
import tomllib
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from core.errors import ApplicationError
from grading.metrics import METRICS, Metric
from grading.predictions import labels_load
from training.models import BundleVersion, PracticalTask

MANIFEST = "task.toml"
CHECKSUMS = "SHA256SUMS"
FRAMEWORKS = {"pytorch", "tensorflow", "any"}
REQUIRED_FILES = (
    MANIFEST,
    "public/statement.md",
    "public/starter/solution.py",
    "public/dev/X.npy",
    "hidden/inputs/X.npy",
    "solutions/reference/solution.py",
    "solutions/baseline/solution.py",
)
MAX_FILES = 20_000
MAX_STAGE_SECONDS = 4 * 60 * 60
MAX_STAGE_MEMORY_MB = 64 * 1024

# key: (type, required). Unknown keys are refused so that typos do not pass silently.
MANIFEST_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "task": {
        "slug": (str, True),
        "title": (str, True),
        "framework": (str, True),
        "image": (str, False),
        "gpu": (bool, False),
        "submission_quota": (int, False),
        "show_hidden_score": (bool, False),
    },
    "metric": {
        "name": (str, True),
        "pass_threshold": ((int, float), True),
        "options": (dict, False),
    },
    "limits": {"train": (dict, True), "predict": (dict, True)},
}
STAGE_LIMIT_KEYS = {"seconds": int, "memory_mb": int}


class BundleRefused(ApplicationError):
    code = "bundle_refused"


def _run_budget_seconds() -> int:
    """Both stages of one run must end well inside the Celery task's soft time limit
    (and so inside the broker's visibility timeout, or Redis would hand the task to a
    second worker while the first still runs)."""
    return int(getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", 3300)) - 300


@dataclass(frozen=True)
class Manifest:
    slug: str
    title: str
    framework: str
    image: str
    gpu: bool
    submission_quota: int
    show_hidden_score: bool
    metric: str
    metric_options: dict[str, Any]
    pass_threshold: float
    train_seconds: int
    train_memory_mb: int
    predict_seconds: int
    predict_memory_mb: int

    @property
    def scorer(self) -> Metric:
        return METRICS[self.metric]


def manifest_parse(text: str) -> Manifest:
    """Parses and checks ``task.toml``. Raises BundleRefused naming the bad key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BundleRefused(f"task.toml is not valid TOML: {exc}") from exc
    unknown = set(data) - set(MANIFEST_SCHEMA)
    if unknown:
        raise BundleRefused(f"task.toml: unknown table(s) {sorted(unknown)}")
    for table, keys in MANIFEST_SCHEMA.items():
        section = data.get(table)
        if not isinstance(section, dict):
            raise BundleRefused(f"task.toml: missing table [{table}]")
        if set(section) - set(keys):
            raise BundleRefused(
                f"task.toml: unknown key(s) in [{table}]: {sorted(set(section) - set(keys))}"
            )
        for key, (kind, required) in keys.items():
            if key not in section:
                if required:
                    raise BundleRefused(f"task.toml: [{table}] needs {key}")
                continue
            value = section[key]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise BundleRefused(f"task.toml: [{table}] {key} has the wrong type")
    task, metric, limits = data["task"], data["metric"], data["limits"]
    stages = {}
    for stage in ("train", "predict"):
        values = limits[stage]
        if set(values) != set(STAGE_LIMIT_KEYS) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values.values()
        ):
            raise BundleRefused(
                f"task.toml: [limits.{stage}] needs positive integers seconds and memory_mb"
            )
        if values["seconds"] > MAX_STAGE_SECONDS or values["memory_mb"] > MAX_STAGE_MEMORY_MB:
            raise BundleRefused(f"task.toml: [limits.{stage}] is above the site's maximum")
        stages[stage] = values
    budget = _run_budget_seconds()
    if stages["train"]["seconds"] + stages["predict"]["seconds"] > budget:
        raise BundleRefused(
            f"task.toml: train + predict seconds must not exceed {budget} "
            "(the worker's task time limit, which stays below the broker's visibility timeout)"
        )
    slug = task["slug"]
    if not slug or not all(c.isalnum() or c in "-_" for c in slug) or len(slug) > 50:
        raise BundleRefused("task.toml: slug must be letters, digits, - or _ (at most 50)")
    if task["framework"] not in FRAMEWORKS:
        raise BundleRefused(f"task.toml: framework must be one of {sorted(FRAMEWORKS)}")
    if metric["name"] not in METRICS:
        raise BundleRefused(
            f"task.toml: unknown metric {metric['name']!r}; one of {sorted(METRICS)}"
        )
    threshold = float(metric["pass_threshold"])
    if not np.isfinite(threshold) or threshold < 0:
        raise BundleRefused("task.toml: pass_threshold must be a non-negative number")
    quota = task.get("submission_quota", 5)
    if not 1 <= quota <= 100:
        raise BundleRefused("task.toml: submission_quota must be between 1 and 100")
    return Manifest(
        slug=slug,
        title=task["title"],
        framework=task["framework"],
        image=task.get("image", ""),
        gpu=task.get("gpu", False),
        submission_quota=quota,
        show_hidden_score=task.get("show_hidden_score", False),
        metric=metric["name"],
        metric_options=metric.get("options", {}),
        pass_threshold=threshold,
        train_seconds=stages["train"]["seconds"],
        train_memory_mb=stages["train"]["memory_mb"],
        predict_seconds=stages["predict"]["seconds"],
        predict_memory_mb=stages["predict"]["memory_mb"],
    )


@dataclass(frozen=True)
class BundlePaths:
    root: Path

    @property
    def train_dir(self) -> Path:
        return self.root / "public" / "train"

    @property
    def dev_dir(self) -> Path:
        return self.root / "public" / "dev"

    @property
    def test_inputs_dir(self) -> Path:
        return self.root / "hidden" / "inputs"

    @property
    def test_labels_dir(self) -> Path:
        return self.root / "hidden" / "labels"

    @property
    def test_labels_file(self) -> Path:
        npy = self.test_labels_dir / "y.npy"
        return npy if npy.exists() else self.test_labels_dir / "y.json"

    @property
    def reference_solution(self) -> Path:
        return self.root / "solutions" / "reference" / "solution.py"

    @property
    def baseline_solution(self) -> Path:
        return self.root / "solutions" / "baseline" / "solution.py"

    @property
    def starter_solution(self) -> Path:
        return self.root / "public" / "starter" / "solution.py"

    def manifest(self) -> Manifest | None:
        path = self.root / MANIFEST
        return manifest_parse(path.read_text(encoding="utf-8")) if path.exists() else None

    def labels(self, split: str) -> Any:
        return labels_load(self.test_labels_dir if split == "test" else self.dev_dir)


def bundle_paths(task: PracticalTask, version: BundleVersion | None = None) -> BundlePaths:
    """The files of ``version`` (a BundleVersion: the one a submission was graded
    against), else of the task's current bundle."""
    return BundlePaths(root=_private_path(version.storage_dir if version else task.bundle_dir))


def _private_path(relative: str) -> Path:
    base = Path(settings.PRIVATE_STORAGE_DIR).resolve()
    root = (base / relative).resolve()
    if not root.is_relative_to(base):
        raise ValueError(f"bundle_dir escapes private storage: {relative!r}")
    return root


def file_checksums(root: Path) -> dict[str, str]:
    """``{relative posix path: sha256}`` of every regular file under ``root``."""
    sums = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            sums[path.relative_to(root).as_posix()] = digest.hexdigest()
    return sums


def listing_hash(sums: dict[str, str]) -> str:
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    return hashlib.sha256(listing.encode()).hexdigest()


def _extract(source: Path, into: Path, *, max_bytes: int) -> None:
    """Unpacks a .tar(.gz) or .zip, or copies a folder, refusing links, devices,
    absolute or ``..`` paths, too many files and too many bytes."""
    total, count = 0, 0

    def check(name: str, size: int) -> Path:
        nonlocal total, count
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise BundleRefused(f"unsafe path in bundle: {name!r}")
        total += size
        count += 1
        if total > max_bytes:
            raise BundleRefused(f"bundle larger than {max_bytes // (1 << 20)} MiB")
        if count > MAX_FILES:
            raise BundleRefused(f"bundle has more than {MAX_FILES} files")
        return into / Path(*path.parts)

    if source.is_dir():
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source).as_posix()
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                raise BundleRefused(f"links and special files are not allowed: {relative}")
            if path.is_file():
                target = check(relative, path.stat().st_size)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        return
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zipped:
            for info in zipped.infolist():
                if info.is_dir():
                    continue
                mode = (info.external_attr >> 16) & 0o170000
                if mode not in (0, 0o100000):
                    raise BundleRefused(f"links and special files are not allowed: {info.filename}")
                target = check(info.filename, info.file_size)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(info) as src, target.open("wb") as dst:
                    _copy_capped(src, dst, info.file_size)
        return
    try:
        archive = tarfile.open(source)  # noqa: SIM115 (closed below)
    except tarfile.TarError as exc:
        raise BundleRefused("upload a .tar.gz or .zip archive of the bundle") from exc
    with archive:
        for member in archive.getmembers():
            if member.isdir():
                continue
            if not member.isfile():
                raise BundleRefused(f"links and special files are not allowed: {member.name}")
            target = check(member.name, member.size)
            target.parent.mkdir(parents=True, exist_ok=True)
            extracted = archive.extractfile(member)
            assert extracted is not None
            with extracted, target.open("wb") as dst:
                _copy_capped(extracted, dst, member.size)


def _copy_capped(src: Any, dst: Any, declared: int) -> None:
    written = 0
    for chunk in iter(lambda: src.read(1 << 20), b""):
        written += len(chunk)
        if written > declared:
            raise BundleRefused("archive member larger than declared")
        dst.write(chunk)


def bundle_validate(root: Path) -> tuple[Manifest, dict[str, str]]:
    """Checks an unpacked bundle: required files, manifest, checksums, array shapes.
    Returns the manifest and the checksums of every file. Raises BundleRefused."""
    missing = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    paths = BundlePaths(root)
    if not (paths.train_dir.is_dir() and any(paths.train_dir.iterdir())):
        missing.append("public/train/ (training data)")
    for folder in (paths.dev_dir, paths.test_labels_dir):
        if not ((folder / "y.npy").is_file() or (folder / "y.json").is_file()):
            missing.append(f"{folder.relative_to(root)}/y.npy or y.json")
    if missing:
        raise BundleRefused(f"bundle lacks {', '.join(missing)}")
    manifest = manifest_parse((root / MANIFEST).read_text(encoding="utf-8"))
    extra = sorted(p.name for p in paths.test_inputs_dir.iterdir() if p.name != "X.npy")
    if extra:
        raise BundleRefused(f"hidden/inputs may hold only X.npy (found {extra})")
    sums = file_checksums(root)
    if CHECKSUMS in sums:
        declared = {}
        for line in (root / CHECKSUMS).read_text(encoding="utf-8").splitlines():
            if line.strip():
                digest, _, name = line.partition("  ")
                declared[name.strip().removeprefix("./")] = digest.strip().lower()
        actual = {k: v for k, v in sums.items() if k != CHECKSUMS}
        wrong = sorted(n for n in declared if actual.get(n) != declared[n])
        unlisted = sorted(set(actual) - set(declared))
        if wrong or unlisted:
            raise BundleRefused(
                f"SHA256SUMS does not match: wrong {wrong[:5]}, unlisted {unlisted[:5]}"
            )
    for split, inputs in (
        ("dev", paths.dev_dir / "X.npy"),
        ("test", paths.test_inputs_dir / "X.npy"),
    ):
        try:
            x = np.load(inputs, allow_pickle=False, mmap_mode="r")
            y = paths.labels(split)
        except (ValueError, OSError) as exc:
            raise BundleRefused(f"{split} set cannot be read without pickle: {exc}") from exc
        if len(x) != len(y) or len(y) == 0:
            raise BundleRefused(f"{split} set: {len(x)} inputs but {len(y)} labels")
    return manifest, sums


def bundle_upload(*, source: Path, uploaded_by: Any = None, trial: bool = True) -> BundleVersion:
    """Validates the bundle at ``source`` (a folder, .tar.gz or .zip), trial-runs its
    reference (must pass) and baseline (must run and fail) unless ``trial`` is off,
    and stores it as the next version of its task (created from the manifest when
    new). Returns the version. Raises BundleRefused with the reason; nothing is
    stored then. Uploading the same content again stores a new version row that
    reuses the identical folder."""
    storage = Path(settings.PRIVATE_STORAGE_DIR)
    staging = storage / "bundles" / ".staging" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        _extract(source, staging, max_bytes=getattr(settings, "BUNDLE_MAX_BYTES", 512 << 20))
        manifest, sums = bundle_validate(staging)
        report: dict[str, Any] = {}
        if trial:
            report = bundle_trial(root=staging, manifest=manifest)
        return _store(staging, manifest, sums, report, uploaded_by)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def bundle_trial(*, root: Path, manifest: Manifest) -> dict[str, Any]:
    """Runs the reference and the baseline through the real pipeline. Returns both
    reports; raises BundleRefused unless the reference passes and the baseline runs
    and fails."""
    from grading.practical import GradingSpec, practical_evaluate

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
    return {
        name: {k: r[k] for k in ("verdict", "dev_score", "test_score", "passed", "stages")}
        for name, r in reports.items()
    }


def _scratch(root: Path) -> Path:
    scratch = root.parent.parent / ".scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    return scratch


def _publish(staging: Path, final: Path, sums: dict[str, str]) -> None:
    """Moves the staged bundle into its final folder (readable by the sandbox user,
    read-only), or keeps an identical folder that is already there."""
    if final.exists():
        if file_checksums(final) == sums:
            return
        shutil.rmtree(final)
    for path in staging.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    staging.chmod(0o755)
    final.parent.mkdir(parents=True, exist_ok=True)
    for parent in (final.parent, final.parent.parent):
        parent.chmod(0o755)
    os.replace(staging, final)
    staging.mkdir()  # the caller removes it


@transaction.atomic
def _store(
    staging: Path, manifest: Manifest, sums: dict[str, str], trial: dict[str, Any], uploaded_by: Any
) -> BundleVersion:
    task = PracticalTask.objects.select_for_update().filter(slug=manifest.slug).first()
    statement = (staging / "public/statement.md").read_text(encoding="utf-8")
    fields = {
        "title": manifest.title,
        "statement": statement,
        "framework": manifest.framework,
        "image": manifest.image,
        "gpu": manifest.gpu,
        "metric": manifest.metric,
        "metric_options": manifest.metric_options,
        "pass_threshold": manifest.pass_threshold,
        "train_seconds": manifest.train_seconds,
        "predict_seconds": manifest.predict_seconds,
        "memory_mb": max(manifest.train_memory_mb, manifest.predict_memory_mb),
        "submission_quota": manifest.submission_quota,
        "show_test_score": manifest.show_hidden_score,
    }
    if task is None:
        task = PracticalTask.objects.create(slug=manifest.slug, bundle_dir="", **fields)
    number = (task.bundle_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    digest = listing_hash(sums)
    relative = f"bundles/{manifest.slug}/v{number}-{digest[:12]}"
    _publish(staging, _private_path(relative), sums)
    version = BundleVersion.objects.create(
        task=task,
        number=number,
        storage_dir=relative,
        sha256=digest,
        size_bytes=sum((_private_path(relative) / name).stat().st_size for name in sums),
        files=sums,
        manifest=tomllib.loads((_private_path(relative) / MANIFEST).read_text(encoding="utf-8")),
        trial=trial,
        uploaded_by=uploaded_by,
    )
    for name, value in fields.items():
        setattr(task, name, value)
    task.bundle_dir = relative
    task.current_version = version
    task.save(update_fields=[*fields, "bundle_dir", "current_version"])
    return version


def bundle_verify(version: BundleVersion) -> list[str]:
    """Files of a stored version whose checksum no longer matches (or that vanished
    or appeared). Empty when the bundle is intact."""
    actual = file_checksums(_private_path(version.storage_dir))
    names = set(actual) | set(version.files)
    return sorted(n for n in names if actual.get(n) != version.files.get(n))


def bundle_public_archive(task: PracticalTask) -> bytes:
    """A zip of the task's public material (statement, starter code, check script,
    training data, dev set) for candidates to download. Never anything outside
    ``public/``: no hidden material, no solutions, no manifest."""
    import io

    public = bundle_paths(task).root / "public"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(public.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.write(path, f"{task.slug}/public/{path.relative_to(public).as_posix()}")
    return buffer.getvalue()
