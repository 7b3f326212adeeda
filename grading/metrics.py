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


COCO_IOU_THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
_RECALL_POINTS = np.linspace(0, 1, 101)


def _iou_matrix(dets: NDArray[np.float64], gts: NDArray[np.float64]) -> NDArray[np.float64]:
    """IoU of every detection (rows) with every ground-truth box (columns)."""
    d, g = dets[:, None, :], gts[None, :, :]
    x1 = np.maximum(d[..., 0], g[..., 0])
    y1 = np.maximum(d[..., 1], g[..., 1])
    x2 = np.minimum(d[..., 2], g[..., 2])
    y2 = np.minimum(d[..., 3], g[..., 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (d[..., 2] - d[..., 0]) * (d[..., 3] - d[..., 1])
    areas = (g[..., 2] - g[..., 0]) * (g[..., 3] - g[..., 1])
    union = area + areas - inter
    iou: NDArray[np.float64] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return iou


def _greedy_hits(ious: NDArray[np.float64], thresholds: NDArray[np.float64]) -> NDArray[np.bool_]:
    """COCO's greedy matching of one image's detections of one class (rows, by
    descending score) at every threshold at once: each detection takes the unmatched
    ground-truth box of highest IoU if that IoU reaches the threshold. Returns
    (thresholds, detections) true-positive flags."""
    rows = np.arange(len(thresholds))
    taken = np.zeros((len(thresholds), ious.shape[1]), dtype=bool)
    hits = np.zeros((len(thresholds), ious.shape[0]), dtype=bool)
    for j, row in enumerate(ious):
        free = np.where(taken, -1.0, row)
        best = free.argmax(axis=1)
        hit = free[rows, best] >= thresholds
        taken[rows[hit], best[hit]] = True
        hits[:, j] = hit
    return hits


@dataclass(frozen=True)
class MatchedDetections:
    """Every image's detections matched once, at every IoU threshold; a resample of
    images re-aggregates these arrays and never matches again. Detections of a class
    without any ground truth are dropped (such classes are left out of the mean)."""

    classes: tuple[int, ...]  # classes with ground truth, ascending
    starts: NDArray[np.int64]  # (images,) each image's first row in the flat arrays
    counts: NDArray[np.int64]  # (images,) its kept detections
    class_index: NDArray[np.int64]  # (detections,) index into ``classes``
    scores: NDArray[np.float64]  # (detections,)
    hits: NDArray[np.bool_]  # (thresholds, detections) true positive at each threshold
    gt_counts: NDArray[np.int64]  # (images, classes) ground-truth boxes per class

    def average_precision(self, index: NDArray[np.int64] | None = None) -> float:
        """mAP over the images ``index`` (all of them when None), in that order, an
        image counted as often as it occurs."""
        if index is None:
            index = np.arange(len(self.counts))
        counts = self.counts[index]
        # Row numbers of the chosen images' detections, image after image.
        first = np.repeat(self.starts[index] - (np.cumsum(counts) - counts), counts)
        rows = first + np.arange(int(counts.sum()))
        class_index, scores, hits = self.class_index[rows], self.scores[rows], self.hits[:, rows]
        gt = self.gt_counts[index].sum(axis=0)
        present = np.flatnonzero(gt > 0)
        if not len(present):
            raise ValueError("the labels hold no ground-truth box")
        aps = np.zeros((len(hits), len(present)))
        for column, k in enumerate(present):
            mine = class_index == k
            order = np.argsort(-scores[mine], kind="mergesort")
            aps[:, column] = _interpolated_precision(hits[:, mine][:, order], int(gt[k]))
        return float(np.mean(aps.reshape(-1)))


def _interpolated_precision(hits: NDArray[np.bool_], total_gt: int) -> NDArray[np.float64]:
    """Per threshold (rows of ``hits``, detections in score order), precision made
    monotone and averaged over 101 recall points."""
    tp = np.cumsum(hits, axis=1)
    fp = np.cumsum(~hits, axis=1)
    recall = tp / total_gt
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    precision = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
    result = np.zeros(len(hits))
    for t in range(len(hits)):
        sampled = np.zeros(len(_RECALL_POINTS))
        where = np.searchsorted(recall[t], _RECALL_POINTS, side="left")
        valid = where < hits.shape[1]
        sampled[valid] = precision[t, where[valid]]
        result[t] = sampled.mean()
    return result


def detections_match(
    predictions: Sequence[Sequence[Sequence[float]]],
    labels: Sequence[Sequence[Sequence[float]]],
    iou_thresholds: Sequence[float] = COCO_IOU_THRESHOLDS,
    max_detections: int = 100,
) -> MatchedDetections:
    """Matches each image's detections (at most ``max_detections``, by descending
    score) to its ground truth, per class, at every threshold: see
    ``mean_average_precision``."""
    _same_length(predictions, labels)
    images = []
    for dets, gts in zip(predictions, labels, strict=True):
        d = np.asarray(dets, dtype=np.float64).reshape(-1, 6)
        d = d[np.argsort(-d[:, 4], kind="stable")][:max_detections]
        images.append((d, np.asarray(gts, dtype=np.float64).reshape(-1, 5)))
    classes = tuple(sorted({int(c) for _, g in images for c in g[:, 4]}))
    # COCO accepts a match at IoU >= threshold (with a tiny tolerance).
    thresholds = np.minimum(np.asarray(iou_thresholds, dtype=np.float64), 1 - 1e-10)
    gt_counts = np.zeros((len(images), len(classes)), dtype=np.int64)
    class_index, scores, hits, counts = [], [], [], []
    for i, (d, g) in enumerate(images):
        kept = np.isin(d[:, 5], classes)
        d = d[kept]
        hit = np.zeros((len(thresholds), len(d)), dtype=bool)
        for k, cls in enumerate(classes):
            gc = g[g[:, 4] == cls]
            gt_counts[i, k] = len(gc)
            mine = np.flatnonzero(d[:, 5] == cls)
            if len(mine) and len(gc):
                hit[:, mine] = _greedy_hits(_iou_matrix(d[mine, :4], gc[:, :4]), thresholds)
        class_index.append(np.searchsorted(classes, d[:, 5]))
        scores.append(d[:, 4])
        hits.append(hit)
        counts.append(len(d))
    count_array = np.asarray(counts, dtype=np.int64)
    return MatchedDetections(
        classes=classes,
        starts=np.cumsum(count_array) - count_array,
        counts=count_array,
        class_index=np.concatenate(class_index).astype(np.int64),
        scores=np.concatenate(scores),
        hits=np.concatenate(hits, axis=1),
        gt_counts=gt_counts,
    )


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
    ground truth are left out; the result is the mean over classes and thresholds.

    Each detection is matched once, for all thresholds together
    (``detections_match``); ``bootstrap_ci`` re-aggregates those matches per resample."""
    matched = detections_match(predictions, labels, iou_thresholds, max_detections)
    if not matched.classes:
        raise ValueError("the labels hold no ground-truth box")
    return matched.average_precision()


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str
    function: Callable[..., float]
    higher_is_better: bool = True
    # Per-input metrics can be bootstrapped cheaply; corpus metrics are recomputed.
    bootstrap_resamples: int = 1000
    # Optional: does the per-input work once and returns the score of a resample (an
    # index array), so that the bootstrap only re-aggregates (mAP: the matching).
    prepare: Callable[..., Callable[[NDArray[np.int64]], float]] | None = None

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
        Metric(
            "map",
            "detections",
            mean_average_precision,
            bootstrap_resamples=100,
            prepare=lambda *args, **options: detections_match(*args, **options).average_precision,
        ),
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
        if metric.prepare is not None:
            score = metric.prepare(predictions, labels, **options)
        else:

            def score(idx: NDArray[np.int64]) -> float:
                return metric(_take(predictions, idx), _take(labels, idx), **options)

        values = np.array([score(rng.integers(0, n, size=n)) for _ in range(count)])
    alpha = (1 - confidence) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)
