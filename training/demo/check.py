"""Check your solution at home before uploading it: trains on public/train, predicts
the dev set and prints the dev score, as the exam's pipeline does (without the
sandbox and without the hidden set).

    python public/check.py path/to/solution.py

Needs Python 3.11, NumPy and your framework. The metric of this task: @METRIC@.
"""

import importlib.util
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

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


def iou(box: list[float], boxes: np.ndarray) -> Any:
    x1, y1 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    x2, y2 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / ((box[2] - box[0]) * (box[3] - box[1]) + areas - inter)


def mean_ap(predictions: Any, labels: Any) -> float:
    """COCO-style mAP@0.50:0.95: per class and IoU threshold, detections by descending
    score take the unmatched true box of highest IoU; 101-point interpolated precision."""
    aps = []
    classes = sorted({int(box[4]) for boxes in labels for box in boxes})
    for threshold in np.arange(0.5, 0.96, 0.05):
        for c in classes:
            found, total = [], 0
            for dets, truth in zip(predictions, labels, strict=True):
                gt = np.array([b[:4] for b in truth if int(b[4]) == c]).reshape(-1, 4)
                total += len(gt)
                taken = np.zeros(len(gt), dtype=bool)
                for det in sorted((d for d in dets if int(d[5]) == c), key=lambda d: -d[4]):
                    overlaps = np.where(taken, -1.0, iou(det, gt)) if len(gt) else np.zeros(1)
                    hit = bool(overlaps.max() >= threshold - 1e-9)
                    if hit:
                        taken[int(overlaps.argmax())] = True
                    found.append((-det[4], not hit))
            hits = np.array([not miss for _, miss in sorted(found)], dtype=bool)
            tp = np.cumsum(hits)
            precision = tp / np.arange(1, len(hits) + 1)
            precision = np.maximum.accumulate(precision[::-1])[::-1]
            where = np.searchsorted(tp / total, np.linspace(0, 1, 101), side="left")
            aps.append(np.mean([precision[i] if i < len(hits) else 0.0 for i in where]))
    return float(np.mean(aps))


def score(predictions: Any, labels: Any) -> float:
    metric = "@METRIC@"
    if metric == "map":
        return mean_ap(predictions, labels)
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
        predictions = solution.predict(Path(model_dir), inputs)
    if (HERE / "dev" / "y.json").exists():  # texts or boxes
        labels = json.loads((HERE / "dev" / "y.json").read_text(encoding="utf-8"))
    else:
        labels = np.load(HERE / "dev" / "y.npy", allow_pickle=False)
        predictions = np.asarray(predictions)
    if len(predictions) != len(labels):
        sys.exit(f"expected {len(labels)} predictions, got {len(predictions)}")
    print(f"dev @METRIC@: {score(predictions, labels):.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(HERE / "starter" / "solution.py"))
