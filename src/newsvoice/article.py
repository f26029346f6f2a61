"""The `Article`: what extraction hands to the script writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["paragraph", "heading"]

ARTICLE_ID = r"^[A-Za-z0-9_-]{1,32}$"
"""The form of an article's id in the service (and a job's): a URL-safe token, so that an id
a client sends can name no other file."""


@dataclass(frozen=True)
class Block:
    """One piece of the article body, in reading order."""

    kind: BlockKind
    text: str


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
