"""HTML pages: the article as independent witnesses agree on it, cleaned for listening.

trafilatura, in its precision mode, finds the article and its metadata, and in its default
mode a wider choice of blocks; readability-lxml picks the page's main column by a different
method, and its column is read as it is (read again through trafilatura, it lost whatever
trafilatura's own filters drop). The page's structure witnesses too: its <article>
elements, the column of its longest paragraph, and the JSON-LD `articleBody` it may carry.
Each extraction is cleaned of what a listener must not hear (`cleanup`); their agreement is
the article (`consensus`); tweets the article quotes go back in (`embeds`).
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any
from urllib.parse import urljoin

import htmldate
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from readability import Document as Readability
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.settings import set_date_params

from ..article import Article, Block
from ..language import language_tag
from .cleanup import byline_authors, clean, key
from .consensus import Witnesses, agree
from .embeds import insert_posts, take_posts
from .markup import drop_furniture
from .structure import Piece, html_pieces, pieces
from .words import SENTENCE_END, word_count

TABLE_NOTE = "A table is omitted from the audio."
WITNESSES = frozenset({"precision", "default", "readability", "structure"})
"""The witnesses `extract_html` asks by default: all of them (see `consensus`)."""

_OPTIONS: dict[str, Any] = {
    "include_formatting": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
}
# What readability drops from a page before reading it (`_copy_without_code`).
_CODE = ("script", "style", "noscript")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?=$|[-_])")
_HTML_TAG = re.compile(r"<html[\s>]", re.IGNORECASE)
# A field named for an article's body or content ("articleBody", "contentHtml", "body") that
# holds a long text, in a page's scripts: a page that JavaScript builds hands its article to its
# scripts in such data (a React Query, Next.js or Nuxt state), where no extractor looks.
_BODY_FIELD = re.compile(r'"\w*(?:body|content)\w*"\s*:\s*"((?:[^"\\]|\\.){500,})"', re.IGNORECASE)
# A long string in a script, which may hold such data in turn (`self.__next_f.push([1, "…"])`).
_LONG_STRING = re.compile(r'"((?:[^"\\]|\\.){500,})"')
_MARKUP = re.compile(r"<(?:p|br|div|h[1-6]|li)\b", re.IGNORECASE)
# A text from a script is an article when at least this share of its words is in blocks that
# end a sentence (not a style sheet, code or a list of labels).
_PROSE_SHARE = 0.5
# trafilatura and readability log every page they find hard to read.
for _name in ("trafilatura", "readability", "readability.readability"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


def extract_html(html: str, url: str | None = None, witnesses: Collection[str] = WITNESSES) -> Article:
    """The article in an HTML page: text blocks for listening, and the page's metadata.

    WITNESSES: which of `WITNESSES` to ask (fewer, to measure what each brings); trafilatura's
    precision mode reads the metadata whether or not it is a witness."""
    return read_page(html, url=url, witnesses=witnesses)[0]


def read_page(
    html: str, url: str | None = None, witnesses: Collection[str] = WITNESSES
) -> tuple[Article, Iterator[tuple[Block, ...]]]:
    """The article in an HTML page (`extract_html`), and the other witnesses' bodies
    (`other_bodies`), read from the same tree when asked for."""
    if unknown := set(witnesses) - WITNESSES:
        raise ValueError(f"unknown witnesses {sorted(unknown)}; choose from {sorted(WITNESSES)}")
    tree = _tree(html)
    if tree is None:
        return Article(title="", blocks=(), url=url), iter(())
    links = _link_texts(tree)
    posts = take_posts(tree)
    language = _language(tree)
    bodies = take_json_ld_bodies(tree)
    drop_furniture(tree)
    # readability changes the tree it reads; trafilatura prunes its own copy of it
    column = _readability(_copy_without_code(tree)) if "readability" in witnesses else []
    # A page without article text still has its metadata (a description to fall back on). The
    # date is looked for in its metadata, address and markup here, in its text later if need be.
    quick_date = set_date_params(extensive=False)
    document = _extraction(
        tree, url=url, with_metadata=True, favor_precision=True, date_extraction_params=quick_date, **_OPTIONS
    )
    document = document or trafilatura.extract_metadata(tree, default_url=url, extensive=False)
    title = (document.title or "").strip()
    primary = _pieces(document)
    authors = _authors(document.author) or _byline(primary)

    def cleaned(found: list[Piece]) -> list[Piece]:
        return clean(found, title, authors, links)

    found = agree(
        Witnesses(
            precision=cleaned(primary) if "precision" in witnesses else [],
            default=cleaned(_pieces(_extraction(tree, **_OPTIONS))) if "default" in witnesses else [],
            readability=cleaned(column),
            structure=(lambda: _declared(tree, bodies, cleaned)) if "structure" in witnesses else tuple,
            column=(lambda: _column(tree, cleaned)) if "structure" in witnesses else tuple,
        )
    )
    page_url = document.url or url
    article = Article(
        title=title,
        blocks=_blocks(insert_posts(found, posts)),
        authors=authors,
        date=document.date or _date_in_text(tree, page_url),
        site_name=document.sitename,
        url=page_url,
        language=language,
        description=document.description,
        image=urljoin(page_url or "", document.image) if document.image else None,
    )
    return article, other_bodies(tree, links, bodies, article)


def _date_in_text(tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    """The page's date from its text, for a page whose metadata, address and markup name none.

    trafilatura asks htmldate for this extensive search on every page, but it hands each time
    stamp in the text to dateparser, at tens of milliseconds each: a page with hundreds of
    comments took a second. Asked only where the quick search found nothing, it takes the
    same date on all but 11 of the 1,885 benchmark pages (docs/performance.md)."""
    return htmldate.find_date(tree, **{**set_date_params(extensive=True), "url": url})


def _tree(html: str) -> lxml_html.HtmlElement | None:
    """The page's tree; None if it is not HTML at all."""
    try:
        tree = trafilatura.load_html(html)
        # Markup before the <html> tag (a saved page that opens with a stray <script>) can make
        # the parser put the whole page in its <head>: the page from its <html> tag on is the page.
        start = _HTML_TAG.search(html)
        if (tree is None or tree.find("body") is None) and start is not None and start.start() > 0:
            tree = trafilatura.load_html(html[start.start() :])
    except (etree.ParserError, ValueError):  # not HTML at all
        return None
    return tree


def _readability(tree: lxml_html.HtmlElement) -> list[Piece]:
    """readability's choice of the page's main column."""
    try:
        column = Readability(tree).summary(html_partial=True)
        return html_pieces(lxml_html.fragment_fromstring(column, create_parent="div"))
    except Exception:  # readability raises its own errors, and lxml's, on pages it cannot read
        return []


def _copy_without_code(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A copy of TREE without its scripts and style sheets, which readability drops before it
    reads a page (their tails stay, as they do there). Dropped first, a large style sheet costs
    nothing: readability rewrites each of its url()s before dropping it, copying the whole sheet
    every time (a page with 1.5 MB of CSS took 300 ms)."""
    copied = copy.deepcopy(tree)
    etree.strip_elements(copied, *_CODE, with_tail=False)
    return copied


def _declared(
    tree: lxml_html.HtmlElement, bodies: list[str], cleaned: Callable[[list[Piece]], list[Piece]]
) -> list[str]:
    """The texts the page declares its article's: its <article> elements (cleaned) and its
    JSON-LD `articleBody` texts, BODIES."""
    found = [piece.text for article in tree.iter("article") for piece in cleaned(html_pieces(article))]
    return found + bodies


def _column(tree: lxml_html.HtmlElement, cleaned: Callable[[list[Piece]], list[Piece]]) -> list[str]:
    """The texts of the column of the page's longest paragraph (cleaned)."""
    return [
        piece.text for column in _longest_paragraph_column(tree) for piece in cleaned(html_pieces(column))
    ]


def _longest_paragraph_column(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The element that holds the page's longest <p> (with that paragraph's siblings), if any."""
    longest = max(tree.iter("p"), key=lambda paragraph: len(paragraph.text_content()), default=None)
    column = longest.getparent() if longest is not None else None
    return [column] if column is not None else []


def take_json_ld_bodies(tree: lxml_html.HtmlElement) -> list[str]:
    """The `articleBody` texts of the page's JSON-LD, at any depth (in an `@graph`, a list),
    taken out of it.

    trafilatura reads the page's metadata from the rest, and never the article's text: a live
    blog's 840 KB of updates took it a second (it unescapes the text's quotes before parsing it,
    then, failing, takes the authors out of the text one regular-expression match at a time,
    rewriting it each time)."""
    bodies: list[str] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content())
        except ValueError:  # a site's broken JSON-LD is not the reader's problem
            continue
        found = list(_take_article_bodies(data))
        if found:
            script.text = json.dumps(data, ensure_ascii=False)
            bodies += found
    return bodies


def _take_article_bodies(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        body = data.pop("articleBody", None)
        if isinstance(body, str) and body.strip():
            yield body
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            yield from _take_article_bodies(item)


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
    """The page's language, with its region where it gives one ("en-GB", "pt-BR", "fr"), from
    <html lang> or <meta>."""
    declared = [
        tree.get("lang"),
        tree.get("xml:lang"),  # the HTML parser keeps XHTML's attribute under its written name
        *tree.xpath(
            "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content"
        ),
        *tree.xpath("//meta[@property='og:locale']/@content"),
    ]
    for value in declared:
        if _LANGUAGE.match((value or "").strip()):
            return language_tag(value)
    return None


def other_bodies(
    tree: lxml_html.HtmlElement, links: frozenset[str], bodies: list[str], article: Article
) -> Iterator[tuple[Block, ...]]:
    """The article's body as the witnesses that do not vote on blocks give it, for a page whose
    agreed article is too short to be one: the JSON-LD `articleBody` BODIES (a page built by
    JavaScript often carries its article there), then the column of its longest paragraph in
    TREE, cleaned for listening (LINKS: the words of its links), where it holds the agreed
    article, then the prose of the page's script data (`script_bodies`), cleaned."""
    for body in bodies:
        yield tuple(Block("paragraph", line) for line in body.splitlines() if line.strip())
    agreed = [key(block.text) for block in article.blocks]
    for column in _longest_paragraph_column(tree):
        blocks = _blocks(clean(html_pieces(column), article.title, article.authors, links))
        # The column must hold what the extractors agreed on: more of the same article, not a
        # longer sidebar or comment thread beside a short post.
        said = " ".join(key(block.text) for block in blocks)
        if all(own in said for own in agreed):
            yield blocks
    for text in script_bodies(tree):
        blocks = _blocks(clean(_text_pieces(text), article.title, article.authors, links))
        if _reads_as_prose(blocks):
            yield blocks


def script_bodies(tree: lxml_html.HtmlElement) -> list[str]:
    """The texts of the fields of the page's script data named for an article's body
    (`_BODY_FIELD`), longest first. Data in a long string of a script is read too, once."""
    found = [
        text
        for script in tree.iter("script")
        if script.get("type") != "application/ld+json"  # read as JSON-LD
        for text in _body_fields(script.text or "", nested=True)
    ]
    return sorted(found, key=len, reverse=True)


def _body_fields(code: str, nested: bool) -> list[str]:
    found = [text for match in _BODY_FIELD.finditer(code) if (text := _unquoted(match.group(1)))]
    if nested and not found:
        for match in _LONG_STRING.finditer(code):
            if '\\"' in match.group(1) and (text := _unquoted(match.group(1))):
                found += _body_fields(text, nested=False)
    return found


def _unquoted(literal: str) -> str | None:
    """A JSON string literal's text."""
    try:
        text = json.loads(f'"{literal}"')
    except ValueError:
        return None
    return text if isinstance(text, str) else None


def _text_pieces(text: str) -> list[Piece]:
    """The pieces of a text from a page's data: its HTML's blocks, or its lines."""
    if _MARKUP.search(text):
        try:
            return html_pieces(lxml_html.fragment_fromstring(text, create_parent="div"))
        except (etree.ParserError, ValueError):
            return []
    return [Piece("paragraph", " ".join(line.split())) for line in text.splitlines() if line.strip()]


def _reads_as_prose(blocks: tuple[Block, ...]) -> bool:
    words = sum(word_count(block.text) for block in blocks)
    in_sentences = sum(word_count(block.text) for block in blocks if SENTENCE_END.search(block.text))
    return words > 0 and in_sentences >= _PROSE_SHARE * words
