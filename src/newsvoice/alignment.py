"""Which of the voice's phonemes say which word: word timings from the model's own alignments.

Piper reports how many audio samples each phoneme of a sentence took. espeak's phonemes do not
split into the text's words one for one: it runs function words together ("of the" is
"ʌvðə"), joins the text after a lexicon phoneme escape to it, and a segment of several
sentences comes back in several chunks. So each word is phonemized on its own, and the words'
phonemes, one after another, are aligned to the phonemes the voice actually said, by a
weighted edit distance (a vowel for a vowel and a consonant for a consonant are cheap
substitutions, word gaps cost little to skip). Each word then ends where its last aligned
phoneme ends, and starts where its first one starts or, where only a word space (no pause)
comes before it, where that space starts: in running speech the space is the way into the
word (the closure of the "p" of "Putin" is in it), so a word starts as the one before ends.

A word none of whose phonemes align to any said phoneme has no timing from the model: it is
laid out in proportion to its length in the gap its aligned neighbours leave, and marked as
estimated, so that it is counted and reported rather than silently guessed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_BOUNDARY = " "
_VOWELS = frozenset("aeiouyæɐɑɒɔəɘɚɛɜɝɞɤɨɪɯɵøœɶʉʊʌʏᵻ")
_STRESS = frozenset("ˈˌ")
"""Marks that belong to the sound after them; other modifiers (length, palatal glide,
combining accents) belong to the sound before."""

# Edit costs (integers, so that the traceback can compare sums exactly).
_SAME = 0
_VOWEL_FOR_VOWEL = 4
_CONSONANT_FOR_CONSONANT = 6
_VOWEL_FOR_CONSONANT = 9
_SKIP_SOUND = 10
_SKIP_BOUNDARY = 2
_NEVER = 10**6
_MAX_CELLS = 4_000_000
"""The largest alignment done at once (bytes of memory, twice over): some 2,000 sounds each."""
_WINDOW = 1000
"""Sounds of a long text aligned at a time."""


@dataclass(frozen=True)
class Said:
    """One chunk of speech: its phonemes, and the samples each one took (None: not known)."""

    phonemes: Sequence[str]
    samples: Sequence[int] | None
    length: int
    """The chunk's audio, in samples."""


@dataclass(frozen=True)
class Timing:
    start: float
    end: float
    estimated: bool
    """Laid out in proportion, not taken from the model's alignments."""


@dataclass
class _Sound:
    char: str
    start: int
    end: int
    timed: bool
    joins: bool = False
    """A boundary that is only a word space: no pause, the words either side run on."""


def align_words(
    words: Sequence[str], phonemes: Sequence[str], said: Sequence[Said], rate: int
) -> list[Timing]:
    """The timing of each of WORDS, whose phonemes said alone are PHONEMES, in the speech SAID
    (chunks one after another) at RATE samples a second."""
    stream = _stream(said)
    total = sum(chunk.length for chunk in said) / rate
    sounds = [(index, char) for index, word in enumerate(phonemes) for char in _word_units(word, index)]
    mapped = _align([char for _, char in sounds], [s.char for s in stream])
    spans: list[tuple[int, int] | None] = [None] * len(words)
    for (index, char), target in zip(sounds, mapped, strict=True):
        if target < 0 or char == _BOUNDARY:
            continue
        span = spans[index]
        spans[index] = (target, target) if span is None else (span[0], target)
    timings: list[Timing | None] = []
    for index, span in enumerate(spans):
        if span is None:
            timings.append(None)
            continue
        first, last = span
        following = next((s[0] for s in spans[index + 1 :] if s is not None), len(stream))
        while last + 1 < following and stream[last + 1].char != _BOUNDARY:
            last += 1  # sounds said but matched to no word: the word before's, to a word gap
        timed = any(sound.timed for sound in stream[first : last + 1])
        start = stream[first].start
        if stream[first - 1].joins:  # the word space is the way into the word (a stop's closure)
            start = stream[first - 1].start
        timings.append(Timing(start / rate, stream[last].end / rate, not timed))
    return _fill(words, timings, total)


def _stream(said: Sequence[Said]) -> list[_Sound]:
    """The sounds said, with word gaps (spaces, punctuation, chunk ends) as one boundary each."""
    stream: list[_Sound] = [_Sound(_BOUNDARY, 0, 0, True)]
    offset = 0
    for chunk in said:
        timed = chunk.samples is not None and len(chunk.samples) == len(chunk.phonemes)
        if timed:
            counts = [int(n) for n in chunk.samples or ()]
        else:  # no alignments: each phoneme an equal share of the chunk (estimated)
            share = chunk.length / max(len(chunk.phonemes), 1)
            counts = [round((i + 1) * share) - round(i * share) for i in range(len(chunk.phonemes))]
        position = offset
        stressed: int | None = None
        for phoneme, count in zip(chunk.phonemes, counts, strict=True):
            for k, char in enumerate(phoneme):
                start = position + count * k // len(phoneme)
                end = position + count * (k + 1) // len(phoneme)
                kind = unicodedata.category(char)
                if char in _STRESS:
                    stressed = start if stressed is None else stressed
                elif kind == "Lm" or kind.startswith("M"):
                    if stream[-1].char != _BOUNDARY:
                        stream[-1].end = end
                elif kind.startswith("L"):
                    stream.append(_Sound(char, start if stressed is None else stressed, end, timed))
                    stressed = None
                else:
                    stressed = None
                    if stream[-1].char != _BOUNDARY:
                        stream.append(_Sound(_BOUNDARY, start, end, timed, joins=char == " "))
                    else:
                        stream[-1].joins = stream[-1].joins and char == " "
            position += count
        offset += chunk.length
        if stream[-1].char != _BOUNDARY:
            stream.append(_Sound(_BOUNDARY, offset, offset, timed))
    return stream


def _word_units(phonemes: str, index: int) -> list[str]:
    """A word's sounds, with boundaries where the phonemizer split it, and one after it."""
    units: list[str] = [_BOUNDARY] if index == 0 else []
    for char in phonemes:
        kind = unicodedata.category(char)
        if kind.startswith("L") and kind != "Lm":
            units.append(char)
        elif not kind.startswith("M") and kind != "Lm" and units and units[-1] != _BOUNDARY:
            units.append(_BOUNDARY)
    if not units or units[-1] != _BOUNDARY:
        units.append(_BOUNDARY)
    return units


def _align(source: Sequence[str], target: Sequence[str]) -> list[int]:
    """For each unit of SOURCE, the index of the unit of TARGET it aligns to, or -1.

    A long text (a sentence of hundreds of words) is aligned in overlapping windows, each
    keeping the first half of its alignment, so that time and memory stay in proportion to it.
    """
    n, m = len(source), len(target)
    if n * m <= _MAX_CELLS:
        return _align_all(source, target, free_end=False)
    mapped = [-1] * n
    i = j = 0
    while i < n:
        size = min(n - i, _WINDOW)
        last = i + size == n
        span = m - j if last else min(m - j, size * 3 // 2 + _WINDOW // 2)
        part = _align_all(source[i : i + size], target[j : j + span], free_end=not last)
        keep = size if last else size // 2
        for k, found in enumerate(part[:keep]):
            mapped[i + k] = j + found if found >= 0 else -1
        j += max(part[:keep], default=-1) + 1
        i += keep
    return mapped


def _align_all(source: Sequence[str], target: Sequence[str], free_end: bool) -> list[int]:
    """For each unit of SOURCE, the index of the unit of TARGET it aligns to, or -1: a least-cost
    alignment (weighted edit distance), one row at a time with numpy. FREE_END: the end of
    TARGET may be left unaligned at no cost."""
    n, m = len(source), len(target)
    if not n or not m:
        return [-1] * n
    codes = {char: code for code, char in enumerate(dict.fromkeys([*source, *target]))}
    target_codes = np.array([codes[c] for c in target])
    target_boundary = np.array([c == _BOUNDARY for c in target])
    target_vowel = np.array([c in _VOWELS for c in target])
    skip_target = np.where(target_boundary, _SKIP_BOUNDARY, _SKIP_SOUND)
    prefix = np.concatenate([[0], np.cumsum(skip_target)])
    rows: dict[str, np.ndarray] = {}
    diagonal = np.zeros((n + 1, m), dtype=bool)
    left = np.zeros((n + 1, m + 1), dtype=bool)
    previous = prefix.copy()
    for i, char in enumerate(source, start=1):
        if char not in rows:
            rows[char] = _substitution_row(char, codes[char], target_codes, target_boundary, target_vowel)
        skip = _SKIP_BOUNDARY if char == _BOUNDARY else _SKIP_SOUND
        diag = previous[:-1] + rows[char]
        down = previous[1:] + skip
        best = np.concatenate([[previous[0] + skip], np.minimum(diag, down)])
        current = prefix + np.minimum.accumulate(best - prefix)
        diagonal[i] = diag <= down
        left[i] = current < best
        previous = current
    mapped = [-1] * n
    i, j = n, int(np.argmin(previous)) if free_end else m
    while i > 0:
        if j > 0 and left[i, j]:
            j -= 1
        elif j > 0 and diagonal[i, j - 1]:
            mapped[i - 1] = j - 1
            i, j = i - 1, j - 1
        else:
            i -= 1
    return mapped


def _substitution_row(
    char: str, code: int, codes: np.ndarray, boundary: np.ndarray, vowel: np.ndarray
) -> np.ndarray:
    if char == _BOUNDARY:
        return np.where(boundary, _SAME, _NEVER)
    is_vowel = char in _VOWELS
    similar = np.where(
        vowel == is_vowel, _VOWEL_FOR_VOWEL if is_vowel else _CONSONANT_FOR_CONSONANT, _VOWEL_FOR_CONSONANT
    )
    return np.where(boundary, _NEVER, np.where(codes == code, _SAME, similar))


def _fill(words: Sequence[str], timings: list[Timing | None], total: float) -> list[Timing]:
    """Each run of words without a timing laid out in proportion to their length between the
    words around it (estimated)."""
    filled: list[Timing] = []
    index = 0
    while index < len(timings):
        timing = timings[index]
        if timing is not None:
            filled.append(timing)
            index += 1
            continue
        end = index
        while end < len(timings) and timings[end] is None:
            end += 1
        after = timings[end] if end < len(timings) else None
        start_at = filled[-1].end if filled else 0.0
        end_at = after.start if after is not None else max(total, start_at)
        weights = [len(word) + 1 for word in words[index:end]]
        scale = (end_at - start_at) / max(sum(weights), 1)
        position = start_at
        for weight in weights:
            filled.append(Timing(position, position + weight * scale, True))
            position += weight * scale
        index = end
    return filled
