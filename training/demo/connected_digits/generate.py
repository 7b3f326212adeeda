"""Generates the connected-digits data set with espeak-ng: strings of three to six
digits spoken without pauses, sometimes in two groups like a phone number ("three
five two, nine one"), zero said as "zero" or "oh". Every utterance has a random voice
(accent, variant, speed, pitch), a random position in a four-second clip, a background
of coloured noise, babble (other utterances mixed together) or both at 5–20 dB SNR,
and a random gain. Deterministic for a given espeak-ng version and seed.

    python -m training.demo.connected_digits.generate OUT.npz

writes ``X`` (int16, (n, 32000), 8 kHz) and ``y`` (the digits as text, separated by
spaces: "3 5 2 9 1"). The demo bundle builder (``training.demo.bundles``) calls
``generate()``.
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

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SAMPLES = 4 * RATE  # four seconds
UTTERANCES = 2000
PER_VOICE = 10  # utterances per espeak-ng call (one voice)


def digit_string(rng: np.random.Generator) -> tuple[str, str]:
    """The words to say and the label: 3–6 random digits, zero read as "oh" one time in
    three, split into two groups by a comma (a short pause) half of the time."""
    digits = rng.integers(0, 10, size=int(rng.integers(3, 7)))
    words = ["oh" if d == 0 and rng.random() < 1 / 3 else WORDS[d] for d in digits]
    if rng.random() < 0.5:
        cut = int(rng.integers(1, len(words)))
        words[cut - 1] += ","
    return " ".join(words), " ".join(str(d) for d in digits)


def _background(rng: np.random.Generator, pool: list[Audio]) -> Audio:
    """Coloured noise (white to brown), babble of 4–8 talkers, or both; unit power."""
    kind = rng.integers(3)
    noise = coloured_noise(rng, SAMPLES, rng.uniform(0, 2)) if kind != 1 else 0
    speech = babble(rng, pool, SAMPLES, int(rng.integers(4, 9))) if kind != 0 else 0
    mixed: Audio = np.asarray(noise + speech, dtype=np.float32)
    mixed /= np.sqrt(power(mixed))
    return mixed


def _clip(rng: np.random.Generator, utterance: Audio, pool: list[Audio]) -> NDArray[np.int16]:
    """The utterance at a random offset in four seconds of background at 5–20 dB SNR,
    at a random gain."""
    start = int(rng.integers(0, SAMPLES - len(utterance) + 1))
    placed = np.zeros(SAMPLES, dtype=np.float32)
    placed[start : start + len(utterance)] = utterance
    snr_db = rng.uniform(5, 20)
    noisy = placed + _background(rng, pool) * np.sqrt(power(utterance) / 10 ** (snr_db / 10))
    return to_int16(noisy, rng, (-30, -1))


def generate(
    seed: int = 2026, utterances: int = UTTERANCES
) -> tuple[NDArray[np.int16], NDArray[np.str_]]:
    """``utterances`` clips and their digits as text, ten utterances per voice."""
    rng = np.random.default_rng(seed)
    spoken: list[Audio] = []
    labels: list[str] = []
    while len(spoken) < utterances:
        voice, speed, pitch = random_voice(rng, speeds=(130, 220))
        texts, digits = zip(*(digit_string(rng) for _ in range(PER_VOICE)), strict=True)
        clips = espeak_phrases(list(texts), voice=voice, speed=speed, pitch=pitch)
        for clip, label in zip(clips, digits, strict=True):
            # six digits at 130 words a minute with a pause take up to about 3.7 s
            assert len(clip) <= SAMPLES, (voice, speed, label, len(clip))
            spoken.append(clip)
            labels.append(label)
    spoken, labels = spoken[:utterances], labels[:utterances]
    X = np.stack([_clip(rng, utterance, spoken) for utterance in spoken])
    return X, np.array(labels)


if __name__ == "__main__":
    X, y = generate()
    np.savez_compressed(sys.argv[1], X=X, y=y)
    print(f"{len(X)} utterances, {X.shape[1]} samples at {RATE} Hz -> {sys.argv[1]}")
