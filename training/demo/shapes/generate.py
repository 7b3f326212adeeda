"""Generates the geometric-shapes data set with NumPy only: 32×32 greyscale images of
a circle, square, triangle, cross or star, each at a random position, size and
rotation, filled or drawn as an outline of random stroke width, on a background with
a brightness gradient, distractor lines and dots, sometimes a partly occluding patch,
and Gaussian noise. Deterministic for a given seed.

    python -m training.demo.shapes.generate OUT.npz

writes ``X`` (float32, (n, 32, 32), values in [0, 1]) and ``y`` (int64, 0–4 in the
order of ``CLASSES``). The demo bundle builder (``training.demo.bundles``) calls
``generate()`` and caches the bundle by hash.
"""

import sys

import numpy as np
from numpy.typing import NDArray

CLASSES = ("circle", "square", "triangle", "cross", "star")
SIZE = 32
PER_CLASS = 1400

_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5
_PIXELS = np.stack([_XX.ravel(), _YY.ravel()], axis=1)  # (SIZE², 2), pixel centres


def outline(label: int) -> NDArray[np.float64]:
    """The shape's polygon around the origin, in units of its outer radius."""
    if label == 0:  # circle
        angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        radii = np.ones(48)
    elif label in (1, 2):  # square, triangle: regular polygons
        sides = 4 if label == 1 else 3
        angles = np.linspace(0, 2 * np.pi, sides, endpoint=False)
        radii = np.ones(sides)
    elif label == 3:  # cross: a plus sign with arms a third of its width
        a, b = 1 / 3, 1.0
        corners = [(a, b), (a, a), (b, a), (b, -a), (a, -a), (a, -b)]
        corners += [(-a, -b), (-a, -a), (-b, -a), (-b, a), (-a, a), (-a, b)]
        cross: NDArray[np.float64] = np.array(corners) / np.hypot(a, b) * 0.95
        return cross
    else:  # five-pointed star
        angles = np.linspace(0, 2 * np.pi, 10, endpoint=False)
        radii = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def distance_inside(
    points: NDArray[np.float64], polygon: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Distance from each point to the polygon's boundary, and whether it is inside
    (even–odd rule)."""
    start, end = polygon, np.roll(polygon, -1, axis=0)
    edge = end - start  # (E, 2)
    rel = points[:, None, :] - start[None, :, :]  # (P, E, 2)
    t = np.clip((rel * edge).sum(-1) / (edge * edge).sum(-1), 0, 1)
    nearest = rel - t[..., None] * edge
    distance = np.sqrt((nearest**2).sum(-1)).min(axis=1)
    px, py = points[:, 0:1], points[:, 1:2]
    crosses = (start[None, :, 1] > py) != (end[None, :, 1] > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = start[None, :, 0] + (py - start[None, :, 1]) * edge[None, :, 0] / edge[None, :, 1]
    inside = (crosses & (px < x_at)).sum(axis=1) % 2 == 1
    return distance, inside


def render(label: int, rng: np.random.Generator) -> NDArray[np.float32]:
    """One image of class ``label``."""
    radius = rng.uniform(6.0, 13.0)
    centre = rng.uniform(radius * 0.8, SIZE - radius * 0.8, size=2)
    angle = rng.uniform(0, 2 * np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    stretch = 1 + rng.uniform(-0.12, 0.12, size=2)  # slightly anisotropic
    polygon = outline(label) @ rotation.T * radius * stretch + centre
    distance, inside = distance_inside(_PIXELS, polygon)
    if rng.random() < 0.5:  # filled, anti-aliased edge
        signed = np.where(inside, -distance, distance)
        shape = np.clip(0.5 - signed, 0, 1)
    else:  # outline of random stroke width
        stroke = rng.uniform(1.0, 3.0)
        shape = np.clip(stroke / 2 + 0.5 - distance, 0, 1)
    shape = shape.reshape(SIZE, SIZE)

    gradient = rng.normal(0, 0.008, size=2)
    background = rng.uniform(0.05, 0.35) + gradient[0] * (_XX - 16) + gradient[1] * (_YY - 16)
    image = background + rng.uniform(0.35, 0.65) * shape

    for _ in range(rng.integers(1, 4)):  # distractor strokes
        a, b = rng.uniform(0, SIZE, size=(2, 2))
        d, _inside = distance_inside(_PIXELS, np.stack([a, b]))
        width = rng.uniform(0.6, 1.4)
        image += rng.uniform(0.15, 0.45) * np.clip(width / 2 + 0.5 - d, 0, 1).reshape(SIZE, SIZE)
    for _ in range(rng.integers(0, 6)):  # dots
        x, y = rng.integers(0, SIZE, size=2)
        image[y : y + 2, x : x + 2] += rng.uniform(0.2, 0.5)
    if rng.random() < 0.35:  # an occluding patch
        h, w = rng.integers(4, 11, size=2)
        y, x = rng.integers(0, SIZE - h), rng.integers(0, SIZE - w)
        image[y : y + h, x : x + w] = rng.uniform(0.0, 0.4)
    image += rng.normal(0, rng.uniform(0.04, 0.12), size=image.shape)
    result: NDArray[np.float32] = np.clip(image, 0, 1).astype(np.float32)
    return result


def generate(
    seed: int = 2026, per_class: int = PER_CLASS
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """``per_class`` images of each class, in a shuffled order."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(CLASSES), dtype=np.int64), per_class)
    y = y[rng.permutation(len(y))]
    X = np.stack([render(int(label), rng) for label in y])
    return X, y


def main(path: str) -> None:
    X, y = generate()
    np.savez_compressed(path, X=X, y=y)
    print(f"{len(X)} images, shape {X.shape[1:]}, classes {CLASSES}")


if __name__ == "__main__":
    main(sys.argv[1])
