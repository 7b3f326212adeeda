"""Starter code (TensorFlow / Keras): fill in train() and predict(). See the task
statement. Runs as it is (and fails): it guesses German for every sentence."""

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)  # the sandbox gives one CPU
tf.config.threading.set_inter_op_parallelism_threads(1)


def train(train_dir: Path, model_dir: Path) -> None:
    texts = np.load(train_dir / "X.npy")
    languages = np.load(train_dir / "y.npy")
    print(f"{len(texts)} sentences in {len(set(languages.tolist()))} languages")
    # TODO: count character n-grams per sentence (hash them into a fixed number of
    # buckets), fit a tf.keras Dense softmax classifier on the counts, and save
    # model.get_weights() as .npy files in model_dir, plus the label list.


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    # TODO: rebuild the model, model.set_weights(...) from the .npy files; return one
    # language code per sentence.
    return np.full(len(inputs), "de")
