"""Baseline: the first asset tag in the ticket (a device code of the statement's list,
a hyphen, five digits; purchase orders, PO-, are skipped), or "none" when there is
none. Fast (a regular expression), but it takes a loaner, a returned or a colleague's
device that is mentioned first: exact match 0.80 on the hidden test set. Must
fail the task."""

import re
from pathlib import Path

import numpy as np

TAG = re.compile(r"(?:LT|DT|MN|PR|PH|DK|TB)-\d{5}")


def train(train_dir: Path, model_dir: Path) -> None:
    labels = np.load(train_dir / "y.npy")
    print(f"{len(labels)} tickets, {np.mean(labels == 'none'):.0%} without an affected device")


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    found = (TAG.search(str(text)) for text in inputs)
    return np.array([match.group(0) if match else "none" for match in found])
