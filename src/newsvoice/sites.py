"""What a site says on many of its pages is the site's, not an article's.

A paragraph that comes back on page after page of one site (the author's standard bio, the
site's "about us" blurb, a disclaimer, a fund-raising appeal) is furniture that no phrase
list knows, because each site words its own. The feed watcher and backfill read many pages
of a site, so newsvoice can tell: `SiteMemory` keeps, for each site, the fingerprints of the
paragraphs of the last pages it read (a short hash of each, not the text: a few kilobytes a
site), and drops from a new page the paragraphs it has seen on several other pages.

Two guards keep the article's own text: a page is never compared with itself (the same URL
read again replaces its earlier fingerprints), and when most of a page's paragraphs have
been seen before, it is the same story published again (a wire story on two URLs, an
update), not boilerplate, and nothing is dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from .article import Article
from .extract.cleanup import key
from .extract.words import word_count
from .files import write_atomically

log = logging.getLogger(__name__)

# A paragraph said on at least this many of the site's other pages is the site's.
MIN_PAGES = 3
# The pages remembered for each site, the latest ones: enough to see what its template repeats.
MAX_PAGES = 100
# Shorter paragraphs are left to the cleanup rules (a short line may well recur in articles:
# "Here is what we know.").
_MIN_WORDS = 8
# When more than this share of a page's paragraphs were seen before, the page is a story seen
# before, not a page of boilerplate.
_MAX_REPEATED = 0.5
_FILE_NAME = re.compile(r"[^a-z0-9.-]")


class SiteMemory:
    """The paragraphs seen on each site's pages, kept in FOLDER (a JSON file a site)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def clean(self, article: Article, url: str | None = None) -> Article:
        """ARTICLE (read from URL, else from its own `url`) less the paragraphs its site said on
        `MIN_PAGES` other pages; its paragraphs are remembered for the pages to come."""
        address = url or article.url
        site = _site(address)
        if site is None or address is None:
            return article
        prints = [_fingerprint(block.text) for block in article.blocks]
        page = _hash(address)
        with self._lock:
            pages = self._load(site)
            counts = Counter(held for other, seen in pages.items() if other != page for held in seen)
            pages.pop(page, None)
            pages[page] = sorted({held for held in prints if held})
            self._save(site, dict(list(pages.items())[-MAX_PAGES:]))
        repeated = [bool(held) and counts[held] >= MIN_PAGES for held in prints]
        if not any(repeated) or sum(repeated) > _MAX_REPEATED * sum(map(bool, prints)):
            return article
        blocks = tuple(block for block, drop in zip(article.blocks, repeated, strict=True) if not drop)
        return replace(article, blocks=blocks)

    def _path(self, site: str) -> Path:
        return self.folder / f"{_FILE_NAME.sub('_', site)}.json"

    def _load(self, site: str) -> dict[str, list[str]]:
        try:
            found = json.loads(self._path(site).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:  # a damaged file costs the memory, not the article
            log.warning("the memory of %s could not be read (%s); starting it again", site, error)
            return {}
        return found if isinstance(found, dict) else {}

    def _save(self, site: str, pages: dict[str, list[str]]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self._path(site), json.dumps(pages, separators=(",", ":")).encode())
        except OSError as error:
            log.warning("the memory of %s could not be written: %s", site, error)


def _site(url: str | None) -> str | None:
    """The site of URL: its host, without "www."."""
    host = urlsplit(url or "").hostname
    return host.removeprefix("www.") if host else None


def _fingerprint(text: str) -> str:
    """A paragraph's fingerprint: a hash of its words; none for a short one (`_MIN_WORDS`)."""
    return _hash(key(text)) if word_count(text) >= _MIN_WORDS else ""


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()
