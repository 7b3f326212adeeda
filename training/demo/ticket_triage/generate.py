"""Generates the ticket-triage data set: synthetic IT-support tickets (Chinese,
English or mixed; see ``training/demo/tickets.py``), each labelled with the queue it
should go to. A ticket describes its problem and often one or two other queues'
issues that are not the problem (fixed last week, first suspected, a colleague's, a
queue named with "not"), so its words alone do not tell the queue. Balanced over the
queues; deterministic for a given seed.

    python -m training.demo.ticket_triage.generate OUT.npz

writes ``X`` (Unicode strings) and ``y`` (queue names, ``QUEUES`` in tickets.py).
The demo bundle builder (``training.demo.bundles``) calls ``generate()``.
"""

import sys

import numpy as np
from numpy.typing import NDArray

from training.demo.tickets import (
    ACTIVE,
    ISSUES,
    LEAD_INS,
    OTHER,
    QUEUE_NAMES,
    QUEUES,
    TAILS,
    capitalise,
    fill,
    join,
    languages,
    pick,
)

PER_QUEUE = 800
OTHERS_P = (0.15, 0.55, 0.3)  # tickets with 0, 1 or 2 issues they are not about
MAX_CHARS = 300  # a longer ticket is drawn again (keeps the arrays small)


def clause(rng: np.random.Generator, frame: tuple[str, str], queue: str) -> tuple[str, str]:
    """A frame filled with one of ``queue``'s issues and its name."""
    issue = fill(rng, pick(rng, ISSUES[queue]))
    lead, tail = pick(rng, LEAD_INS), pick(rng, TAILS)
    zh = lead[0] + issue[0] + tail[0]
    en = f"{lead[1]}, {issue[1]}{tail[1]}"
    names = QUEUE_NAMES[queue]
    zh = frame[0].format(d=zh, q=names[0])
    en = capitalise(frame[1].format(d=en, q=names[1]))
    return zh, en


def ticket(rng: np.random.Generator, queue: str) -> str:
    """One ticket about ``queue``: its issue in an ACTIVE frame, sometimes a second
    detail of the same queue, and 0–2 other queues' issues in OTHER frames, in random
    order."""
    clauses = [clause(rng, pick(rng, ACTIVE), queue)]
    if rng.random() < 0.2:
        clauses.append(clause(rng, ("另外{d}。", "Also {d}."), queue))
    others = [q for q in QUEUES if q != queue]
    count = int(rng.choice(len(OTHERS_P), p=OTHERS_P))
    for other in rng.choice(others, size=count, replace=False):
        clauses.append(clause(rng, pick(rng, OTHER), str(other)))
    order = rng.permutation(len(clauses))
    langs = languages(rng, len(clauses))
    texts = [clauses[i][lang] for i, lang in zip(order, langs, strict=True)]
    return join(rng, texts, langs)


def generate(
    seed: int = 2026, per_queue: int = PER_QUEUE
) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """``per_queue`` distinct tickets per queue, queue after queue; returns texts and
    queues."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    labels: list[str] = []
    seen: set[str] = set()
    for queue in QUEUES:
        for _ in range(per_queue):
            text = ticket(rng, queue)
            while len(text) > MAX_CHARS or text in seen:
                text = ticket(rng, queue)
            seen.add(text)
            texts.append(text)
            labels.append(queue)
    return np.array(texts), np.array(labels)


if __name__ == "__main__":
    X, y = generate()
    np.savez_compressed(sys.argv[1], X=X, y=y)
    print(f"{len(X)} tickets, {len(set(y.tolist()))} queues -> {sys.argv[1]}")
