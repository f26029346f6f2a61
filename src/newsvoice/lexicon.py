"""The pronunciation lexicon: how the narrator says words the voice gets wrong.

A lexicon is a TOML file of `word = "says"` entries. What a word says is a respelling
("Keev") or Piper phonemes in double brackets ("[[kˈiːv]]"). Entries are case aware: a
word written in lower case matches any casing, a capitalized word matches itself and its
ALL-CAPS form, and an all-caps word (an acronym) matches only itself. Possessives follow
their word: "Hellyer's" says the entry for "Hellyer", plus "'s".

The package ships a default lexicon of common news names and places; a publisher's or
user's lexicon is laid over it and wins where both have a word.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import tomli_w

from .errors import NewsvoiceError

DEFAULT_LEXICON = files("newsvoice").joinpath("data/lexicon.toml")
_PHONEMES = re.compile(r"(\[\[.*?\]\])")
_TOKEN = re.compile(r"(?<![\w'’])[A-Za-z][A-Za-z'’-]*")
_POSSESSIVE = ("'s", "’s")
_VOICELESS = tuple("ptkfθ")
_SIBILANTS = ("s", "z", "ʃ", "ʒ")


class LexiconError(NewsvoiceError):
    """A lexicon file that cannot be read or written, or a bad entry."""


@dataclass(frozen=True)
class Lexicon:
    entries: Mapping[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, word: str) -> bool:
        return self.lookup(word) is not None

    def over(self, base: Lexicon) -> Lexicon:
        """This lexicon laid over BASE: its entries win."""
        return Lexicon({**base.entries, **self.entries})

    def lookup(self, word: str) -> str | None:
        """What WORD says, if the lexicon has it (case rules in the module docstring)."""
        if word in self.entries:
            return self.entries[word]
        if len(word) > 1 and word.isupper():  # a name in an ALL-CAPS headline
            titled = word.capitalize()
            if titled in self.entries:
                return self.entries[titled]
        lower = word.lower()
        return self.entries.get(lower)

    def apply(self, text: str) -> str:
        """TEXT with every word the lexicon has replaced by what it says (phonemes kept)."""
        if not self.entries:
            return text
        parts = _PHONEMES.split(text)
        return "".join(part if part.startswith("[[") else _TOKEN.sub(self._say, part) for part in parts)

    def _say(self, match: re.Match[str]) -> str:
        token = match.group(0)
        if (says := self.lookup(token)) is not None:
            return says
        if token.endswith(_POSSESSIVE) and (says := self.lookup(token[:-2])) is not None:
            return _possessive(says)
        return token

    def to_toml(self) -> str:
        return tomli_w.dumps(dict(sorted(self.entries.items(), key=lambda item: item[0].lower())))


def _possessive(says: str) -> str:
    """The possessive of what a word says: "'s" on a respelling, /s/, /z/ or /ɪz/ on phonemes."""
    if not (says.startswith("[[") and says.endswith("]]")):
        return f"{says}'s"
    phonemes = says[2:-2].rstrip()
    if phonemes.endswith(_SIBILANTS):  # also catches tʃ and dʒ
        ending = "ɪz"
    elif phonemes.endswith(_VOICELESS):
        ending = "s"
    else:
        ending = "z"
    return f"[[{phonemes}{ending}]]"


def read_lexicon(path: Path | str) -> Lexicon:
    """A lexicon file; a missing user lexicon is an empty one."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Lexicon()
    except (OSError, UnicodeDecodeError) as error:
        raise LexiconError(f"{path}: cannot read lexicon ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise LexiconError(f"{path}: not a valid TOML lexicon ({error})") from None
    bad = [key for key, value in data.items() if not isinstance(value, str) or not value.strip()]
    if bad:
        raise LexiconError(f'{path}: entries must be word = "says" (check {", ".join(bad[:3])})')
    return Lexicon({key.strip(): value.strip() for key, value in data.items()})


def default_lexicon() -> Lexicon:
    return Lexicon(dict(tomllib.loads(DEFAULT_LEXICON.read_text(encoding="utf-8"))))


def load_lexicon(paths: Iterable[Path] = ()) -> Lexicon:
    """The default lexicon with each of PATHS laid over it, in order."""
    lexicon = default_lexicon()
    for path in paths:
        lexicon = read_lexicon(path).over(lexicon)
    return lexicon


def write_lexicon(path: Path, lexicon: Lexicon) -> None:
    from .files import atomic_files

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_files() as pending:
        pending.write_text(path, lexicon.to_toml())
        pending.commit()


def validate_entry(word: str, says: str, phonemes: Collection[str] = ()) -> None:
    """Refuse an entry that is not one word, says nothing, or uses phonemes (when PHONEMES,
    the voice's phoneme set, is given) that the voice does not have."""
    if not re.fullmatch(r"[A-Za-z][\w'’.-]*", word):
        raise LexiconError(f"not a single word: {word!r}")
    if not says.strip():
        raise LexiconError(f"{word}: says nothing")
    if says.count("[[") != says.count("]]"):
        raise LexiconError(f"{word}: unbalanced [[ ]] around phonemes: {says!r}")
    unknown = {char for block in _PHONEMES.findall(says) for char in block[2:-2]} - set(phonemes) - {" "}
    if phonemes and unknown:
        raise LexiconError(f"{word}: the voice has no phoneme {', '.join(sorted(unknown))}")
