"""Scoring a detection submission: mAP@0.50:0.95 and its bootstrap interval, the
vectorised path (``grading.metrics``) against the straightforward loop it replaced,
side by side on the same data (results in docs/benchmarks.md; the
``practical_benchmark`` command runs it). ``map_straightforward`` is that loop, kept
as the reference the tests compare the fast path with."""

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grading.metrics import COCO_IOU_THRESHOLDS, METRICS, bootstrap_ci

Boxes = list[list[list[float]]]


def _iou(box: NDArray[np.float64], boxes: NDArray[np.float64]) -> NDArray[np.float64]:
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    iou: NDArray[np.float64] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return iou


def _average_precision(scores: list[float], matched: list[bool], total_gt: int) -> float:
    order = np.argsort(-np.asarray(scores), kind="mergesort")
    hits = np.asarray(matched, dtype=bool)[order]
    tp = np.cumsum(hits)
    fp = np.cumsum(~hits)
    recall = tp / total_gt if len(hits) else np.zeros(0)
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    precision = np.maximum.accumulate(precision[::-1])[::-1] if len(hits) else precision
    recall_points = np.linspace(0, 1, 101)
    sampled = np.zeros(len(recall_points))
    where = np.searchsorted(recall, recall_points, side="left")
    valid = where < len(precision)
    sampled[valid] = precision[where[valid]]
    return float(sampled.mean())


def map_straightforward(
    predictions: Sequence[Sequence[Sequence[float]]],
    labels: Sequence[Sequence[Sequence[float]]],
    iou_thresholds: Sequence[float] = COCO_IOU_THRESHOLDS,
    max_detections: int = 100,
) -> float:
    """The same mAP as ``grading.metrics.mean_average_precision``, computed as its
    definition reads: per threshold, per class, per image, per detection."""
    per_image = []
    for dets, gts in zip(predictions, labels, strict=True):
        d = np.asarray(dets, dtype=np.float64).reshape(-1, 6)
        d = d[np.argsort(-d[:, 4], kind="stable")][:max_detections]
        per_image.append((d, np.asarray(gts, dtype=np.float64).reshape(-1, 5)))
    classes = sorted({int(c) for _, g in per_image for c in g[:, 4]})
    if not classes:
        raise ValueError("the labels hold no ground-truth box")
    aps = []
    for threshold in iou_thresholds:
        for cls in classes:
            scores: list[float] = []
            matched: list[bool] = []
            total_gt = 0
            for d, g in per_image:
                dc, gc = d[d[:, 5] == cls], g[g[:, 4] == cls]
                total_gt += len(gc)
                taken = np.zeros(len(gc), dtype=bool)
                for det in dc:
                    scores.append(det[4])
                    if len(gc) == 0:
                        matched.append(False)
                        continue
                    ious = np.where(taken, -1.0, _iou(det[:4], gc[:, :4]))
                    best = int(np.argmax(ious))
                    hit = bool(ious[best] >= min(threshold, 1 - 1e-10))
                    taken[best] |= hit
                    matched.append(hit)
            aps.append(_average_precision(scores, matched, total_gt))
    return float(np.mean(aps))


def bootstrap_straightforward(
    predictions: Boxes, labels: Boxes, *, resamples: int = 100, seed: int = 0
) -> tuple[float, float]:
    """``bootstrap_ci`` as it was: every resample recomputes mAP from the boxes."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    values = []
    for _ in range(resamples):
        idx = rng.integers(0, n, size=n)
        values.append(map_straightforward([predictions[i] for i in idx], [labels[i] for i in idx]))
    alpha = (1 - 0.95) / 2  # as bootstrap_ci computes it, to the last bit
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)


def synthetic_detections(
    rng: np.random.Generator, images: int, detections: int, classes: int = 4
) -> tuple[Boxes, Boxes]:
    """Per image 2–6 ground-truth boxes in a 96×96 frame and ``detections`` boxes:
    jittered copies of most of them (some with the wrong class) plus false alarms."""
    predictions, labels = [], []
    for _ in range(images):
        gts = []
        for _ in range(int(rng.integers(2, 7))):
            x, y = rng.uniform(0, 70, size=2)
            w, h = rng.uniform(6, 26, size=2)
            gts.append([x, y, x + w, y + h, float(rng.integers(0, classes))])
        dets = []
        for k in range(detections):
            x1, y1, x2, y2, cls = gts[k % len(gts)]
            score = rng.uniform(0.3, 1.0)
            if k >= len(gts) or rng.random() < 0.2:  # a false alarm near an object
                x1, y1 = x1 + rng.uniform(-8, 8), y1 + rng.uniform(-8, 8)
                x2, y2 = x1 + rng.uniform(6, 26), y1 + rng.uniform(6, 26)
                score = rng.uniform(0.0, 0.7)
            w, h = x2 - x1, y2 - y1
            jitter = rng.normal(0, 0.03, size=4) * np.array([w, h, w, h])
            wrong = rng.random() < 0.1
            label = float(rng.integers(0, classes)) if wrong else cls
            box = [x1 + jitter[0], y1 + jitter[1], x2 + jitter[2], y2 + jitter[3]]
            dets.append([min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2])])
            dets[-1] += [max(box[1], box[3]), score, label]
        predictions.append(dets)
        labels.append(gts)
    return predictions, labels


def map_scoring_benchmark(*, images: int = 600, detections: int = 10) -> dict[str, Any]:
    """Times mAP + its 100-resample bootstrap interval both ways on the same data, and
    checks that the two agree."""
    predictions, labels = synthetic_detections(np.random.default_rng(0), images, detections)
    metric = METRICS["map"]
    started = time.perf_counter()
    fast = metric(predictions, labels), bootstrap_ci(metric, predictions, labels)
    fast_seconds = time.perf_counter() - started
    started = time.perf_counter()
    slow = map_straightforward(predictions, labels), bootstrap_straightforward(predictions, labels)
    slow_seconds = time.perf_counter() - started
    if fast != slow:
        raise AssertionError(f"the two paths disagree: {fast} against {slow}")
    return {
        "images": images,
        "detections_per_image": detections,
        "map": round(fast[0], 6),
        "interval": [round(v, 6) for v in fast[1]],
        "resamples": metric.bootstrap_resamples,
        "seconds_straightforward": round(slow_seconds, 3),
        "seconds_vectorised": round(fast_seconds, 3),
        "speed_up": round(slow_seconds / fast_seconds, 1),
    }
