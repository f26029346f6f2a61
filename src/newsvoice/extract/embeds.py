"""Embedded posts (tweets) that an article quotes: part of the story, though extractors drop them.

Both extractors discard embeds wholesale, since most embeds are players and widgets. A
tweet embedded with Twitter's standard markup (<blockquote class="twitter-tweet">) is a
quotation the article makes, often the news itself ("The club said: …"). Its text goes
back in after the paragraph that precedes it on the page, without the links a listener
cannot follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import html as lxml_html

from .cleanup import WordRuns, key
from .structure import Piece

_EMBEDS = "//blockquote[contains(concat(' ', normalize-space(@class), ' '), ' twitter-tweet ')]"
_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li"})
# A paragraph this long is found inside a bigger piece by its words alone.
_ANCHOR_WORDS = 5
_LINK = re.compile(r"\s*(?:https?://|pic\.twitter\.com/)\S+")


@dataclass(frozen=True)
class Post:
    """An embedded post and the place it takes in the article."""

    after: str
    """The `key` of the page's paragraph before the post."""
    lines: tuple[str, ...]
    """The post's paragraphs, then its attribution ("— Name (@handle) date")."""


def take_posts(tree: lxml_html.HtmlElement) -> list[Post]:
    """The page's embedded tweets, each with the paragraph it follows, taken out of TREE (so
    that an extractor that keeps one does not keep its links too)."""
    embeds = set(tree.xpath(_EMBEDS))
    if not embeds:  # most pages: no need to read every paragraph for a post's place
        return []
    posts: list[Post] = []
    before = ""
    for element in tree.iter():
        if element in embeds:
            paragraphs = [_spoken(p.text_content()) for p in element.iter("p")]
            attribution = _spoken("".join(element.xpath("text()|a/text()")))
            lines = tuple(line for line in [*paragraphs, attribution] if line)
            if before and lines:
                posts.append(Post(before, lines))
        elif element.tag in _BLOCKS and not any(ancestor in embeds for ancestor in element.iterancestors()):
            before = key(element.text_content()) or before
    for embed in embeds:
        embed.drop_tree()
    return posts


def insert_posts(pieces: list[Piece], posts: list[Post]) -> list[Piece]:
    """PIECES with each post after the paragraph it follows on the page, unless the post is
    already there (its first line's words are said in a row in a piece, or by a later post)
    or its place is not (the paragraph was not part of the article)."""
    if not posts:
        return list(pieces)
    keys = [key(piece.text) for piece in pieces]
    runs = WordRuns([own.split() for own in keys])
    first: dict[str, int] = {}
    for index, own in enumerate(keys):
        first.setdefault(own, index)
    said: set[str] = set()
    following: dict[int, list[Post]] = {}
    for post in reversed(posts):  # a post embedded twice is put in at its later place
        line = key(post.lines[0])
        if not line or line in said or runs.says(line.split()):
            continue
        place = _place(post.after, first, runs)
        if place is not None:
            following.setdefault(place, []).append(post)  # last first
            said.update(map(key, post.lines))
    found: list[Piece] = []
    for index, piece in enumerate(pieces):
        found.append(piece)
        for post in reversed(following.get(index, [])):
            found += [Piece("paragraph", line) for line in post.lines]
    return found


def _place(after: str, first: dict[str, int], runs: WordRuns) -> int | None:
    """The index of the piece that is the paragraph a post follows, or holds it (merged with
    its neighbours) when it is long enough to be found by its words alone."""
    words = after.split()
    if len(words) >= _ANCHOR_WORDS:
        return min(runs.holding(words), default=first.get(after))
    return first.get(after)


def _spoken(text: str) -> str:
    return " ".join(_LINK.sub("", text).split())
