"""Versioned private storage of task bundles.

``bundle_upload`` validates an archive or folder, has it trial-run (when given a
trial: grading's ``bundle_trial`` runs reference and baseline in the sandbox) and
stores an accepted bundle under ``PRIVATE_STORAGE_DIR/bundles/<slug>/v<N>-<hash>/``
as a new :class:`training.models.BundleVersion`.
"""

import io
import os
import shutil
import tomllib
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import Max

from core.private_storage import (
    private_is_local,
    private_open,
    private_save,
    private_sha256,
    private_walk,
)
from training.bundles.archive import bundle_extract, file_checksums, listing_hash
from training.bundles.manifest import MANIFEST, Manifest
from training.bundles.paths import bundle_paths, private_path
from training.bundles.validation import bundle_validate
from training.models import BundleVersion, PracticalTask

# Per solution ("reference", "baseline"): verdict, dev_score, test_score, passed, stages.
TrialReport = dict[str, dict[str, Any]]


# Told the stage a bundle upload has reached: ("validate" | a trial solution's name |
# "store", steps done, steps in all); the steps are the trial's solutions.
StageReport = Callable[[str, int, int], None]


class BundleTrial(Protocol):
    """Runs an unpacked bundle's reference and baseline solutions. Returns their
    reports; raises BundleRefused unless the reference passes and the baseline runs
    and fails; tells ``progress`` before each solution runs. grading provides it
    (``grading.bundle_trial.bundle_trial``)."""

    def __call__(
        self, *, root: Path, manifest: Manifest, progress: StageReport | None = None
    ) -> TrialReport: ...


def bundle_upload(
    *,
    source: Path,
    uploaded_by: User | None = None,
    trial: BundleTrial | None,
    progress: StageReport | None = None,
) -> BundleVersion:
    """Validates the bundle at ``source`` (a folder, .tar.gz or .zip), runs ``trial``
    on it unless that is None, and stores it as the next version of its task (created
    from the manifest when new). Returns the version. Raises BundleRefused with the
    reason; nothing is stored then. Uploading the same content again stores a new
    version row that reuses the identical folder. ``progress`` hears each stage."""
    report_stage = progress or (lambda stage, done, total: None)
    storage = Path(settings.PRIVATE_STORAGE_DIR)
    staging = storage / "bundles" / ".staging" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        report_stage("validate", 0, 0)
        bundle_extract(source, staging, max_bytes=getattr(settings, "BUNDLE_MAX_BYTES", 512 << 20))
        manifest, sums = bundle_validate(staging)
        report: TrialReport = {}
        if trial is not None:
            report = trial(root=staging, manifest=manifest, progress=progress)
        report_stage("store", len(report), len(report))
        return _store(staging, manifest, sums, report, uploaded_by)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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


def _publish_version(staging: Path, relative: str, sums: dict[str, str]) -> None:
    """Stores the staged files as ``relative``: the folder moved into place when the
    private storage is local, else each file uploaded to the storage (written before
    the version row: a rollback may leave orphan files, never a row without files)."""
    if private_is_local():
        _publish(staging, private_path(relative), sums)
        return
    for name in sorted(sums):
        with (staging / name).open("rb") as handle:
            private_save(f"{relative}/{name}", File(handle))


def _task_fields(manifest: Manifest, statement: str) -> dict[str, Any]:
    """The task's fields as the manifest and statement set them."""
    return {
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


@transaction.atomic
def _store(
    staging: Path,
    manifest: Manifest,
    sums: dict[str, str],
    trial: TrialReport,
    uploaded_by: User | None,
) -> BundleVersion:
    task = PracticalTask.objects.select_for_update().filter(slug=manifest.slug).first()
    statement = (staging / "public/statement.md").read_text(encoding="utf-8")
    fields = _task_fields(manifest, statement)
    if task is None:
        task = PracticalTask.objects.create(slug=manifest.slug, bundle_dir="", **fields)
    number = (task.bundle_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    digest = listing_hash(sums)
    relative = f"bundles/{manifest.slug}/v{number}-{digest[:12]}"
    size_bytes = sum((staging / name).stat().st_size for name in sums)
    manifest_data = tomllib.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    _publish_version(staging, relative, sums)
    version = BundleVersion.objects.create(
        task=task,
        number=number,
        storage_dir=relative,
        sha256=digest,
        size_bytes=size_bytes,
        files=sums,
        manifest=manifest_data,
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
    if private_is_local():
        actual = file_checksums(private_path(version.storage_dir))
    else:
        prefix = version.storage_dir
        actual = {name: private_sha256(f"{prefix}/{name}") for name in private_walk(prefix)}
    names = set(actual) | set(version.files)
    return sorted(n for n in names if actual.get(n) != version.files.get(n))


def bundle_public_archive(task: PracticalTask) -> bytes:
    """A zip of the task's public material (statement, starter code, check script,
    training data, dev set) for candidates to download. Never anything outside
    ``public/``: no hidden material, no solutions, no manifest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if private_is_local():
            public = bundle_paths(task).root / "public"
            for path in sorted(public.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.write(path, f"{task.slug}/public/{path.relative_to(public).as_posix()}")
        elif task.current_version is not None:
            version = task.current_version
            for name in sorted(n for n in version.files if n.startswith("public/")):
                with private_open(f"{version.storage_dir}/{name}") as handle:
                    archive.writestr(f"{task.slug}/{name}", handle.read())
    return buffer.getvalue()
