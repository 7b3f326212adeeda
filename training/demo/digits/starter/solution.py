"""Starter code: fill in train() and predict(). See the task statement."""

from pathlib import Path

import numpy as np


def train(train_dir: Path, model_dir: Path) -> None:
    X = np.load(train_dir / "X.npy")
    y = np.load(train_dir / "y.npy")
    print(f"training on {len(X)} images, {len(set(y.tolist()))} classes")
    # TODO: build and train a torch model, then save it under model_dir.


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    # TODO: load the model from model_dir and return one class (0-9) per input.
    return np.zeros(len(inputs), dtype=np.int64)
