"""Starter code: fill in train() and predict(). See the task statement."""

from pathlib import Path

import numpy as np


def train(train_dir: Path, model_dir: Path) -> None:
    texts = np.load(train_dir / "X.npy")
    languages = np.load(train_dir / "y.npy")
    print(f"{len(texts)} sentences in {len(set(languages.tolist()))} languages")
    # TODO: learn character n-gram statistics per language; save them in model_dir.


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    # TODO: return one language code per sentence.
    return np.full(len(inputs), "de")
