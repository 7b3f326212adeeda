"""Reference (TensorFlow / Keras): the PyTorch reference's model in Keras. A log
spectrogram (48 bands, 32 ms frames every 16 ms, each clip standardised) → two 1-D
convolutions over time with the bands as channels → global max pooling (indifferent to
where the word is) → a softmax layer. Fifteen epochs with Adam, a few CPU seconds.
Weights are saved as .npy arrays, never pickled."""

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)  # the sandbox gives one CPU
tf.config.threading.set_inter_op_parallelism_threads(1)
BINS = 48


def spectrogram(audio: np.ndarray, frame: int = 256, hop: int = 128) -> np.ndarray:
    """int16 clips (n, 8000) → (n, frames, BINS): time first, as Keras's Conv1D wants."""
    x = audio.astype(np.float32) / 32768
    frames = np.lib.stride_tricks.sliding_window_view(x, frame, axis=1)[:, ::hop]
    magnitude = np.abs(np.fft.rfft(frames * np.hanning(frame), axis=-1))[:, :, : BINS * 2]
    pooled = magnitude.reshape(*magnitude.shape[:2], BINS, 2).mean(axis=-1)
    spec = np.log1p(pooled * 10)
    standardised = (spec - spec.mean(axis=(1, 2), keepdims=True)) / (
        spec.std(axis=(1, 2), keepdims=True) + 1e-6
    )
    return standardised.astype(np.float32)


def build() -> tf.keras.Model:
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(None, BINS)),
            layers.Conv1D(64, 5, padding="same", activation="relu"),
            layers.Conv1D(64, 5, padding="same", activation="relu"),
            layers.GlobalMaxPooling1D(),
            layers.Dense(10),
        ]
    )


def train(train_dir: Path, model_dir: Path) -> None:
    tf.keras.utils.set_random_seed(0)
    X = spectrogram(np.load(train_dir / "X.npy"))
    y = np.load(train_dir / "y.npy")
    model = build()
    model.compile(
        optimizer=tf.keras.optimizers.Adam(0.003),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(X, y, batch_size=32, epochs=15, verbose=0)
    for epoch in range(4, 15, 5):
        loss, accuracy = history.history["loss"][epoch], history.history["accuracy"][epoch]
        print(f"epoch {epoch + 1}: loss {loss:.4f}, train accuracy {accuracy:.3f}")
    for i, weight in enumerate(model.get_weights()):
        np.save(model_dir / f"w{i:02d}.npy", weight, allow_pickle=False)


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    model = build()
    count = len(model.get_weights())
    model.set_weights([np.load(model_dir / f"w{i:02d}.npy") for i in range(count)])
    logits = model.predict(spectrogram(inputs), batch_size=256, verbose=0)
    return logits.argmax(axis=1)  # one digit 0-9 per clip
