"""Starter code (TensorFlow / Keras): fill in train() and predict(). See the task
statement. Runs as it is (and fails): it answers the training set's most common digit
for every clip. The spectrogram below is ready to use."""

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)  # the sandbox gives one CPU
tf.config.threading.set_inter_op_parallelism_threads(1)
BINS = 48


def spectrogram(audio: np.ndarray, frame: int = 256, hop: int = 128) -> np.ndarray:
    """int16 clips (n, 8000) → log spectrograms (n, frames, BINS), float32, each clip
    standardised (zero mean, unit variance): time first, as Keras's Conv1D wants."""
    x = audio.astype(np.float32) / 32768
    frames = np.lib.stride_tricks.sliding_window_view(x, frame, axis=1)[:, ::hop]
    magnitude = np.abs(np.fft.rfft(frames * np.hanning(frame), axis=-1))[:, :, : BINS * 2]
    pooled = magnitude.reshape(*magnitude.shape[:2], BINS, 2).mean(axis=-1)
    spec = np.log1p(pooled * 10)
    standardised = (spec - spec.mean(axis=(1, 2), keepdims=True)) / (
        spec.std(axis=(1, 2), keepdims=True) + 1e-6
    )
    return standardised.astype(np.float32)


def train(train_dir: Path, model_dir: Path) -> None:
    X = spectrogram(np.load(train_dir / "X.npy"))
    y = np.load(train_dir / "y.npy")
    print(f"{len(X)} clips of {len(set(y.tolist()))} digits, spectrogram shape {X.shape[1:]}")
    # TODO: fit a tf.keras model on the spectrograms (Conv1D layers, then
    # GlobalMaxPooling1D and a Dense layer) and save model.get_weights() as .npy files
    # in model_dir (np.save(..., allow_pickle=False)).
    np.save(model_dir / "most_common.npy", np.bincount(y).argmax())


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    # TODO: rebuild the model, model.set_weights(...) from the .npy files; return one
    # digit 0-9 per clip (tf.keras's model.predict(...).argmax(axis=1)).
    return np.full(len(inputs), np.load(model_dir / "most_common.npy"), dtype=np.int64)
