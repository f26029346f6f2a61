"""Extraction: from a `Document` to an `Article`, dropping everything a listener must not hear."""

from __future__ import annotations

from ..article import Article
from ..errors import NoArticleError
from ..sources import Document
from .text import extract_text

__all__ = ["extract", "extract_text"]


def extract(document: Document) -> Article:
    """Extract the article from an HTML page or a page saved as plain text."""
    if document.kind == "html":
        from .html import extract_html  # trafilatura and lxml are only loaded for HTML

        article = extract_html(document.content, url=document.url)
    else:
        article = extract_text(document.content, url=document.url)
    if not article.paragraphs:
        raise NoArticleError(f"{document.name}: no article found")
    return article
