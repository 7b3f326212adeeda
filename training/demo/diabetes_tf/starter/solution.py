"""Starter code: fill in train() and predict(). See the task statement."""

from pathlib import Path

import numpy as np


def train(train_dir: Path, model_dir: Path) -> None:
    X, y = np.load(train_dir / "X.npy"), np.load(train_dir / "y.npy")
    print(f"{len(X)} patients, {X.shape[1]} features, mean target {y.mean():.1f}")
    # TODO: build a tf.keras model, fit it, save its weights in model_dir.


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    return np.zeros(len(inputs), dtype=np.float32)
