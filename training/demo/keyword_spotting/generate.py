"""Generates the keyword-spotting data set with espeak-ng: one-second clips of ten
command words, of other words ("unknown", many of them near-misses such as "town" for
"down" or "lift" for "left") and of background alone ("silence"). Every clip has its
own voice (accent, variant, speed, pitch), a random position, a background of
coloured noise, babble (other utterances mixed together) or both at 5–20 dB SNR, and a
random gain. Deterministic for a given espeak-ng version and seed.

    python -m training.demo.keyword_spotting.generate OUT.npz

writes ``X`` (int16, (n, 8000), 8 kHz) and ``y`` (int64, the index in ``CLASSES``).
The demo bundle builder (``training.demo.bundles``) calls ``generate()``.
"""

import sys

import numpy as np
from numpy.typing import NDArray

from training.demo.speech_synth import (
    RATE,
    Audio,
    babble,
    coloured_noise,
    espeak_phrases,
    power,
    random_voice,
    to_int16,
)

COMMANDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
CLASSES = (*COMMANDS, "unknown", "silence")
UNKNOWN, SILENCE = len(COMMANDS), len(COMMANDS) + 1
OTHER_WORDS = (
    *("bed", "bird", "cat", "dog", "happy", "house", "tree", "wow", "learn", "follow"),
    *("forward", "backward", "zero", "one", "three", "four", "six", "seven", "nine"),
    # near-misses, a sound or two away from a command
    *("yet", "yell", "nor", "cup", "town", "lift", "light", "in", "of", "shop", "goal"),
    *("dawn", "bright", "note", "stock", "sock", "gone", "uproar"),
)
VOICES = 240  # each says the ten commands and two other words
SAMPLES = RATE  # one second


def _background(rng: np.random.Generator, pool: list[Audio]) -> Audio:
    """Coloured noise (white to brown), babble of 4–8 talkers, or both; unit power."""
    kind = rng.integers(3)
    noise = coloured_noise(rng, SAMPLES, rng.uniform(0, 2)) if kind != 1 else 0
    speech = babble(rng, pool, SAMPLES, int(rng.integers(4, 9))) if kind != 0 else 0
    mixed: Audio = np.asarray(noise + speech, dtype=np.float32)
    mixed /= np.sqrt(power(mixed))
    return mixed


def _clip(rng: np.random.Generator, word: Audio | None, pool: list[Audio]) -> NDArray[np.int16]:
    """The word at a random offset over a background at 5–20 dB SNR (the background
    alone for ``None``), at a random gain."""
    background = _background(rng, pool)
    if word is None:
        return to_int16(background, rng, (-30, -6))
    word = word[:SAMPLES]
    start = int(rng.integers(0, SAMPLES - len(word) + 1))
    placed = np.zeros(SAMPLES, dtype=np.float32)
    placed[start : start + len(word)] = word
    snr_db = rng.uniform(5, 20)
    noisy = placed + background * np.sqrt(power(word) / 10 ** (snr_db / 10))
    return to_int16(noisy, rng, (-30, -1))


def generate(seed: int = 2026, voices: int = VOICES) -> tuple[NDArray[np.int16], NDArray[np.int64]]:
    """``voices`` × 13 clips: per voice the ten commands, two other words and one
    background; in that order, voice after voice."""
    rng = np.random.default_rng(seed)
    words: list[Audio] = []
    labels: list[int] = []
    for _ in range(voices):
        voice, speed, pitch = random_voice(rng)
        others = [str(w) for w in rng.choice(OTHER_WORDS, size=2, replace=False)]
        words += espeak_phrases([*COMMANDS, *others], voice=voice, speed=speed, pitch=pitch)
        labels += [*range(len(COMMANDS)), UNKNOWN, UNKNOWN]
    items: list[Audio | None] = [*words, *([None] * voices)]
    labels += [SILENCE] * voices
    clips = [_clip(rng, item, words) for item in items]
    return np.stack(clips), np.array(labels, dtype=np.int64)


if __name__ == "__main__":
    X, y = generate()
    np.savez_compressed(sys.argv[1], X=X, y=y)
    print(f"{len(X)} clips, {X.shape[1]} samples at {RATE} Hz -> {sys.argv[1]}")
