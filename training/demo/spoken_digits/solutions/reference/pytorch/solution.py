"""Reference: log spectrogram → two 1-D convolutions over time → global max pooling
(insensitive to where the word is) → linear classifier. PyTorch, CPU, a minute."""

from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)
BINS = 48


def spectrogram(audio: np.ndarray, frame: int = 256, hop: int = 128) -> np.ndarray:
    x = audio.astype(np.float32) / 32768
    frames = np.lib.stride_tricks.sliding_window_view(x, frame, axis=1)[:, ::hop]
    magnitude = np.abs(np.fft.rfft(frames * np.hanning(frame), axis=-1))[:, :, : BINS * 2]
    pooled = magnitude.reshape(*magnitude.shape[:2], BINS, 2).mean(axis=-1)
    spec = np.log1p(pooled * 10).transpose(0, 2, 1)  # (n, bins, frames)
    return (spec - spec.mean(axis=(1, 2), keepdims=True)) / (
        spec.std(axis=(1, 2), keepdims=True) + 1e-6
    )


def build() -> nn.Module:
    return nn.Sequential(
        nn.Conv1d(BINS, 64, 5, padding=2),
        nn.ReLU(),
        nn.Conv1d(64, 64, 5, padding=2),
        nn.ReLU(),
        nn.AdaptiveMaxPool1d(1),
        nn.Flatten(),
        nn.Linear(64, 10),
    )


def train(train_dir: Path, model_dir: Path) -> None:
    torch.manual_seed(0)
    X = torch.from_numpy(spectrogram(np.load(train_dir / "X.npy"))).float()
    y = torch.from_numpy(np.load(train_dir / "y.npy")).long()
    model = build()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.003)
    for epoch in range(15):
        order = torch.randperm(len(X))
        for start in range(0, len(X), 32):
            batch = order[start : start + 32]
            loss = nn.functional.cross_entropy(model(X[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        if (epoch + 1) % 5 == 0:
            print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
    torch.save(model.state_dict(), model_dir / "model.pt")


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    model = build()
    model.load_state_dict(torch.load(model_dir / "model.pt", weights_only=True))
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(spectrogram(inputs)).float()).argmax(dim=1).numpy()
