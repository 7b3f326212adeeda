"""Reading candidates' prediction files, safely (labels: ``training.bundles.paths``).

A prediction file is ``<split>.npy``, ``<split>.json`` or ``<split>.csv`` (exactly one
per split). ``.npy`` is read with ``allow_pickle=False`` (an object array is refused,
never unpickled); JSON and CSV are parsed as data. Nothing a candidate wrote is ever
imported, unpickled or ``torch.load``-ed. Every function raises ``InvalidPredictions``
with a reason the candidate can act on.
"""

import csv
import io
import json
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

FORMATS = ("npy", "json", "csv")
MAX_BOXES_PER_INPUT = 1000


# Parsed predictions, and the labels they are checked against: an array (labels,
# scores, values) or a list (texts; detections: per input, a list of boxes).
Predictions = NDArray[Any] | list[Any]


class InvalidPredictions(ValueError):
    pass


def predictions_file(files: dict[str, bytes], split: str) -> tuple[str, bytes]:
    """Picks ``<split>.<format>`` out of the output files. Raises when there is none
    or more than one."""
    found = [(fmt, files[f"{split}.{fmt}"]) for fmt in FORMATS if f"{split}.{fmt}" in files]
    if not found:
        raise InvalidPredictions(f"predict() wrote no {split}.npy, {split}.json or {split}.csv")
    if len(found) > 1:
        raise InvalidPredictions(f"more than one predictions file for {split}")
    return found[0]


def _raw(fmt: str, data: bytes) -> Any:
    if fmt == "npy":
        try:
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise InvalidPredictions(f"not a valid .npy array without pickle ({exc})") from exc
        if not isinstance(array, np.ndarray):
            raise InvalidPredictions("a .npz archive is not accepted; write one .npy array")
        return array
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidPredictions(f"{fmt} file is not UTF-8") from exc
    if fmt == "json":
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InvalidPredictions(f"not valid JSON ({exc})") from exc
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if rows and all(len(row) == 1 for row in rows):
        return [row[0] for row in rows]
    return rows


def predictions_parse(fmt: str, data: bytes, *, kind: str, labels: Predictions) -> Predictions:
    """Parses one predictions file into the shape ``kind`` needs (see
    ``grading.metrics.KINDS``), checked against ``labels`` (length, dtype)."""
    raw = _raw(fmt, data)
    expected = len(labels)
    if kind == "texts":
        values = raw.tolist() if isinstance(raw, np.ndarray) else raw
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InvalidPredictions("expected a list of strings, one per input")
        _length(values, expected)
        return values
    if kind == "detections":
        return _detections(raw, expected)
    if fmt == "csv" and raw and isinstance(raw[0], list) and kind == "labels":
        raise InvalidPredictions("expected one label per line")
    try:
        array = np.asarray(raw)
    except ValueError as exc:
        raise InvalidPredictions(f"ragged predictions ({exc})") from exc
    if array.dtype == object:
        raise InvalidPredictions("predictions must be numbers or strings, not objects")
    if kind == "labels":
        return _labels(array, expected, labels)
    numbers = _floats(array)
    if kind == "scores":
        if numbers.ndim != 2 or numbers.shape[0] != expected:
            raise InvalidPredictions(
                f"expected scores of shape ({expected}, classes), got {numbers.shape}"
            )
        return numbers
    target = np.asarray(labels).shape
    if numbers.shape != target:
        if numbers.size == int(np.prod(target)) and numbers.shape[0] == expected:
            numbers = numbers.reshape(target)
        else:
            raise InvalidPredictions(f"expected shape {target}, got {numbers.shape}")
    return numbers


def _length(values: Any, expected: int) -> None:
    if len(values) != expected:
        raise InvalidPredictions(f"expected {expected} predictions, got {len(values)}")


def _floats(array: NDArray[Any]) -> NDArray[np.float64]:
    try:
        numbers = array.astype(np.float64)
    except (ValueError, TypeError) as exc:
        raise InvalidPredictions("expected numbers") from exc
    if not np.all(np.isfinite(numbers)):
        raise InvalidPredictions("predictions contain NaN or infinity")
    return numbers


def _labels(array: NDArray[Any], expected: int, labels: Predictions) -> NDArray[Any]:
    if array.ndim != 1 or array.shape[0] != expected:
        raise InvalidPredictions(f"expected shape ({expected},), got {array.shape}")
    if np.asarray(labels).dtype.kind in "US":
        return array.astype(str)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind in "US":
        try:
            array = array.astype(np.float64)
        except ValueError as exc:
            raise InvalidPredictions("expected integer class labels") from exc
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        return array.astype(np.int64)
    raise InvalidPredictions(f"expected integer class labels, got dtype {array.dtype}")


def _detections(raw: Any, expected: int) -> list[list[list[float]]]:
    if not isinstance(raw, list):
        raise InvalidPredictions("expected a JSON list with one list of boxes per input")
    _length(raw, expected)
    result = []
    for boxes in raw:
        if not isinstance(boxes, list) or len(boxes) > MAX_BOXES_PER_INPUT:
            raise InvalidPredictions(
                f"each input needs a list of at most {MAX_BOXES_PER_INPUT} boxes"
            )
        parsed = []
        for box in boxes:
            if (
                not isinstance(box, list)
                or len(box) != 6
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in box)
                or not all(math.isfinite(v) for v in box)
            ):
                raise InvalidPredictions("each box is [x1, y1, x2, y2, score, class] in numbers")
            if box[2] < box[0] or box[3] < box[1]:
                raise InvalidPredictions("a box needs x2 >= x1 and y2 >= y1")
            parsed.append([float(v) for v in box])
        result.append(parsed)
    return result
