"""HTML pages: the article as trafilatura and readability agree on it, cleaned for listening.

trafilatura, in its precision mode, finds the article and its metadata; readability-lxml
picks the page's main column by a different method, and trafilatura then reads that column
too, so that both extractions come in the same structure. Each is cleaned of what a
listener must not hear (`cleanup`); their agreement is the article (`consensus`); tweets the
article quotes go back in (`embeds`).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import urljoin

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from readability import Document as Readability
from trafilatura.settings import Document as TrafilaturaDocument

from ..article import Article, Block
from .cleanup import byline_authors, clean, key
from .consensus import agree
from .embeds import insert_posts, take_posts
from .markup import drop_furniture
from .structure import Piece, pieces

TABLE_NOTE = "A table is omitted from the audio."

_OPTIONS: dict[str, Any] = {
    "include_formatting": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
}
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?=$|[-_])")
# trafilatura and readability log every page they find hard to read.
for _name in ("trafilatura", "readability", "readability.readability"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


def extract_html(html: str, url: str | None = None) -> Article:
    """The article in an HTML page: text blocks for listening, and the page's metadata."""
    try:
        tree = trafilatura.load_html(html)
    except (etree.ParserError, ValueError):  # not HTML at all
        tree = None
    if tree is None:
        return Article(title="", blocks=(), url=url)
    links = _link_texts(tree)
    posts = take_posts(tree)
    language = _language(tree)
    drop_furniture(tree)
    column = _readability(copy.deepcopy(tree))  # readability changes the tree it reads
    options = {"with_metadata": True, "favor_precision": True, **_OPTIONS}
    document = _extraction(tree, url=url, **options) or TrafilaturaDocument()
    title = (document.title or "").strip()
    primary = _pieces(document)
    authors = _authors(document.author) or _byline(primary)
    found = agree(clean(primary, title, authors, links), clean(column, title, authors, links))
    page_url = document.url or url
    return Article(
        title=title,
        blocks=_blocks(insert_posts(found, posts)),
        authors=authors,
        date=document.date,
        site_name=document.sitename,
        url=page_url,
        language=language,
        description=document.description,
        image=urljoin(page_url or "", document.image) if document.image else None,
    )


def _readability(tree: lxml_html.HtmlElement) -> list[Piece]:
    """readability's choice of the page's main column, read by trafilatura."""
    try:
        column = Readability(tree).summary(html_partial=True)
    except Exception:  # readability raises its own errors, and lxml's, on pages it cannot read
        return []
    return _pieces(_extraction(f"<html><body>{column}</body></html>", **_OPTIONS))


def _extraction(source: Any, **options: Any) -> TrafilaturaDocument | None:
    """trafilatura's extraction, as its Document (it is typed to return a dict too, as_dict)."""
    found = trafilatura.bare_extraction(source, as_dict=False, **options)
    assert not isinstance(found, dict), "asked for a Document"
    return found


def _pieces(document: TrafilaturaDocument | None) -> list[Piece]:
    return pieces(document.body) if document is not None and document.body is not None else []


def _blocks(found: list[Piece]) -> tuple[Block, ...]:
    """Subheads and paragraphs; a data table is said to be left out, once for tables in a row."""
    blocks: list[Block] = []
    for piece in found:
        if piece.kind != "table":
            blocks.append(Block("heading" if piece.kind == "heading" else "paragraph", piece.text))
        elif not blocks or blocks[-1].text != TABLE_NOTE:
            blocks.append(Block("paragraph", TABLE_NOTE))
    return tuple(blocks)


def _authors(author: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (author or "").split(";") if name.strip())


def _byline(found: list[Piece]) -> tuple[str, ...]:
    """The authors from a "By …" line near the top, when the page's metadata names none."""
    return next((names for piece in found[:5] if (names := byline_authors(piece.text))), ())


def _link_texts(tree: lxml_html.HtmlElement) -> frozenset[str]:
    """The words of the page's links to other pages (a table of contents links to its own
    headings, which are the article's)."""
    return frozenset(
        key(anchor.text_content()) for anchor in tree.iter("a") if not anchor.get("href", "").startswith("#")
    )


def _language(tree: lxml_html.HtmlElement) -> str | None:
    """The page's language as a primary subtag ("en" for "en-GB"), from <html lang> or <meta>."""
    declared = [
        tree.get("lang"),
        tree.get("xml:lang"),  # the HTML parser keeps XHTML's attribute under its written name
        *tree.xpath(
            "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content"
        ),
        *tree.xpath("//meta[@property='og:locale']/@content"),
    ]
    for value in declared:
        match = _LANGUAGE.match((value or "").strip())
        if match:
            return match.group(0).lower()
    return None
