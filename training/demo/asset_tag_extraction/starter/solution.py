"""Starter code: runs as it is, and fails. It finds the identifiers shaped like an
asset tag (``XX-00000``) and scores each by its two letters alone (an embedding and a
linear layer, so "PO" learns to score low), taking the best, or "none" when there is
no identifier. It never reads the words around an identifier: "the loaner LT-55102
works fine" looks like "my laptop LT-48213 won't power on". Replace the scorer with a
model that reads the context (see the statement's hints), and keep prediction batched:
the budget is tight."""

import json
import re
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)  # the sandbox gives one CPU
TAG = re.compile(r"[A-Z]{2}-\d{5}")


def candidates(text: str) -> list[str]:
    return TAG.findall(str(text))


def build(prefixes: int) -> nn.Module:
    # TODO: a tagger over the ticket's tokens (words, Chinese characters, identifiers),
    # e.g. an embedding and a bidirectional GRU, scoring each identifier in context.
    return nn.Sequential(nn.Embedding(prefixes, 8), nn.Linear(8, 1))


def train(train_dir: Path, model_dir: Path) -> None:
    texts, labels = np.load(train_dir / "X.npy"), np.load(train_dir / "y.npy")
    prefixes = sorted({tag[:2] for text in texts for tag in candidates(text)})
    index = {p: i for i, p in enumerate(prefixes)}
    found = [
        (index[tag[:2]], float(tag == label))
        for text, label in zip(texts, labels, strict=True)
        for tag in candidates(text)
    ]
    x = torch.tensor([i for i, _ in found])
    y = torch.tensor([t for _, t in found])
    print(f"{len(texts)} tickets, {len(found)} identifiers, prefixes {prefixes}")
    torch.manual_seed(0)
    model = build(len(prefixes))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(100):
        loss = nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(1), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    print(f"loss {loss.item():.3f}")
    torch.save(model.state_dict(), model_dir / "model.pt")  # weights only, no pickle
    (model_dir / "prefixes.json").write_text(json.dumps(prefixes))


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    prefixes = json.loads((model_dir / "prefixes.json").read_text())
    index = {p: i for i, p in enumerate(prefixes)}
    model = build(len(prefixes))
    model.load_state_dict(torch.load(model_dir / "model.pt", weights_only=True))
    with torch.no_grad():
        scores = model(torch.arange(len(prefixes))).squeeze(1).tolist()
    out = []
    for text in inputs:  # fine for 14,000 short tickets; a model must batch
        found = [tag for tag in candidates(text) if tag[:2] in index]
        out.append(max(found, key=lambda tag: scores[index[tag[:2]]]) if found else "none")
    return np.array(out)  # one tag (as written) or "none" per ticket
