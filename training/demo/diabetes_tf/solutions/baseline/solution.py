"""Baseline: always the training mean (R² about 0). Must fail."""

from pathlib import Path

import numpy as np


def train(train_dir: Path, model_dir: Path) -> None:
    np.save(model_dir / "mean.npy", np.load(train_dir / "y.npy").mean(keepdims=True))


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    return np.full(len(inputs), np.load(model_dir / "mean.npy")[0], dtype=np.float32)
