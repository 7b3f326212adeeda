"""Runs inside the sandbox: loads the candidate's ``solution.py`` and calls it.

This file is mounted read-only next to the submission. It is the *submission
contract* (docs/practical.md):

    def train(train_dir: pathlib.Path, model_dir: pathlib.Path) -> None
    def predict(model_dir: pathlib.Path, inputs: numpy.ndarray) -> numpy.ndarray

Stage ``train`` reads ``/data/train`` and may write to ``/model``. Stage ``predict``
reads the model read-only and writes one file per input set named on the command line
(``predict dev test`` for an exam submission, ``predict dev`` for a project run, whose
container holds no hidden input; none named: both) to ``/output``: a NumPy
array (numbers or strings) as ``.npy`` without pickle, anything else (a list of
strings, of box lists) as ``.json``.
The hidden labels are never inside this container; whatever this script writes is
validated by the worker before it is scored.
"""

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np


def load_solution() -> ModuleType:
    spec = importlib.util.spec_from_file_location("solution", "/submission/solution.py")
    if spec is None or spec.loader is None:
        sys.exit("solution.py could not be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(stage: str, splits: list[str]) -> None:
    solution = load_solution()
    if stage == "train":
        solution.train(Path("/data/train"), Path("/model"))
        return
    for name in splits or ["dev", "test"]:
        if name not in ("dev", "test"):
            sys.exit(f"unknown input set {name!r}")
        inputs = np.load(f"/data/{name}/X.npy", allow_pickle=False)
        save(name, solution.predict(Path("/model"), inputs))


def save(name: str, predictions: object) -> None:
    if hasattr(predictions, "numpy") and callable(predictions.numpy):
        predictions = predictions.numpy()  # a torch or TensorFlow tensor
    if isinstance(predictions, np.ndarray) and predictions.dtype != object:
        np.save(f"/output/{name}.npy", predictions, allow_pickle=False)
        return
    with open(f"/output/{name}.json", "w", encoding="utf-8") as handle:
        json.dump(predictions, handle, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"predict() returned something that is not data: {type(value).__name__}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
