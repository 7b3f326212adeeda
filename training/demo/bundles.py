"""Builds the demo practical task bundles from data available offline: the sklearn
digits and diabetes data sets (shipped inside scikit-learn), Django's own translation
catalogues (``.po`` files), speech synthesised by espeak-ng (spoken digits, keywords,
digit strings), geometric shapes drawn with NumPy (one per image to classify, or scenes
of several to detect), and IT-support tickets written from templates (``tickets.py``).
Nothing is downloaded.

Each demo task is a folder here (``digits/``, ``langid/``, ``spoken_digits/``,
``diabetes_tf/``, ``shapes/``, ``keyword_spotting/``, ``connected_digits/``,
``ticket_triage/``, ``asset_tag_extraction/``, ``shapes_detection/``) holding
``task.toml``, ``statement.md``, ``starter/`` and
``solutions/``; the data is generated. ``demo_bundle(name)`` returns a finished
bundle folder (layout in docs/practical.md), built once and cached outside git under
a hash of everything that went into it, so later calls cost nothing.
"""

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from training.demo.asset_tag_extraction.generate import generate as generate_asset_tags
from training.demo.connected_digits.generate import generate as generate_connected_digits
from training.demo.keyword_spotting.generate import generate as generate_keywords
from training.demo.shapes.generate import generate as generate_shapes
from training.demo.shapes_detection.generate import bundle_data_write as build_shapes_detection
from training.demo.spoken_digits.generate import generate
from training.demo.ticket_triage.generate import generate as generate_tickets

HERE = Path(__file__).resolve().parent
DEMO_TASKS: tuple[str, ...] = ("digits", "langid", "spoken_digits", "diabetes_tf", "shapes")
DEMO_TASKS += ("keyword_spotting", "connected_digits")  # speech, intermediate and advanced
DEMO_TASKS += ("ticket_triage", "asset_tag_extraction")  # language, intermediate and advanced
DEMO_TASKS += ("shapes_detection",)  # vision, advanced
BUILD_VERSION = "1"
# The speech tasks' data is synthesised by espeak-ng (practical.py leaves them out where
# it is missing); two of them also depend on a shared module outside their folder.
ESPEAK_TASKS = ("spoken_digits", "keyword_spotting", "connected_digits")
SHARED_SOURCES = {name: ("speech_synth.py",) for name in ESPEAK_TASKS[1:]}
SHARED_SOURCES.update({name: ("tickets.py",) for name in DEMO_TASKS[-2:]})


def cache_root() -> Path:
    """``CERT_ENGINE_CACHE`` or ``$XDG_CACHE_HOME/cert-engine`` or ``~/.cache/...``."""
    explicit = os.environ.get("CERT_ENGINE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cert-engine"


def _source_hash(name: str) -> str:
    digest = hashlib.sha256(f"{BUILD_VERSION}|{name}".encode())
    for path in sorted((HERE / name).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(HERE).as_posix().encode())
            digest.update(path.read_bytes())
    for shared in SHARED_SOURCES.get(name, ()):
        digest.update((HERE / shared).read_bytes())
    digest.update((HERE / "bundles.py").read_bytes())
    digest.update((HERE / "check.py").read_bytes())
    return digest.hexdigest()[:16]


def demo_bundle(name: str) -> Path:
    """The bundle folder of demo task ``name``, built into the cache if missing."""
    target = cache_root() / "demo-bundles" / f"{name}-{_source_hash(name)}"
    if (target / "task.toml").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        BUILDERS[name](building)
        _copy_authored(HERE / name, building)
        os.replace(building, target)
    except OSError:
        if not (target / "task.toml").exists():
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def _copy_authored(source: Path, root: Path) -> None:
    shutil.copyfile(source / "task.toml", root / "task.toml")
    shutil.copyfile(source / "statement.md", root / "public/statement.md")
    shutil.copytree(source / "starter", root / "public/starter")
    shutil.copytree(source / "solutions", root / "solutions")
    metric = re.search(r'^name = "(\w+)"', (source / "task.toml").read_text(), re.M)
    assert metric is not None
    check = (HERE / "check.py").read_text().replace("@METRIC@", metric.group(1))
    (root / "public/check.py").write_text(check)
    for path in root.rglob("__pycache__"):
        shutil.rmtree(path)


def _write_split(
    root: Path,
    inputs: NDArray[np.generic],
    labels: NDArray[np.generic] | list[str],
    order: NDArray[np.int64],
    sizes: tuple[int, int],
) -> None:
    """Test = the first ``sizes[0]`` of ``order``, dev = the next ``sizes[1]``, train =
    the rest. Hidden labels go to hidden/labels only."""
    y = np.asarray(labels)
    n_test, n_dev = sizes
    test, dev, train = order[:n_test], order[n_test : n_test + n_dev], order[n_test + n_dev :]
    for folder, index in (("public/train", train), ("public/dev", dev)):
        (root / folder).mkdir(parents=True)
        np.save(root / folder / "X.npy", inputs[index], allow_pickle=False)
        np.save(root / folder / "y.npy", y[index], allow_pickle=False)
    (root / "hidden/inputs").mkdir(parents=True)
    (root / "hidden/labels").mkdir(parents=True)
    np.save(root / "hidden/inputs/X.npy", inputs[test], allow_pickle=False)
    np.save(root / "hidden/labels/y.npy", y[test], allow_pickle=False)


def build_digits(root: Path) -> None:
    """8×8 digit images, float32 in [0, 1]; 360 test, 180 dev."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(2026).permutation(len(X))
    _write_split(root, X, y, order, (360, 180))


def build_diabetes(root: Path) -> None:
    """sklearn's diabetes regression (10 standardised features): 110 test, 60 dev."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    X = data.data.astype(np.float32)
    y = data.target.astype(np.float32)
    order = np.random.default_rng(2026).permutation(len(X))
    _write_split(root, X, y, order, (110, 60))


LANGUAGES = ("de", "es", "fr", "it", "nl", "pt", "pl", "sv")
_MSGSTR = re.compile(r'^msgstr(?:\[\d+\])? "(.*)"$')


def po_sentences(path: Path) -> list[str]:
    """The translated strings of a ``.po`` catalogue, continuation lines joined,
    placeholders and markup removed, at least three words long."""
    sentences, current, in_msgstr = [], "", False
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        match = _MSGSTR.match(line)
        if match:
            if current:
                sentences.append(current)
            current, in_msgstr = match.group(1), True
        elif in_msgstr and line.startswith('"'):
            current += line[1:-1]
        else:
            if in_msgstr and current:
                sentences.append(current)
            current, in_msgstr = "", False
    cleaned = []
    for text in sentences:
        text = re.sub(r"%\(\w+\)[sdr]|%[sd]|\{[^}]*\}|<[^>]+>|\\n|\\\"", " ", text)
        text = " ".join(text.split())
        if len(text.split()) >= 3:
            cleaned.append(text)
    return cleaned


def build_langid(root: Path) -> None:
    """Short sentences from Django's translation catalogues (Django itself and its
    contrib apps), labelled with their language code; at most 300 per language."""
    import django

    base = Path(django.__file__).resolve().parent
    texts, labels = [], []
    rng = np.random.default_rng(2026)
    for code in LANGUAGES:
        found: set[str] = set()
        for path in sorted(base.glob(f"**/locale/{code}/LC_MESSAGES/*.po")):
            found.update(po_sentences(path))
        chosen = sorted(found)
        rng.shuffle(chosen)
        for text in chosen[:300]:
            texts.append(text[:200])
            labels.append(code)
    X = np.array(texts)
    order = rng.permutation(len(X))
    n = len(X)
    _write_split(root, X, np.array(labels), order, (n // 5, n // 10))


def build_spoken_digits(root: Path) -> None:
    """Spoken digits, see spoken_digits/generate.py (needs espeak-ng)."""
    X, y = generate()
    order = np.random.default_rng(2026).permutation(len(X))
    _write_split(root, X, y, order, (len(X) // 5, len(X) // 10))


def build_shapes(root: Path) -> None:
    """Synthetic 32×32 shape images, see shapes/generate.py: 7,000 balanced images,
    1,400 test, 700 dev."""
    X, y = generate_shapes()
    order = np.random.default_rng(2026).permutation(len(X))
    _write_split(root, X, y, order, (len(X) // 5, len(X) // 10))


BUILDERS: dict[str, Callable[[Path], None]] = {
    "digits": build_digits,
    "langid": build_langid,
    "spoken_digits": build_spoken_digits,
    "diabetes_tf": build_diabetes,
    "shapes": build_shapes,
}


def build_keyword_spotting(root: Path) -> None:
    """One-second commands, other words and background, see keyword_spotting/generate.py
    (needs espeak-ng): 3,120 clips, 624 test, 312 dev."""
    X, y = generate_keywords()
    order = np.random.default_rng(2026).permutation(len(X))
    _write_split(root, X, y, order, (len(X) // 5, len(X) // 10))


def build_connected_digits(root: Path) -> None:
    """Four-second clips of 3–6 spoken digits, labelled "3 5 2", see
    connected_digits/generate.py (needs espeak-ng): 2,000 clips, 400 test, 200 dev."""
    X, y = generate_connected_digits()
    order = np.random.default_rng(2026).permutation(len(X))
    _write_split(root, X, y, order, (len(X) // 5, len(X) // 10))


def build_ticket_triage(root: Path) -> None:
    """IT-support tickets labelled with their queue, see ticket_triage/generate.py:
    6,400 tickets (800 per queue), 1,280 test, 640 dev."""
    X, y = generate_tickets()
    order = np.random.default_rng(2026).permutation(len(X))
    _write_split(root, X, y, order, (len(X) // 5, len(X) // 10))


def build_asset_tag_extraction(root: Path) -> None:
    """Tickets labelled with the affected device's asset tag or "none", see
    asset_tag_extraction/generate.py: 20,000 tickets, 12,000 test and 2,000 dev (the
    prediction budget is about many inputs), 6,000 to train on."""
    X, y = generate_asset_tags()
    order = np.random.default_rng(2026).permutation(len(X))
    _write_split(root, X, y, order, (12_000, 2_000))


BUILDERS["keyword_spotting"] = build_keyword_spotting
BUILDERS["connected_digits"] = build_connected_digits
BUILDERS["ticket_triage"] = build_ticket_triage
BUILDERS["asset_tag_extraction"] = build_asset_tag_extraction
# 64×64 scenes of 2–5 shapes, boxes as JSON: 1,600 train, 200 dev, 600 test.
BUILDERS["shapes_detection"] = build_shapes_detection


def demo_manifest(name: str) -> dict[str, object]:
    import tomllib

    return tomllib.loads((HERE / name / "task.toml").read_text(encoding="utf-8"))


__all__ = ["DEMO_TASKS", "ESPEAK_TASKS", "demo_bundle", "demo_manifest"]
