"""Each metric against a reference implementation on generated data."""

import time

import jiwer
import numpy as np
import pytest
import sacrebleu
from sklearn import metrics as sk

from grading.bench.detection import (
    bootstrap_straightforward,
    map_straightforward,
    synthetic_detections,
)
from grading.metrics import METRICS, bootstrap_ci, detections_match, mean_average_precision
from training.bundles.manifest import METRIC_NAMES

rng = np.random.default_rng(7)


def test_a_manifest_accepts_exactly_the_metrics_grading_implements():
    assert set(METRICS) == METRIC_NAMES


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_scikit_learn(seed):
    r = np.random.default_rng(seed)
    labels = r.integers(0, 7, size=500)
    predictions = np.where(r.random(500) < 0.6, labels, r.integers(0, 9, size=500))
    assert METRICS["accuracy"](predictions, labels) == pytest.approx(
        sk.accuracy_score(labels, predictions)
    )
    assert METRICS["macro_f1"](predictions, labels) == pytest.approx(
        sk.f1_score(labels, predictions, average="macro", zero_division=0)
    )
    strings = np.array([f"c{v}" for v in labels]), np.array([f"c{v}" for v in predictions])
    assert METRICS["macro_f1"](strings[1], strings[0]) == pytest.approx(
        sk.f1_score(strings[0], strings[1], average="macro", zero_division=0)
    )


@pytest.mark.parametrize("k", [1, 3, 5])
def test_top_k_matches_scikit_learn(k):
    labels = rng.integers(0, 10, size=400)
    scores = rng.random((400, 10))
    assert METRICS["top_k_accuracy"](scores, labels, k=k) == pytest.approx(
        sk.top_k_accuracy_score(labels, scores, k=k, labels=np.arange(10))
    )


@pytest.mark.parametrize("shape", [(300,), (300, 3)])
def test_regression_metrics_match_scikit_learn(shape):
    labels = rng.normal(size=shape)
    predictions = labels + rng.normal(scale=0.5, size=shape)
    assert METRICS["mse"](predictions, labels) == pytest.approx(
        sk.mean_squared_error(labels, predictions)
    )
    assert METRICS["mae"](predictions, labels) == pytest.approx(
        sk.mean_absolute_error(labels, predictions)
    )
    assert METRICS["r2"](predictions, labels) == pytest.approx(sk.r2_score(labels, predictions))
    assert not METRICS["mse"].passes(0.5, 0.4) and METRICS["mse"].passes(0.3, 0.4)


WORDS = [
    "the",
    "cat",
    "sat",
    "on",
    "a",
    "mat",
    "while",
    "dog",
    "ran",
    "far",
    "away",
    "from",
    "home",
    "in",
    "rain",
]


def sentences(r: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    refs, hyps = [], []
    for _ in range(n):
        ref = [str(w) for w in r.choice(WORDS, size=r.integers(6, 12))]
        hyp = [w if r.random() > 0.2 else str(r.choice(WORDS)) for w in ref]
        if r.random() < 0.3:
            del hyp[int(r.integers(0, len(hyp)))]
        refs.append(" ".join(ref))
        hyps.append(" ".join(hyp))
    return hyps, refs


def levenshtein(a: list[str], b: list[str]) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def test_wer_and_cer_match_an_edit_distance_written_here():
    hyps, refs = sentences(np.random.default_rng(1), 60)
    word_edits = sum(levenshtein(h.split(), r.split()) for h, r in zip(hyps, refs, strict=True))
    assert METRICS["wer"](hyps, refs) == pytest.approx(
        word_edits / sum(len(r.split()) for r in refs)
    )
    char_edits = sum(levenshtein(list(h), list(r)) for h, r in zip(hyps, refs, strict=True))
    assert METRICS["cer"](hyps, refs) == pytest.approx(char_edits / sum(len(r) for r in refs))
    assert METRICS["wer"](refs, refs) == 0 and jiwer.wer(refs, refs) == 0


def reference_bleu(hyps: list[str], refs: list[str]) -> float:
    """Papineni et al.: corpus modified n-gram precisions 1–4, geometric mean, brevity
    penalty (lower-case words without punctuation tokenise the same in 13a)."""
    from collections import Counter

    matches, totals = [0] * 4, [0] * 4
    for h, r in zip(hyps, refs, strict=True):
        hw, rw = h.split(), r.split()
        for n in range(1, 5):
            hc = Counter(tuple(hw[i : i + n]) for i in range(len(hw) - n + 1))
            rc = Counter(tuple(rw[i : i + n]) for i in range(len(rw) - n + 1))
            matches[n - 1] += sum(min(c, rc[g]) for g, c in hc.items())
            totals[n - 1] += max(len(hw) - n + 1, 0)
    precision = np.exp(np.mean([np.log(m / t) for m, t in zip(matches, totals, strict=True)]))
    hyp_len, ref_len = sum(len(h.split()) for h in hyps), sum(len(r.split()) for r in refs)
    brevity = 1.0 if hyp_len > ref_len else np.exp(1 - ref_len / hyp_len)
    return float(brevity * precision)


def test_bleu_matches_the_definition_and_chrf_is_sacrebleus():
    hyps, refs = sentences(np.random.default_rng(3), 80)
    assert METRICS["bleu"](hyps, refs) == pytest.approx(reference_bleu(hyps, refs), abs=1e-6)
    assert METRICS["chrf"](hyps, refs) == pytest.approx(
        sacrebleu.corpus_chrf(hyps, [refs]).score / 100
    )
    assert METRICS["chrf"](refs, refs) == pytest.approx(1.0)
    assert METRICS["bleu"](refs, refs) == pytest.approx(1.0)


def detections(r: np.random.Generator, images: int) -> tuple[list, list]:
    predictions, labels = [], []
    for _ in range(images):
        gts, dets = [], []
        for _ in range(int(r.integers(1, 6))):
            x, y = r.uniform(0, 80, size=2)
            w, h = r.uniform(5, 30, size=2)
            cls = int(r.integers(0, 3))
            gts.append([x, y, x + w, y + h, cls])
            if r.random() < 0.85:
                jitter = r.normal(0, 0.1, size=4) * np.array([w, h, w, h])
                dets.append(
                    [
                        x + jitter[0],
                        y + jitter[1],
                        x + w + jitter[2],
                        y + h + jitter[3],
                        float(r.random()),
                        cls,
                    ]
                )
        for _ in range(int(r.integers(0, 3))):
            x, y = r.uniform(0, 80, size=2)
            dets.append([x, y, x + 15, y + 15, float(r.random()), int(r.integers(0, 3))])
        predictions.append(dets)
        labels.append(gts)
    return predictions, labels


def coco_map(predictions: list, labels: list, thresholds: list[float]) -> float:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO()
    annotations, results = [], []
    for image, boxes in enumerate(labels):
        for x1, y1, x2, y2, cls in boxes:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image,
                    "category_id": int(cls),
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": (x2 - x1) * (y2 - y1),
                    "iscrowd": 0,
                }
            )
    gt.dataset = {
        "images": [{"id": i} for i in range(len(labels))],
        "annotations": annotations,
        "categories": [{"id": c} for c in range(3)],
    }
    gt.createIndex()
    for image, boxes in enumerate(predictions):
        for x1, y1, x2, y2, score, cls in boxes:
            results.append(
                {
                    "image_id": image,
                    "category_id": int(cls),
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "score": score,
                }
            )
    evaluator = COCOeval(gt, gt.loadRes(results), "bbox")
    evaluator.params.iouThrs = np.array(thresholds)
    evaluator.params.areaRng = [[0, 1e10]]
    evaluator.params.areaRngLbl = ["all"]
    evaluator.params.maxDets = [100]
    evaluator.evaluate()
    evaluator.accumulate()
    precision = evaluator.eval["precision"][:, :, :, 0, 0]
    return float(np.mean(precision[precision > -1]))


COCO_THRESHOLDS = [round(0.5 + 0.05 * i, 2) for i in range(10)]


@pytest.mark.parametrize("thresholds", [[0.5], [0.5, 0.75], COCO_THRESHOLDS])
def test_map_matches_pycocotools(thresholds, capsys):
    predictions, labels = detections(np.random.default_rng(len(thresholds)), 40)
    ours = mean_average_precision(predictions, labels, iou_thresholds=thresholds)
    assert ours == pytest.approx(coco_map(predictions, labels, thresholds), abs=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_map_equals_the_straightforward_loop(seed):
    r = np.random.default_rng(seed)
    predictions, labels = synthetic_detections(r, 60, int(r.integers(1, 12)))
    # Edge cases: an image without ground truth, one without detections, ties in
    # score, a class predicted that no label has, a zero-area box.
    labels[0], predictions[1] = [], []
    predictions[2] = [[*box[:4], 0.5, box[5]] for box in predictions[2]]
    predictions[3].append([1.0, 1.0, 20.0, 20.0, 0.9, 9.0])
    predictions[4].append([5.0, 5.0, 5.0, 9.0, 0.8, 0.0])
    for thresholds in ([0.5], [0.5, 0.75, 0.95], list(COCO_THRESHOLDS)):
        fast = mean_average_precision(predictions, labels, iou_thresholds=thresholds)
        assert fast == map_straightforward(predictions, labels, iou_thresholds=thresholds)
    fast = mean_average_precision(predictions, labels, max_detections=3)
    assert fast == map_straightforward(predictions, labels, max_detections=3)


def test_bootstrap_over_detections_re_aggregates_the_same_matches():
    predictions, labels = synthetic_detections(np.random.default_rng(11), 80, 6)
    metric = METRICS["map"]
    matched = detections_match(predictions, labels)
    index = np.random.default_rng(0).integers(0, 80, size=80)  # repeats and gaps
    assert matched.average_precision(index) == map_straightforward(
        [predictions[i] for i in index], [labels[i] for i in index]
    )
    low, high = bootstrap_ci(metric, predictions, labels, resamples=30)
    assert (low, high) == bootstrap_straightforward(predictions, labels, resamples=30)
    assert low <= metric(predictions, labels) <= high
    assert bootstrap_ci(metric, predictions, labels, resamples=30) == (low, high)
    perfect = [[[*box[:4], 1.0, box[4]] for box in image] for image in labels]
    assert bootstrap_ci(metric, perfect, labels, resamples=30) == (1.0, 1.0)


def test_scoring_600_images_of_detections_takes_seconds_not_minutes():
    predictions, labels = synthetic_detections(np.random.default_rng(0), 600, 10)
    started = time.perf_counter()
    METRICS["map"](predictions, labels)
    bootstrap_ci(METRICS["map"], predictions, labels)
    assert time.perf_counter() - started < 10  # the loop: about 6 minutes


def test_bootstrap_interval_contains_the_score_and_narrows_with_more_data():
    metric = METRICS["accuracy"]
    small = rng.integers(0, 2, size=100), rng.integers(0, 2, size=100)
    low, high = bootstrap_ci(metric, *small)
    assert low <= metric(*small) <= high
    big = rng.integers(0, 2, size=10_000), rng.integers(0, 2, size=10_000)
    big_low, big_high = bootstrap_ci(metric, *big)
    assert big_high - big_low < high - low
    f1 = METRICS["macro_f1"]
    low, high = bootstrap_ci(f1, *small, resamples=300)
    assert low <= f1(*small) <= high
    assert bootstrap_ci(f1, *small, resamples=300) == (low, high)  # deterministic


def test_scoring_a_million_predictions_takes_under_a_second():
    import io

    from grading.predictions import predictions_parse

    labels = rng.integers(0, 10, size=1_000_000)
    buffer = io.BytesIO()
    np.save(buffer, np.where(rng.random(1_000_000) < 0.9, labels, 0))
    started = time.perf_counter()
    parsed = predictions_parse("npy", buffer.getvalue(), kind="labels", labels=labels)
    METRICS["accuracy"](parsed, labels)
    METRICS["macro_f1"](parsed, labels)
    bootstrap_ci(METRICS["accuracy"], parsed, labels)
    assert time.perf_counter() - started < 1.0
