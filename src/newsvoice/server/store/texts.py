"""How an article's text is kept: as JSON, with a digest that names it, and as words to search."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from ...article import Article, Block


def article_digest(article: Article) -> str:
    """What identifies an article's text: the same text, the same narration."""
    return hashlib.sha256(dump_article(article).encode("utf-8")).hexdigest()


def dump_article(article: Article) -> str:
    fields = dataclasses.asdict(article)
    del fields["warnings"]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def load_article(text: str) -> Article:
    """The stored Article; fields added to `Article` since it was stored take their defaults."""
    stored = json.loads(text)
    known = {field.name for field in dataclasses.fields(Article)}
    fields: dict[str, Any] = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in stored.items()
        if name in known
    }
    fields["blocks"] = tuple(Block(**block) for block in stored["blocks"])
    return Article(**fields)


def searched_text(article: Article) -> str:
    """The article's title and paragraphs as plain text, for search."""
    return "\n".join([article.title or "", *(block.text for block in article.blocks)])
