"""Generates the spoken-digits data set with espeak-ng: the words "zero" … "nine" at
several voices, speeds and pitches, resampled to 8 kHz, cut or padded to one second,
with white noise at a random signal-to-noise ratio. Deterministic for a given
espeak-ng version and seed.

    python -m training.demo.spoken_digits.generate OUT.npz

writes ``X`` (int16, (n, 8000)) and ``y`` (int64 digits). The demo bundle builder
(``training.demo.bundles``) calls ``generate()`` and caches the bundle by hash.
"""

import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-029", "en-us+f3", "en-gb+f2")
SPEEDS = (120, 160, 200)
PITCHES = (30, 50, 75)
RATE = 8000
SAMPLES = RATE  # one second


def resample(samples: NDArray[np.int16], rate: int) -> NDArray[np.float32]:
    """Linear-interpolation resampling to RATE (espeak-ng's voices are band-limited
    well below 4 kHz, so no anti-alias filter is needed for this demo)."""
    duration = len(samples) / rate
    target = np.arange(int(duration * RATE)) / RATE
    source = np.arange(len(samples)) / rate
    return np.interp(target, source, samples.astype(np.float32)).astype(np.float32)


def fit(clip: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    """Trims silence, then places the word at a random offset in one second."""
    loud = np.flatnonzero(np.abs(clip) > 0.02 * np.abs(clip).max())
    clip = clip[loud[0] : loud[-1] + 1] if len(loud) else clip
    clip = clip[:SAMPLES]
    out = np.zeros(SAMPLES, dtype=np.float32)
    start = int(rng.integers(0, SAMPLES - len(clip) + 1))
    out[start : start + len(clip)] = clip
    return out


def read_wav(path: Path) -> NDArray[np.int16]:
    with wave.open(str(path)) as handle:
        frames = handle.readframes(handle.getnframes())
        return np.frombuffer(frames, dtype=np.int16).copy()


def espeak(text: str, *, voice: str, speed: int, pitch: int) -> tuple[NDArray[np.int16], int]:
    """Synthesises ``text``; returns the samples and the sample rate."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), text],
            check=True,
            capture_output=True,
            timeout=30,
        )
        with wave.open(str(out)) as handle:
            rate = handle.getframerate()
        return read_wav(out), rate


def generate(seed: int = 2026) -> tuple[NDArray[np.int16], NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    clips, labels = [], []
    for digit, word in enumerate(WORDS):
        for voice in VOICES:
            for speed in SPEEDS:
                for pitch in PITCHES:
                    samples, rate = espeak(word, voice=voice, speed=speed, pitch=pitch)
                    clip = fit(resample(samples, rate), rng)
                    power = float(np.mean(clip**2)) or 1.0
                    snr_db = rng.uniform(5, 25)
                    noise = rng.normal(0, np.sqrt(power / 10 ** (snr_db / 10)), SAMPLES)
                    noisy = np.clip(clip + noise, -32768, 32767).astype(np.int16)
                    clips.append(noisy)
                    labels.append(digit)
    return np.stack(clips), np.array(labels, dtype=np.int64)


if __name__ == "__main__":
    X, y = generate()
    np.savez_compressed(sys.argv[1], X=X, y=y)
    print(f"{len(X)} clips, {X.shape[1]} samples at {RATE} Hz -> {sys.argv[1]}")
