"""The `Article`: what extraction hands to the script writer.

Every text of an `Article` and of its `Block`s is cleaned as the object is made
(`clean_text`: no control characters, surrogates or noncharacters, NFC): whichever way an
article comes in (a page extracted, a text posted, a feed item, a webhook, the store, a
caller of the library), nothing written from it (feeds, transcripts) can hold a character
XML or WebVTT cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .characters import clean_text
from .errors import TooLongError

BlockKind = Literal["paragraph", "heading"]

ARTICLE_ID = r"^[A-Za-z0-9_-]{1,32}$"
"""The form of an article's id in the service (and a job's): a URL-safe token, so that an id
a client sends can name no other file."""


@dataclass(frozen=True)
class Block:
    """One piece of the article body, in reading order."""

    kind: BlockKind
    text: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean_text(self.text))


@dataclass(frozen=True)
class Article:
    """An article's text and metadata, free of page furniture."""

    title: str
    blocks: tuple[Block, ...]
    authors: tuple[str, ...] = ()
    date: str | None = None
    site_name: str | None = None
    url: str | None = None
    language: str | None = None
    description: str | None = None
    image: str | None = None
    """The lead image's URL."""
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        for name in ("title", "date", "site_name", "url", "language", "description", "image"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, clean_text(value))
        for name in ("authors", "warnings"):
            object.__setattr__(self, name, tuple(clean_text(value) for value in getattr(self, name)))

    @property
    def byline(self) -> str | None:
        """Authors joined for reading aloud: "A", "A and B", "A, B and C"."""
        if not self.authors:
            return None
        if len(self.authors) == 1:
            return self.authors[0]
        return ", ".join(self.authors[:-1]) + " and " + self.authors[-1]

    @property
    def headings(self) -> list[str]:
        return [block.text for block in self.blocks if block.kind == "heading"]

    @property
    def paragraphs(self) -> list[str]:
        return [block.text for block in self.blocks if block.kind == "paragraph"]

    @property
    def words(self) -> int:
        """Words read aloud from the text: the title's, the headings' and the paragraphs'."""
        return len(self.title.split()) + sum(len(block.text.split()) for block in self.blocks)


def check_length(article: Article, max_words: int) -> None:
    """Raise `TooLongError` for an article of more than MAX_WORDS words (`max_words`): one
    narration of it would hold a worker for hours. Every way in checks it before the article
    is stored or narrated, and `narrate` checks it again."""
    words = article.words
    if words > max_words:
        raise TooLongError(
            f"the article has {words:,} words, more than the limit of {max_words:,} (max_words)"
        )
