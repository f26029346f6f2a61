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
import functools
import json
import logging
import re
from collections.abc import Callable, Collection, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import htmldate
import htmldate.extractors
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

if TYPE_CHECKING:
    from dateparser import DateDataParser

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
        date=document.date or _date_in_text(tree, page_url, language),
        site_name=document.sitename,
        url=page_url,
        language=language,
        description=document.description,
        image=urljoin(page_url or "", document.image) if document.image else None,
    )
    return article, other_bodies(tree, links, bodies, article)


def _date_in_text(tree: lxml_html.HtmlElement, url: str | None, language: str | None) -> str | None:
    """The page's date from its text, for a page whose metadata, address and markup name none.

    trafilatura asks htmldate for this extensive search on every page, but it hands each time
    stamp in the text to dateparser, at tens of milliseconds each: a page with hundreds of
    comments took a second. Asked only where the quick search found nothing, it takes the
    same date on all but 11 of the 1,885 benchmark pages (docs/performance.md). dateparser
    reads the stamps in the page's LANGUAGE and English (`_date_parser`)."""
    own = (language or "en").split("-")[0].lower()
    reset = _DATE_LANGUAGES.set(tuple(dict.fromkeys((own, "en"))))
    try:
        return htmldate.find_date(tree, **{**set_date_params(extensive=True), "url": url})
    finally:
        _DATE_LANGUAGES.reset(reset)


# The languages dateparser reads a page's time stamps in (`_date_in_text`).
_DATE_LANGUAGES: ContextVar[tuple[str, ...]] = ContextVar("date_languages", default=("en",))


def _date_parser() -> _Stamps:
    """The parser htmldate's extensive search hands the time stamps it cannot read itself: for
    the page's languages (`_DATE_LANGUAGES`).

    htmldate's own is dateparser in all of its 200 locales: 20 to 35 ms a stamp that is no date
    (a comment's "on Monday July 23, @08:24PM", with no year, which its strict parsing never
    takes), and 1.4 s to load every locale at the first. In two languages it is a millisecond a
    stamp, and a tenth of a second to load a language. (htmldate keeps each stamp's date for the
    process: a stamp read for one page's languages has that date on every page.)"""
    return _date_parser_for(_DATE_LANGUAGES.get())


# A time of day ("08:24"), and a number, in a time stamp (`_Stamps`).
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_NUMBER = re.compile(r"\d+")


class _Stamps:
    """dateparser, asked only about a stamp that can hold a year: its strict parsing takes a
    date only with a day, a month and a year, and a stamp with one number besides its time of
    day and none of four digits has no year (a comment thread's hundreds of stamps are read
    for nothing)."""

    def __init__(self, parser: DateDataParser) -> None:
        self._parser = parser

    def get_date_data(self, stamp: str) -> Any:
        numbers = _NUMBER.findall(_TIME_OF_DAY.sub(" ", stamp))
        if len(numbers) < 2 and not any(len(number) == 4 for number in numbers):
            return {"date_obj": None}
        return self._parser.get_date_data(stamp)


@functools.cache
def _date_parser_for(languages: tuple[str, ...]) -> _Stamps:
    from dateparser import DateDataParser

    # htmldate's settings (htmldate.extractors.get_external_parser)
    settings = {
        "NORMALIZE": True,
        "PARSERS": ["custom-formats", "absolute-time"],
        "PREFER_DATES_FROM": "past",
        "PREFER_LOCALE_DATE_ORDER": True,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": True,
    }
    try:
        return _Stamps(DateDataParser(languages=list(languages), settings=settings))
    except ValueError:  # a language dateparser does not know
        return _Stamps(DateDataParser(languages=["en"], settings=settings))


# htmldate has no option for dateparser's languages: its factory of the parser, a private name it
# looks up at each stamp, is replaced (htmldate is pinned to a minor version, and
# tests/test_extract_html.py checks that the search still asks this one).
htmldate.extractors.get_external_parser = _date_parser  # type: ignore[assignment]  # (lru-cached there)


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
    TREE, cleaned for listening (LINKS: the words of its links), where it holds the agreed article."""
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
