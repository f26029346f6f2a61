"""Pages saved as plain text: rules of our own, since no extractor reads text dumps.

A text dump of a news page is the article with the page's furniture around it: menus,
"Advertisement" lines, audio promos, credit lines, a repeated headline, "Also worth
reading" lists. The rules below drop that furniture line by line and recover the
article's structure (title, byline, date, subheads) from the shape of the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..article import Article, Block
from ..written import MONTH, is_shouted
from .cleanup import byline_authors, is_furniture, is_related_label, key, pull_quotes
from .words import word_count

# Navigation lines of a page saved as text, besides the furniture `is_furniture` knows.
_NAVIGATION = re.compile(
    r"""^(?:
        skip\ to\ (?:main\ )?content | skip\ navigation | (?:main\ )?menu | search | home
      | (?:audio\ )?generated\ by\ ai
      | share\ on\ \w+ | copy\ link | facebook | twitter | x | whatsapp | linkedin | telegram | bookmark
      | follow(?:\ us)?(?:\ on\ .{1,30})? | register | trending | most\ (?:read|popular|viewed) | watch
      | video | listen
    )[.!]?$""",
    re.I | re.X,
)

# Lines after which nothing more belongs to the article.
_END_OF_ARTICLE = re.compile(
    r"""^(?:also\ worth\ reading | read\ (?:more|next|also) | related(?:\ (?:articles|stories|topics|news))?
      | more\ (?:from|on|stories).{0,40} | recommended(?:\ for\ you)? | you\ may\ also\ like
      | (?:top|latest)\ stories | keep\ reading | what\ to\ read\ next
    ):?$""",
    re.I | re.X,
)

_DATELINE = re.compile(
    rf"^(?:(?:published|updated|posted)(?:\s+on)?:?\s*)?[\w\s,:/.-]*"
    rf"(?:\b{MONTH}\s+\d{{1,2}}|\b\d{{1,2}}\s+{MONTH}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})[\w\s,:/.()+-]*$",
    re.I,
)
_TERMINAL = re.compile(r"""[.!?…:;"'”’)\]。！？：；」』）]$""")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_WRAP_WIDTH = 100
# The byline sits above the body: right under the headline, or under its standfirst.
_BYLINE_BEFORE = 2


@dataclass
class _Line:
    text: str
    words: int

    @classmethod
    def of(cls, text: str) -> _Line:
        return cls(text, word_count(text, _WORD.findall))

    @property
    def is_sentence(self) -> bool:
        return bool(_TERMINAL.search(self.text))

    @property
    def is_all_caps(self) -> bool:
        return is_shouted(self.text) and self.words >= 2


def extract_text(text: str, url: str | None = None) -> Article:
    """Recover the article from a page saved as text."""
    lines = [_Line.of(line) for line in _logical_lines(text)]
    lines = [line for line in lines if not (_NAVIGATION.match(line.text) or is_furniture(line.text))]
    title_index = _find_title(lines)
    title = lines[title_index].text if title_index is not None else ""
    body = lines[title_index + 1 :] if title_index is not None else lines

    authors: tuple[str, ...] = ()
    date: str | None = None
    blocks: list[Block] = []
    seen = {key(title)} if title else set()
    quotes = pull_quotes([line.text for line in body])
    for position, line in enumerate(body):
        if _END_OF_ARTICLE.match(line.text) and blocks:
            break
        if key(line.text) in seen or position in quotes or is_related_label(line.text):
            continue  # a repeat, a pull quote, or a link to another story ("Read more: …")
        seen.add(key(line.text))
        if len(blocks) < _BYLINE_BEFORE and not authors and (byline := byline_authors(line.text)):
            authors = byline
        elif date is None and line.words <= 10 and _DATELINE.match(line.text) and not line.is_sentence:
            date = line.text
        elif line.is_all_caps or _is_subhead(line, body[position + 1 : position + 2], bool(blocks)):
            blocks.append(Block("heading", line.text))
        elif line.is_sentence or line.words > 12:
            blocks.append(Block("paragraph", line.text))
        # Anything else is a short label line (a section name, a tag): never read.
    while blocks and blocks[-1].kind == "heading":
        blocks.pop()
    return Article(title=title, blocks=tuple(blocks), authors=authors, date=date, url=url)


def _logical_lines(text: str) -> list[str]:
    """Non-empty lines, with hard-wrapped paragraphs joined back together.

    In a text wrapped at a fixed width (no line longer than 100 characters), a line that
    reaches near the margin continues on the next line of its block. Elsewhere, an
    unfinished line continues when the next starts in lower case or fits within its width.
    """
    raw_lines = [" ".join(raw.split()) for raw in text.splitlines()]
    width = max(map(len, raw_lines), default=0)
    wrapped = width <= _WRAP_WIDTH
    # Each logical line as its parts, joined once: appending to a string copies it, which for
    # a long text wrapped without blank lines would copy megabytes for each of its lines.
    lines: list[list[str]] = []
    previous = ""
    for line in raw_lines:
        if line and previous and _continues(previous, line, wrapped, width):
            lines[-1].append(line)
        elif line:
            lines.append([line])
        previous = line
    return [" ".join(parts) for parts in lines]


def _continues(previous: str, line: str, wrapped: bool, width: int) -> bool:
    if wrapped:
        return len(previous) >= 0.6 * width and not _Line.of(previous).is_all_caps
    if _TERMINAL.search(previous) or len(previous) <= 40:
        return False
    # A lower-case start continues a sentence; a long line followed by one no longer than
    # itself is a paragraph wrapped at that line's width.
    return line[0].islower() or (len(previous) >= 60 and len(line) <= len(previous))


def _find_title(lines: list[_Line]) -> int | None:
    """The headline: the first headline-shaped line before the body starts.

    Short labels before it (a section name such as "World") are navigation. A line that the
    page repeats further down (as image alt text, say) is a headline for sure.
    """
    for index, line in enumerate(lines):
        if line.words < 3:
            continue
        own = key(line.text)
        repeated = any(key(other.text) == own for other in lines[index + 1 :])
        if repeated or (line.words <= 30 and not line.text.endswith((".", ",", ":"))):
            return index
        return None
    return None


def _is_subhead(line: _Line, following: list[_Line], in_body: bool) -> bool:
    """A short unpunctuated line between paragraphs, followed by a paragraph."""
    return (
        in_body
        and 2 <= line.words <= 12
        and not line.is_sentence
        and bool(following)
        and following[0].is_sentence
    )
