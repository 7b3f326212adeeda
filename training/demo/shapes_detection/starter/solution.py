"""Starter code: runs as it is, and fails. It learns one heatmap per class on a coarse
grid for one epoch and puts a fixed 16×16 box on each peak. Make it a real detector:
regress each box's size and the centre's offset, train longer, augment (see the task
statement's hints)."""

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)  # the sandbox gives one CPU
CLASSES = 4  # circle, square, triangle, cross
STRIDE, CELLS = 8, 8  # 64×64 scenes, an 8×8 output grid


def build() -> nn.Module:
    # TODO: deeper, a finer grid (stride 4), more outputs: offset x/y, width, height.
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(STRIDE),
        nn.Conv2d(16, CLASSES, 3, padding=1),
    )


def prepare(images: np.ndarray) -> torch.Tensor:
    """(n, 64, 64) uint8 → (n, 1, 64, 64) float, each scene centred and scaled."""
    x = torch.from_numpy(images).float().unsqueeze(1)
    return (x - x.mean(dim=(2, 3), keepdim=True)) / (x.std(dim=(2, 3), keepdim=True) + 1e-6)


def heatmaps(labels: list[list[list[float]]]) -> torch.Tensor:
    """1 at the grid cell holding each object's centre, per class."""
    heat = torch.zeros(len(labels), CLASSES, CELLS, CELLS)
    for i, boxes in enumerate(labels):
        for x1, y1, x2, y2, cls in boxes:
            ix = min(int((x1 + x2) / 2 / STRIDE), CELLS - 1)
            iy = min(int((y1 + y2) / 2 / STRIDE), CELLS - 1)
            heat[i, int(cls), iy, ix] = 1
    return heat


def train(train_dir: Path, model_dir: Path) -> None:
    X = prepare(np.load(train_dir / "X.npy"))
    labels = json.loads((train_dir / "y.json").read_text())  # per image: [x1, y1, x2, y2, class]
    print(f"training on {len(X)} scenes, {sum(map(len, labels))} objects")
    heat = heatmaps(labels)
    torch.manual_seed(0)
    model = build()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.003)
    for start in range(0, len(X), 32):  # TODO: more epochs, flips and quarter turns
        logits = model(X[start : start + 32])
        loss = nn.functional.binary_cross_entropy_with_logits(
            logits,
            heat[start : start + 32],
            pos_weight=torch.tensor(20.0),  # centres are rare
        )
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    print(f"last batch loss {loss.item():.3f}")
    torch.save(model.state_dict(), model_dir / "model.pt")  # weights only, no pickle


def predict(model_dir: Path, inputs: np.ndarray) -> list[list[list[float]]]:
    model = build()
    model.load_state_dict(torch.load(model_dir / "model.pt", weights_only=True))
    model.eval()
    with torch.no_grad():
        heat = torch.sigmoid(model(prepare(inputs)))
    result = []  # per scene a list of [x1, y1, x2, y2, score, class]
    for scene in heat:
        scores, where = scene.flatten().topk(10)
        boxes = []
        for score, index in zip(scores.tolist(), where.tolist(), strict=True):
            cls, cell = divmod(index, CELLS * CELLS)
            cy, cx = (divmod(cell, CELLS)[0] + 0.5) * STRIDE, (cell % CELLS + 0.5) * STRIDE
            boxes.append([cx - 8, cy - 8, cx + 8, cy + 8, score, float(cls)])  # TODO: real sizes
        result.append(boxes)
    return result
