"""Two extractors' agreement on what the article is.

trafilatura (the primary) and readability (the secondary) choose the article's blocks by
different means, and their mistakes differ: trafilatura now and then stops halfway down a
long article or keeps the site's boilerplate at its end; readability keeps standfirsts,
captions and teasers at the top. What both keep is the article. What one alone keeps
between two agreed blocks is a paragraph the other missed; outside them, at the top or
the bottom of the page, it is kept only where that extractor is usually right.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from enum import Enum

from .cleanup import key, runs_of
from .structure import Piece

# A block agrees with the other extractor's text when this share of its four-word runs is
# also there (the two may split or punctuate a paragraph differently).
_SHARED = 0.5
# A paragraph of at least this many words that ends a sentence: the article's own prose.
_PROSE_WORDS = 20
_SENTENCE_END = re.compile(r"""[.!?…]["'”’)]?$""")


class _Source(Enum):
    BOTH = "both"
    PRIMARY = "primary"
    SECONDARY = "secondary"


def agree(primary: Sequence[Piece], secondary: Sequence[Piece]) -> list[Piece]:
    """The article's pieces in reading order, from two extractions of one page."""
    merged = _merge(primary, secondary)
    agreed = [index for index, (_, source) in enumerate(merged) if source is _Source.BOTH]
    if not agreed:
        return list(primary or secondary)
    first, last = agreed[0], agreed[-1]
    return [
        piece
        for index, (piece, source) in enumerate(merged)
        if first <= index <= last or _keep_outside(piece, source, before=index < first)
    ]


def _keep_outside(piece: Piece, source: _Source, before: bool) -> bool:
    """Above the agreed blocks, trafilatura's lead paragraphs are the article and readability's
    extras are standfirsts and captions. Below them, trafilatura's long paragraphs are the
    site's boilerplate ("About us", a letters policy) and its short lines the article's own
    (a correction, a sign-off), while readability's long paragraphs are the rest of an
    article that trafilatura cut short."""
    prose = (
        piece.kind == "paragraph" and piece.words >= _PROSE_WORDS and bool(_SENTENCE_END.search(piece.text))
    )
    if source is _Source.PRIMARY:
        return before or not prose
    return not before and prose


def _merge(primary: Sequence[Piece], secondary: Sequence[Piece]) -> list[tuple[Piece, _Source]]:
    """Both sequences in one reading order, each piece marked with who has it."""
    primary_keys = [key(piece.text) for piece in primary]
    secondary_keys = [key(piece.text) for piece in secondary]
    primary_text = _Text(" ".join(primary_keys))
    secondary_text = _Text(" ".join(secondary_keys))
    merged: list[tuple[Piece, _Source]] = []
    matcher = difflib.SequenceMatcher(None, primary_keys, secondary_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            merged += [(piece, _Source.BOTH) for piece in primary[i1:i2]]
            continue
        for piece, own in zip(primary[i1:i2], primary_keys[i1:i2], strict=True):
            merged.append((piece, _Source.BOTH if secondary_text.shares(own) else _Source.PRIMARY))
        for piece, own in zip(secondary[j1:j2], secondary_keys[j1:j2], strict=True):
            if not primary_text.shares(own):  # else the primary's version of it is already in
                merged.append((piece, _Source.SECONDARY))
    return merged


class _Text:
    """One extraction's words, to ask whether a block of the other is in it."""

    def __init__(self, words: str) -> None:
        tokens = words.split()
        self._runs = _runs(tokens, 4)
        # A block of fewer than four words is in it when those words are, in a row (looked up,
        # not searched for: a page of many short blocks would search the whole text for each).
        self._short = _runs(tokens, 1) | _runs(tokens, 2) | _runs(tokens, 3)
        self._empty = "  " in f" {words} "  # an empty block's key between two others

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
