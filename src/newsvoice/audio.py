"""Audio for publishing: trimmed, level, peak-safe segments joined by structural pauses.

Each segment is levelled on its own to the spoken-word target (-16 LUFS, measured with
pyloudnorm), so the narration can be encoded while it is still being synthesized and a
streamed copy is the same as the finished file. Speech from the voice has 20 dB or more
between its loudness and its peaks, so reaching -16 LUFS needs a true-peak limiter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache, reduce

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import firwin, upfirdn

from .voice import Speech, Word

TARGET_LUFS = -16.0
CEILING_DBTP = -3.0
"""Below the -1 dBTP limit, leaving room for the overshoot of lossy encoding (up to 1.7 dB
has been measured on 64 kbit/s MP3)."""

_SILENCE_DB = -40.0
_KEEP_BEFORE = 0.03
_KEEP_AFTER = 0.08
_MIN_BLOCK = 0.4  # BS.1770 measures in 400 ms blocks
_OVERSAMPLE = 4
_LEVEL_ROUNDS = 5
# 4x oversampling with 12 taps a phase, as BS.1770-4 suggests for true-peak meters.
_TRUE_PEAK_FILTER = firwin(12 * _OVERSAMPLE, 1 / _OVERSAMPLE, window=("kaiser", 5.0)) * _OVERSAMPLE
_ABSOLUTE_GATE = -70.0


@dataclass(frozen=True)
class Mastered:
    """A segment ready to encode: its speech, then its pause, and its words (seconds)."""

    audio: np.ndarray
    speech_duration: float
    words: tuple[Word, ...]


def master(speech: Speech, pause: float) -> Mastered:
    """Trim edge silence, level to the target, limit peaks, and add the pause after."""
    rate = speech.sample_rate
    audio, shift = _trim(speech.audio, rate)
    if len(audio):
        audio = level(audio, rate)
    words = tuple(
        replace(
            w, start=_clamp(w.start - shift, len(audio) / rate), end=_clamp(w.end - shift, len(audio) / rate)
        )
        for w in speech.words
    )
    silence = np.zeros(round(pause * rate), dtype=np.float32)
    return Mastered(np.concatenate([audio, silence]), len(audio) / rate, words)


def level(audio: np.ndarray, rate: int) -> np.ndarray:
    """Gain to TARGET_LUFS with true-peak limiting, the gain raised until the limited audio
    itself measures on target. The limiter takes away part of each gain step, so the next
    step is scaled by how much loudness the last one actually gave (a secant search)."""
    envelope = _peak_envelope(audio)
    gain_db, measured, slope = 0.0, _fast_loudness(audio, rate), 1.0
    leveled = audio
    for _ in range(_LEVEL_ROUNDS):
        error = TARGET_LUFS - measured
        if not np.isfinite(error) or abs(error) < 0.1:
            break
        step = error / slope
        gain = 10 ** ((gain_db + step) / 20)
        # The gain curve becomes the audio in place (the same products, two arrays of 8 bytes
        # a sample fewer): mastering's working memory comes on top of the voice's.
        leveled = _limiter_gain(envelope, gain, rate)
        leveled *= gain
        np.multiply(audio, leveled, out=leveled)
        now = _fast_loudness(leveled, rate)
        slope = float(np.clip((now - measured) / step, 0.2, 1.0))
        gain_db, measured = gain_db + step, now
    return leveled.astype(np.float32)


def loudness(audio: np.ndarray, rate: int) -> float:
    """Integrated loudness (ITU-R BS.1770-4) in LUFS, as pyloudnorm measures it."""
    if len(audio) <= int(_MIN_BLOCK * rate):
        return _fast_loudness(audio, rate)
    return float(_meter(rate).integrated_loudness(audio.astype(np.float64)))


def true_peak_db(audio: np.ndarray) -> float:
    peak = float(np.max(_peak_envelope(audio))) if len(audio) else 0.0
    return 20 * np.log10(max(peak, 1e-9))


def _limiter_gain(
    envelope: np.ndarray, gain: float, rate: int, ceiling_db: float = CEILING_DBTP
) -> np.ndarray:
    """The gain curve of a look-ahead true-peak limiter (2 ms attack, 40 ms hold) for the
    signal ENVELOPE describes, raised by GAIN.

    Written here because no maintained Python library has a true-peak limiter that does
    not clip (pedalboard's limiter ends in a hard clipper). ENVELOPE is the signal's peak
    per sample on the 4x oversampled signal; a minimum filter holds the gain each peak
    needs, and a moving average smooths it. Every averaging window lies inside the held
    window, so the smoothed gain never exceeds what a peak needs.
    """
    needed = envelope * gain
    np.maximum(needed, 1e-9, out=needed)
    np.divide(10 ** (ceiling_db / 20), needed, out=needed)
    np.minimum(1.0, needed, out=needed)
    if needed.min() >= 1.0:
        return needed
    attack = max(1, int(0.002 * rate))
    hold = int(0.040 * rate)
    # Window covering [i - hold, i + attack] around each sample i.
    held = minimum_filter1d(needed, size=attack + hold + 1, origin=(hold - attack) // 2, mode="nearest")
    smoothed = uniform_filter1d(held, size=2 * attack + 1, mode="nearest")
    return np.minimum(smoothed, needed, out=smoothed)


def _fast_loudness(audio: np.ndarray, rate: int) -> float:
    return _gated_loudness(_k_weighted(audio, rate), rate)


def _k_weighted(audio: np.ndarray, rate: int) -> np.ndarray:
    signal = audio.astype(np.float64, copy=False)  # the filters make new arrays
    for stage in _k_weighting(rate):
        signal = stage.apply_filter(signal)
    return signal


def _gated_loudness(weighted: np.ndarray, rate: int) -> float:
    """BS.1770 gating over a K-weighted signal: 400 ms blocks every 100 ms, absolute gate at
    -70 LUFS, relative gate 10 LU below. Done here with numpy because pyloudnorm filters the
    audio again and loops over blocks in Python on every call, and leveling measures each
    segment several times; `loudness` is pyloudnorm's own measure."""
    block = int(_MIN_BLOCK * rate)
    if len(weighted) <= block:
        powers = np.array([np.mean(weighted**2)]) if len(weighted) else np.zeros(0)
    else:
        cumulative = np.concatenate([[0.0], np.cumsum(weighted**2)])
        starts = np.arange(0, len(weighted) - block + 1, block // 4)
        powers = (cumulative[starts + block] - cumulative[starts]) / block
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(powers)
    gated = powers[levels >= _ABSOLUTE_GATE]
    if not len(gated):
        return -np.inf
    relative = -0.691 + 10 * np.log10(np.mean(gated)) - 10
    gated = powers[(levels >= _ABSOLUTE_GATE) & (levels > relative)]
    return float(-0.691 + 10 * np.log10(np.mean(gated)))


@lru_cache(maxsize=8)
def _meter(rate: int) -> pyloudnorm.Meter:
    return pyloudnorm.Meter(rate)


@lru_cache(maxsize=8)
def _k_weighting(rate: int) -> tuple[pyloudnorm.IIRfilter, ...]:
    """BS.1770's K-weighting filter (a high shelf, then a high pass), in the stages that
    `pyloudnorm.Meter` applies for its default "K-weighting" class."""
    return (
        pyloudnorm.IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf"),
        pyloudnorm.IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
    )


def _peak_envelope(audio: np.ndarray) -> np.ndarray:
    """Per sample, the highest absolute value of the 4x oversampled signal around it."""
    delay = (len(_TRUE_PEAK_FILTER) - 1) // 2
    oversampled = upfirdn(_TRUE_PEAK_FILTER, audio, up=_OVERSAMPLE)[delay : delay + len(audio) * _OVERSAMPLE]
    np.abs(oversampled, out=oversampled)  # in place: the copy took 32 bytes a sample
    # The phases compared pairwise: numpy's max along a last axis of 4 is four times slower,
    # which made this a fifth of mastering's time.
    return reduce(np.maximum, (oversampled[phase::_OVERSAMPLE] for phase in range(_OVERSAMPLE)))


def _trim(audio: np.ndarray, rate: int) -> tuple[np.ndarray, float]:
    """Cut silence at both ends (keeping a little air); returns the audio and seconds cut at the start."""
    if not len(audio):
        return audio, 0.0
    threshold = np.max(np.abs(audio)) * 10 ** (_SILENCE_DB / 20)
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if not len(loud):
        return audio[:0], 0.0
    start = max(0, loud[0] - int(_KEEP_BEFORE * rate))
    end = min(len(audio), loud[-1] + int(_KEEP_AFTER * rate))
    return audio[start:end], start / rate


def _clamp(seconds: float, duration: float) -> float:
    return round(min(max(seconds, 0.0), duration), 3)
