"""Where the files of a bundle are: an unpacked folder, a stored version under
PRIVATE_STORAGE_DIR, or a worker's cached copy of a version kept in a bucket."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from numpy.typing import NDArray

from core.file_cache import cached_files
from core.private_storage import private_is_local
from training.bundles.manifest import MANIFEST, Manifest, manifest_parse
from training.models import BundleVersion, PracticalTask

# y.npy: numbers or strings; y.json: texts or detections (lists of boxes).
Labels = NDArray[Any] | list[Any]


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
        """The reference of the task's default framework (PyTorch for ``any``)."""
        manifest = self.manifest()
        return self.reference_for(manifest.frameworks[0] if manifest else "pytorch")

    def reference_for(self, framework: str) -> Path:
        """``solutions/reference/<framework>/solution.py`` when the bundle has one,
        else the shared ``solutions/reference/solution.py``."""
        shared = self.root / "solutions" / "reference" / "solution.py"
        specific = shared.parent / framework / "solution.py"
        return specific if specific.is_file() else shared

    @property
    def baseline_solution(self) -> Path:
        return self.root / "solutions" / "baseline" / "solution.py"

    def starter_for(self, framework: str) -> Path:
        """``public/starter/<framework>/solution.py`` (framework ``any``), else the
        task's one ``public/starter/solution.py``."""
        shared = self.root / "public" / "starter" / "solution.py"
        specific = shared.parent / framework / "solution.py"
        return specific if specific.is_file() else shared

    def manifest(self) -> Manifest | None:
        path = self.root / MANIFEST
        return manifest_parse(path.read_text(encoding="utf-8")) if path.exists() else None

    def labels(self, split: str) -> Labels:
        return labels_load(self.test_labels_dir if split == "test" else self.dev_dir)


def labels_load(folder: Path) -> Labels:
    """The labels of a split: ``y.npy`` (numbers or strings) or ``y.json`` (texts,
    detections). Trusted bundle material, still read without pickle."""
    if (folder / "y.npy").exists():
        array: NDArray[Any] = np.load(folder / "y.npy", allow_pickle=False)
        return array.astype(np.int64) if array.dtype.kind in "iub" else array
    loaded: list[Any] = json.loads((folder / "y.json").read_text(encoding="utf-8"))
    return loaded


def bundle_paths(task: PracticalTask, version: BundleVersion | None = None) -> BundlePaths:
    """The files of ``version`` (a BundleVersion: the one a submission was graded
    against), else of the task's current bundle."""
    return BundlePaths(root=private_path(version.storage_dir if version else task.bundle_dir))


@contextmanager
def bundle_files(
    task: PracticalTask, version: BundleVersion | None = None
) -> Iterator[BundlePaths]:
    """The files of ``version`` (else the task's current one) in a local folder, for as
    long as the block runs: in place when the private storage is the local folder,
    else the worker's verified cached copy (``core.file_cache``). Raises CacheCorrupt
    when a stored file does not match its recorded SHA-256."""
    if private_is_local():
        yield bundle_paths(task, version)
        return
    stored = version or task.current_version
    if stored is None:
        raise ValueError(f"task {task.slug} has no stored bundle version")
    with cached_files(files=stored.files, prefix=stored.storage_dir) as root:
        yield BundlePaths(root=root)


def private_path(relative: str) -> Path:
    """``relative`` under PRIVATE_STORAGE_DIR; raises ValueError if it would escape."""
    base = Path(settings.PRIVATE_STORAGE_DIR).resolve()
    root = (base / relative).resolve()
    if not root.is_relative_to(base):
        raise ValueError(f"bundle_dir escapes private storage: {relative!r}")
    return root
