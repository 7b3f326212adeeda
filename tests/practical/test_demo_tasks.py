"""Every demo task, uploaded through the real path: validated, and trial-run in its
sandbox image (the TensorFlow task in the TensorFlow image): the reference passes,
the baseline runs and fails. Also the ``grade_practical`` command."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from grading.bundle_trial import bundle_trial
from training.bundles.storage import bundle_upload
from training.demo.bundles import DEMO_TASKS, demo_bundle, po_sentences

pytestmark = [pytest.mark.django_db, pytest.mark.docker]
ROOT = Path(__file__).resolve().parents[2]


# digits: its reference and baseline run in test_pipeline.py already.
@pytest.mark.parametrize("name", [n for n in DEMO_TASKS if n != "digits"])
def test_demo_bundle_passes_its_trial_run(name):
    version = bundle_upload(source=demo_bundle(name), trial=bundle_trial)
    reference, baseline = version.trial["reference"], version.trial["baseline"]
    assert reference["passed"] is True and baseline["passed"] is False, version.trial
    assert reference["stages"]["train"]["peak_memory_mb"] > 0
    if version.task.framework == "any":  # the Keras reference too, in the TensorFlow image
        keras = version.trial["reference_tensorflow"]
        assert (keras["framework"], keras["passed"]) == ("tensorflow", True), version.trial


def test_language_sentences_come_from_djangos_catalogues():
    import django

    catalogue = Path(django.__file__).parent / "conf/locale/de/LC_MESSAGES/django.po"
    sentences = po_sentences(catalogue)
    assert len(sentences) > 100 and all(len(s.split()) >= 3 for s in sentences)
    labels = np.load(demo_bundle("langid") / "public/train/y.npy")
    assert set(labels.tolist()) == {"de", "es", "fr", "it", "nl", "pt", "pl", "sv"}


def test_spoken_digits_are_synthesised_and_cached_by_hash():
    folder = demo_bundle("spoken_digits")
    X = np.load(folder / "public/train/X.npy")
    assert X.dtype == np.int16 and X.shape[1] == 8000 and np.abs(X).max() > 1000
    assert demo_bundle("spoken_digits") == folder  # cached: same folder, not rebuilt
    assert not folder.is_relative_to(ROOT)  # outside git


def test_shapes_are_drawn_deterministically_and_balanced():
    from training.demo.shapes.generate import CLASSES, generate

    X, y = generate(seed=7, per_class=4)
    assert X.dtype == np.float32 and X.shape == (4 * len(CLASSES), 32, 32)
    assert X.min() >= 0 and X.max() <= 1 and np.bincount(y).tolist() == [4] * len(CLASSES)
    again, _ = generate(seed=7, per_class=4)
    assert np.array_equal(X, again)
    labels = np.load(demo_bundle("shapes") / "public/train/y.npy")
    assert set(labels.tolist()) == set(range(len(CLASSES)))


def test_shape_scenes_are_drawn_deterministically_with_boxes_inside():
    from training.demo.shapes_detection.generate import CLASSES, SIZE, generate

    X, boxes = generate(seed=7, images=12)
    assert X.dtype == np.uint8 and X.shape == (12, SIZE, SIZE) and len(boxes) == 12
    again, same = generate(seed=7, images=12)
    assert np.array_equal(X, again) and same == boxes
    every = np.array([box for scene in boxes for box in scene])
    assert all(2 <= len(scene) <= 5 for scene in boxes)
    assert every[:, :4].min() >= 0 and every[:, :4].max() <= SIZE
    assert np.all(every[:, 2] > every[:, 0] + 8) and np.all(every[:, 3] > every[:, 1] + 8)
    assert set(every[:, 4].tolist()) <= set(range(len(CLASSES)))
    assert not np.array_equal(X, generate(seed=8, images=12)[0])


def test_shape_detection_bundle_keeps_its_labels_hidden_and_checks_map_at_home():
    import importlib.util
    import json

    from grading.bench.detection import synthetic_detections
    from grading.metrics import mean_average_precision

    folder = demo_bundle("shapes_detection")
    hidden_inputs = np.load(folder / "hidden/inputs/X.npy")
    hidden_labels = (folder / "hidden/labels/y.json").read_bytes()
    assert len(hidden_inputs) == len(json.loads(hidden_labels)) == 600
    assert [p.name for p in (folder / "hidden/inputs").iterdir()] == ["X.npy"]
    public = [p for p in (folder / "public").rglob("*") if p.is_file()]
    assert hidden_labels not in {p.read_bytes() for p in public}
    scenes = {
        x.tobytes() for split in ("train", "dev") for x in np.load(folder / f"public/{split}/X.npy")
    }
    assert not scenes & {x.tobytes() for x in hidden_inputs}
    spec = importlib.util.spec_from_file_location("check", folder / "public/check.py")
    assert spec and spec.loader
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    predictions, labels = synthetic_detections(np.random.default_rng(3), 40, 6)
    assert check.mean_ap(predictions, labels) == pytest.approx(
        mean_average_precision(predictions, labels), abs=1e-9
    )


def test_keywords_are_synthesised_deterministically_per_voice():
    from training.demo.keyword_spotting.generate import CLASSES, SILENCE, generate

    X, y = generate(seed=7, voices=2)
    assert X.dtype == np.int16 and X.shape == (26, 8000)
    assert np.bincount(y, minlength=len(CLASSES)).tolist() == [2] * 10 + [4, 2]
    assert np.array_equal(X, generate(seed=7, voices=2)[0])
    speech, silence = X[y != SILENCE].astype(float), X[y == SILENCE].astype(float)
    # a word stands out of its background: its loudest 100 ms well above the median
    peak_to_median = [np.abs(c).reshape(10, 800).mean(1) for c in speech]
    assert np.median([p.max() / np.median(p) for p in peak_to_median]) > 2
    assert np.abs(silence).max() > 100  # background only, but not digital silence


def test_digit_strings_are_synthesised_deterministically_with_their_text():
    from training.demo.connected_digits.generate import SAMPLES, generate

    X, y = generate(seed=7, utterances=12)
    assert X.dtype == np.int16 and X.shape == (12, SAMPLES) and np.abs(X).max() > 1000
    assert all(3 <= len(t.split()) <= 6 and t.replace(" ", "").isdigit() for t in y)
    again, texts = generate(seed=7, utterances=12)
    assert np.array_equal(X, again) and texts.tolist() == y.tolist()


def test_grade_practical_command_prints_one_json_report(tmp_path):
    bundle = demo_bundle("langid")
    env = {"SANDBOX_BACKEND": "docker", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    command = [sys.executable, "manage.py", "grade_practical", str(bundle)]
    done = subprocess.run(
        [*command, str(bundle / "solutions/reference/solution.py"), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout)
    assert (report["verdict"], report["metric"], report["passed"]) == ("ok", "macro_f1", True)
    assert (
        report["score"] >= 0.85
        and report["test_ci_low"] <= report["score"] <= report["test_ci_high"]
    )
    assert set(report["stages"]) == {"train", "predict"}
    assert all(s["wall_seconds"] > 0 and s["peak_memory_mb"] > 0 for s in report["stages"].values())

    crash = tmp_path / "solution.py"
    crash.write_text("def train(a, b):\n    raise SystemExit(3)\n")
    failed = json.loads(
        subprocess.run(
            [*command, str(crash), "--json"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    )
    assert (failed["verdict"], failed["passed"]) == ("runtime_error", False)
    assert settings.PRIVATE_STORAGE_DIR  # the command needs no database or storage


def test_tickets_are_written_deterministically_balanced_over_the_queues():
    from training.demo.ticket_triage.generate import MAX_CHARS, generate
    from training.demo.tickets import QUEUES

    X, y = generate(seed=7, per_queue=30)
    assert X.dtype.kind == "U" and len(X) == 30 * len(QUEUES)
    assert sorted(np.unique(y, return_counts=True)[1].tolist()) == [30] * len(QUEUES)
    assert all(0 < len(t) <= MAX_CHARS for t in X)
    assert any(re.search(r"[\u4e00-\u9fff]", t) for t in X) and any(t.isascii() for t in X)
    again, labels = generate(seed=7, per_queue=30)
    assert again.tolist() == X.tolist() and labels.tolist() == y.tolist()
    assert generate(seed=8, per_queue=30)[0].tolist() != X.tolist()


def test_asset_tags_are_labelled_with_a_tag_written_in_the_ticket():
    from training.demo.asset_tag_extraction.generate import DEVICES, MAX_CHARS, NONE, generate

    X, y = generate(seed=7, tickets=400)
    assert len(X) == len(y) == 400 and all(len(t) <= MAX_CHARS for t in X)
    tagged = y != NONE
    assert 0.05 < 1 - tagged.mean() < 0.2
    assert all(label in text for text, label in zip(X[tagged], y[tagged], strict=True))
    assert all(re.fullmatch(rf"(?:{'|'.join(DEVICES)})-\d{{5}}", label) for label in y[tagged])
    # the first tag-shaped identifier is often not the answer: context decides
    first = [m.group(0) if (m := re.search(r"[A-Z]{2}-\d{5}", t)) else NONE for t in X]
    assert 0.6 < np.mean(np.array(first) == y) < 0.9
    again, labels = generate(seed=7, tickets=400)
    assert again.tolist() == X.tolist() and labels.tolist() == y.tolist()


@pytest.mark.parametrize("name", ["ticket_triage", "asset_tag_extraction"])
def test_ticket_bundles_keep_hidden_labels_out_of_public(name):
    folder = demo_bundle(name)
    hidden_inputs = np.load(folder / "hidden/inputs/X.npy")
    hidden_labels = np.load(folder / "hidden/labels/y.npy")
    public = {
        split: (
            np.load(folder / f"public/{split}/X.npy"),
            np.load(folder / f"public/{split}/y.npy"),
        )
        for split in ("train", "dev")
    }
    assert len(hidden_inputs) == len(hidden_labels) > 0
    # no hidden ticket is also a public one (its label would be public too)
    seen = {text for X, _ in public.values() for text in X.tolist()}
    assert not seen & set(hidden_inputs.tolist())
    public_files = {p.relative_to(folder).as_posix() for p in folder.glob("public/**/*.npy")}
    assert public_files == {f"public/{s}/{f}.npy" for s in ("train", "dev") for f in "Xy"}
    assert sorted(p.name for p in (folder / "hidden/inputs").iterdir()) == ["X.npy"]
    if name == "asset_tag_extraction":  # tags are unique: no public ticket names an answer
        answers = set(hidden_labels.tolist()) - {"none"}
        named = {tag for text in seen for tag in re.findall(r"[A-Z]{2}-\d{5}", text)}
        assert answers and not answers & named
