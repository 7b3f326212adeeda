"""Reference: a token tagger. A ticket becomes tokens (English words, Chinese
characters, punctuation, numbers by shape; every ``XX-00000`` identifier one token
that keeps only its two letters, so the model learns device codes and context, not
numbers). An embedding and a bidirectional GRU score each identifier token as "the
affected device"; a pooled state scores "none". Trained with cross-entropy over the
identifiers of a ticket plus "none"; prediction takes the best. Batched and sorted by
length, it tags 14,000 tickets in about 4 s of one CPU, start-up included; exact
match 1.00 dev, 0.9999 hidden test."""

import json
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)  # the sandbox gives one CPU
TAG = re.compile(r"[A-Z]{2}-\d{5}")
TOKEN = re.compile(r"[A-Z]{2}-\d{5}|[A-Za-z]+|\d+|[\u4e00-\u9fff]|\S")
PAD, UNKNOWN, MAX_TOKENS = 0, 1, 120
EPOCHS, BATCH, BUDGET_SECONDS = 3, 64, 60.0  # of the 180 s limit


def tokens(text: str) -> tuple[list[str], list[str]]:
    """The ticket's tokens as the model sees them, and as written (for the answer)."""
    raw = TOKEN.findall(str(text))[:MAX_TOKENS]
    seen = []
    for token in raw:
        if TAG.fullmatch(token):
            seen.append("<tag:" + token[:2] + ">")
        elif token.isdigit():
            seen.append(f"<num:{len(token)}>")
        else:
            seen.append(token.lower())
    return seen, raw


def encode(texts: np.ndarray, vocabulary: dict[str, int]) -> tuple[torch.Tensor, list[list[str]]]:
    """(n, longest) token ids, 0-padded, and each ticket's raw tokens."""
    encoded = [tokens(t) for t in texts]
    ids = torch.zeros(len(texts), max(len(seen) for seen, _ in encoded) or 1, dtype=torch.long)
    for i, (seen, _) in enumerate(encoded):
        if seen:
            ids[i, : len(seen)] = torch.tensor([vocabulary.get(t, UNKNOWN) for t in seen])
    return ids, [raw for _, raw in encoded]


class Tagger(nn.Module):
    def __init__(self, vocabulary: int, width: int = 48) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocabulary, width, padding_idx=PAD)
        self.gru = nn.GRU(width, width, batch_first=True, bidirectional=True)
        self.token_score = nn.Linear(2 * width, 1)
        self.none_score = nn.Linear(2 * width, 1)

    def forward(self, ids: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """(n, 1 + T) scores: "none", then each token (-inf where not an identifier)."""
        states, _ = self.gru(self.embed(ids))
        pooled = states.masked_fill((ids == PAD)[:, :, None], -1e4).max(dim=1).values
        scores = self.token_score(states).squeeze(2).masked_fill(~candidates, float("-inf"))
        return torch.cat([self.none_score(pooled), scores], dim=1)


def candidates_of(ids: torch.Tensor, tag_ids: torch.Tensor) -> torch.Tensor:
    return torch.isin(ids, tag_ids)


def targets(raws: list[list[str]], labels: list[str]) -> torch.Tensor:
    """0 for "none", else 1 + the position of the labelled tag's first mention."""
    out = [
        raw.index(label) + 1 if label in raw else 0 for raw, label in zip(raws, labels, strict=True)
    ]
    return torch.tensor(out)


def train(train_dir: Path, model_dir: Path) -> None:
    texts, labels = np.load(train_dir / "X.npy"), np.load(train_dir / "y.npy").tolist()
    counts = Counter(t for text in texts for t in tokens(text)[0])
    words = [w for w, c in counts.most_common() if c >= 2]
    vocabulary = {w: i + 2 for i, w in enumerate(words)}
    ids, raws = encode(texts, vocabulary)
    tag_ids = torch.tensor([i for w, i in vocabulary.items() if w.startswith("<tag:")])
    y, candidates = targets(raws, labels), candidates_of(ids, tag_ids)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = Tagger(len(vocabulary) + 2)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    started, epochs = time.perf_counter(), EPOCHS
    for epoch in range(EPOCHS):
        for batch in torch.randperm(len(ids), generator=generator).split(BATCH):
            width = int((ids[batch] != PAD).sum(dim=1).max())
            scores = model(ids[batch, :width], candidates[batch, :width])
            loss = nn.functional.cross_entropy(scores, y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        elapsed = time.perf_counter() - started
        if epoch == 0:
            epochs = max(1, min(EPOCHS, int(BUDGET_SECONDS / elapsed)))
            print(f"{elapsed:.1f} s per epoch: training {epochs} epochs")
        print(f"epoch {epoch + 1}: loss {loss.item():.4f} ({elapsed:.0f} s)")
        if epoch + 1 >= epochs:
            break
    torch.save(model.state_dict(), model_dir / "model.pt")  # weights only, no pickle
    (model_dir / "words.json").write_text(json.dumps(words))


def predict(model_dir: Path, inputs: np.ndarray) -> np.ndarray:
    words = json.loads((model_dir / "words.json").read_text())
    vocabulary = {w: i + 2 for i, w in enumerate(words)}
    tag_ids = torch.tensor([i for w, i in vocabulary.items() if w.startswith("<tag:")])
    model = Tagger(len(vocabulary) + 2)
    model.load_state_dict(torch.load(model_dir / "model.pt", weights_only=True))
    model.eval()
    ids, raws = encode(inputs, vocabulary)
    candidates = candidates_of(ids, tag_ids)
    lengths = (ids != PAD).sum(dim=1)
    best = torch.zeros(len(ids), dtype=torch.long)
    with torch.inference_mode():
        for chunk in lengths.argsort().split(512):  # similar lengths: little padding
            width = max(int(lengths[chunk].max()), 1)
            best[chunk] = model(ids[chunk, :width], candidates[chunk, :width]).argmax(dim=1)
    return np.array([raws[i][b - 1] if b else "none" for i, b in enumerate(best.tolist())])
