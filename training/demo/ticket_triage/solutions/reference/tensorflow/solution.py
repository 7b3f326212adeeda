"""Reference (TensorFlow / Keras): the PyTorch reference's reader in Keras. Tokens are
English words, Chinese characters and punctuation marks; an embedding, a bidirectional
GRU and max pooling over time (padding masked out) into the queues. Reading in order,
it learns that an issue followed by "已经修好了" or preceded by "I first thought" is not
the ticket's queue, which a bag of n-grams cannot. A plain ``tf.function`` training
step with a fixed signature (batches of any length, traced once); it times the first
epoch and trains fewer on a slow machine, so it always finishes inside the limit.
Weights are saved as .npy arrays, never pickled."""

import json
import os
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)  # the sandbox gives one CPU
tf.config.threading.set_inter_op_parallelism_threads(1)
TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[\u4e00-\u9fff]|[^\sa-z0-9\u4e00-\u9fff]")
PAD, UNKNOWN, MAX_TOKENS = 0, 1, 160
EPOCHS, MIN_EPOCHS, BATCH, WIDTH = 6, 3, 64, 64
BUDGET_SECONDS = 150.0  # of the 300 s limit: start-up, saving, a slower machine
IDS = tf.TensorSpec([None, None], tf.int32)  # (tickets, tokens): any batch, any length


def tokens(text: str) -> list[str]:
    return TOKEN.findall(str(text).lower())[:MAX_TOKENS]


def encode(texts: np.ndarray, vocabulary: dict[str, int]) -> np.ndarray:
    """(n, longest) token ids, int32, 0-padded on the right."""
    rows = [[vocabulary.get(t, UNKNOWN) for t in tokens(text)] or [UNKNOWN] for text in texts]
    out = np.zeros((len(rows), max(map(len, rows))), dtype=np.int32)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


class Reader(tf.keras.Model):
    def __init__(self, vocabulary: int, classes: int) -> None:
        super().__init__()
        layers = tf.keras.layers
        self.embed = layers.Embedding(vocabulary, WIDTH)
        self.gru = layers.Bidirectional(layers.GRU(WIDTH, return_sequences=True))
        self.dropout = layers.Dropout(0.2)
        self.out = layers.Dense(classes)

    def call(self, ids: tf.Tensor, training: bool = False) -> tf.Tensor:
        padding = tf.equal(ids, PAD)
        # the mask keeps the backward direction from starting in the padding
        states = self.gru(self.embed(ids), mask=tf.logical_not(padding), training=training)
        states = tf.where(padding[:, :, None], tf.constant(-1e4, states.dtype), states)
        return self.out(self.dropout(tf.reduce_max(states, axis=1), training=training))


def batches(lengths: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of tickets of similar length (less padding, faster epochs):
    each run of 32 batches is sorted by length, then the batches are shuffled."""
    order = rng.permutation(len(lengths))
    out: list[np.ndarray] = []
    for start in range(0, len(order), 32 * BATCH):
        run = order[start : start + 32 * BATCH]
        run = run[np.argsort(lengths[run], kind="stable")]
        out += [run[i : i + BATCH] for i in range(0, len(run), BATCH)]
    return [out[i] for i in rng.permutation(len(out))]


def train(train_dir: Path, model_dir: Path) -> None:
    texts, labels = np.load(train_dir / "X.npy"), np.load(train_dir / "y.npy").tolist()
    classes = sorted(set(labels))
    counts = Counter(t for text in texts for t in tokens(text))
    words = [w for w, c in counts.most_common() if c >= 2]
    vocabulary = {w: i + 2 for i, w in enumerate(words)}
    X = encode(texts, vocabulary)
    y = np.array([classes.index(c) for c in labels], dtype=np.int32)
    lengths = (X != PAD).sum(axis=1)
    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    model = Reader(len(vocabulary) + 2, len(classes))
    optimiser = tf.keras.optimizers.Adam(3e-3)
    loss_of = tf.keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.05)

    @tf.function(input_signature=[IDS, tf.TensorSpec([None], tf.int32)])
    def step(ids: tf.Tensor, wanted: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = loss_of(tf.one_hot(wanted, len(classes)), model(ids, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimiser.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return loss

    started, epochs = time.perf_counter(), EPOCHS
    for epoch in range(EPOCHS):
        for batch in batches(lengths, rng):
            ids = X[batch, : lengths[batch].max()]  # trim the batch's padding
            # word dropout: a few tokens unknown, as typos make them at test time
            ids = np.where((rng.random(ids.shape) < 0.05) & (ids != PAD), UNKNOWN, ids)
            loss = step(ids.astype(np.int32), y[batch])
        elapsed = time.perf_counter() - started
        if epoch == 0:
            epochs = max(MIN_EPOCHS, min(EPOCHS, int(BUDGET_SECONDS / elapsed)))
            print(f"{elapsed:.1f} s per epoch: training {epochs} epochs")
        print(f"epoch {epoch + 1}: loss {float(loss):.3f} ({elapsed:.0f} s)", flush=True)
        if epoch + 1 >= epochs:
            break
    for i, weight in enumerate(model.get_weights()):
        np.save(model_dir / f"w{i:02d}.npy", weight, allow_pickle=False)
    (model_dir / "meta.json").write_text(json.dumps({"classes": classes, "words": words}))


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    meta = json.loads((model_dir / "meta.json").read_text())
    vocabulary = {w: i + 2 for i, w in enumerate(meta["words"])}
    model = Reader(len(vocabulary) + 2, len(meta["classes"]))
    model(np.full((1, 1), UNKNOWN, dtype=np.int32))  # creates the weights
    count = len(model.get_weights())
    model.set_weights([np.load(model_dir / f"w{i:02d}.npy") for i in range(count)])
    score = tf.function(model.call, input_signature=[IDS])
    ids = encode(inputs, vocabulary)
    lengths = (ids != PAD).sum(axis=1)
    order = np.argsort(lengths, kind="stable")  # similar lengths together: less padding
    found = np.empty(len(ids), dtype=np.int64)
    for start in range(0, len(order), 256):
        chunk = order[start : start + 256]
        found[chunk] = score(ids[chunk, : lengths[chunk].max()]).numpy().argmax(axis=1)
    return np.array(meta["classes"])[found]
