"""Watching a feed: a real HTTP client polling RSS and Atom feeds that the test serves and changes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import pytest

from newsvoice.errors import SourceError
from newsvoice.extract import extract
from newsvoice.server.netguard import AddressPolicy, GuardedTransport
from newsvoice.sources import USER_AGENT, Document
from newsvoice.watch import (
    DEFAULT_INTERVAL,
    FORGET_AFTER,
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    FeedItem,
    FeedState,
    item_document,
    poll_feed,
)

NOW = 1_700_000_000.0
ARTICLE = (
    "The harbour bridge reopened to traffic on Friday after eight months of repairs, the transport "
    "department said. Commuters welcomed the news, and the ferries that carried them across the "
    "harbour will keep their extra morning sailings until the end of the month. "
)
FULL_TEXT = "".join(f"<p>{ARTICLE}Paragraph {n} of the story.</p>" for n in range(5))  # about 250 words


@dataclass
class Feed:
    """What the server answers on a path: conditional GETs get a 304 when the validators match."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    """An HTTP server on 127.0.0.1 serving `Feed`s; it records each request's headers."""

    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(dict(self.headers.items()))
                feed = server.feeds.get(self.path, Feed(b"not found", "text/plain", 404))
                validators = {"ETag": feed.etag, "Last-Modified": feed.last_modified}
                fresh = (feed.etag and self.headers.get("If-None-Match") == feed.etag) or (
                    feed.last_modified and self.headers.get("If-Modified-Since") == feed.last_modified
                )
                body = b"" if fresh else feed.body
                self.send_response(304 if fresh else feed.status)
                for name, value in {**validators, **feed.headers, "Content-Type": feed.content_type}.items():
                    if value:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def serve(self, path: str, feed: Feed) -> str:
        self.feeds[path] = feed
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    running = FeedServer()
    yield running
    running._server.shutdown()
    running._server.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(no_proxy: None) -> None:
    """Requests to the local server must not go through a proxy from the environment."""


def rss(*items: dict[str, str]) -> bytes:
    """An RSS 2.0 feed; each item's keys are element names (content:encoded included)."""
    entries = "".join(
        "<item>" + "".join(f"<{name}>{escape(value)}</{name}>" for name, value in item.items()) + "</item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Harbour News</title><link>https://news.example/</link>{entries}</channel></rss>"
    ).encode()


def story(n: int, **changes: str) -> dict[str, str]:
    item = {"title": f"Story {n}", "link": f"https://news.example/{n}", "guid": f"story-{n}"}
    return item | {"description": f"Teaser of story {n}."} | changes


def guids(items: tuple[FeedItem, ...]) -> list[str]:
    return [item.guid for item in items]


# --- new, changed, unchanged ------------------------------------------------------------------


def test_items_are_new_then_unchanged_then_changed(server: FeedServer) -> None:
    url = server.serve("/classify.xml", Feed(rss(story(1), story(2))))
    first = poll_feed(FeedState(url), now=NOW)
    assert first.error is None and not first.not_modified
    assert (guids(first.new), first.changed, first.unchanged) == (["story-1", "story-2"], (), ())
    assert first.state.title == "Harbour News"
    assert first.state.next_poll == NOW + DEFAULT_INTERVAL

    second = poll_feed(first.state, now=NOW + 900)
    assert (second.new, second.changed, guids(second.unchanged)) == ((), (), ["story-1", "story-2"])

    corrected = story(2, description="Teaser, corrected.")
    server.feeds["/classify.xml"].body = rss(story(3), corrected, story(1))
    third = poll_feed(second.state, now=NOW + 1800)
    assert guids(third.new) == ["story-3"]
    assert guids(third.changed) == ["story-2"]
    assert guids(third.unchanged) == ["story-1"]
    assert third.changed[0].content == "Teaser, corrected."
    assert third.state.fingerprints["story-2"] == third.changed[0].fingerprint

    # Only the date changes: the article behind a teaser was edited.
    server.feeds["/classify.xml"].body = rss(
        story(3, pubDate="Tue, 14 Nov 2023 22:13:20 GMT"), corrected, story(1)
    )
    fourth = poll_feed(third.state, now=NOW + 2700)
    assert (fourth.new, guids(fourth.changed), guids(fourth.unchanged)) == (
        (),
        ["story-3"],
        ["story-2", "story-1"],
    )


def test_items_that_leave_the_feed_are_remembered_for_a_while(server: FeedServer) -> None:
    url = server.serve("/window.xml", Feed(rss(story(1), story(2))))
    state = poll_feed(FeedState(url), now=NOW).state
    server.feeds["/window.xml"].body = rss(story(2))
    state = poll_feed(state, now=NOW + 60).state
    assert state.vanished == {"story-1": NOW + 60}

    # Back in the feed (another cache's older copy): known, not narrated again.
    server.feeds["/window.xml"].body = rss(story(1), story(2))
    back = poll_feed(state, now=NOW + 120)
    assert guids(back.unchanged) == ["story-1", "story-2"] and back.new == ()
    assert back.state.vanished == {}

    server.feeds["/window.xml"].body = rss(story(2))
    state = poll_feed(back.state, now=NOW + 180).state
    state = poll_feed(state, now=NOW + 180 + FORGET_AFTER).state
    assert "story-1" in state.fingerprints, "kept up to FORGET_AFTER"
    state = poll_feed(state, now=NOW + 181 + FORGET_AFTER).state
    assert set(state.fingerprints) == {"story-2"} and state.vanished == {}


def test_rss_item_fields(server: FeedServer) -> None:
    items = [
        story(1, **{"content:encoded": "<p>The <b>full</b> story.</p><script>alert(1)</script>"}),
        {"title": "No guid", "link": "/news/relative", "dc:creator": "Ann Lee"},
        {"title": "Neither guid nor link", "description": "Cannot be told apart from another."},
        story(1, title="The same guid again"),
    ]
    url = server.serve("/fields.rss", Feed(rss(*items)))
    first, second = poll_feed(FeedState(url), now=NOW).new
    assert first.content == "<p>The <b>full</b> story.</p>"  # content:encoded over description, sanitized
    assert first.title == "Story 1" and first.link == "https://news.example/1"
    assert second.guid == "/news/relative", "as in the feed, wherever the feed is served from"
    assert second.link == url.replace("/fields.rss", "/news/relative")
    assert second.authors == ("Ann Lee",)
    assert second.content == ""


def test_atom_entry_fields(server: FeedServer) -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour Atom</title><id>urn:feed</id>
    <updated>2024-01-02T10:00:00Z</updated>
    <entry><id>urn:entry:1</id><title>Bridge reopens</title><link href="https://news.example/bridge"/>
      <published>2024-01-01T09:00:00+01:00</published><updated>2024-01-02T10:00:00Z</updated>
      <author><name>Ann Lee</name></author><author><name>Bob Roe</name></author>
      <summary>Teaser.</summary><content type="html">&lt;p&gt;Full text.&lt;/p&gt;</content></entry>
    <entry><id>urn:entry:2</id><title>Ferries</title><link href="https://news.example/ferries"/>
      <updated>2024-01-02T10:00:00Z</updated><content type="text">First &lt;part&gt;.

Second part.</content></entry>
    </feed>"""
    url = server.serve("/feed.atom", Feed(atom, "application/atom+xml"))
    poll = poll_feed(FeedState(url), now=NOW)
    assert poll.state.title == "Harbour Atom"
    bridge, ferries = poll.new
    assert (bridge.guid, bridge.link, bridge.title) == (
        "urn:entry:1",
        "https://news.example/bridge",
        "Bridge reopens",
    )
    assert bridge.published == datetime(2024, 1, 1, 8, tzinfo=UTC)
    assert bridge.updated == datetime(2024, 1, 2, 10, tzinfo=UTC)
    assert bridge.authors == ("Ann Lee", "Bob Roe")
    assert bridge.content == "<p>Full text.</p>"
    assert ferries.content == "<p>First &lt;part&gt;.</p><p>Second part.</p>"  # plain text made HTML


# --- conditional requests -----------------------------------------------------------------------


def test_etag_and_last_modified_are_sent_back_and_304_is_not_modified(server: FeedServer) -> None:
    stamp = formatdate(NOW, usegmt=True)
    url = server.serve("/conditional.xml", Feed(rss(story(1)), etag='"v1"', last_modified=stamp))
    first = poll_feed(FeedState(url, failures=2, last_error="earlier"), now=NOW)
    assert (first.state.etag, first.state.last_modified) == ('"v1"', stamp)
    assert (first.state.failures, first.state.last_error) == (0, None)
    sent = server.requests[-1]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent
    assert sent["User-Agent"] == USER_AGENT and "application/rss+xml" in sent["Accept"]

    second = poll_feed(first.state, now=NOW + 900)
    assert server.requests[-1]["If-None-Match"] == '"v1"'
    assert server.requests[-1]["If-Modified-Since"] == stamp
    assert second.not_modified and second.error is None
    assert (second.new, second.changed, second.unchanged) == ((), (), ())
    assert second.state == replace(first.state, next_poll=NOW + 900 + DEFAULT_INTERVAL)

    feed = server.feeds["/conditional.xml"]
    feed.body, feed.etag, feed.last_modified = rss(story(1), story(2)), '"v2"', None
    third = poll_feed(second.state, now=NOW + 1800)
    assert guids(third.new) == ["story-2"]
    assert (third.state.etag, third.state.last_modified) == ('"v2"', None)  # validators of the new answer


def test_last_modified_alone(server: FeedServer) -> None:
    stamp = formatdate(NOW, usegmt=True)
    url = server.serve("/dated.xml", Feed(rss(story(1)), last_modified=stamp))
    state = poll_feed(FeedState(url), now=NOW).state
    assert state.etag is None
    assert poll_feed(state, now=NOW + 60).not_modified


# --- failures and backoff -----------------------------------------------------------------------


def test_failing_feed_backs_off_exponentially_then_recovers(server: FeedServer) -> None:
    url = server.serve("/flaky.xml", Feed(rss(story(1))))
    state = poll_feed(FeedState(url, interval=600), now=NOW).state
    server.feeds["/flaky.xml"] = Feed(b"oops", "text/plain", 500)
    delays = []
    for attempt in range(8):
        poll = poll_feed(state, now=NOW + attempt)
        assert poll.error == f"{url}: HTTP 500 Internal Server Error"
        assert poll.state.last_error == poll.error and poll.new == ()
        delays.append(poll.state.next_poll - (NOW + attempt))
        state = poll.state
    assert delays == [1200, 2400, 4800, 9600, 19200, MAX_BACKOFF, MAX_BACKOFF, MAX_BACKOFF]
    assert state.failures == 8
    assert set(state.fingerprints) == {"story-1"}, "a failure forgets nothing"

    server.feeds["/flaky.xml"] = Feed(rss(story(1)))
    recovered = poll_feed(state, now=NOW + 100)
    assert (recovered.error, recovered.state.failures, recovered.state.last_error) == (None, 0, None)
    assert recovered.state.next_poll == NOW + 100 + 600
    assert guids(recovered.unchanged) == ["story-1"]


@pytest.mark.parametrize(
    ("interval", "failures", "delay"),
    [
        (60, 0, 120),
        (60, 3, 960),
        (3600, 5, MAX_BACKOFF),
        (2 * 86400, 1, 2 * 86400),
        (60, 10_000, MAX_BACKOFF),
    ],
    ids=["first", "fourth", "capped", "interval-beyond-cap", "failing-for-years"],
)
def test_backoff(interval: float, failures: int, delay: float) -> None:
    poll = poll_feed(FeedState("http://127.0.0.1:9/feed", interval=interval, failures=failures), now=NOW)
    assert "cannot fetch" in (poll.error or "")
    assert poll.state.failures == failures + 1
    assert poll.state.next_poll == NOW + delay


@pytest.mark.parametrize(
    ("status", "retry_after", "delay"),
    [
        (503, "7200", 7200),
        (429, formatdate(NOW + 5000, usegmt=True), 5000),
        (429, "30", 120),  # shorter than the backoff: the backoff wins
        (503, str(10 * 86400), MAX_RETRY_AFTER),
        (500, "7200", 120),  # only 429 and 503 are asked to wait
        (503, "soon", 120),
    ],
)
def test_retry_after(server: FeedServer, status: int, retry_after: str, delay: float) -> None:
    url = server.serve(
        f"/busy/{len(server.feeds)}",
        Feed(b"busy", "text/plain", status, headers={"Retry-After": retry_after}),
    )
    poll = poll_feed(FeedState(url, interval=60), now=NOW)
    assert poll.error is not None and f"HTTP {status}" in poll.error
    assert poll.state.next_poll == pytest.approx(NOW + delay, abs=1)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><body><p>A web page.</p></body></html>", "text/html"),
        (b"this is not XML {", "application/rss+xml"),
        (b'{"items": []}', "application/json"),
        (b"", "application/rss+xml"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>cut", "application/rss+xml"),
    ],
    ids=["html", "garbage", "json", "empty", "truncated"],
)
def test_not_a_feed(server: FeedServer, body: bytes, content_type: str) -> None:
    url = server.serve(f"/not-a-feed/{len(server.feeds)}", Feed(body, content_type))
    poll = poll_feed(FeedState(url), now=NOW)
    assert poll.error == f"{url}: not an RSS or Atom feed"
    assert poll.state.failures == 1


def test_empty_feed_is_not_an_error(server: FeedServer) -> None:
    url = server.serve("/quiet.xml", Feed(rss()))
    poll = poll_feed(FeedState(url), now=NOW)
    assert poll.error is None and poll.new == ()


def test_address_guard_applies(server: FeedServer) -> None:
    url = server.serve("/guarded.xml", Feed(rss(story(1))))
    refused = poll_feed(FeedState(url), transport=GuardedTransport(AddressPolicy()), now=NOW)
    assert refused.error == "127.0.0.1: refused, 127.0.0.1 is a loopback address"
    assert refused.state.failures == 1
    allowed = poll_feed(FeedState(url), transport=GuardedTransport(AddressPolicy(("127.0.0.1",))), now=NOW)
    assert guids(allowed.new) == ["story-1"]


def test_state_goes_through_json(server: FeedServer) -> None:
    url = server.serve("/json.xml", Feed(rss(story(1), story(2)), etag='"x"'))
    state = poll_feed(FeedState(url), now=NOW).state
    server.feeds["/json.xml"] = Feed(rss(story(2)))
    state = poll_feed(state, now=NOW + 1).state
    assert state.vanished and state.fingerprints and state.etag is None
    assert FeedState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


# --- what to narrate for an item -------------------------------------------------------------------


def feed_item(content: str, link: str | None = "https://news.example/bridge") -> FeedItem:
    published = datetime(2024, 1, 1, 8, tzinfo=UTC)
    return FeedItem(
        "urn:1", link, "Bridge & tunnel reopen", published, None, ("Ann Lee", "Bob Roe"), content, "f"
    )


class Fetcher:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> Document:
        self.urls.append(url)
        return Document("<html>the page</html>", "html", url=url, name=url)


def test_full_content_is_narrated_from_the_feed() -> None:
    fetch = Fetcher()
    document = item_document(feed_item(FULL_TEXT), fetch)
    assert fetch.urls == []
    assert (document.kind, document.url) == ("html", "https://news.example/bridge")
    article = extract(document)
    assert article.title == "Bridge & tunnel reopen"
    assert article.authors == ("Ann Lee", "Bob Roe")
    assert article.date == "2024-01-01"
    assert len(article.paragraphs) == 5 and article.paragraphs[0].startswith("The harbour bridge reopened")


def test_teaser_makes_the_page_fetched() -> None:
    fetch = Fetcher()
    teaser = " ".join((ARTICLE * 4).split()[:149])
    assert item_document(feed_item(f"<p>{teaser}</p>"), fetch).content == "<html>the page</html>"
    assert fetch.urls == ["https://news.example/bridge"]


def test_item_without_link() -> None:
    assert (
        "Ferries resume" in item_document(feed_item("<p>Ferries resume.</p>", link=None), Fetcher()).content
    )
    with pytest.raises(SourceError, match="neither content nor link"):
        item_document(feed_item("", link=None), Fetcher())
