"""Reference (TensorFlow / Keras): the PyTorch reference's CTC recogniser in Keras.
Log-mel features (40 bands, 25 ms windows every 10 ms, tf.signal.stft, time first as
Keras's Conv1D wants) go through four 1-D convolutions, three of them with stride 2,
so the network emits one frame every 80 ms (3–7 frames per digit: enough for CTC, and
cheap); a small bidirectional GRU adds context; a Dense layer gives, per frame, the
logits of the ten digits and the CTC blank. ``tf.nn.ctc_loss`` needs no alignment,
only the digit string; greedy decoding (best class per frame, repeats merged, blanks
dropped) gives the text. A plain ``tf.function`` training step, a warm-up then a
cosine learning rate; it re-plans the number of epochs after each one from the slowest
so far, so a busy machine trains fewer and still finishes inside the limit. Weights are
saved as .npy arrays, never pickled."""

import math
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)  # the sandbox gives one CPU
tf.config.threading.set_inter_op_parallelism_threads(1)
RATE, WINDOW, HOP, FFT, MELS = 8000, 200, 80, 256, 40
BLANK = 10  # CTC's "no digit here" class; the digits are 0–9
WIDTH, HIDDEN, LONGEST = 96, 64, 6  # strings have 3–6 digits
EPOCHS, MIN_EPOCHS, BATCH = 10, 6, 16
PEAK_RATE = 0.006
BUDGET_SECONDS = 190.0  # of the 300 s limit: room for start-up, features, saving, a slow machine


def mel_filters() -> np.ndarray:
    """(FFT // 2 + 1, MELS) triangular filters, evenly spaced on the mel scale."""
    mel = np.linspace(0, 2595 * np.log10(1 + RATE / 2 / 700), MELS + 2)
    edges = np.floor((FFT + 1) * 700 * (10 ** (mel / 2595) - 1) / RATE).astype(int)
    filters = np.zeros((MELS, FFT // 2 + 1), dtype=np.float32)
    for i in range(MELS):
        left, centre, right = edges[i], edges[i + 1], edges[i + 2]
        filters[i, left:centre] = (np.arange(left, centre) - left) / max(centre - left, 1)
        filters[i, centre:right] = (right - np.arange(centre, right)) / max(right - centre, 1)
    return filters.T


def features(audio: np.ndarray) -> np.ndarray:
    """int16 clips (n, 32000) → log-mel (n, 398 frames, MELS), float32, zero mean and
    unit variance per clip; tf.signal.stft (several times faster than NumPy's FFT here:
    it matters for the prediction budget), in batches of 128 to bound memory."""
    filters = tf.constant(mel_filters())
    out = []
    for start in range(0, len(audio), 128):
        x = tf.constant(audio[start : start + 128], tf.float32) / 32768
        spec = tf.signal.stft(x, WINDOW, HOP, FFT, window_fn=tf.signal.hamming_window)
        logmel = tf.math.log(tf.square(tf.abs(spec)) @ filters + 1e-6)
        mean, variance = tf.nn.moments(logmel, axes=[1, 2], keepdims=True)
        out.append(((logmel - mean) / (tf.sqrt(variance) + 1e-5)).numpy())
    return np.concatenate(out)


def build() -> tf.keras.Model:
    layers = tf.keras.layers

    def block(stride: int) -> list[tf.keras.layers.Layer]:
        conv = layers.Conv1D(WIDTH, 5, strides=stride, padding="same")
        return [conv, layers.BatchNormalization(), layers.ReLU()]

    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(None, MELS)),
            *block(2),
            *block(1),
            *block(2),
            *block(2),  # one frame every 80 ms
            layers.Bidirectional(layers.GRU(HIDDEN, return_sequences=True)),
            layers.Dense(BLANK + 1),  # logits per frame: the digits and the blank
        ]
    )


def mask(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """SpecAugment-style: up to 7 mel bands and up to 9 frames of each clip set to 0."""
    n, frames, bands = x.shape
    frame, band = np.arange(frames)[None, :, None], np.arange(bands)[None, None, :]
    t0, b0 = rng.integers(0, frames - 10, (n, 1, 1)), rng.integers(0, bands - 8, (n, 1, 1))
    length, width = rng.integers(0, 10, (n, 1, 1)), rng.integers(0, 8, (n, 1, 1))
    masked = ((band >= b0) & (band < b0 + width)) | ((frame >= t0) & (frame < t0 + length))
    return np.where(masked, np.float32(0), x)


class Plan:
    """How many epochs fit the time budget, re-estimated after each epoch from the
    slowest one so far but the first (which also traces the training step; it counts
    only until there is another), never fewer than MIN_EPOCHS; and the learning rate
    of each step: warm-up, then a cosine down to the planned end."""

    def __init__(self, started: float, steps_per_epoch: int) -> None:
        self.started, self.steps_per_epoch = started, steps_per_epoch
        self.epochs = EPOCHS
        self.times: list[float] = []

    def rate(self, step: int) -> float:
        progress = min(1.0, step / (self.epochs * self.steps_per_epoch))
        if progress < 0.15:
            return PEAK_RATE * (0.04 + 0.96 * progress / 0.15)
        return PEAK_RATE * 0.5 * (1 + math.cos(math.pi * (progress - 0.15) / 0.85))

    def update(self, done: int, took: float, now: float) -> None:
        self.times.append(took)
        slowest = max(self.times[1:] or self.times)
        affordable = done + int((BUDGET_SECONDS - (now - self.started)) / slowest)
        self.epochs = max(MIN_EPOCHS, min(EPOCHS, affordable), done)


def targets(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ "3 5 2" → the digits padded to LONGEST (int32), and how many there are."""
    digits = [[int(d) for d in text.split()] for text in texts]
    padded = np.zeros((len(digits), LONGEST), dtype=np.int32)
    for row, string in zip(padded, digits, strict=True):
        row[: len(string)] = string
    return padded, np.array([len(d) for d in digits], dtype=np.int32)


def train(train_dir: Path, model_dir: Path) -> None:
    plan = Plan(time.perf_counter(), steps_per_epoch=0)
    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X = features(np.load(train_dir / "X.npy"))
    labels, lengths = targets(np.load(train_dir / "y.npy"))  # "3 5 2 9 1"
    plan.steps_per_epoch = len(X) // BATCH  # whole batches: a smaller one would retrace
    model = build()
    optimiser = tf.keras.optimizers.AdamW(PEAK_RATE, weight_decay=1e-3)

    @tf.function
    def step(x: tf.Tensor, wanted: tf.Tensor, length: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            frames = tf.fill([tf.shape(logits)[0]], tf.shape(logits)[1])
            losses = tf.nn.ctc_loss(
                wanted, logits, length, frames, logits_time_major=False, blank_index=BLANK
            )
            loss = tf.reduce_mean(losses / tf.cast(length, tf.float32))  # as PyTorch's mean
        gradients = tape.gradient(loss, model.trainable_variables)
        optimiser.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return loss

    epoch, steps = 0, 0
    while epoch < plan.epochs:
        began, total = time.perf_counter(), 0.0
        order = rng.permutation(len(X))[: plan.steps_per_epoch * BATCH]
        for batch in order.reshape(plan.steps_per_epoch, BATCH):
            optimiser.learning_rate = plan.rate(steps)  # assigns the optimiser's variable
            total += float(step(mask(X[batch], rng), labels[batch], lengths[batch]))
            steps += 1
        epoch, now = epoch + 1, time.perf_counter()
        plan.update(epoch, now - began, now)
        print(
            f"epoch {epoch} of {plan.epochs}: {now - began:.1f} s, "
            f"CTC loss {total / plan.steps_per_epoch:.3f}",
            flush=True,
        )
    for i, weight in enumerate(model.get_weights()):
        np.save(model_dir / f"w{i:02d}.npy", weight, allow_pickle=False)


def greedy(best: list[int]) -> str:
    """Best class per frame → text: merge repeats, then drop blanks ("3 3 _ 3" → "3 3")."""
    digits = [c for i, c in enumerate(best) if c != BLANK and (i == 0 or c != best[i - 1])]
    return " ".join(str(d) for d in digits)


def predict(model_dir: Path, inputs: np.ndarray) -> list[str]:
    model = build()
    count = len(model.get_weights())
    model.set_weights([np.load(model_dir / f"w{i:02d}.npy") for i in range(count)])
    logits = model.predict(features(inputs), batch_size=128, verbose=0)
    return [greedy(row) for row in logits.argmax(-1).tolist()]  # one string per clip
