"""Prediction files: .npy without pickle, JSON, CSV; every bad file is a reason."""

import io
import json

import numpy as np
import pytest

from grading.predictions import InvalidPredictions, predictions_file, predictions_parse


def npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


LABELS = np.array([1, 2, 3])


@pytest.mark.parametrize(
    "fmt,data",
    [
        ("npy", npy(np.array([1, 2, 3]))),
        ("npy", npy(np.array([1.0, 2.0, 3.0]))),
        ("json", b"[1, 2, 3]"),
        ("csv", b"1\n2\n3\n"),
    ],
)
def test_class_labels_in_every_format(fmt, data):
    parsed = predictions_parse(fmt, data, kind="labels", labels=LABELS)
    assert parsed.dtype == np.int64 and parsed.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "fmt,data,reason",
    [
        ("npy", npy(np.array([{"x": 1}] * 3, dtype=object), allow_pickle=True), "pickle"),
        ("npy", npy(np.array([1.5, 2.0, 3.0])), "integer"),
        ("npy", npy(np.zeros((3, 1), dtype=np.int64)), "shape"),
        ("npy", npy(np.zeros(4, dtype=np.int64)), "shape"),
        ("npy", b"not numpy", "pickle"),
        ("json", b"[1, 2", "JSON"),
        ("json", b'[{"a": 1}, 2, 3]', "objects"),
        ("csv", b"1,2\n3,4\n5,6\n", "one label"),
        ("csv", b"\xff\xfe", "UTF-8"),
    ],
)
def test_bad_label_files_are_refused_with_a_reason(fmt, data, reason):
    with pytest.raises(InvalidPredictions, match=reason):
        predictions_parse(fmt, data, kind="labels", labels=LABELS)


def test_string_labels_scores_values_texts_and_detections():
    assert predictions_parse(
        "json", b'["de", "fr"]', kind="labels", labels=np.array(["de", "fr"])
    ).tolist() == ["de", "fr"]
    scores = predictions_parse("csv", b"0.1,0.9\n0.8,0.2\n", kind="scores", labels=np.array([1, 0]))
    assert scores.shape == (2, 2)
    with pytest.raises(InvalidPredictions, match="NaN"):
        predictions_parse("json", b"[NaN, 1.0]", kind="values", labels=np.array([1.0, 2.0]))
    values = predictions_parse(
        "npy", npy(np.array([[1.0], [2.0]])), kind="values", labels=np.array([1.0, 2.0])
    )
    assert values.shape == (2,)
    assert predictions_parse("csv", b"hello world\nbye\n", kind="texts", labels=["a", "b"]) == [
        "hello world",
        "bye",
    ]
    with pytest.raises(InvalidPredictions, match="strings"):
        predictions_parse("json", b"[1, 2]", kind="texts", labels=["a", "b"])
    boxes = [[[0, 0, 10, 10, 0.9, 1]], []]
    assert (
        len(
            predictions_parse(
                "json", json.dumps(boxes).encode(), kind="detections", labels=[[], []]
            )
        )
        == 2
    )
    with pytest.raises(InvalidPredictions, match="x2"):
        predictions_parse("json", b"[[[10, 0, 0, 10, 0.9, 1]]]", kind="detections", labels=[[]])
    with pytest.raises(InvalidPredictions, match="box"):
        predictions_parse("json", b'[[["a", 0, 0, 10, 0.9, 1]]]', kind="detections", labels=[[]])


def test_exactly_one_predictions_file_per_split():
    assert predictions_file({"dev.csv": b"1"}, "dev") == ("csv", b"1")
    with pytest.raises(InvalidPredictions, match="no dev"):
        predictions_file({"test.npy": b""}, "dev")
    with pytest.raises(InvalidPredictions, match="more than one"):
        predictions_file({"dev.npy": b"", "dev.json": b""}, "dev")
