"""Pronunciation QA: the words the voice is most likely to say wrong, found before publishing.

The voice's phonemizer, espeak-ng, knows a few thousand words by heart and guesses every
other word from its spelling with English rules. Names (Hellyer, Tsang) and foreign words
(Zelenskyy) are guessed; the guess is often wrong. `check_script` lists each such word in
a script that the pronunciation lexicon does not cover and that is rare in English text
(by wordfreq), riskiest first: words it has never seen, then rare names. An editor
listens for them and adds the wrong ones to the lexicon.

For each, `suggest` proposes a respelling and the phonemes the voice says for it: the
spelling patterns of other languages that English rules misread ("kh", "cz", "-iv",
"-yi", pinyin "x" and "q", a "y" between consonant and vowel as in "Hellyer") respelled
the English way; where none applies, the word read as spelled, as most languages but English
read it (`as_spelled`). A suggestion is a guess to listen to, never applied unasked:
`newsvoice check --accept WORD` writes it to the user's lexicon.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from .lexicon import Lexicon
from .script import Script
from .voice import Speaker

Risk = Literal["unknown", "rare"]
RARE_ZIPF = 3.5
"""Names at least this common in English text (Putin, Friday) are said right."""

_PHONEMES = re.compile(r"\[\[.*?\]\]")
_WORD = re.compile(r"(?<![\w'’])[A-Za-z][a-z'’-]*[a-z]\b")
_UTF8 = 1
_IPA = 0x02
_TRACE = 0x08  # espeak's -X: how each word was translated


@dataclass(frozen=True)
class Finding:
    word: str
    risk: Risk
    count: int
    phonemes: str
    """How the voice says the word now."""
    segments: tuple[int, ...]
    """Where it occurs: 1-based segment numbers of the script."""
    example: str
    """The written text of its first occurrence."""
    respelling: str | None = None
    """A respelling the voice may say better, if one of the spelling rules applies."""
    suggestion: str | None = None
    """The voice's phonemes for the respelling, as a lexicon entry ("[[hˈɛljɚ]]")."""


def check_script(script: Script, voice: Speaker, lexicon: Lexicon) -> list[Finding]:
    """Words of SCRIPT the voice guesses from their spelling and the lexicon does not cover."""
    counts: Counter[str] = Counter()
    where: dict[str, list[int]] = {}
    for number, segment in enumerate(script.segments, start=1):
        for word in _candidates(segment.spoken):
            if word in lexicon:
                continue
            counts[word] += 1
            where.setdefault(word, []).append(number)
    findings = []
    for word, count in counts.items():
        frequency = _frequency(word)
        if frequency >= RARE_ZIPF or _espeak_knows(word):
            continue
        risk: Risk = "unknown" if frequency == 0 else "rare"
        first = where[word][0]
        now = voice.phonemes(word)
        respelling, suggestion = suggest(word, voice, now)
        if suggestion is None:
            respelling, suggestion = _spelled_suggestion(word, now)
        findings.append(
            Finding(
                word,
                risk,
                count,
                now,
                tuple(where[word]),
                script.segments[first - 1].text,
                respelling,
                suggestion,
            )
        )
    return sorted(findings, key=lambda f: (f.risk != "unknown", -f.count, f.segments[0]))


# Spelling patterns of other languages that English rules misread, respelled the English way
# (applied in order to the lower-cased word; each line says why).
_RESPELLINGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"ñ", "ny"),  # Spanish: Peña
        (r"ł", "w"),  # Polish: Łukasz
        (r"[øö]", "ur"),  # Danish, Swedish, German: Ørsted
        (r"tsch", "ch"),  # German: Klitschko's "tsch"
        (r"sch", "sh"),  # German and Dutch: Scholz
        (r"cz", "ch"),  # Polish: Czarnek
        (r"sz", "sh"),  # Polish: Szymon
        (r"rz", "zh"),  # Polish: Brzezinski
        (r"cki$", "tski"),  # Polish and Slavic: Nawrocki
        (r"(?<=[aeiou])w(?=[bcdfgkprstz])", "v"),  # Polish "w" before a consonant: Nawrocki
        (r"(?<!s)kh", "k"),  # Russian, Ukrainian, Arabic: Kharkiv, Bakhmut
        (r"^x(?=[iu])", "sh"),  # Pinyin: Xi, Xinhua, Xiaomi
        (r"^q(?=i)", "ch"),  # Pinyin: Qiang
        (r"^zh", "j"),  # Pinyin: Zhang
        (r"(?<=\w)iv$", "eev"),  # Ukrainian: Kharkiv, Mykolaiv
        (r"(?<=\w)(?:yy|yi|iy)$", "ee"),  # Ukrainian and Russian: Zelenskyy, Syrskyi
        (r"(?<=[^aeiouy])iy(?=[aeiou])", "ee-y"),  # Turkic and Slavic: Aliyev
        (r"(?<=[^aeiouy\-])y(?=[aeiou])", "-y"),  # A consonant "y": Hellyer, Pashinyan
        (r"ou", "oo"),  # French and West African: Doumbouya, Ouattara
        (r"aa", "ah"),  # Arabic, Dutch, Estonian: Sharaa, Haaretz
        (r"(?<=[^aeiou])ov$", "off"),  # Russian: Lavrov, Belousov
        (r"(?<=\w)chi$", "chee"),  # Italian, Japanese, Igbo: Nkechi, Takaichi
        (r"gh(?=[aeiou])", "g"),  # Hindi and Arabic: Raghunathan, Ghani
        (r"(?<=[bdj])h(?=[aeiou])", ""),  # Hindi: Abhishek, Sidhu
        (r"(?<=n)g(?=[ei]\w)", "-gh"),  # A hard "g" after "n": Pengelly
    ]
]


def suggest(word: str, voice: Speaker, now: str | None = None) -> tuple[str | None, str | None]:
    """A respelling of WORD that the voice may say better, with its phonemes as a lexicon
    entry; (None, None) where no rule applies or the voice would say it as it does now."""
    bare = word.lower()
    respelled = bare
    for pattern, replacement in _RESPELLINGS:
        respelled = pattern.sub(replacement, respelled)
    respelled = unicodedata.normalize("NFKD", respelled).encode("ascii", "ignore").decode().strip("-")
    if respelled == bare or not respelled:
        return None, None
    respelling = respelled[0].upper() + respelled[1:] if word[0].isupper() else respelled
    phonemes = voice.phonemes(respelling)
    # One stressed syllable: espeak stresses each hyphenated part; a name keeps the first.
    first = phonemes.find("ˈ")
    phonemes = phonemes[: first + 1] + phonemes[first + 1 :].replace("ˈ", "ˌ") if first >= 0 else phonemes
    phonemes = phonemes.replace(" ", "")
    if phonemes == (now if now is not None else voice.phonemes(word)):
        return None, None
    return respelling, f"[[{phonemes}]]"


# Reading a name as spelled, the way most languages but English do: each vowel letter its
# own sound, the stress on the last syllable but one (Adeyemi, Raghunathan, Nkechi).
_SPELLED_VOWELS = [
    ("ai", "aɪ", "eye"), ("ay", "aɪ", "eye"), ("ei", "eɪ", "ay"), ("ey", "eɪ", "ay"), ("au", "aʊ", "ow"),
    ("ou", "uː", "oo"), ("oo", "uː", "oo"), ("oi", "ɔɪ", "oy"), ("oy", "ɔɪ", "oy"), ("ee", "iː", "ee"),
    ("ow", "oʊ", "oh"), ("aw", "ɔː", "aw"),
    ("a", "ɑː", "ah"), ("e", "ɛ", "eh"), ("i", "iː", "ee"), ("o", "oʊ", "oh"), ("u", "uː", "oo"),
    ("y", "iː", "ee"),
]  # fmt: skip
_SPELLED_CONSONANTS = [
    ("tch", "tʃ"), ("sch", "ʃ"), ("ch", "tʃ"), ("sh", "ʃ"), ("zh", "ʒ"), ("th", "t"), ("ph", "f"),
    ("kh", "k"), ("gh", "ɡ"), ("ck", "k"), ("qu", "kw"), ("ng", "ŋɡ"), ("x", "ks"), ("ce", "s"),
    ("ci", "s"), ("cy", "s"), ("c", "k"),
    ("g", "ɡ"), ("j", "dʒ"), ("r", "ɹ"), ("y", "j"), ("q", "k"),
]  # fmt: skip
_VOWEL_LETTERS = "aeiouy"


def _spelled_unit(rest: str) -> tuple[bool, str, str, str]:
    """The letters REST begins with that make one sound: (a vowel?, the letters, their
    phonemes, their respelling)."""
    vowel = rest[0] in _VOWEL_LETTERS and not (rest[0] == "y" and rest[1:2] in tuple(_VOWEL_LETTERS))
    for entry in _SPELLED_VOWELS if vowel else _SPELLED_CONSONANTS:
        spelled, sound = entry[0], entry[1]
        # "ey" before a vowel is "e" and a consonant "y" (Adeyemi); "ce" keeps its "e".
        if not rest.startswith(spelled) or (
            len(spelled) == 2 and spelled[1] in "yw" and rest[2:3] in tuple(_VOWEL_LETTERS)
        ):
            continue
        spelled = spelled[0] if spelled in ("ce", "ci", "cy") else spelled
        if spelled == "ng" and rest[2:3] not in tuple(_VOWEL_LETTERS):
            sound = "ŋ"  # "ng" ends a syllable: no "g" after it
        return vowel, spelled, sound, entry[-1] if vowel else spelled
    return vowel, rest[0], rest[0], rest[0]


def as_spelled(word: str) -> tuple[str, str] | None:
    """WORD read as spelled: a respelling by syllables with the stressed one in capitals
    ("ah-deh-YEH-mee") and its phonemes ("[[ɑːdɛjˈɛmiː]]"); None for a word with no vowel."""
    letters = unicodedata.normalize("NFKD", word.lower()).encode("ascii", "ignore").decode()
    letters = re.sub(r"([b-df-hj-np-tv-z])\1", r"\1", re.sub(r"[^a-z]", "", letters))
    units: list[tuple[bool, str, str]] = []  # (vowel?, phonemes, respelling)
    at = 0
    while at < len(letters):
        vowel, spelled, sound, respelled = _spelled_unit(letters[at:])
        units.append((vowel, sound, respelled))
        at += len(spelled)
    nuclei = [index for index, unit in enumerate(units) if unit[0]]
    if not nuclei:
        return None
    syllables: list[list[tuple[bool, str, str]]] = []
    start = 0
    for number, nucleus in enumerate(nuclei):
        if number + 1 < len(nuclei):
            following = nuclei[number + 1]
            end = following - 1 if following - nucleus > 1 else following  # one consonant begins the next
        else:
            end = len(units)
        syllables.append(units[start:end])
        start = end
    stressed = len(syllables) - 2 if len(syllables) > 1 else 0
    # espeak marks stress just before the vowel, and the voice was trained on its marks.
    phonemes = "".join(
        "".join(("ˈ" if i == stressed and unit[0] else "") + unit[1] for unit in syllable)
        for i, syllable in enumerate(syllables)
    )
    parts = ["".join(u[2] for u in s) for s in syllables]
    parts[stressed] = parts[stressed].upper()
    return "-".join(parts), f"[[{phonemes}]]"


def _spelled_suggestion(word: str, now: str) -> tuple[str | None, str | None]:
    """WORD read as spelled (`as_spelled`), unless it is an English word or compound or the
    voice already says it so. A word as common in English text as "Kremlin" or "Ukrainians"
    is read by English rules: read as spelled ("KREHM-leen", "ook-reye-NEE-ahns") it would be
    wrong, and `--accept-all` would write that into the lexicon."""
    english = _frequency(word) >= _COMMON_ZIPF or _english_compound(word)
    spelled = None if english else as_spelled(word)
    if spelled is None or spelled[1] == f"[[{now}]]":
        return None, None
    return spelled


def _english_compound(word: str) -> bool:
    """Whether WORD is two common English words ("Brightwater", "Cresswell"): English rules
    read it, and reading it as spelled would not."""
    bare = word.lower()
    return any(
        _frequency(bare[:cut]) >= _COMMON_ZIPF and _frequency(bare[cut:]) >= _COMMON_ZIPF
        for cut in range(3, len(bare) - 2)
    )


_COMMON_ZIPF = 3.0


def _candidates(spoken: str) -> list[str]:
    """Names in spoken text: capitalized words, the parts of hyphenated ones counted alone."""
    words = _WORD.findall(_PHONEMES.sub(" ", spoken))
    parts = (part for word in words for part in word.replace("’", "'").removesuffix("'s").split("-"))
    return [part for part in parts if len(part) > 1 and part[0].isupper()]


def _frequency(word: str) -> float:
    """How common WORD is in English text, on the Zipf scale (0: never seen; 7: "the")."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


_espeak_lock = threading.Lock()


def _espeak_knows(word: str) -> bool:
    """Whether espeak-ng has WORD in its dictionary, read from its translation trace.

    No Python API exposes this; Piper's bundled espeak library does export the C API, so
    the trace is written to a temporary C stream and read back.
    """
    with _espeak_lock:
        trace = _EspeakTrace.instance()
        # "Found:" is a dictionary word; "Flags:" only marks a word that rules still spell out.
        return trace.translate(word).startswith("Found:")


class _EspeakTrace:
    _instance: _EspeakTrace | None = None

    @classmethod
    def instance(cls) -> _EspeakTrace:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        from piper import espeakbridge
        from piper.phonemize_espeak import ESPEAK_DATA_DIR

        espeakbridge.initialize(str(ESPEAK_DATA_DIR))
        espeakbridge.set_voice("en-us")
        self._espeak = ctypes.CDLL(espeakbridge.__file__)
        self._espeak.espeak_SetPhonemeTrace.argtypes = [ctypes.c_int, ctypes.c_void_p]
        self._espeak.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        self._espeak.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self._libc = ctypes.CDLL(ctypes.util.find_library("c"))
        self._libc.tmpfile.restype = ctypes.c_void_p
        for name in ("fflush", "rewind", "fileno"):
            getattr(self._libc, name).argtypes = [ctypes.c_void_p]
        self._libc.ftruncate.argtypes = [ctypes.c_int, ctypes.c_long]
        self._libc.ftell.argtypes = [ctypes.c_void_p]
        self._libc.ftell.restype = ctypes.c_long
        self._libc.fread.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p]
        self._stream = self._libc.tmpfile()

    def translate(self, word: str) -> str:
        """espeak's trace for WORD (its first line says whether the dictionary had it)."""
        from piper import voice as piper_voice

        # espeak is one global state: the trace takes the lock Piper phonemizes under. It is
        # private to Piper and no public one exists, so piper-tts is pinned to a minor version
        # and tests/test_check.py checks that Piper still takes it.
        with piper_voice._ESPEAK_PHONEMIZER_LOCK:
            self._libc.rewind(self._stream)
            self._libc.ftruncate(self._libc.fileno(self._stream), 0)
            self._espeak.espeak_SetPhonemeTrace(_TRACE, self._stream)
            try:
                text = ctypes.c_char_p(word.encode("utf-8"))
                self._espeak.espeak_TextToPhonemes(ctypes.pointer(text), _UTF8, _IPA)
            finally:
                self._espeak.espeak_SetPhonemeTrace(0, None)
            self._libc.fflush(self._stream)
            size = self._libc.ftell(self._stream)
            self._libc.rewind(self._stream)
            buffer = ctypes.create_string_buffer(size)
            self._libc.fread(buffer, 1, size, self._stream)
        return buffer.raw.decode("utf-8", "replace").lstrip()
