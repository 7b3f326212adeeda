"""Reference: multinomial naive Bayes on hashed character 1–3-grams, NumPy only."""

from pathlib import Path

import numpy as np

BUCKETS = 1 << 15


def features(texts: np.ndarray) -> np.ndarray:
    counts = np.zeros((len(texts), BUCKETS), dtype=np.float32)
    for row, text in enumerate(texts):
        padded = f" {str(text).lower()} "
        for n in (1, 2, 3):
            for i in range(len(padded) - n + 1):
                gram = padded[i : i + n]
                counts[row, (hash_gram(gram)) % BUCKETS] += 1
    return counts


def hash_gram(gram: str) -> int:
    value = 2166136261
    for byte in gram.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


def train(train_dir: Path, model_dir: Path) -> None:
    texts = np.load(train_dir / "X.npy")
    labels = np.load(train_dir / "y.npy")
    classes = np.unique(labels)
    X = features(texts)
    log_probs = np.stack(
        [
            np.log((X[labels == c].sum(axis=0) + 0.1) / (X[labels == c].sum() + 0.1 * BUCKETS))
            for c in classes
        ]
    )
    np.save(model_dir / "classes.npy", classes)
    np.save(model_dir / "log_probs.npy", log_probs)
    print(f"trained on {len(texts)} sentences, {len(classes)} languages")


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    classes = np.load(model_dir / "classes.npy")
    log_probs = np.load(model_dir / "log_probs.npy")
    return classes[np.argmax(features(inputs) @ log_probs.T, axis=1)]
