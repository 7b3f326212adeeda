"""Starter code (PyTorch): fill in train() and predict(). See the task statement.
Runs as it is (and fails): it guesses German for every sentence."""

from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)  # the sandbox gives one CPU


def train(train_dir: Path, model_dir: Path) -> None:
    texts = np.load(train_dir / "X.npy")
    languages = np.load(train_dir / "y.npy")
    print(f"{len(texts)} sentences in {len(set(languages.tolist()))} languages")
    # TODO: count character n-grams per sentence (hash them into a fixed number of
    # buckets), train a torch.nn.Linear classifier on the counts, and save its weights
    # with torch.save(model.state_dict(), model_dir / "model.pt"), plus the label list.


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    # TODO: load the weights (torch.load(..., weights_only=True)); return one language
    # code per sentence.
    return np.full(len(inputs), "de")
