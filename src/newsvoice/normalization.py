"""Text normalization: the exact words the narrator says for a piece of written text.

NeMo text processing does the heavy lifting (numbers, dates, money, units, times). Its
grammars are compiled once and cached in the user cache directory; text with nothing for
it skips it, since it costs tens of milliseconds a sentence. Around it, rules written here
do what a newsreader does and NeMo does not: news shorthand ("$4.5bn", "Tue, Sept 9",
"No. 10", "St."), regnal numbers, acronyms spelled or said as words, punctuation read as
pauses, and the pronunciation lexicon. Each rule is a line in a table below, with the
reason it exists.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import platformdirs
import roman

from . import __version__, numerals
from .language import ALWAYS_READ, language_name, primary, same_language, script_of
from .lexicon import Lexicon, load_lexicon
from .shorthand import BEFORE_TN as _SHORTHAND
from .shorthand import WORD_ACRONYMS as _SHORTHAND_ACRONYMS
from .shorthand import spell
from .written import MONTH, is_shouted

log = logging.getLogger(__name__)

Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]

_ABBREVIATIONS = {"Ltd": "Limited", "Inc": "Incorporated", "Corp": "Corporation", "Bros": "Brothers",
                  "dept": "department", "Dept": "Department", "vol": "volume", "Vol": "Volume",
                  "approx": "approximately", "Approx": "Approximately"}  # fmt: skip
_CARDINAL_NUMBERED = (
    r"World\ War|Super\ Bowl|Vatican|Apollo|Title|Article|Chapter|Part|Phase|Stage|Book|Volume|"
    # Sequels, missions and grades are counted too: "Artemis II", "Type II diabetes", "Category IV".
    r"Artemis|Gemini|Voyager|Pioneer|Mariner|Soyuz|Type|Category|Class|Schedule|Level|Grade|Tier|"
    r"Division|Act|Episode"
)

# Acronyms said as words, not letter by letter (espeak would spell some, and the rule
# below spells every other all-caps word).
WORD_ACRONYMS = frozenset(
    "NATO NASA UNESCO UNICEF UNRWA OPEC SOAS AIDS COVID FIFA UEFA OFCOM OFSTED ASEAN SWIFT NAFTA "
    "SARS MERS ISIS ISIL LASER RADAR SCOTUS POTUS FEMA CERN INTERPOL EUROPOL FRONTEX MERCOSUR "
    "BRICS NIMBY OSHA DARPA ICANN IKEA SEAL SEALS PIN GIF JPEG NAND RAM ROM WASP".split()
)
WORD_ACRONYMS |= _SHORTHAND_ACRONYMS  # market indexes and the like
# All-caps words read as plain words (emphasis, not acronyms).
_CAPS_WORDS = frozenset(
    "A I AN AND THE OF TO IN IS IT ON OR BY AT AS BE DO GO SO WE HE ME MY IF NO OK".split()
)
# Times of day: espeak says "AM" and "a.m." alike, and the latter is how it is written out.
_ESPEAK_SPELLS = frozenset({"AM", "PM"})

_TYPOGRAPHY: list[Rule] = [
    # Typography is read as pauses, never aloud (in every language).
    (re.compile(r"\s*(?:…|\.{3,})\s*"), ", "),
    (re.compile(r"(?<!\d)\s+[–—-]+\s+|\s+[–—-]+\s+(?!\d)|\s*—\s*"), ", "),
    (re.compile(r"[“”„‟\"«»‹›]|(?<!\w)['‘]|['’](?!\w|s\b)"), ""),
]

_BEFORE_TN: list[Rule] = [
    # A dateline opening a story ("PORT ELLERY — The…", "ROME (AP) — …") names a place: not letters.
    (
        re.compile(r"^[A-Z][A-Z .'’-]*[A-Z](?=(?:,? [A-Z][\w.]*)*(?: \(\w+\))? [–—-] [A-Z“])"),
        lambda m: _place(m.group(0)),
    ),
    # Word shorthand (party and state, titles, St., symbols, web addresses, tech and market names).
    *_SHORTHAND,
    *_TYPOGRAPHY,
    # Numbers in news shorthand: money, units, ranges, scores, dates, phone numbers (numerals.py).
    *numerals.BEFORE_TN,
    # News shorthand: weekdays before a date, "per cent", "No. 10", "Nos. 1 and 2", vs., e.g., i.e.
    (
        re.compile(rf"\b({'|'.join(numerals.WEEKDAYS)})\b\.?(?=,?\s+(?:{MONTH}|\d))"),
        lambda m: numerals.WEEKDAYS[m.group(1)],
    ),
    (re.compile(r"\bper\s+cent\b"), "percent"),
    (re.compile(r"\bNo\.?\s?(?=\d)"), "number "),
    (re.compile(r"\bNos\.?\s?(?=\d)"), "numbers "),
    (re.compile(r"\bvs?\.?(?=\s)"), "versus"),
    (re.compile(r"\be\.g\.,?"), "for example,"),
    (re.compile(r"\bi\.e\.,?"), "that is,"),
    (re.compile(r"\betc\."), "et cetera"),
    (re.compile(rf"\b({'|'.join(_ABBREVIATIONS)})(?:\.|\b)"), lambda m: _ABBREVIATIONS[m.group(1)]),
    # Roman numerals: cardinal after World War and the like, regnal after a name.
    (re.compile(rf"\b({_CARDINAL_NUMBERED})\s+([IVXLC]+)\b"), lambda m: f"{m.group(1)} {_roman(m.group(2))}"),
    # A virus clade: "clade Ib" is "clade one b".
    (
        re.compile(r"\b([Cc]lade)\s+([IV]{1,3})([a-d])\b"),
        lambda m: f"{m.group(1)} {_roman(m.group(2))} {m.group(3)}",
    ),
    (re.compile(r"\b([A-Z][a-z]+)\s+([IVX]{2,5})\b"), lambda m: _regnal(m)),
]

_AFTER_TN: list[Rule] = [
    # "a"/"an" agree with the number as said, not as written ("an A$2bn sale" is "a two billion").
    (re.compile(r"\b([Aa])n? (?=(?:eight|eleven|eighteen|eighty)\b)"), r"\1n "),
    (
        re.compile(
            r"\b([Aa])n (?=(?:one|two|three|four|five|six|seven|nine|ten|twelve|thirteen|fourteen|"
            r"fifteen|sixteen|seventeen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|ninety|hundred|"
            r"thousand|million|billion)\b)"
        ),
        r"\1 ",
    ),
    # Editorial brackets are read as plain words ("(Putin's) mastery"); an aside mid-sentence
    # gets a pause either side ("LNG, liquefied natural gas, exports").
    (re.compile(r"(^|[.!?]\s+)\(([^()]*)\)"), r"\1\2"),
    (re.compile(r"(?<=\w)\s*\(\s*(?=\w)"), ", "),
    (re.compile(r"(?<=[\w'’.])\s*\)\s*(?=\w)"), ", "),
    (re.compile(r"[(){}]|(?<!\[)\[(?!\[)|(?<!\])\](?!\])"), ""),
    # Initials such as "H A Hellyer".
    (
        re.compile(r"\b((?:[A-Z] ){2,3})(?=[A-Z][a-z])"),
        lambda m: spell(m.group(1).replace(" ", "")) + " ",
    ),
    # NeMo writes months in lower case; editors read the script.
    (
        re.compile(
            r"\b(january|february|march|april|may|june|july|august|september|october|november|december)\b"
            r"(?= (?:\d|first|second|third|[a-z]+(?:th|st|nd|rd)\b))"
        ),
        lambda m: m.group(1).capitalize(),
    ),
    # Acronyms: a maintained list is said as words, short ones letter by letter.
    (re.compile(r"(?<![\w\[])([A-Z]{2,6})(s?)(?![\w\]])"), lambda m: _acronym(m.group(1), m.group(2))),
]


def _title(full: str, match: re.Match[str]) -> str:
    """A title said in full, with a capital where it begins the text."""
    return full.capitalize() if match.start() == 0 else full


# Titles before a name, said in full (espeak would say French "M." as the letter).
_TITLES_IN: dict[str, list[Rule]] = {
    language: [
        (re.compile(rf"(?<!\w){re.escape(short)}\.?(?=\s+[A-ZÀ-Þ])"), partial(_title, full))
        for short, full in titles.items()
    ]
    for language, titles in {
        "es": {"Sr.": "señor", "Sra.": "señora", "Srta.": "señorita", "Dr.": "doctor", "Dra.": "doctora"},
        "fr": {"M.": "monsieur", "MM.": "messieurs", "Mme": "madame", "Mmes": "mesdames",
               "Mlle": "mademoiselle", "Dr": "docteur", "Pr": "professeur", "Me": "maître",
               "Mgr": "monseigneur"},
        "it": {"sig.": "signor", "Sig.": "signor", "sig.ra": "signora", "Sig.ra": "signora",
               "dott.": "dottor", "Dott.": "dottor", "prof.": "professor", "Prof.": "professor",
               "avv.": "avvocato", "on.": "onorevole", "On.": "onorevole"},
        "pt": {"Sr.": "senhor", "Sra.": "senhora", "Srta.": "senhorita", "Dr.": "doutor", "Dra.": "doutora",
               "Prof.": "professor", "Profa.": "professora"},
    }.items()
}  # fmt: skip


_SPELLED_MAX = 4
_NEEDS_TN = re.compile(r"[\d$£€¥%&@#°§+=<>/]")
_SHOUTED_MIN_WORDS = 2
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_PUNCT = re.compile(r"([,;:])(?:\s*[,;:.])+")
_DOUBLED_PERIOD = re.compile(r"(?<=\.)\.+")  # "at three p.m." ending a sentence


@dataclass(frozen=True)
class Spoken:
    """What the narrator says for a text, with the problems met working it out."""

    text: str
    problems: tuple[str, ...] = ()


class Normalizer:
    """Written text in, spoken words out. Thread-safe; NeMo is loaded on first use."""

    def __init__(self, lexicon: Lexicon | None = None, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon if lexicon is not None else load_lexicon()
        self._cache_dir = cache_dir or default_cache_dir()
        self._lock = threading.Lock()
        self._nemos: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        # Problems are cached with the words, so a text that failed reports it every time.
        self.spoken = lru_cache(maxsize=4096)(self._spoken)
        self.spoken_in = lru_cache(maxsize=4096)(self._spoken_in)

    def speaker(self, language: str | None) -> Callable[[str], Spoken]:
        """How text in LANGUAGE is spoken: English by this normalizer (`spoken`); Spanish,
        French and Portuguese by NeMo's grammars for them (`spoken_in`); any other
        language as written, its numbers left to the voice (see `plain_spoken`)."""
        if language is None or same_language(language, "en"):
            return self.spoken
        code = primary(language)
        if code in NEMO_LANGUAGES:
            return partial(self.spoken_in, code)
        return partial(plain_spoken, language=language)

    def _spoken_in(self, language: str, text: str) -> Spoken:
        """TEXT in LANGUAGE (one of `NEMO_LANGUAGES` but English) as the voice is to say it:
        typography read as pauses, titles said in full, numbers, dates and money by NeMo.
        (newsvoice's own rules and the lexicon are English, and are not applied.) Where NeMo
        fails, the numbers are left to the voice, with the warning `plain_spoken` gives."""
        text = _apply(_TYPOGRAPHY, speakable(text))
        text = _apply(_TITLES_IN.get(language, []), text)
        if _NEEDS_TN.search(text):
            nemo = self.run_nemo(text, language)
            if nemo.problems:  # NeMo's Portuguese fails on some sentences ("Em 2024, 25% ...")
                return plain_spoken(text, language)
            text = nemo.text
        return Spoken(_tidy(text))

    def normalize(self, text: str) -> str:
        """The words alone; `spoken` also tells what went wrong on the way."""
        return self.spoken(text).text

    def _spoken(self, text: str) -> Spoken:
        text = speakable(text)
        words = sum(any(char.isalpha() for char in word) for word in text.split())
        if is_shouted(text) and words >= _SHOUTED_MIN_WORDS:  # one shouted word is an acronym
            text = _unshout(text)
        # Whether NeMo runs is decided on the written text: a sentence whose numbers the rules
        # spelled out still has NeMo's abbreviations and punctuation ("U.S.") done.
        needs_tn = _NEEDS_TN.search(text)
        text = _apply(_BEFORE_TN, text)
        problems: tuple[str, ...] = ()
        if needs_tn or _NEEDS_TN.search(text):
            nemo = self.run_nemo(text)
            text, problems = nemo.text, nemo.problems
        text = _apply(_AFTER_TN, text)
        return Spoken(_tidy(self.lexicon.apply(text)), problems)

    def run_nemo(self, text: str, language: str = "en") -> Spoken:
        """NeMo alone, with its grammars for LANGUAGE; on failure, the text as it was, with the
        problem."""
        try:
            with self._lock_for(language):  # a language compiling its grammars holds up no other
                nemo = self._load() if language == "en" else self._load_in(language)
                return Spoken(nemo.normalize(text, verbose=False, punct_post_process=True))
        except Exception as error:  # a normalization failure must never stop a narration
            problem = f"normalization failed, read as written: {text!r} ({error})"
            log.debug(problem)
            return Spoken(text, (problem,))

    def _lock_for(self, language: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(language, threading.Lock())

    def _load(self) -> Any:
        return self._load_in("en")

    def _load_in(self, language: str) -> Any:
        if language not in self._nemos:
            self._nemos[language] = load_nemo(self._cache_dir, language)
        return self._nemos[language]


NEMO_LANGUAGES = ("en", "es", "fr", "pt")
"""The languages normalized by NeMo's grammars: those of the voices newsvoice ships that NeMo
normalizes well. (NeMo's Italian grammar writes compound numbers apart, "cinquecento dodici"
for 512, where espeak's Italian says them right; NeMo has more languages, German, Russian,
..., whose voices would be Piper's.)"""


def load_nemo(cache_dir: Path, language: str = "en") -> Any:
    """NeMo's normalizer for LANGUAGE, compiling its grammars into CACHE_DIR on first use
    (English about 30 s, the others 1 to 3 minutes on two cores), each language's once."""
    from nemo_text_processing.text_normalization.normalize import Normalizer as NemoNormalizer

    # NeMo logs every sentence it leaves alone at INFO, and resets its level on every call.
    logging.getLogger("NeMo-text-processing").addFilter(lambda record: record.levelno >= logging.ERROR)
    cache_dir.mkdir(parents=True, exist_ok=True)
    if not any(f"_{language}_tn_" in f"_{far.name}" for far in cache_dir.glob("*.far")):
        log.info("compiling %s text normalization grammars (first use only)", language_name(language))
    return NemoNormalizer(input_case="cased", lang=language, cache_dir=str(cache_dir))


def default_cache_dir() -> Path:
    from importlib.metadata import version

    nemo = version("nemo_text_processing")
    return Path(platformdirs.user_cache_dir("newsvoice")) / f"nemo-{nemo}-newsvoice-{__version__}"


def _apply(rules: list[Rule], text: str) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def _roman(numeral: str) -> str:
    try:
        return str(roman.fromRoman(numeral))
    except roman.InvalidRomanNumeralError:
        return numeral


def _regnal(match: re.Match[str]) -> str:
    """ "Charles III" is "Charles the 3rd" (NeMo then says "third")."""
    name, numeral = match.groups()
    number = _roman(numeral)
    if not number.isdigit():
        return match.group(0)
    value = int(number)
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{name} the {value}{suffix}"


def _acronym(letters: str, plural: str) -> str:
    if letters in _ESPEAK_SPELLS:
        return f"{letters[0].lower()}.{letters[1].lower()}." + plural  # as it is read: "a.m."
    if letters in _CAPS_WORDS:
        return letters.lower() + plural
    if letters in WORD_ACRONYMS:
        return letters.capitalize() + plural
    if "A" in letters or len(letters) > _SPELLED_MAX:
        # espeak spells "AI" or "NBA" itself (spaced out, its "A" would be the article), and
        # reads longer all-caps words ("WINNER") as words unless they are unpronounceable.
        return letters + plural
    return " ".join(letters) + ("'s" if plural else "")


def _unshout(text: str) -> str:
    """An ALL-CAPS headline in sentence case, keeping words that are acronyms."""
    words = []
    for index, word in enumerate(text.split(" ")):
        bare = word.strip(".,;:!?\"'()")
        keep = bare in WORD_ACRONYMS or (bare not in _CAPS_WORDS and bare in _SPELLED_IN_HEADLINES)
        words.append(word if keep else (word.capitalize() if index == 0 else word.lower()))
    return " ".join(words)


def _place(name: str) -> str:
    """A place name in capitals in title case, keeping acronyms ("NEW YORK" is "New York")."""
    return " ".join(word if word in _SPELLED_IN_HEADLINES else word.capitalize() for word in name.split(" "))


# Acronyms that stay capitals in a shouted headline ("US TROOPS" is not "us troops").
_SPELLED_IN_HEADLINES = frozenset("US UK EU UN AI FBI CIA GDP IMF WHO NHS BBC CEO LNG UAE USA".split())


def speakable(
    text: str, on_dropped: Callable[[str], None] | None = None, scripts: frozenset[str] = ALWAYS_READ
) -> str:
    """Drop characters the voice cannot say: letters of a writing system other than SCRIPTS
    (by default, an English voice's: a stray CJK character would be read aloud as "Chinese
    letter"), along with a possessive "'s" left hanging after them."""
    kept: list[str] = []
    dropped: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if _is_speakable(char, scripts):
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


def _is_speakable(char: str, scripts: frozenset[str]) -> bool:
    if char.isascii():
        return True
    category = unicodedata.category(char)
    if category.startswith("L") or category in ("Mn", "Mc"):
        return script_of(char) in scripts
    return category[0] in "NPZ" or category in ("Sc", "Sm") or char in "°©®™"


def _tidy(text: str) -> str:
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _DOUBLED_PERIOD.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    return text.strip(" ,;:")


# Typography read as pauses, never aloud, in any language (the first rules before NeMo).
def plain_spoken(text: str, language: str) -> Spoken:
    """TEXT in LANGUAGE (not English) as the voice is to say it: typography read as pauses,
    titles said in full where newsvoice knows them (Italian "sig." is "signor"), and
    everything else, numbers included, left to the voice's own rules for its language.
    (newsvoice's rules and NeMo's grammars are English: "512 millions d'euros" must not
    become "five hundred twelve millions d'euros".) Numbers and symbols are a problem to
    report, since no one has checked how the voice reads them."""
    text = _tidy(_apply(_TITLES_IN.get(primary(language) or "", []), _apply(_TYPOGRAPHY, speakable(text))))
    if _NEEDS_TN.search(text):
        name = language_name(language)
        problem = f"numbers are read by the voice's own rules: newsvoice has no text normalization for {name}"
        return Spoken(text, (problem,))
    return Spoken(text)


_default: Normalizer | None = None
_default_lock = threading.Lock()


def normalize(text: str) -> str:
    """Exactly the words the narrator will say for TEXT.

    Words from the pronunciation lexicon given as phonemes appear as Piper's `[[ ... ]]`
    escapes. Narration uses the same function, so what it returns is what is heard.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Normalizer()
    return _default.normalize(text)
