"""Starter code: fill in train() and predict(). See the task statement."""

from pathlib import Path

import numpy as np


def spectrogram(audio: np.ndarray, frame: int = 256, hop: int = 128) -> np.ndarray:
    """Log-magnitude spectrogram, shape (n, frames, frame // 2 + 1)."""
    x = audio.astype(np.float32) / 32768
    frames = np.lib.stride_tricks.sliding_window_view(x, frame, axis=1)[:, ::hop]
    return np.log1p(np.abs(np.fft.rfft(frames * np.hanning(frame), axis=-1)))


def train(train_dir: Path, model_dir: Path) -> None:
    X = np.load(train_dir / "X.npy")
    y = np.load(train_dir / "y.npy")
    print(
        f"{len(X)} clips of {len(set(y.tolist()))} digits, spectrogram shape {spectrogram(X[:1]).shape[1:]}"
    )
    # TODO: train a torch model on the spectrograms and save it in model_dir.


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    return np.zeros(len(inputs), dtype=np.int64)
