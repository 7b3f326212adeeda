"""Builds the demo practical task bundle from the sklearn digits data set (shipped
inside scikit-learn, so no download). Deterministic: the same split every time."""

import shutil
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

DIGITS_SOURCE = Path(__file__).resolve().parent / "digits"


def digits_bundle_write(root: Path) -> None:
    """Writes the bundle (layout in grading/bundles.py) under ``root``, replacing
    what was there. Hidden labels go to hidden/labels only."""
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(2026).permutation(len(X))
    test, dev, train = order[:360], order[360:540], order[540:]
    if root.exists():
        shutil.rmtree(root)
    layout = {
        "public/train": (X[train], y[train]),
        "public/dev": (X[dev], y[dev]),
    }
    for folder, (inputs, labels) in layout.items():
        (root / folder).mkdir(parents=True)
        np.save(root / folder / "X.npy", inputs)
        np.save(root / folder / "y.npy", labels)
    (root / "hidden/inputs").mkdir(parents=True)
    (root / "hidden/labels").mkdir(parents=True)
    np.save(root / "hidden/inputs/X.npy", X[test])
    np.save(root / "hidden/labels/y.npy", y[test])
    shutil.copyfile(DIGITS_SOURCE / "statement.md", root / "public/statement.md")
    shutil.copytree(DIGITS_SOURCE / "starter", root / "public/starter")
    shutil.copytree(DIGITS_SOURCE / "solutions", root / "solutions")
