"""Baseline: a well-tuned bag of n-grams. TF-IDF of hashed word unigrams and bigrams
and of character 1–3-grams (Chinese has no spaces), L2-normalised, into a softmax
regression with weight decay, trained full-batch with Adam. NumPy and PyTorch only.
It sees which queues a ticket talks about, not which one it is about: macro-F1 0.75
on the hidden test set. Must fail the task."""

import itertools
import json
import re
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)
BUCKETS = 1 << 18
TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[\u4e00-\u9fff]|[^\sa-z0-9\u4e00-\u9fff]")


def hashed(gram: str) -> int:
    value = 2166136261
    for byte in gram.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value % BUCKETS


def grams(text: str) -> list[int]:
    text = text.lower()
    words = TOKEN.findall(text)
    out = [hashed("w:" + w) for w in words]
    out += [hashed("b:" + a + " " + b) for a, b in itertools.pairwise(words)]
    for n in (1, 2, 3):
        out += [hashed(f"c{n}:" + text[i : i + n]) for i in range(len(text) - n + 1)]
    return out


def counts(texts: np.ndarray) -> torch.Tensor:
    rows, cols = [], []
    for row, text in enumerate(texts):
        ids = grams(str(text))
        rows += [row] * len(ids)
        cols += ids
    index = torch.tensor([rows, cols])
    values = torch.ones(len(rows))
    return torch.sparse_coo_tensor(index, values, (len(texts), BUCKETS)).coalesce()


def tfidf(x: torch.Tensor, idf: torch.Tensor) -> torch.Tensor:
    index, values = x.indices(), x.values()
    values = (1 + torch.log(values)) * idf[index[1]]
    norms = torch.zeros(x.shape[0]).index_add_(0, index[0], values**2).sqrt()
    return torch.sparse_coo_tensor(index, values / norms[index[0]], x.shape).coalesce()


def train(train_dir: Path, model_dir: Path) -> None:
    texts = np.load(train_dir / "X.npy")
    labels = np.load(train_dir / "y.npy")
    classes = sorted(set(labels.tolist()))
    y = torch.tensor([classes.index(label) for label in labels.tolist()])
    x = counts(texts)
    df = torch.zeros(BUCKETS).index_add_(0, x.indices()[1], torch.ones(x.indices().shape[1]))
    idf = torch.log((1 + len(texts)) / (1 + df)) + 1
    features = tfidf(x, idf)
    torch.manual_seed(0)
    model = nn.Linear(BUCKETS, len(classes))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05, weight_decay=1e-6)
    for step in range(150):
        loss = nn.functional.cross_entropy(model(features), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 50 == 49:
            print(f"step {step + 1}: loss {loss.item():.3f}")
    torch.save({"linear": model.state_dict(), "idf": idf}, model_dir / "model.pt")
    (model_dir / "classes.json").write_text(json.dumps(classes))


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    classes = json.loads((model_dir / "classes.json").read_text())
    saved = torch.load(model_dir / "model.pt", weights_only=True)
    model = nn.Linear(BUCKETS, len(classes))
    model.load_state_dict(saved["linear"])
    with torch.no_grad():
        scores = model(tfidf(counts(inputs), saved["idf"]))
    return np.array(classes)[scores.argmax(dim=1).numpy()]
