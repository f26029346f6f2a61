"""HTML pages: trafilatura finds the article; we keep its structure (subheads, paragraphs)."""

from __future__ import annotations

import re

import trafilatura
from lxml import etree

from ..article import Article, Block

TABLE_NOTE = "A table is omitted from the audio."
_LANG = re.compile(r"""<html[^>]*\slang=["']?([A-Za-z]{2,3})""", re.I)


def extract_html(html: str, url: str | None = None) -> Article:
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_formatting=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        favor_precision=True,
    )
    if document is None or document.body is None:
        return Article(title="", blocks=())
    title = (document.title or "").strip()
    blocks = tuple(block for block in _blocks(document.body) if not _repeats_title(block, title))
    authors = tuple(a.strip() for a in (document.author or "").split(";") if a.strip())
    language = _LANG.search(html[:5000])
    return Article(
        title=title,
        blocks=blocks,
        authors=authors,
        date=document.date,
        site_name=document.sitename,
        url=document.url or url,
        language=language.group(1).lower() if language else None,
        description=document.description,
    )


def _blocks(body: etree._Element):
    """Walk trafilatura's XML body in order: <head> is a subhead, <p>/<item>/<quote> are text."""
    for element in body:
        tag = element.tag
        if tag == "table":
            yield Block("paragraph", TABLE_NOTE)
            continue
        if tag == "list":
            items = element.findall("item")
            yield from (Block("paragraph", text) for text in map(_text, items) if text)
            continue
        text = _text(element)
        if not text:
            continue
        yield Block("heading" if tag == "head" else "paragraph", text)


def _repeats_title(block: Block, title: str) -> bool:
    """The page's <h1> comes through as a heading; the title is read once, in the intro."""
    return block.kind == "heading" and block.text.casefold() == title.casefold()


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())
