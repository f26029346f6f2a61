"""Extraction: from a `Document` to an `Article`, dropping everything a listener must not hear."""

from __future__ import annotations

from dataclasses import replace

from ..article import Article
from ..characters import clean_text
from ..errors import NoArticleError
from ..language import with_language
from ..sources import Document
from .text import extract_text
from .words import word_count

__all__ = ["MIN_WORDS", "extract", "extract_text", "too_short"]

# An HTML page whose article has fewer words than this has none: what is left is a paywall's
# teaser and prompts, or the shell of a page that JavaScript fills in. (A text file is
# taken as the article it is, however short.) Chinese and Japanese characters are counted
# at two to a word (`word_count`): 100 of them make an article.
MIN_WORDS = 50


def too_short(article: Article) -> bool:
    """Whether an article taken from an HTML page is too short to be one (`MIN_WORDS`)."""
    return sum(map(word_count, article.paragraphs)) < MIN_WORDS


def extract(document: Document) -> Article:
    """Extract the article from an HTML page or a page saved as plain text, with its language:
    the one the page declares, or else the one its text is written in (`language`).

    The page is read as `clean_text` leaves it, as the article's text will be: the rules see
    the text that is kept (and an HTML parser gives up on a surrogate)."""
    document = replace(document, content=clean_text(document.content))
    if document.kind == "html":
        from .html import extract_html  # trafilatura and lxml are only loaded for HTML

        article = extract_html(document.content, url=document.url)
        if too_short(article):
            raise NoArticleError(
                f"{document.name}: no article found (fewer than {MIN_WORDS} words of article text; "
                "the page may be paywalled or built by JavaScript)"
            )
    else:
        article = extract_text(document.content, url=document.url)
    if not article.paragraphs:
        raise NoArticleError(f"{document.name}: no article found")
    return with_language(article)
