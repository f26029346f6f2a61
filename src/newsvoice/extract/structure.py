"""trafilatura's XML body, or a piece of the page's HTML, flattened into `Piece`s: the blocks
of the article in reading order.

trafilatura keeps the page's structure in its own XML (<head>, <p>, <list>/<item>, <quote>,
<table>/<row>/<cell>, <lb/>, with <hi> for emphasis); text may also sit directly in a
container or in the tail of a block. Each block becomes one piece, and each <lb/> ends
one: a line break in an article is a spoken pause, not a run-on sentence. HTML (readability's
column, the page's <article>) is read through the same rules, its tags named as trafilatura
names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lxml import etree

from .words import word_count

PieceKind = Literal["paragraph", "heading", "item", "table"]

# Elements that start and end a block of text; everything else (<hi>, <ref>, <del>) is inline.
_BREAKS = frozenset({"p", "head", "item", "list", "quote", "table", "row", "cell", "code", "div", "lb"})
# HTML's block tags in trafilatura's names; any other tag with block layout is a "div".
_HTML_TAGS = {
    **{f"h{level}": "head" for level in range(1, 7)},
    "li": "item",
    "dt": "item",
    "dd": "item",
    "ul": "list",
    "ol": "list",
    "dl": "list",
    "blockquote": "quote",
    "table": "table",
    "tr": "row",
    "td": "cell",
    "th": "cell",
    "pre": "code",
    "br": "lb",
    "p": "p",
}
_HTML_BLOCKS = frozenset(
    "address article aside details div figcaption figure footer header hr main nav section summary".split()
)
# Elements whose text is never the article's.
_HTML_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "button", "select", "textarea"})
# A table whose cells average this many words holds prose (a page laid out with a table);
# one with shorter cells holds data, which is not read aloud.
_PROSE_CELL_WORDS = 12


@dataclass(frozen=True)
class Piece:
    """A block of text and what kind of block it is."""

    kind: PieceKind
    text: str

    @property
    def words(self) -> int:
        return word_count(self.text)


def pieces(body: etree._Element) -> list[Piece]:
    """The pieces of a trafilatura body, in order; a data table is one piece of kind "table"."""
    flow = _Flow()
    flow.walk(body, "paragraph")
    flow.flush()
    return flow.pieces


def html_pieces(element: etree._Element) -> list[Piece]:
    """The pieces of an HTML element, read as `pieces` reads trafilatura's XML."""
    return pieces(_as_trafilatura(element))


def _as_trafilatura(element: etree._Element) -> etree._Element:
    """A copy of ELEMENT in trafilatura's vocabulary, less the elements that are never text."""
    tag = element.tag.lower() if isinstance(element.tag, str) else ""  # a comment has no name
    copy = etree.Element(_HTML_TAGS.get(tag, "div" if tag in _HTML_BLOCKS else "hi"))
    copy.text = element.text if tag and tag not in _HTML_SKIPPED else None
    copy.tail = element.tail
    for child in element:
        if tag not in _HTML_SKIPPED:
            copy.append(_as_trafilatura(child))
    return copy


class _Flow:
    """Collects runs of inline text between block boundaries."""

    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        self._run: list[tuple[str, PieceKind]] = []

    def walk(self, element: etree._Element, kind: PieceKind) -> None:
        tag = element.tag
        if tag in _BREAKS:
            self.flush()
        if tag == "table" and not _holds_prose(element):
            self.pieces.append(Piece("table", ""))
        else:
            inner: PieceKind = "heading" if tag == "head" else "item" if tag == "item" else kind
            self._add(element.text, inner)
            for child in element:
                self.walk(child, inner)
        if tag in _BREAKS:
            self.flush()
        self._add(element.tail, kind)

    def _add(self, text: str | None, kind: PieceKind) -> None:
        if text:
            self._run.append((text, kind))

    def flush(self) -> None:
        text = " ".join("".join(part for part, _ in self._run).split())
        if text:
            heading = all(kind == "heading" for part, kind in self._run if part.strip())
            item = any(kind == "item" for _, kind in self._run)
            self.pieces.append(Piece("heading" if heading else "item" if item else "paragraph", text))
        self._run = []


def _holds_prose(table: etree._Element) -> bool:
    cells = [word_count(" ".join(map(str, cell.itertext()))) for cell in table.iter("cell")]
    return bool(cells) and sum(cells) / len(cells) >= _PROSE_CELL_WORDS
