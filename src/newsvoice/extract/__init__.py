"""Extraction: from a `Document` to an `Article`, dropping everything a listener must not hear."""

from __future__ import annotations

from dataclasses import replace

from ..article import Article, Block
from ..characters import clean_text
from ..errors import NoArticleError
from ..language import with_language
from ..sources import Document
from .text import extract_text
from .words import word_count

__all__ = ["MIN_WORDS", "extract", "extract_text", "read_html", "too_short"]

# An HTML page whose article has fewer words than this has none: what is left is a paywall's
# teaser and prompts, or the shell of a page that JavaScript fills in. (A text file is
# taken as the article it is, however short.) Chinese and Japanese characters are counted
# at two to a word (`word_count`): 100 of them make an article.
MIN_WORDS = 50
# The warnings of a page read although its article is too short (`read_html`).
SHORT = f"the article found is shorter than {MIN_WORDS} words: it may be only a teaser"
DESCRIBED = "no article text found; the page's own description is read instead"


def too_short(article: Article) -> bool:
    """Whether an article taken from an HTML page is too short to be one (`MIN_WORDS`)."""
    return sum(map(word_count, article.paragraphs)) < MIN_WORDS


def read_html(html: str, url: str | None = None) -> Article:
    """The article in an HTML page (`extract_html`); one that is `too_short` without a warning
    when the page has none.

    When the article the extractors agree on is too short to be one, the first of the other
    witnesses' bodies that is long enough (`other_bodies`) is the article. Failing that, a page
    with a description (og:description) is read rather than refused, with a warning: the
    description, or the short article where it says more."""
    from .html import read_page  # trafilatura and lxml are only loaded for HTML

    article, others = read_page(html, url=url)
    if not too_short(article):
        return article
    for blocks in others:
        if not too_short(found := replace(article, blocks=blocks)):
            return found
    if not article.description:
        return article
    if sum(word_count(block.text) for block in article.blocks) >= word_count(article.description):
        return replace(article, warnings=(*article.warnings, SHORT))
    described = (Block("paragraph", article.description),)
    return replace(article, blocks=described, warnings=(*article.warnings, DESCRIBED))


def extract(document: Document) -> Article:
    """Extract the article from an HTML page or a page saved as plain text, with its language:
    the one the page declares, or else the one its text is written in (`language`).

    The page is read as `clean_text` leaves it, as the article's text will be: the rules see
    the text that is kept (and an HTML parser gives up on a surrogate)."""
    document = replace(document, content=clean_text(document.content))
    if document.kind == "html":
        article = read_html(document.content, url=document.url)
        if too_short(article) and not article.warnings:
            raise NoArticleError(
                f"{document.name}: no article found (fewer than {MIN_WORDS} words of article text, "
                "and no description; the page may be paywalled or built by JavaScript)"
            )
    else:
        article = extract_text(document.content, url=document.url)
    if not article.paragraphs:
        raise NoArticleError(f"{document.name}: no article found")
    return with_language(article)
