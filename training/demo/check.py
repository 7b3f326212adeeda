"""Check your solution at home before uploading it: trains on public/train, predicts
the dev set and prints the dev score, as the exam's pipeline does (without the
sandbox and without the hidden set).

    python public/check.py path/to/solution.py

Needs Python 3.11, NumPy and your framework. The metric of this task: @METRIC@.
"""

import importlib.util
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def edits(a: list[str], b: list[str]) -> int:
    """Levenshtein distance: substitutions, insertions and deletions turning a into b."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, z in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != z))
    return row[-1]


def score(predictions: np.ndarray, labels: np.ndarray) -> float:
    metric = "@METRIC@"
    if metric in ("wer", "cer"):  # corpus rate: all edits over all reference tokens
        tokens = str.split if metric == "wer" else list
        pairs = [(tokens(str(p)), tokens(str(t))) for p, t in zip(predictions, labels, strict=True)]
        return sum(edits(t, p) for p, t in pairs) / sum(len(t) for _, t in pairs)
    if metric == "r2":
        p = predictions.astype(float).reshape(labels.shape)
        return float(1 - ((labels - p) ** 2).sum() / ((labels - labels.mean()) ** 2).sum())
    if metric == "macro_f1":
        classes = np.unique(np.concatenate([labels, predictions.astype(labels.dtype)]))
        f1 = []
        for c in classes:
            tp = np.sum((predictions == c) & (labels == c))
            denominator = np.sum(predictions == c) + np.sum(labels == c)
            f1.append(2 * tp / denominator if denominator else 0.0)
        return float(np.mean(f1))
    return float(np.mean(predictions.astype(labels.dtype) == labels))


def main(path: str) -> None:
    spec = importlib.util.spec_from_file_location("solution", path)
    assert spec and spec.loader
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    with tempfile.TemporaryDirectory() as model_dir:
        solution.train(HERE / "train", Path(model_dir))
        inputs = np.load(HERE / "dev" / "X.npy", allow_pickle=False)
        predictions = np.asarray(solution.predict(Path(model_dir), inputs))
    labels = np.load(HERE / "dev" / "y.npy", allow_pickle=False)
    if predictions.shape[0] != labels.shape[0]:
        sys.exit(f"expected {labels.shape[0]} predictions, got {predictions.shape}")
    print(f"dev @METRIC@: {score(predictions, labels):.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(HERE / "starter" / "solution.py"))
