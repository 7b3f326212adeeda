"""Generates the shapes-detection data set with NumPy only: 64×64 greyscale scenes,
each holding two to five objects (circle, square, triangle, cross) of random size,
position and rotation, filled or outlined, brighter or darker than the background,
allowed to touch and partly overlap (the one drawn later on top), on a background with
a brightness gradient, distractor strokes and dots, and Gaussian noise. Each object's
label is its box ``[x1, y1, x2, y2, class]`` in pixels (0–64, the tight box of the
drawn shape) and the class index in the order of ``CLASSES``. Deterministic for a
given seed.

    python -m training.demo.shapes_detection.generate OUT.npz

writes ``X`` (uint8, (n, 64, 64)) and ``boxes`` (float32, (objects, 6): image index,
then the box). The demo bundle builder calls ``bundle_data_write`` (the splits, the
labels as JSON) and caches the bundle by hash.
"""

import json
import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from training.demo.shapes.generate import distance_inside, outline

CLASSES = ("circle", "square", "triangle", "cross")
SIZE = 64
IMAGES = 2400
SPLITS = {"test": 600, "dev": 200}  # the rest trains
MAX_OVERLAP = 0.25  # IoU of two objects' boxes at most

_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5
_PIXELS = np.stack([_XX.ravel(), _YY.ravel()], axis=1)
Box = list[float]


def _iou(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _shape(label: int, rng: np.random.Generator) -> tuple[NDArray[np.float64], float]:
    """A polygon of class ``label`` at a random size, rotation and slight stretch
    (around the origin), and its stroke width (0: filled)."""
    radius = rng.uniform(5.5, 13.0)
    angle = rng.uniform(0, 2 * np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    stretch = 1 + rng.uniform(-0.1, 0.1, size=2)
    stroke = 0.0 if rng.random() < 0.55 else rng.uniform(1.5, 2.8)
    return outline(label) @ rotation.T * radius * stretch, stroke


def _coverage(polygon: NDArray[np.float64], stroke: float) -> NDArray[np.float64]:
    """Anti-aliased coverage (0–1) of the filled or outlined polygon per pixel,
    computed in a window around it (the rest is 0)."""
    low = np.floor(polygon.min(axis=0) - stroke / 2 - 1).clip(0, SIZE).astype(int)
    high = np.ceil(polygon.max(axis=0) + stroke / 2 + 1).clip(0, SIZE).astype(int)
    window = (slice(low[1], high[1]), slice(low[0], high[0]))
    points = np.stack([_XX[window].ravel(), _YY[window].ravel()], axis=1)
    distance, inside = distance_inside(points, polygon)
    if stroke == 0:
        cover = np.clip(0.5 - np.where(inside, -distance, distance), 0, 1)
    else:
        cover = np.clip(stroke / 2 + 0.5 - distance, 0, 1)
    result = np.zeros((SIZE, SIZE))
    result[window] = cover.reshape(high[1] - low[1], high[0] - low[0])
    return result


def render(rng: np.random.Generator) -> tuple[NDArray[np.uint8], list[Box]]:
    """One scene and its boxes ``[x1, y1, x2, y2, class]``."""
    gradient = rng.normal(0, 0.004, size=2)
    level = rng.uniform(0.25, 0.6)
    image = level + gradient[0] * (_XX - SIZE / 2) + gradient[1] * (_YY - SIZE / 2)
    for _ in range(rng.integers(1, 5)):  # distractor strokes, under the objects
        ends = rng.uniform(0, SIZE, size=(2, 2))
        d, _inside = distance_inside(_PIXELS, ends)
        cover = np.clip(rng.uniform(0.7, 1.5) / 2 + 0.5 - d, 0, 1).reshape(SIZE, SIZE)
        image += rng.choice([-1, 1]) * rng.uniform(0.1, 0.3) * cover
    boxes: list[Box] = []
    for _ in range(rng.integers(2, 6)):
        for _attempt in range(30):
            label = int(rng.integers(0, len(CLASSES)))
            polygon, stroke = _shape(label, rng)
            low, high = polygon.min(axis=0) - stroke / 2, polygon.max(axis=0) + stroke / 2
            centre = rng.uniform(-low + 0.5, SIZE - high - 0.5)
            box = [*(low + centre), *(high + centre), float(label)]
            if all(_iou(box, other) <= MAX_OVERLAP for other in boxes):
                break
        else:
            continue  # no room left for another object
        cover = _coverage(polygon + centre, stroke)
        value = level + rng.choice([-1, 1]) * rng.uniform(0.3, 0.5)
        image = image * (1 - cover) + value * cover
        boxes.append([round(float(v), 2) for v in box])
    for _ in range(rng.integers(0, 8)):  # dots
        x, y = rng.integers(0, SIZE - 1, size=2)
        image[y : y + 2, x : x + 2] += rng.choice([-1, 1]) * rng.uniform(0.2, 0.4)
    image += rng.normal(0, rng.uniform(0.03, 0.07), size=image.shape)
    pixels: NDArray[np.uint8] = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    return pixels, boxes


def generate(seed: int = 2026, images: int = IMAGES) -> tuple[NDArray[np.uint8], list[list[Box]]]:
    """``images`` scenes and, per scene, its list of boxes."""
    rng = np.random.default_rng(seed)
    scenes = [render(rng) for _ in range(images)]
    return np.stack([x for x, _ in scenes]), [b for _, b in scenes]


def bundle_data_write(root: Path) -> None:
    """The bundle's data: hidden test (inputs; labels apart), dev and train splits,
    each ``X.npy`` plus ``y.json`` (per image a list of boxes)."""
    X, boxes = generate()
    n_test, n_dev = SPLITS["test"], SPLITS["dev"]
    splits = {
        "hidden/inputs": slice(0, n_test),
        "public/dev": slice(n_test, n_test + n_dev),
        "public/train": slice(n_test + n_dev, len(X)),
    }
    for folder, part in splits.items():
        (root / folder).mkdir(parents=True)
        np.save(root / folder / "X.npy", X[part], allow_pickle=False)
        labels = root / ("hidden/labels" if folder == "hidden/inputs" else folder)
        labels.mkdir(parents=True, exist_ok=True)
        (labels / "y.json").write_text(json.dumps(boxes[part], separators=(",", ":")))


def main(path: str) -> None:
    X, boxes = generate()
    flat = [[i, *box] for i, image in enumerate(boxes) for box in image]
    np.savez_compressed(path, X=X, boxes=np.array(flat, dtype=np.float32))
    print(f"{len(X)} scenes, {len(flat)} objects, classes {CLASSES}")


if __name__ == "__main__":
    main(sys.argv[1])
