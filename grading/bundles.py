"""Where a practical task's bundle lives on disk, and what of it may be mounted.

Bundle layout (relative to ``PRIVATE_STORAGE_DIR / task.bundle_dir``)::

    public/statement.md           public/starter/solution.py
    public/train/X.npy, y.npy     public/dev/X.npy, y.npy
    hidden/inputs/X.npy           hidden/labels/y.npy     (labels: never mounted)
    solutions/reference/solution.py

Only ``public/train``, ``public/dev`` (inputs) and ``hidden/inputs`` are ever mounted
into a sandbox; ``hidden/labels`` is read by the worker alone.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from numpy.typing import NDArray

from training.models import PracticalTask


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
    def test_labels_file(self) -> Path:
        return self.root / "hidden" / "labels" / "y.npy"

    @property
    def reference_solution(self) -> Path:
        return self.root / "solutions" / "reference" / "solution.py"

    @property
    def starter_solution(self) -> Path:
        return self.root / "public" / "starter" / "solution.py"

    def labels(self, split: str) -> NDArray[np.int64]:
        path = self.test_labels_file if split == "test" else self.dev_dir / "y.npy"
        return np.load(path, allow_pickle=False).astype(np.int64)


def bundle_paths(task: PracticalTask) -> BundlePaths:
    root = (Path(settings.PRIVATE_STORAGE_DIR) / task.bundle_dir).resolve()
    if not root.is_relative_to(Path(settings.PRIVATE_STORAGE_DIR).resolve()):
        raise ValueError(f"bundle_dir escapes private storage: {task.bundle_dir!r}")
    return BundlePaths(root=root)
