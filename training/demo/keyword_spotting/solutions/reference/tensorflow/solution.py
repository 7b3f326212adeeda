"""Reference (TensorFlow / Keras): the PyTorch reference in Keras. A log-mel
spectrogram (40 mel bands, 25 ms windows every 10 ms, tf.signal.stft) feeds a small
1-D convolutional network over time with the mel bands as channels (Keras's Conv1D
wants time first); global max pooling over time makes it indifferent to where the word
is. Every batch is augmented: a random time shift, background from the training set's
own "silence" clips mixed in at a random level, and SpecAugment-style masks of a few
mel bands and frames. A plain ``tf.function`` training step (on one thread faster than
``model.fit``), a warm-up then a cosine learning rate. It re-plans the number of epochs
after each one from the slowest so far, so a busy machine trains fewer and still
finishes inside the limit. Weights are saved as .npy arrays, never pickled."""

import math
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)  # the sandbox gives one CPU
tf.config.threading.set_inter_op_parallelism_threads(1)
CLASSES, SILENCE = 12, 11  # 0–9 commands, 10 unknown, 11 silence
RATE, WINDOW, HOP, FFT, MELS = 8000, 200, 80, 256, 40
EPOCHS, MIN_EPOCHS, BATCH = 40, 16, 64
PEAK_RATE = 0.005
BUDGET_SECONDS = 220.0  # of the 360 s limit: room for start-up, features, saving, a slow machine


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


def mel_power(audio: np.ndarray) -> np.ndarray:
    """int16 clips (n, 8000) → mel-band power (n, 98 frames, MELS), float32, with
    tf.signal.stft, in batches."""
    filters = tf.constant(mel_filters())
    out = []
    for start in range(0, len(audio), 256):
        x = tf.constant(audio[start : start + 256], tf.float32) / 32768
        spec = tf.signal.stft(x, WINDOW, HOP, FFT, window_fn=tf.signal.hamming_window)
        out.append((tf.square(tf.abs(spec)) @ filters).numpy())
    return np.concatenate(out)


def normalise(power: np.ndarray) -> np.ndarray:
    """Log, then zero mean and unit variance per clip: the clips' gain varies by 30 dB."""
    x = np.log(power + 1e-6)
    mean, std = x.mean(axis=(1, 2), keepdims=True), x.std(axis=(1, 2), keepdims=True)
    return ((x - mean) / (std + 1e-5)).astype(np.float32)


def augment(power: np.ndarray, backgrounds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shifts the batch in time, adds background to half of the clips at 0.01–1 times
    their power (powers add when the signals are independent), and masks up to 7 mel
    bands and up to 9 frames of each clip."""
    n, frames, bands = power.shape
    power = np.roll(power, int(rng.integers(-15, 16)), axis=1)
    noise = backgrounds[rng.integers(len(backgrounds), size=n)]
    level = 10 ** (rng.random((n, 1, 1)) * 2 - 2) * (rng.random((n, 1, 1)) < 0.5)
    ratio = power.mean(axis=(1, 2), keepdims=True) / noise.mean(axis=(1, 2), keepdims=True)
    x = normalise(power + level * ratio * noise)
    frame, band = np.arange(frames)[None, :, None], np.arange(bands)[None, None, :]
    t0, b0 = rng.integers(0, frames - 10, (n, 1, 1)), rng.integers(0, bands - 8, (n, 1, 1))
    length, width = rng.integers(0, 10, (n, 1, 1)), rng.integers(0, 8, (n, 1, 1))
    masked = ((band >= b0) & (band < b0 + width)) | ((frame >= t0) & (frame < t0 + length))
    return np.where(masked, np.float32(0), x)


def build() -> tf.keras.Model:
    layers = tf.keras.layers

    def block(filters: int, stride: int = 1) -> list[tf.keras.layers.Layer]:
        conv = layers.Conv1D(filters, 5, strides=stride, padding="same")
        return [conv, layers.BatchNormalization(), layers.ReLU()]

    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(None, MELS)),
            *block(96, stride=2),  # 98 frames → 49 (20 ms)
            *block(96),
            *block(96, stride=2),  # → 25 (40 ms)
            *block(128),
            *block(128),
            layers.GlobalMaxPooling1D(),  # the strongest evidence anywhere in the clip
            layers.Dropout(0.2),
            layers.Dense(CLASSES),
        ]
    )


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
        if progress < 0.25:
            return PEAK_RATE * (0.04 + 0.96 * progress / 0.25)
        return PEAK_RATE * 0.5 * (1 + math.cos(math.pi * (progress - 0.25) / 0.75))

    def update(self, done: int, took: float, now: float) -> None:
        self.times.append(took)
        slowest = max(self.times[1:] or self.times)
        affordable = done + int((BUDGET_SECONDS - (now - self.started)) / slowest)
        self.epochs = max(MIN_EPOCHS, min(EPOCHS, affordable), done)


def train(train_dir: Path, model_dir: Path) -> None:
    plan = Plan(time.perf_counter(), steps_per_epoch=0)
    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    power = mel_power(np.load(train_dir / "X.npy"))  # once: augmentation works on powers
    y = np.load(train_dir / "y.npy").astype(np.int32)
    backgrounds = power[y == SILENCE]
    plan.steps_per_epoch = len(y) // BATCH  # whole batches: a smaller one would retrace
    model = build()
    optimiser = tf.keras.optimizers.AdamW(PEAK_RATE, weight_decay=1e-3)
    loss_of = tf.keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.05)

    @tf.function
    def step(x: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_of(tf.one_hot(labels, CLASSES), logits)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimiser.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        hits = tf.reduce_sum(tf.cast(tf.argmax(logits, 1, output_type=tf.int32) == labels, "int32"))
        return loss, hits

    epoch, steps = 0, 0
    while epoch < plan.epochs:
        began, correct = time.perf_counter(), 0
        order = rng.permutation(len(y))[: plan.steps_per_epoch * BATCH]
        for batch in order.reshape(plan.steps_per_epoch, BATCH):
            optimiser.learning_rate = plan.rate(steps)  # assigns the optimiser's variable
            loss, hits = step(augment(power[batch], backgrounds, rng), y[batch])
            correct, steps = correct + int(hits), steps + 1
        epoch, now = epoch + 1, time.perf_counter()
        plan.update(epoch, now - began, now)
        if epoch % 4 == 0 or epoch == plan.epochs:
            print(
                f"epoch {epoch} of {plan.epochs}: {now - began:.1f} s, loss {float(loss):.3f}, "
                f"train accuracy {correct / len(order):.3f}",
                flush=True,
            )
    for i, weight in enumerate(model.get_weights()):
        np.save(model_dir / f"w{i:02d}.npy", weight, allow_pickle=False)


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    model = build()
    count = len(model.get_weights())
    model.set_weights([np.load(model_dir / f"w{i:02d}.npy") for i in range(count)])
    logits = model.predict(normalise(mel_power(inputs)), batch_size=256, verbose=0)
    return logits.argmax(axis=1)  # one class 0–11 per clip
