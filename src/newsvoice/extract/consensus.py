"""Independent witnesses' agreement on what the article is.

Two extractors choose the article's blocks by different means, and their mistakes differ:
trafilatura now and then stops halfway down a long article or keeps the site's boilerplate
at its end; readability keeps standfirsts, captions and teasers at the top. trafilatura is
asked twice, in its precision mode and in its default one: the two are one extractor, so
they count as one witness, but what the default mode adds is a candidate block. The page's
own structure picks no blocks, but vouches for those it holds: what it declares its article
(its <article> elements, the JSON-LD `articleBody`), and, more loosely, the column of its
longest paragraph.

What both extractors keep is the article, and the last of those blocks marks its end. Measured
on the benchmark pages (docs/extraction.md), a block only one extractor keeps is boilerplate
far more often than not, wherever it sits, except for two kinds, kept:
- a block both trafilatura modes keep, inside the article or above it (a lead readability
  missed); below it, a short line (a correction, a sign-off), or prose the page declares its
  article's (trafilatura's other prose down there is the site's "About us" or a letters
  policy, often in the same column as the article);
- readability's prose below the article where the page's structure vouches for it: the rest of
  a long article that trafilatura cut short.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .cleanup import key, runs_of
from .structure import Piece
from .words import SENTENCE_END

# A block agrees with another witness's text when this share of its four-word runs is
# also there (the two may split or punctuate a paragraph differently).
_SHARED = 0.5
# A paragraph of at least this many words that ends a sentence: the article's own prose.
_PROSE_WORDS = 20


@dataclass(frozen=True)
class Witnesses:
    """What each witness found on one page: blocks from trafilatura in its PRECISION and
    DEFAULT modes and from READABILITY; the texts the page's STRUCTURE declares its article's,
    and those of the COLUMN of its longest paragraph (the two read only when a block below
    the article needs their word: most pages have none). An empty one has found nothing or
    was not asked."""

    precision: Sequence[Piece] = ()
    default: Sequence[Piece] = ()
    readability: Sequence[Piece] = ()
    structure: Callable[[], Sequence[str]] = tuple
    column: Callable[[], Sequence[str]] = tuple


@dataclass(frozen=True)
class _Votes:
    precision: bool
    default: bool
    readability: bool

    @property
    def agreed(self) -> bool:
        """Both extractors keep it."""
        return self.readability and (self.precision or self.default)

    @property
    def both_modes(self) -> bool:
        return self.precision and self.default


def agree(witnesses: Witnesses) -> list[Piece]:
    """The article's pieces in reading order."""
    candidates = _union(_union(witnesses.precision, witnesses.default), witnesses.readability)
    precision, default, readability = (
        _Text(" ".join(key(piece.text) for piece in found))
        for found in (witnesses.precision, witnesses.default, witnesses.readability)
    )
    votes = [
        _Votes(precision.shares(own), default.shares(own), readability.shares(own))
        for own in (key(piece.text) for piece in candidates)
    ]
    declared, column = (
        functools.cache(lambda texts=texts: _Text(" ".join(key(text) for text in texts())))
        for texts in (witnesses.structure, witnesses.column)
    )

    def vouched(piece: Piece, loosely: bool) -> bool:
        own = key(piece.text)
        return declared().shares(own) or (loosely and column().shares(own))

    agreed = [index for index, vote in enumerate(votes) if vote.agreed]
    if not agreed:  # the extractors found different things, or one found nothing: trafilatura is
        # the more precise of the two (readability alone takes a menu for a column), and what its
        # default mode adds is the article's where the page's structure vouches for it (its
        # precision mode now and then stops after the lead)
        return [
            piece
            for piece, vote in zip(candidates, votes, strict=True)
            if vote.precision or (vote.default and (not witnesses.precision or vouched(piece, True)))
        ]
    last = agreed[-1]
    return [
        piece
        for index, (piece, vote) in enumerate(zip(candidates, votes, strict=True))
        if _keep(piece, vote, below=index > last, vouched=vouched)
    ]


def _keep(piece: Piece, vote: _Votes, below: bool, vouched: Callable[[Piece, bool], bool]) -> bool:
    if vote.agreed:
        return True
    prose = (
        piece.kind == "paragraph" and piece.words >= _PROSE_WORDS and bool(SENTENCE_END.search(piece.text))
    )
    if vote.both_modes:
        return not below or not prose or vouched(piece, False)
    return vote.readability and below and prose and vouched(piece, True)


def _union(first: Sequence[Piece], second: Sequence[Piece]) -> list[Piece]:
    """FIRST's pieces, with those of SECOND that are not in it where SECOND has them."""
    first_keys = [key(piece.text) for piece in first]
    second_keys = [key(piece.text) for piece in second]
    first_text = _Text(" ".join(first_keys))
    merged: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, first_keys, second_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        merged += first[i1:i2]
        if tag != "equal":
            merged += [
                piece
                for piece, own in zip(second[j1:j2], second_keys[j1:j2], strict=True)
                if not first_text.shares(own)
            ]
    return merged


class _Text:
    """One witness's words, to ask whether a block of another is in it."""

    def __init__(self, words: str) -> None:
        self._tokens = words.split()
        self._runs = _runs(self._tokens, 4)
        self._empty = "  " in f" {words} "  # an empty block's key between two others

    @functools.cached_property
    def _short(self) -> set[tuple[str, ...]]:
        """Its runs of fewer than four words: a block that short is in it when its words are, in
        a row (looked up, not searched for: a page of many short blocks would search the whole
        text for each). Made when first needed: a witness asked only about longer blocks never is."""
        return _runs(self._tokens, 1) | _runs(self._tokens, 2) | _runs(self._tokens, 3)

    def shares(self, words: str) -> bool:
        tokens = words.split()
        if not tokens:
            return self._empty
        if len(tokens) < 4:
            return tuple(tokens) in self._short
        runs = _runs(tokens, 4)
        return sum(run in self._runs for run in runs) >= _SHARED * len(runs)


def _runs(tokens: list[str], size: int) -> set[tuple[str, ...]]:
    """The runs of SIZE words of a text; of four, the benchmark's shingles, a robust notion of
    "same text"."""
    return set(runs_of(tokens, size))
