"""Offline speech synthesis and mixing for the speech demo tasks (keyword spotting,
connected digits): espeak-ng renders many phrases in one call, the result is
resampled to 8 kHz and cut back into phrases; NumPy adds coloured noise, babble and
gain. Deterministic for a given espeak-ng version and random generator.

Calling espeak-ng once per phrase costs a process start each time; one call per voice
with the phrases separated by long SSML breaks, split again at those silences, makes
a few thousand clips in seconds.
"""

import io
import subprocess
import wave

import numpy as np
from numpy.typing import NDArray

RATE = 8000
# espeak-ng's English accents and voice variants (men, women, the Klatt synthesiser).
ACCENTS = (
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
)
VARIANTS = (
    *("", "+m1", "+m2", "+m3", "+m4", "+m6", "+m7"),
    *("+f1", "+f2", "+f3", "+f4", "+f5", "+klatt", "+klatt2", "+klatt4"),
)
_BREAK_MS = 900
_FRAME = RATE // 100  # 10 ms
Audio = NDArray[np.float32]


def random_voice(
    rng: np.random.Generator, speeds: tuple[int, int] = (110, 220)
) -> tuple[str, int, int]:
    """An accent with a variant, a speed in words per minute (within ``speeds``) and a
    pitch (20–80 of espeak-ng's 0–99)."""
    voice = f"{ACCENTS[rng.integers(len(ACCENTS))]}{VARIANTS[rng.integers(len(VARIANTS))]}"
    return voice, int(rng.integers(speeds[0], speeds[1] + 1)), int(rng.integers(20, 81))


def resample(samples: NDArray[np.float32], rate: int) -> Audio:
    """Band-limited resampling to RATE through the FFT (drops everything above 4 kHz,
    so nothing aliases). The input is zero-padded to a length whose FFT is fast and
    that maps to a whole number of output samples (rate 22,050 → 8,000 is 441 → 160)."""
    step = rate // np.gcd(rate, RATE)
    n = step * _smooth(-(-len(samples) // step))
    m = n * RATE // rate
    spectrum = np.fft.rfft(samples, n)[: m // 2 + 1]
    out: Audio = (np.fft.irfft(spectrum, m) * (m / n)).astype(np.float32)
    return out[: len(samples) * RATE // rate]


def _smooth(n: int) -> int:
    """The smallest number ≥ n with no prime factor above 5."""
    while True:
        rest = n
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return n
        n += 1


def espeak_phrases(phrases: list[str], *, voice: str, speed: int, pitch: int) -> list[Audio]:
    """Each phrase (plain words; a comma makes a short pause) spoken by one voice, in
    one espeak-ng call: float32 at RATE in int16 units, silence trimmed. Raises
    RuntimeError when the output does not split back into as many phrases."""
    brk = f'<break time="{_BREAK_MS}ms"/>'
    text = f"<speak>{brk.join(phrases)}</speak>"
    command = ["espeak-ng", "-m", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout"]
    done = subprocess.run([*command, text], check=True, capture_output=True, timeout=60)
    with wave.open(io.BytesIO(done.stdout)) as handle:
        rate = handle.getframerate()
        raw = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    audio = resample(raw.astype(np.float32), rate)
    # a gap of half a break (450 ms) is a break: espeak-ng's pauses inside a phrase, at a
    # comma or a stop consonant, are far shorter
    clips = _split_at_silence(audio, min_gap_frames=_BREAK_MS // 20)
    if len(clips) != len(phrases):
        raise RuntimeError(f"{voice}: {len(phrases)} phrases came back as {len(clips)} clips")
    return clips


def _split_at_silence(audio: Audio, *, min_gap_frames: int) -> list[Audio]:
    """Cuts at runs of at least ``min_gap_frames`` quiet 10 ms frames (espeak-ng's
    silence is digital zero; a word's quietest frames are far above 1 % of the peak)."""
    frames = len(audio) // _FRAME
    peak = np.abs(audio[: frames * _FRAME]).reshape(frames, _FRAME).max(axis=1)
    loud = np.flatnonzero(peak > 0.01 * peak.max())
    if len(loud) == 0:
        return []
    gaps = np.flatnonzero(np.diff(loud) > min_gap_frames)
    starts = np.concatenate([[loud[0]], loud[gaps + 1]])
    ends = np.concatenate([loud[gaps], [loud[-1]]]) + 1
    return [audio[s * _FRAME : e * _FRAME].copy() for s, e in zip(starts, ends, strict=True)]


def coloured_noise(rng: np.random.Generator, length: int, exponent: float) -> Audio:
    """Noise whose power falls as 1/f**exponent (0 white, 1 pink, 2 brown), unit power."""
    spectrum = rng.normal(size=length // 2 + 1) + 1j * rng.normal(size=length // 2 + 1)
    frequency = np.maximum(np.arange(length // 2 + 1), 1.0)
    noise = np.fft.irfft(spectrum / frequency ** (exponent / 2), length)
    out: Audio = (noise / (noise.std() + 1e-12)).astype(np.float32)
    return out


def babble(rng: np.random.Generator, pool: list[Audio], length: int, talkers: int) -> Audio:
    """``talkers`` clips from ``pool`` at random offsets (wrapping round), summed: the
    murmur of other people speaking. Unit power."""
    out = np.zeros(length, dtype=np.float32)
    for index in rng.choice(len(pool), size=talkers, replace=False):
        clip = pool[index][:length]
        start = int(rng.integers(length))
        placed = np.zeros(length, dtype=np.float32)
        placed[: len(clip)] = clip / (clip.std() + 1e-12)
        out += np.roll(placed, start)
    out /= out.std() + 1e-12
    return out


def power(audio: Audio) -> float:
    """Mean square; 1.0 for digital silence, so that dividing by it is safe."""
    return float(np.mean(np.square(audio, dtype=np.float64))) or 1.0


def to_int16(
    audio: Audio, rng: np.random.Generator, peak_dbfs: tuple[float, float]
) -> NDArray[np.int16]:
    """Random gain: the peak lands uniformly between ``peak_dbfs`` (e.g. -30 to -1 dB
    of full scale); then int16."""
    target = 32767 * 10 ** (rng.uniform(*peak_dbfs) / 20)
    scaled = audio * (target / (np.abs(audio).max() + 1e-9))
    out: NDArray[np.int16] = np.clip(np.round(scaled), -32768, 32767).astype(np.int16)
    return out
