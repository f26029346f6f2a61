"""Text normalization: the exact words the narrator says for a piece of written text.

NeMo text processing does the heavy lifting (numbers, dates, money, units, times). Its
grammars are compiled once and cached in the user cache directory; sentences with nothing
to normalize skip it, since it costs tens of milliseconds a sentence. Around it, a few
rules handle what a newsreader does and NeMo does not: punctuation read as pauses, editorial
brackets read as plain words, characters the voice cannot say dropped.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import platformdirs

from . import __version__

log = logging.getLogger(__name__)

# Only text with one of these needs NeMo: digits, symbols, or abbreviations with a period.
_NEEDS_TN = re.compile(
    r"[\d$£€¥%&@#°§+=<>/]"
    r"|\b(?:Dr|Mr|Mrs|Ms|Mt|St|Gen|Sen|Rep|Prof|Gov|Lt|Col|Capt|Sgt|Jr|Sr|No|vs|etc|approx|Inc|Ltd|Co)\."
)
_ELLIPSIS = re.compile(r"\s*(?:…|\.{3,})\s*")
_DASH = re.compile(r"\s+[–—-]+\s+|\s*—\s*")
_QUOTES = re.compile(r"[“”„‟\"«»‹›]|(?<!\w)['‘]|['’](?!\w)")
_BRACKETS = re.compile(r"[()\[\]{}]")
# Initials such as "H A Hellyer": espeak reads a lone "A" as the article, so say the letter.
_INITIALS = re.compile(r"\b((?:[A-Z] ){1,3})(?=[A-Z][a-z])")
_LETTER_A = "[[ˈeɪ]]"
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_PUNCT = re.compile(r"([,;:])(?:\s*[,;:])+")


class Normalizer:
    """Written text in, spoken words out. Thread-safe; NeMo is loaded on first use."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._cache_dir = cache_dir or default_cache_dir()
        self._nemo = None
        self._lock = threading.Lock()
        self.problems: list[str] = []
        self.normalize = lru_cache(maxsize=4096)(self._normalize)

    def _normalize(self, text: str) -> str:
        text = speakable(text)
        text = _ELLIPSIS.sub(", ", text)
        text = _DASH.sub(", ", text)
        text = _QUOTES.sub("", text)
        if _NEEDS_TN.search(text):
            text = self._run_nemo(text)
        text = _BRACKETS.sub("", text)
        text = _INITIALS.sub(lambda m: m.group(1).replace("A ", f"{_LETTER_A} "), text)
        return _tidy(text)

    def _run_nemo(self, text: str) -> str:
        try:
            with self._lock:
                return self._load().normalize(text, verbose=False, punct_post_process=True)
        except Exception as error:  # a normalization failure must never stop a narration
            self.problems.append(f"normalization failed, read as written: {text!r} ({error})")
            log.debug(self.problems[-1])
            return text

    def _load(self):
        if self._nemo is None:
            self._nemo = load_nemo(self._cache_dir)
        return self._nemo


def load_nemo(cache_dir: Path):
    """NeMo's English normalizer, compiling its grammars into CACHE_DIR on first use (about 20 s)."""
    from nemo_text_processing.text_normalization.normalize import Normalizer as NemoNormalizer

    # NeMo logs every grammar it builds and every sentence it leaves alone, at INFO.
    logging.getLogger("NeMo-text-processing").setLevel(logging.ERROR)
    cache_dir.mkdir(parents=True, exist_ok=True)
    if not any(cache_dir.glob("*.far")):
        log.info("compiling text normalization grammars (first run only, about 30 seconds)")
    return NemoNormalizer(input_case="cased", lang="en", cache_dir=str(cache_dir))


def default_cache_dir() -> Path:
    from importlib.metadata import version

    nemo = version("nemo_text_processing")
    return Path(platformdirs.user_cache_dir("newsvoice")) / f"nemo-{nemo}-newsvoice-{__version__}"


def speakable(text: str, on_dropped: Callable[[str], None] | None = None) -> str:
    """Drop characters an English voice cannot say (a stray CJK character would be read aloud
    as "Chinese letter"), along with a possessive "'s" left hanging after them."""
    kept: list[str] = []
    dropped: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if _is_speakable(char):
            kept.append(char)
        else:
            dropped.append(char)
            kept.append(" ")
    if not dropped:
        return text
    if on_dropped:
        on_dropped("".join(dict.fromkeys(dropped)))
    result = re.sub(r"(?<=\s)['’]s\b", "", "".join(kept))
    return _SPACES.sub(" ", result).strip()


def _is_speakable(char: str) -> bool:
    if char.isascii():
        return True
    category = unicodedata.category(char)
    if category.startswith("L") or category == "Mn":
        name = unicodedata.name(char, "")
        return name.startswith(("LATIN", "GREEK", "COMBINING"))
    return category[0] in "NPZ" or category in ("Sc", "Sm") or char in "°©®™"


def _tidy(text: str) -> str:
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    return text.strip(" ,;:")


_default: Normalizer | None = None


def normalize(text: str) -> str:
    """Exactly the words the narrator will say for TEXT (Piper phoneme escapes `[[...]]` included)."""
    global _default
    if _default is None:
        _default = Normalizer()
    return _default.normalize(text)
