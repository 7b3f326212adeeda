"""Reference: a linear Keras model on standardised features (about R² 0.5).
Weights are saved as .npy arrays, never pickled."""

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)


def build() -> tf.keras.Model:
    return tf.keras.Sequential([tf.keras.Input(shape=(10,)), tf.keras.layers.Dense(1)])


def train(train_dir: Path, model_dir: Path) -> None:
    tf.keras.utils.set_random_seed(0)
    X, y = np.load(train_dir / "X.npy"), np.load(train_dir / "y.npy")
    stats = np.stack([X.mean(axis=0), X.std(axis=0)])
    target = np.array([y.mean(), y.std()])
    model = build()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(
        (X - stats[0]) / stats[1],
        (y - target[0]) / target[1],
        epochs=100,
        batch_size=len(X),
        verbose=0,
    )
    print(f"final loss {history.history['loss'][-1]:.4f}")
    for i, weight in enumerate(model.get_weights()):
        np.save(model_dir / f"w{i}.npy", weight)
    np.save(model_dir / "stats.npy", stats)
    np.save(model_dir / "target.npy", target)


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    model = build()
    model.set_weights([np.load(model_dir / f"w{i}.npy") for i in range(len(model.get_weights()))])
    stats, (mean, scale) = np.load(model_dir / "stats.npy"), np.load(model_dir / "target.npy")
    return model((inputs - stats[0]) / stats[1], training=False).numpy().ravel() * scale + mean
