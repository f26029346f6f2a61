"""Watching a publisher's RSS or Atom feed: which items are new, which changed, when to poll again.

`poll_feed` makes one conditional GET (the ETag and Last-Modified of the last answer sent back,
so an unchanged feed costs a 304) and compares the feed's items with the fingerprints kept in
the `FeedState`; it returns the next state and the items to narrate. Nothing else is done here:
storing the state, scheduling polls and narrating items are the caller's. A feed that fails
(network, HTTP error, not a feed) is polled again later and later: the interval doubles with
each failure in a row, up to `MAX_BACKOFF`, or longer if the server asks with Retry-After.

The first poll of a feed finds every item new; whether to narrate a whole backlog is the
caller's choice (`FeedState.fingerprints` is empty before it).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import httpx

from .errors import SourceError
from .sources import Document, fetch_error, http_client, read_limited

DEFAULT_INTERVAL = 15 * 60.0
"""Seconds between polls of a feed that answers."""
MAX_BACKOFF = 6 * 3600.0
"""The longest wait after failures, unless the interval itself is longer."""
MAX_RETRY_AFTER = 24 * 3600.0
"""A Retry-After beyond this is taken as this: a misconfigured server must not stop the watch."""
FORGET_AFTER = 30 * 86400.0
"""Seconds an item is remembered after it has left the feed (see `FeedState.vanished`)."""
FULL_CONTENT_WORDS = 150
"""An item whose feed content has fewer words than this is a teaser: its page is fetched."""

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class FeedState:
    """What is kept about a feed between polls; `to_dict` and `from_dict` carry it through JSON."""

    url: str
    interval: float = DEFAULT_INTERVAL
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)
    """Item GUID -> fingerprint of its content, for every item remembered."""
    vanished: dict[str, float] = field(default_factory=dict)
    """Item GUID -> when it was first missing from the feed. Feeds show a window of recent items,
    and a feed behind several caches can flip between an older and a newer copy; an item
    forgotten as soon as it left the feed would be narrated again when it came back. It is
    forgotten FORGET_AFTER seconds after it left, so the state does not grow without end."""
    failures: int = 0
    """Failed polls in a row."""
    last_error: str | None = None
    next_poll: float = 0.0
    """Unix time of the next poll that is due."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeedState:
        return cls(**data)


@dataclass(frozen=True)
class FeedItem:
    """One entry of the feed, as far as narration needs it."""

    guid: str
    """The entry's id, else its link."""
    link: str | None
    title: str
    published: datetime | None
    updated: datetime | None
    authors: tuple[str, ...]
    content: str
    """HTML: the entry's full content when the feed carries it, else its summary."""
    fingerprint: str


@dataclass(frozen=True)
class FeedPoll:
    """What one poll found, and the state to keep for the next."""

    state: FeedState
    new: tuple[FeedItem, ...] = ()
    changed: tuple[FeedItem, ...] = ()
    unchanged: tuple[FeedItem, ...] = ()
    not_modified: bool = False
    """The server answered 304: nothing changed since the last poll."""
    error: str | None = None


def poll_feed(
    state: FeedState, *, transport: httpx.BaseTransport | None = None, now: float | None = None
) -> FeedPoll:
    """Poll the feed once. Never raises for a feed that fails: the poll carries the error.

    TRANSPORT replaces httpx's own, as in `newsvoice.sources.fetch_url` (the service passes its
    address guard); NOW (Unix time) is when the poll happens, for the next poll's time.
    """
    now = time.time() if now is None else now
    try:
        response, data = _get(state, transport)
    except SourceError as error:
        return _failed(state, str(error), now)
    if response.status_code == 304:
        return FeedPoll(_answered(state, now, response), not_modified=True)
    if not response.is_success:
        reason = f"{state.url}: HTTP {response.status_code} {response.reason_phrase}".rstrip()
        return _failed(state, reason, now, _retry_after(response, now))
    # A file, never a URL or path feedparser would open itself. No base URL is given: feedparser
    # would resolve GUIDs with it, and a GUID must stay the same wherever the feed moves.
    parsed = feedparser.parse(
        io.BytesIO(data), response_headers={"content-type": response.headers.get("content-type", "")}
    )
    items = _items(parsed, str(response.url))
    if not items and (parsed.bozo or not parsed.get("version")):  # a feed slightly broken is still read
        return _failed(state, f"{state.url}: not an RSS or Atom feed", now)
    return _classified(_answered(state, now, response, title=parsed.feed.get("title")), items, now)


def item_document(item: FeedItem, fetch: Callable[[str], Document]) -> Document:
    """What to narrate for ITEM: the feed's own content when it is the full article, else the
    page at the item's link, got with FETCH (`newsvoice.sources.fetch_url`, or the service's
    guarded fetcher: a feed's links are as untrusted as any submitted URL)."""
    if item.link and len(_TAG.sub(" ", item.content).split()) < FULL_CONTENT_WORDS:
        return fetch(item.link)
    if not item.content.strip():
        raise SourceError(f"{item.guid}: feed item with neither content nor link")
    return Document(_page(item), "html", url=item.link, name=item.link or item.guid)


def _get(state: FeedState, transport: httpx.BaseTransport | None) -> tuple[httpx.Response, bytes]:
    """One conditional GET of the feed, and its body when it has one worth reading."""
    headers = {"Accept": FEED_ACCEPT}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        with http_client(transport) as client, client.stream("GET", state.url, headers=headers) as response:
            data = read_limited(response, state.url) if response.is_success else b""
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise fetch_error(state.url, error) from None
    return response, data


def _answered(state: FeedState, now: float, response: httpx.Response, **changes: Any) -> FeedState:
    """The state after a good answer: failures forgotten, validators renewed, next poll in an interval."""
    if response.status_code != 304:  # a 304 need not repeat the validators; a 200 without them has none
        changes |= {
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
        }
    return replace(state, failures=0, last_error=None, next_poll=now + state.interval, **changes)


def _failed(state: FeedState, error: str, now: float, retry_after: float = 0.0) -> FeedPoll:
    failures = state.failures + 1
    # 2**20 is beyond any cap already; a feed failing for years must not overflow the float.
    backoff = min(state.interval * 2 ** min(failures, 20), max(MAX_BACKOFF, state.interval))
    delay = max(backoff, min(retry_after, MAX_RETRY_AFTER))
    return FeedPoll(replace(state, failures=failures, last_error=error, next_poll=now + delay), error=error)


def _retry_after(response: httpx.Response, now: float) -> float:
    """Seconds the server asks to wait (429 Too Many Requests, 503 Unavailable), else 0."""
    value = response.headers.get("retry-after", "").strip()
    if response.status_code not in (429, 503) or not value:
        return 0.0
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() - now


def _classified(state: FeedState, items: list[FeedItem], now: float) -> FeedPoll:
    """Items sorted into new, changed and unchanged; the state remembering them all."""
    kinds: dict[str, list[FeedItem]] = {"new": [], "changed": [], "unchanged": []}
    for item in items:
        known = state.fingerprints.get(item.guid)
        kind = "new" if known is None else "unchanged" if known == item.fingerprint else "changed"
        kinds[kind].append(item)
    fingerprints = state.fingerprints | {item.guid: item.fingerprint for item in items}
    present = {item.guid for item in items}
    vanished = {guid: state.vanished.get(guid, now) for guid in fingerprints if guid not in present}
    forgotten = {guid for guid, since in vanished.items() if now - since > FORGET_AFTER}
    state = replace(
        state,
        fingerprints={guid: mark for guid, mark in fingerprints.items() if guid not in forgotten},
        vanished={guid: since for guid, since in vanished.items() if guid not in forgotten},
    )
    return FeedPoll(state, tuple(kinds["new"]), tuple(kinds["changed"]), tuple(kinds["unchanged"]))


def _items(parsed: feedparser.FeedParserDict, feed_url: str) -> list[FeedItem]:
    """The feed's entries that can be told apart (an id or a link), each GUID once, in feed order;
    links relative to FEED_URL made absolute."""
    items: dict[str, FeedItem] = {}
    for entry in parsed.entries:
        guid = entry.get("id") or entry.get("link")
        if guid and guid not in items:
            items[guid] = _item(guid, entry, feed_url)
    return list(items.values())


def _item(guid: str, entry: feedparser.FeedParserDict, feed_url: str) -> FeedItem:
    title = entry.get("title", "").strip()
    link = urljoin(feed_url, entry["link"]) if entry.get("link") else None
    content = _content(entry)
    published, updated = _time(entry, "published_parsed"), _time(entry, "updated_parsed")
    # The date counts: a feed carrying only a teaser shows an edit of the article by it.
    dated = updated or published
    fingerprint = hashlib.sha256(
        json.dumps([title, link, content, dated and dated.isoformat()]).encode("utf-8")
    ).hexdigest()
    return FeedItem(
        guid=guid,
        link=link,
        title=title,
        published=published,
        updated=updated,
        authors=tuple(author["name"] for author in entry.get("authors", []) if author.get("name")),
        content=content,
        fingerprint=fingerprint,
    )


def _content(entry: feedparser.FeedParserDict) -> str:
    """The entry's HTML: full content (content:encoded, Atom content) if any, else its summary."""
    detail = next(iter(entry.get("content", [])), None) or entry.get("summary_detail")
    if not detail:
        return ""
    if detail.get("type") == "text/plain":
        return "".join(f"<p>{html.escape(part.strip())}</p>" for part in detail["value"].split("\n\n"))
    return detail["value"]


def _time(entry: feedparser.FeedParserDict, key: str) -> datetime | None:
    """The entry's time under KEY, in UTC as feedparser gives it. (Not `entry.get`, which answers
    a missing updated time with the published one, and a deprecation warning.)"""
    parsed = dict.get(entry, key)
    if not parsed:
        return None
    year, month, day, hour, minute, second = parsed[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _page(item: FeedItem) -> str:
    """The item as a web page, with the metadata extraction reads (title, authors, date)."""
    meta = [f'<meta name="author" content="{html.escape(author)}">' for author in item.authors]
    if item.published:
        meta.append(f'<meta property="article:published_time" content="{item.published.isoformat()}">')
    title = html.escape(item.title)
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{''.join(meta)}</head>"
        f"<body><article><h1>{title}</h1>{item.content}</article></body></html>"
    )
