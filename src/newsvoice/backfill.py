"""Backfilling a publisher's archive: every article URL of a sitemap, feed or URL list, submitted
with a resumable cursor.

`archive_urls` lists the URLs, lazily and always in the same order; `backfill` submits them with a
few threads and keeps, in a `Cursor` file, how many URLs from the start of the list are finished, so
that a run stopped by Ctrl-C or a crash goes on where it stopped. An archive can hold a million
URLs: nothing here holds the whole list, only a set of digests of the URLs already listed.

The sitemap reader is written here rather than taken from trafilatura: its `sitemap_search` fetches
with its own client (no address guard, no size limit of ours), drops URLs by its own heuristics
(other domains, language guesses), returns the whole list at once and cannot read a local file.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import itertools
import json
import re
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

import feedparser
import httpx
from lxml import etree

from .errors import NewsvoiceError, SourceError
from .files import atomic_files
from .sources import fetch_error, http_client, is_web_address, read_file, read_limited

MAX_ARCHIVE_BYTES = 50 * 2**20
"""The most one sitemap fetched from the web may hold, compressed or not: the sitemaps.org limit."""
MAX_NESTING = 3
"""Sitemap indexes listed in sitemap indexes, at most this deep (the protocol allows none)."""
MAX_FAILURES_KEPT = 1000
"""Failures of a run kept with their errors; those beyond are only counted."""
SAVE_EVERY = 100
"""The cursor is saved after this many more URLs are finished, or after SAVE_SECONDS."""
SAVE_SECONDS = 1.0
WINDOW_PER_WORKER = 16
"""URLs beyond the cursor that may be under way or finished, per thread. A crash redoes them, and
one slow URL holds the others back once they are this far ahead."""

ARCHIVE_ACCEPT = (
    "application/xml, text/xml, application/rss+xml, application/atom+xml, "
    "application/gzip;q=0.9, text/plain;q=0.8, */*;q=0.5"
)
NOT_AN_ARCHIVE = "not a sitemap, feed or URL list"
_FEED_ROOTS = ("rss", "feed", "RDF")
_GZIP_MAGIC = b"\x1f\x8b"
_HTTP_URL = re.compile(r"https?://[^\s/?#]+\S*", re.I)

Outcome = Literal["queued", "unchanged", "failed"]


class BackfillError(NewsvoiceError):
    """The backfill cannot go on: its cursor is another source's, or the archive changed under it."""


# --- listing an archive's URLs ---------------------------------------------------------------


def fetch_archive(url: str, transport: httpx.BaseTransport | None = None) -> bytes:
    """GET a sitemap, feed or URL list: its body, gzip files still compressed, within the limits
    of `sources.http_client` and `sources.read_limited`. TRANSPORT as in `sources.fetch_url`."""
    try:
        with (
            http_client(transport) as client,
            client.stream("GET", url, headers={"Accept": ARCHIVE_ACCEPT}) as response,
        ):
            if response.status_code >= 400:
                raise SourceError(f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
            return read_limited(response, url, MAX_ARCHIVE_BYTES)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise fetch_error(url, error) from None


def archive_urls(source: str, *, fetch_bytes: Callable[[str], bytes] = fetch_archive) -> Iterator[str]:
    """The article URLs of SOURCE (an http(s) URL or a file), each once, in the archive's order.

    What SOURCE is, its content decides: a sitemap, a sitemap index (its sitemaps read in turn), either
    gzip-compressed, an RSS or Atom feed (its items' links), or a text file with one URL a line (blank
    lines and lines starting with # skipped). FETCH_BYTES gets a URL's body (the service passes its
    guarded fetching: the sitemaps an index lists are as untrusted as any URL). Errors
    are `SourceError`s, raised when the iteration reaches them.
    """
    seen: set[bytes] = set()
    for url in _urls_of(source, fetch_bytes, visited={source}, depth=0):
        key = hashlib.blake2b(url.encode(), digest_size=16).digest()  # a million digests, not URLs
        if key not in seen:
            seen.add(key)
            yield url


def _urls_of(
    location: str, fetch_bytes: Callable[[str], bytes], visited: set[str], depth: int
) -> Iterator[str]:
    """The URLs LOCATION lists, child sitemaps of an index read as the iteration reaches them."""
    remote = is_web_address(location)
    data = fetch_bytes(location) if remote else read_file(location, "a sitemap, feed or URL list")
    data = _gunzipped(data, location, MAX_ARCHIVE_BYTES if remote else None)  # a local file is the user's
    base = location if remote else ""  # relative links resolve against a web address only
    start = _start(data)
    if data[start : start + 1] != b"<":
        yield from _listed_urls(data, location)
        return
    root, locs = _xml_locs(data, start, location)
    if root == "urlset":
        yield from (_checked(_resolved(base, loc), f"{location}, line {line}") for loc, line in locs)
    elif root == "sitemapindex":
        for loc, line in locs:
            child = _checked(_resolved(base, loc), f"{location}, line {line}")
            if child not in visited:  # a sitemap listed twice, or an index listing itself
                visited.add(child)
                yield from _child_urls(child, location, fetch_bytes, visited, depth + 1)
    elif root in _FEED_ROOTS:
        yield from _feed_links(data, base, location)
    else:
        raise SourceError(f"{location}: {NOT_AN_ARCHIVE} (an XML document <{root}>)")


def _child_urls(
    child: str, index: str, fetch_bytes: Callable[[str], bytes], visited: set[str], depth: int
) -> Iterator[str]:
    if depth > MAX_NESTING:
        raise SourceError(f"{index}: sitemap indexes nested more than {MAX_NESTING} deep")
    try:
        yield from _urls_of(child, fetch_bytes, visited, depth)
    except SourceError as error:
        raise SourceError(f"{error} (listed in {index})") from None


def _gunzipped(data: bytes, name: str, limit: int | None) -> bytes:
    """DATA uncompressed when it is gzip (sitemap.xml.gz); at most LIMIT bytes of it, so that a
    small file cannot unpack into gigabytes."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as file:
            unpacked = file.read(-1 if limit is None else limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise SourceError(f"{name}: broken gzip file ({error})") from None
    if limit is not None and len(unpacked) > limit:
        raise SourceError(f"{name}: larger than {limit / 2**20:g} MiB uncompressed")
    return unpacked


def _start(data: bytes) -> int:
    """Where DATA's content starts: after a byte order mark and white space. Sitemaps made by PHP
    often have white space before their XML declaration, which XML parsers refuse."""
    head = data[:1024]
    return len(head) - len(head.removeprefix(codecs.BOM_UTF8).lstrip())


def _xml_locs(data: bytes, start: int, name: str) -> tuple[str, Iterator[tuple[str, int]]]:
    """The name of DATA's root element, and its sitemap <loc>s (text, line) as the parse reaches them;
    the parse begins at START.

    No DTD, entity or network access: a sitemap comes from anywhere. Namespaces are ignored, since
    some sitemaps leave out the sitemaps.org one.
    """
    stream = io.BytesIO(data)
    stream.seek(start)
    events = etree.iterparse(
        stream, events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=True
    )
    try:
        _, root = next(events)
    except etree.XMLSyntaxError:
        raise SourceError(f"{name}: {NOT_AN_ARCHIVE}") from None
    return etree.QName(root).localname, _locs(events, name)


def _locs(events: Iterator[tuple[str, etree._Element]], name: str) -> Iterator[tuple[str, int]]:
    try:
        for event, element in events:
            tag = etree.QName(element).localname if event == "end" else None
            # The <loc> of a <url> or <sitemap> only: an image sitemap's <image:loc> is no article.
            if tag == "loc" and etree.QName(element.getparent()).localname in ("url", "sitemap"):
                if element.text and element.text.strip():
                    yield element.text.strip(), element.sourceline or 0  # type: ignore[misc]  # lxml-stubs: `...`
            elif tag in ("url", "sitemap"):  # read: dropped, so a 50 MB sitemap is never a whole tree
                element.clear()
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        raise SourceError(f"{name}: malformed XML ({error})") from None


def _feed_links(data: bytes, base: str, name: str) -> Iterator[str]:
    # Bytes, never a URL or path: feedparser would fetch or open it itself.
    for entry in feedparser.parse(io.BytesIO(data)).entries:
        if entry.get("link"):
            yield _checked(
                _resolved(base, entry["link"]), f"{name}, item {entry.get('id') or entry['link']!r}"
            )


def _listed_urls(data: bytes, name: str) -> Iterator[str]:
    """The URLs of a text file, one a line. A file whose first line is no URL is no URL list at all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{name}: {NOT_AN_ARCHIVE}") from None
    listed = False
    for number, line in enumerate(io.StringIO(text), 1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        if not listed and not _HTTP_URL.fullmatch(url):
            raise SourceError(f"{name}: {NOT_AN_ARCHIVE} (line {number} is no http(s) URL)")
        listed = True
        yield _checked(url, f"{name}, line {number}")


def _resolved(base: str, link: str) -> str:
    """LINK made absolute against BASE. (urljoin is most of the time spent on a large sitemap,
    whose links are absolute already.)"""
    return link if not base or is_web_address(link) else urljoin(base, link)


def _checked(url: str, where: str) -> str:
    if not _HTTP_URL.fullmatch(url):
        raise SourceError(f"{where}: not an http(s) URL: {url[:200]!r}")
    return url


# --- the cursor --------------------------------------------------------------------------------


@dataclass
class Counts:
    """URLs finished, by outcome: a narration queued, the article unchanged, or failed."""

    queued: int = 0
    unchanged: int = 0
    failed: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class Cursor:
    """How far the backfill of one source went: the first `done` URLs of its list are finished."""

    path: Path
    source: str
    done: int = 0
    counts: Counts = field(default_factory=Counts)
    """The outcomes of the first `done` URLs, over all runs."""
    chain: str = ""
    """A digest of the first `done` URLs in order: a run going on checks that its list starts with
    them, since a cursor counting URLs of another list would skip articles never submitted."""

    @classmethod
    def load(cls, path: Path, source: str) -> Cursor:
        """The cursor saved at PATH, or a new one if there is none; one of another source is an error."""
        try:
            saved = json.loads(path.read_text("utf-8"))
            done, counts = int(saved["done"]), Counts(**saved["counts"])
            chain, other = str(saved["chain"]), saved["source"]
        except FileNotFoundError:
            return cls(path, source)
        except OSError as error:
            raise BackfillError(f"{path}: cannot read the cursor ({error.strerror})") from None
        except (ValueError, KeyError, TypeError):
            raise BackfillError(f"{path}: not a backfill cursor") from None
        if other != source:
            raise BackfillError(f"{path}: the cursor of {other}, not of {source}")
        return cls(path, source, done, counts, chain)

    def save(self) -> None:
        """Write the cursor whole or not at all: a crash while saving leaves the last one."""
        state = {"source": self.source, "done": self.done, "counts": asdict(self.counts), "chain": self.chain}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_files() as files:
            files.write_text(self.path, json.dumps(state, indent=2) + "\n")
            files.commit()

    def advance(self, url: str, outcome: Outcome) -> None:
        """Count URL, the next of the list, as finished."""
        self.counts.add(outcome)
        self.chain = _chained(self.chain, url)
        self.done += 1


def default_cursor_path(source: str, directory: Path) -> Path:
    """Where the cursor of SOURCE is kept in DIRECTORY: one file per source."""
    return directory / f"backfill-{hashlib.sha256(source.encode()).hexdigest()[:16]}.json"


def _chained(chain: str, url: str) -> str:
    return hashlib.sha256(f"{chain} {url}".encode()).hexdigest()


# --- the backfill ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A URL that SUBMIT failed on, and its error's message."""

    url: str
    error: str


@dataclass(frozen=True)
class BackfillProgress:
    """One URL finished, as `backfill` tells its PROGRESS callback."""

    url: str
    outcome: Outcome
    error: str | None
    finished: int
    """URLs of the list finished, earlier runs' included."""
    total: int | None
    """URLs in the list, when `backfill` was given a sized collection."""
    counts: Counts
    """This run's outcomes so far."""


@dataclass(frozen=True)
class BackfillReport:
    """What a run did, for the lines shown at its end."""

    skipped: int
    """URLs finished by earlier runs, not submitted again."""
    counts: Counts
    """This run's outcomes."""
    failures: tuple[Failure, ...]
    """This run's first MAX_FAILURES_KEPT failures."""
    done: int
    """URLs of the list finished, over all runs (the cursor's count)."""

    @property
    def failures_not_kept(self) -> int:
        return self.counts.failed - len(self.failures)


def backfill(
    urls: Iterable[str],
    submit: Callable[[str], bool],
    cursor: Cursor,
    *,
    concurrency: int = 4,
    progress: Callable[[BackfillProgress], None] | None = None,
) -> BackfillReport:
    """Submit the URLs after the first `cursor.done`, CONCURRENCY at a time, and advance the cursor.

    SUBMIT returns whether it queued a narration (False: the article was unchanged) and raises a
    `NewsvoiceError` for a URL that fails, which is counted and reported; the run goes on. The cursor
    only ever passes URLs finished, and is saved as it goes. On any other exception, Ctrl-C
    included, URLs not started are dropped, those under way are waited for, and the cursor is saved
    before the exception goes on. PROGRESS is called, in this thread, after each URL.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    run = _Run(cursor, progress, len(urls) if isinstance(urls, Sized) else None)
    pending: dict[Future[bool], tuple[int, str]] = {}
    window = WINDOW_PER_WORKER * concurrency
    with ThreadPoolExecutor(concurrency, thread_name_prefix="backfill") as pool:
        try:
            for index, url in _after_cursor(urls, cursor):
                while index >= cursor.done + window:
                    run.collect(wait(pending, return_when=FIRST_COMPLETED).done, pending)
                pending[pool.submit(submit, url)] = (index, url)
            while pending:
                run.collect(wait(pending, return_when=FIRST_COMPLETED).done, pending)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            run.collect([future for future in pending if _settled(future)], pending)
            raise
        finally:
            cursor.save()
    return run.report()


def _after_cursor(urls: Iterable[str], cursor: Cursor) -> Iterator[tuple[int, str]]:
    """The URLs past the cursor, numbered from 0 at the list's start, once the ones before are
    found to be those the cursor counted."""
    numbered = enumerate(urls)
    chain = ""
    for _, url in itertools.islice(numbered, cursor.done):
        chain = _chained(chain, url)
    if chain != cursor.chain:
        raise BackfillError(
            f"{cursor.source}: its first {cursor.done} URLs are not those the cursor {cursor.path} "
            "counted (the archive changed); remove the cursor to start over"
        )
    yield from numbered


def _settled(future: Future[bool]) -> bool:
    """Whether FUTURE, done after the pool's shutdown, finished its URL (with a failure counted)."""
    return not future.cancelled() and isinstance(future.exception(), NewsvoiceError | None)


class _Run:
    """One run's outcomes; the cursor advanced over URLs finished in a row, and saved now and then."""

    def __init__(
        self, cursor: Cursor, progress: Callable[[BackfillProgress], None] | None, total: int | None
    ) -> None:
        self.cursor = cursor
        self.progress = progress
        self.total = total
        self.skipped = cursor.done
        self.counts = Counts()
        self.failures: list[Failure] = []
        self._ahead: dict[int, tuple[str, Outcome]] = {}
        """URLs finished beyond the cursor, by their place in the list."""
        self._saved = (cursor.done, time.monotonic())

    def collect(self, futures: Iterable[Future[bool]], pending: dict[Future[bool], tuple[int, str]]) -> None:
        """Record FUTURES, finished, and take them from PENDING; an exception not a
        `NewsvoiceError` goes on, its URL left unfinished."""
        for future in sorted(futures, key=lambda future: pending[future][0]):  # in list order
            index, url = pending.pop(future)
            try:
                queued = future.result()
            except NewsvoiceError as error:
                self._record(index, url, "failed", str(error))
            else:
                self._record(index, url, "queued" if queued else "unchanged", None)

    def report(self) -> BackfillReport:
        return BackfillReport(self.skipped, self.counts, tuple(self.failures), self.cursor.done)

    def _record(self, index: int, url: str, outcome: Outcome, error: str | None) -> None:
        self.counts.add(outcome)
        if error is not None and len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(Failure(url, error))
        self._ahead[index] = (url, outcome)
        while self.cursor.done in self._ahead:
            self.cursor.advance(*self._ahead.pop(self.cursor.done))
        self._save_now_and_then()
        if self.progress:
            finished = self.skipped + self.counts.queued + self.counts.unchanged + self.counts.failed
            self.progress(BackfillProgress(url, outcome, error, finished, self.total, replace(self.counts)))

    def _save_now_and_then(self) -> None:
        done, when = self._saved
        if self.cursor.done - done >= SAVE_EVERY or time.monotonic() - when >= SAVE_SECONDS:
            self.cursor.save()
            self._saved = (self.cursor.done, time.monotonic())
