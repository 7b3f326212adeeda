"""Metrics for practical tasks, and a bootstrap confidence interval of a score.

Every metric takes validated predictions and labels of the metric's *kind*
(``Metric.kind``, see ``grading.predictions``) and returns a float. Scores of
"higher is better" metrics lie in [0, 1] (BLEU and chrF are sacrebleu's 0–100 divided
by 100), so that the practical percentage of a composite result is ``score × 100``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

# What predictions and labels look like for each kind:
#   labels      1-D integer or string class labels, one per input
#   scores      predictions: 2-D float (n, classes); labels: 1-D integer classes
#   values      float arrays of the same shape (1-D or 2-D)
#   texts       lists of strings, one per input
#   detections  per input, a list of boxes: predictions [x1, y1, x2, y2, score, class],
#               labels [x1, y1, x2, y2, class]
KINDS = ("labels", "scores", "values", "texts", "detections")


def _same_length(
    predictions: Sequence[Any] | NDArray[Any], labels: Sequence[Any] | NDArray[Any]
) -> None:
    if len(predictions) != len(labels) or len(labels) == 0:
        raise ValueError("predictions and labels must have the same non-zero length")


def accuracy(predictions: NDArray[Any], labels: NDArray[Any]) -> float:
    if predictions.shape != labels.shape or labels.size == 0:
        raise ValueError("predictions and labels must have the same non-empty shape")
    return float(np.count_nonzero(predictions == labels)) / labels.size


def macro_f1(predictions: NDArray[Any], labels: NDArray[Any]) -> float:
    """Unweighted mean of per-class F1 over every class seen in labels or predictions
    (scikit-learn's ``f1_score(average="macro")``, a class with no support and no
    prediction scoring 0)."""
    _same_length(predictions, labels)
    classes, codes = np.unique(np.concatenate([labels, predictions]), return_inverse=True)
    n = len(labels)
    truth, guess = codes[:n], codes[n:]
    k = len(classes)
    true_positive = np.bincount(truth[truth == guess], minlength=k).astype(np.float64)
    support = np.bincount(truth, minlength=k).astype(np.float64)
    predicted = np.bincount(guess, minlength=k).astype(np.float64)
    denominator = support + predicted
    f1 = np.divide(2 * true_positive, denominator, out=np.zeros(k), where=denominator > 0)
    return float(f1.mean())


def top_k_accuracy(predictions: NDArray[Any], labels: NDArray[Any], k: int = 5) -> float:
    """Share of inputs whose label is among the ``k`` highest scores."""
    if predictions.ndim != 2 or predictions.shape[0] != labels.shape[0] or labels.size == 0:
        raise ValueError("scores must be (n, classes) with n = number of labels")
    k = min(k, predictions.shape[1])
    top = np.argpartition(-predictions, k - 1, axis=1)[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1)))


def mse(predictions: NDArray[Any], labels: NDArray[Any]) -> float:
    _check_values(predictions, labels)
    return float(np.mean((predictions - labels) ** 2))


def mae(predictions: NDArray[Any], labels: NDArray[Any]) -> float:
    _check_values(predictions, labels)
    return float(np.mean(np.abs(predictions - labels)))


def r2(predictions: NDArray[Any], labels: NDArray[Any]) -> float:
    """Coefficient of determination, averaged uniformly over outputs (scikit-learn's
    ``r2_score``): 1 for a perfect fit, 0 for predicting the mean, 0 when the labels
    are constant and the fit imperfect."""
    _check_values(predictions, labels)
    y = labels.reshape(len(labels), -1).astype(np.float64)
    p = predictions.reshape(len(predictions), -1).astype(np.float64)
    residual = ((y - p) ** 2).sum(axis=0)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), 0.0)
    scores = np.where((total == 0) & (residual == 0), 1.0, scores)
    return float(scores.mean())


def _check_values(predictions: NDArray[Any], labels: NDArray[Any]) -> None:
    if predictions.shape != labels.shape or labels.size == 0:
        raise ValueError("predictions and labels must have the same non-empty shape")


def bleu(predictions: Sequence[str], labels: Sequence[str]) -> float:
    """Corpus BLEU (sacrebleu, 13a tokenisation, one reference per input) / 100."""
    import sacrebleu

    _same_length(predictions, labels)
    return float(sacrebleu.corpus_bleu(list(predictions), [list(labels)]).score) / 100


def chrf(predictions: Sequence[str], labels: Sequence[str]) -> float:
    """Corpus chrF (sacrebleu defaults: character 6-grams, β = 2) / 100."""
    import sacrebleu

    _same_length(predictions, labels)
    return float(sacrebleu.corpus_chrf(list(predictions), [list(labels)]).score) / 100


def wer(predictions: Sequence[str], labels: Sequence[str]) -> float:
    """Corpus word error rate (jiwer): word edits over reference words."""
    import jiwer

    _same_length(predictions, labels)
    return float(jiwer.wer(list(labels), [p if p.strip() else "" for p in predictions]))


def cer(predictions: Sequence[str], labels: Sequence[str]) -> float:
    """Corpus character error rate (jiwer)."""
    import jiwer

    _same_length(predictions, labels)
    return float(jiwer.cer(list(labels), list(predictions)))


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


COCO_IOU_THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))


def mean_average_precision(
    predictions: Sequence[Sequence[Sequence[float]]],
    labels: Sequence[Sequence[Sequence[float]]],
    iou_thresholds: Sequence[float] = COCO_IOU_THRESHOLDS,
    max_detections: int = 100,
) -> float:
    """Detection mAP as COCO computes it for boxes ("all" areas): per class and IoU
    threshold, detections in descending score order (at most ``max_detections`` per
    image) are matched greedily to the unmatched ground-truth box of highest IoU;
    precision is made monotone and read at 101 recall points; classes without
    ground truth are left out; the result is the mean over classes and thresholds."""
    _same_length(predictions, labels)
    per_image = []
    for dets, gts in zip(predictions, labels, strict=True):
        d = np.asarray(dets, dtype=np.float64).reshape(-1, 6)
        d = d[np.argsort(-d[:, 4], kind="stable")][:max_detections]
        per_image.append((d, np.asarray(gts, dtype=np.float64).reshape(-1, 5)))
    classes = sorted({int(c) for _, g in per_image for c in g[:, 4]})
    if not classes:
        raise ValueError("the labels hold no ground-truth box")
    recall_points = np.linspace(0, 1, 101)
    aps = []
    for threshold in iou_thresholds:
        for cls in classes:
            scores: list[float] = []
            matched: list[bool] = []
            total_gt = 0
            for d, g in per_image:
                dc = d[d[:, 5] == cls]
                gc = g[g[:, 4] == cls]
                total_gt += len(gc)
                taken = np.zeros(len(gc), dtype=bool)
                for det in dc:
                    scores.append(det[4])
                    if len(gc) == 0:
                        matched.append(False)
                        continue
                    ious = np.where(taken, -1.0, _iou(det[:4], gc[:, :4]))
                    best = int(np.argmax(ious))
                    # COCO accepts a match at IoU >= threshold (with a tiny tolerance).
                    if ious[best] >= min(threshold, 1 - 1e-10):
                        taken[best] = True
                        matched.append(True)
                    else:
                        matched.append(False)
            order = np.argsort(-np.asarray(scores), kind="mergesort")
            hits = np.asarray(matched, dtype=bool)[order]
            tp = np.cumsum(hits)
            fp = np.cumsum(~hits)
            recall = tp / total_gt if len(hits) else np.zeros(0)
            precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
            precision = np.maximum.accumulate(precision[::-1])[::-1] if len(hits) else precision
            sampled = np.zeros(len(recall_points))
            where = np.searchsorted(recall, recall_points, side="left")
            valid = where < len(precision)
            sampled[valid] = precision[where[valid]]
            aps.append(float(sampled.mean()))
    return float(np.mean(aps))


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str
    function: Callable[..., float]
    higher_is_better: bool = True
    # Per-input metrics can be bootstrapped cheaply; corpus metrics are recomputed.
    bootstrap_resamples: int = 1000

    def __call__(self, predictions: Any, labels: Any, **options: Any) -> float:
        return self.function(predictions, labels, **options)

    def passes(self, score: float, threshold: float) -> bool:
        return score >= threshold if self.higher_is_better else score <= threshold


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", "labels", accuracy),
        Metric("macro_f1", "labels", macro_f1),
        Metric("top_k_accuracy", "scores", top_k_accuracy),
        Metric("mse", "values", mse, higher_is_better=False),
        Metric("mae", "values", mae, higher_is_better=False),
        Metric("r2", "values", r2),
        Metric("bleu", "texts", bleu, bootstrap_resamples=200),
        Metric("chrf", "texts", chrf, bootstrap_resamples=200),
        Metric("wer", "texts", wer, higher_is_better=False, bootstrap_resamples=200),
        Metric("cer", "texts", cer, higher_is_better=False, bootstrap_resamples=200),
        Metric("map", "detections", mean_average_precision, bootstrap_resamples=100),
    )
}


def _take(items: Any, index: NDArray[np.int64]) -> Any:
    if isinstance(items, np.ndarray):
        return items[index]
    return [items[i] for i in index]


def bootstrap_ci(
    metric: Metric,
    predictions: Any,
    labels: Any,
    *,
    options: dict[str, Any] | None = None,
    confidence: float = 0.95,
    resamples: int | None = None,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``metric`` over the inputs, resampled with
    replacement. Deterministic for a given seed. For accuracy the resampled means are
    drawn directly (a binomial), which is the same distribution at any size."""
    options = options or {}
    rng = np.random.default_rng(seed)
    n = len(labels)
    count = resamples or metric.bootstrap_resamples
    if metric.name == "accuracy":
        correct = int(np.count_nonzero(predictions == labels))
        values = rng.binomial(n, correct / n, size=count) / n
    else:
        # Large inputs: cap the work per resample; the interval of a mean over a
        # million items is narrow anyway.
        if n > 100_000:
            count = min(count, 50)
        values = np.array(
            [
                metric(_take(predictions, idx), _take(labels, idx), **options)
                for idx in (rng.integers(0, n, size=n) for _ in range(count))
            ]
        )
    alpha = (1 - confidence) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)
