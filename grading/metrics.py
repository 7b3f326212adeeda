"""Metrics for practical tasks. Inputs are validated NumPy arrays."""

import numpy as np
from numpy.typing import NDArray


def accuracy(*, predictions: NDArray[np.int64], labels: NDArray[np.int64]) -> float:
    if predictions.shape != labels.shape or labels.size == 0:
        raise ValueError("predictions and labels must have the same non-empty shape")
    return float(np.mean(predictions == labels))


METRICS = {"accuracy": accuracy}
