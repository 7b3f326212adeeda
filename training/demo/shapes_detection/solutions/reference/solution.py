"""Reference: a small CenterNet-style detector. A fully convolutional network turns a
64×64 scene into 16×16 maps (stride 4): one heatmap per class whose peaks are object
centres (trained with the focal loss against Gaussian bumps), and per cell the
centre's sub-cell offset and the box's width and height (L1 loss, at centres only).
Decoding keeps local maxima of the heatmaps (a 3×3 max-pool instead of NMS), reads the
offset and size there and returns the box with the peak's value as its score.

Trained with the eight flips and quarter turns of each scene (every class keeps its
label, and a box maps to a box exactly). PyTorch, one CPU thread: 20 epochs take
about 80 s on an idle core; on a busy machine it stops at a time budget, with the
learning-rate schedule following the clock, so it always finishes inside the limit."""

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)
CLASSES = 4
SIZE, STRIDE = 64, 4
CELLS = SIZE // STRIDE
EPOCHS = 20
BUDGET_SECONDS = 240.0  # of the 300 s limit: room for start-up, loading and saving
MAX_LR = 0.006
BATCH = 32
L1_WEIGHT = 1.0


def build() -> nn.Module:
    def block(inputs: int, outputs: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(inputs, outputs, 3, stride, padding=dilation, dilation=dilation),
            nn.BatchNorm2d(outputs),
            nn.ReLU(),
        )

    head = nn.Conv2d(32, CLASSES + 4, 1)  # heatmaps, offset x/y, width/height
    with torch.no_grad():  # CenterNet's prior: heatmaps start near 0.1, not 0.5
        head.bias[:CLASSES].fill_(-2.19)
    return nn.Sequential(
        nn.PixelUnshuffle(2),  # 64×64×1 → 32×32×4, no computation
        block(4, 16),
        block(16, 32, stride=2),  # 16×16, the output grid
        block(32, 32),
        block(32, 32, dilation=2),  # dilations: a receptive field as large as an object
        block(32, 32, dilation=4),
        block(32, 32),
        head,
    )


def prepare(images: np.ndarray) -> torch.Tensor:
    """(n, 64, 64) uint8 → (n, 1, 64, 64) float, each scene centred and scaled."""
    x = torch.from_numpy(np.asarray(images, dtype=np.float32) / 255).unsqueeze(1)
    mean = x.mean(dim=(2, 3), keepdim=True)
    return (x - mean) / (x.std(dim=(2, 3), keepdim=True) + 1e-6)


def transform(x: torch.Tensor, boxes: list[np.ndarray], k: int, flip: bool):
    """A quarter turn ``k`` times (counter-clockwise as ``torch.rot90``) and a
    mirror, of the images and of their boxes."""
    if flip:
        x = x.flip(3)
        boxes = [
            np.stack([SIZE - b[:, 2], b[:, 1], SIZE - b[:, 0], b[:, 3], b[:, 4]], 1) for b in boxes
        ]
    for _ in range(k):
        x = torch.rot90(x, 1, dims=(2, 3))  # (row, col) → (SIZE - col, row)
        boxes = [
            np.stack([b[:, 1], SIZE - b[:, 2], b[:, 3], SIZE - b[:, 0], b[:, 4]], 1) for b in boxes
        ]
    return x, boxes


def targets(boxes: list[np.ndarray]) -> tuple[torch.Tensor, ...]:
    """Heatmaps with a Gaussian bump per object (radius from its size), and the
    offset and size at each centre cell with a mask."""
    n = len(boxes)
    heat = np.zeros((n, CLASSES, CELLS, CELLS), np.float32)
    regress = np.zeros((n, 4, CELLS, CELLS), np.float32)
    mask = np.zeros((n, 1, CELLS, CELLS), np.float32)
    grid = np.arange(CELLS, dtype=np.float32)
    for i, image in enumerate(boxes):
        for x1, y1, x2, y2, cls in image:
            cx, cy = (x1 + x2) / 2 / STRIDE, (y1 + y2) / 2 / STRIDE
            ix, iy = min(int(cx), CELLS - 1), min(int(cy), CELLS - 1)
            sigma = max((x2 - x1) / STRIDE, (y2 - y1) / STRIDE) / 6 + 0.3
            bump = np.exp(-((grid[None, :] - ix) ** 2 + (grid[:, None] - iy) ** 2) / (2 * sigma**2))
            heat[i, int(cls)] = np.maximum(heat[i, int(cls)], bump)
            regress[i, :, iy, ix] = (cx - ix, cy - iy, (x2 - x1) / STRIDE, (y2 - y1) / STRIDE)
            mask[i, 0, iy, ix] = 1
    return torch.from_numpy(heat), torch.from_numpy(regress), torch.from_numpy(mask)


def loss_of(output: torch.Tensor, heat: torch.Tensor, regress: torch.Tensor, mask: torch.Tensor):
    """CenterNet's focal loss on the heatmaps plus the L1 loss of offset and size."""
    p = torch.sigmoid(output[:, :CLASSES]).clamp(1e-4, 1 - 1e-4)
    positive = heat.eq(1).float()
    focal = -(
        positive * (1 - p) ** 2 * torch.log(p)
        + (1 - positive) * (1 - heat) ** 4 * p**2 * torch.log(1 - p)
    ).sum()
    count = mask.sum().clamp(min=1)
    l1 = (torch.abs(output[:, CLASSES:] - regress) * mask).sum()
    return (focal + L1_WEIGHT * l1) / count


def step(model, optimiser, x, boxes) -> float:
    k, flip = int(torch.randint(0, 4, (1,))), bool(torch.randint(0, 2, (1,)))
    x, boxes = transform(x, boxes, k, flip)
    loss = loss_of(model(x), *targets(boxes))
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return loss.item()


def learning_rate(progress: float) -> float:
    """Linear warm-up over the first 10 %, then a cosine decay to zero."""
    if progress < 0.1:
        return MAX_LR * progress / 0.1
    return MAX_LR * 0.5 * (1 + math.cos(math.pi * min(1.0, (progress - 0.1) / 0.9)))


def train(train_dir: Path, model_dir: Path) -> None:
    """Trains for EPOCHS or BUDGET_SECONDS, whichever comes first: the schedule
    follows whichever is further along, so a slow or busy machine trains fewer steps
    but still anneals and finishes inside the limit."""
    torch.manual_seed(0)
    X = prepare(np.load(train_dir / "X.npy"))
    labels = json.loads((train_dir / "y.json").read_text())
    boxes = [np.asarray(b, np.float32).reshape(-1, 5) for b in labels]
    model = build()
    optimiser = torch.optim.AdamW(model.parameters(), lr=0.0, weight_decay=1e-4)
    per_epoch = (len(X) + BATCH - 1) // BATCH
    started, steps, progress = time.perf_counter(), 0, 0.0
    for epoch in range(EPOCHS):
        order = torch.randperm(len(X)).tolist()
        total = 0.0
        for start in range(0, len(X), BATCH):
            elapsed = time.perf_counter() - started
            progress = max(steps / (EPOCHS * per_epoch), elapsed / BUDGET_SECONDS)
            if progress >= 1:
                break
            for group in optimiser.param_groups:
                group["lr"] = learning_rate(progress)
            batch = order[start : start + BATCH]
            total += step(model, optimiser, X[batch], [boxes[i] for i in batch])
            steps += 1
        elapsed = time.perf_counter() - started
        print(f"epoch {epoch + 1}: loss {total / per_epoch:.3f} ({elapsed:.0f} s)")
        if progress >= 1:
            print(f"time budget reached after {steps} steps")
            break
    torch.save(model.state_dict(), model_dir / "model.pt")


def decode(output: torch.Tensor, top: int = 30, threshold: float = 0.02) -> list[list[list[float]]]:
    heat = torch.sigmoid(output[:, :CLASSES])
    peaks = heat * (nn.functional.max_pool2d(heat, 3, 1, padding=1) == heat)
    scores, where = peaks.flatten(1).topk(top)
    result = []
    for i in range(len(output)):
        boxes = []
        for score, index in zip(scores[i].tolist(), where[i].tolist(), strict=True):
            if score < threshold:
                break
            cls, cell = divmod(index, CELLS * CELLS)
            iy, ix = divmod(cell, CELLS)
            ox, oy, w, h = output[i, CLASSES:, iy, ix].tolist()
            cx, cy = (ix + ox) * STRIDE, (iy + oy) * STRIDE
            w, h = max(w, 0.0) * STRIDE, max(h, 0.0) * STRIDE
            boxes.append([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, float(cls)])
        result.append(boxes)
    return result


def predict(model_dir: Path, inputs: np.ndarray) -> list[list[list[float]]]:
    model = build()
    model.load_state_dict(torch.load(model_dir / "model.pt", weights_only=True))
    model.eval()
    with torch.no_grad():
        return [box for batch in prepare(inputs).split(256) for box in decode(model(batch))]
