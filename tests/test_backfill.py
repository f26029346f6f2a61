"""Backfilling an archive: sitemaps, feeds and URL lists served over HTTP or read from files, and
a threaded run whose cursor survives interruptions."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from newsvoice import backfill as backfill_module
from newsvoice.backfill import (
    BackfillError,
    BackfillProgress,
    Counts,
    Cursor,
    Failure,
    archive_urls,
    backfill,
    default_cursor_path,
)
from newsvoice.errors import SourceError

SITEMAPS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
URLS = [f"https://news.example/2019/story-{n}" for n in range(20)]


@pytest.fixture(autouse=True)
def _no_proxy(no_proxy: None) -> None:
    """Requests to the local server must not go through a proxy from the environment."""


def urlset(*locs: str, namespace: str = SITEMAPS) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc><lastmod>2019-05-01</lastmod></url>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {namespace}>\n{entries}\n</urlset>'.encode()


def sitemapindex(*locs: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {SITEMAPS}>{entries}</sitemapindex>'.encode()


def serve(local_server, path: str, body: bytes, content_type: str = "application/xml") -> str:
    local_server.routes[f"/backfill{path}"] = (200, content_type, body)
    return local_server.url(f"/backfill{path}")


def write(tmp_path: Path, name: str, content: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


# --- archive_urls ------------------------------------------------------------------------------


def test_sitemap_urls_in_order_each_once(local_server) -> None:
    body = (
        f'<urlset {SITEMAPS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
        "<url><loc> https://news.example/b </loc>"
        "<image:image><image:loc>https://cdn.example/b.jpg</image:loc></image:image></url>"
        "<url><loc>https://news.example/a?x=1&amp;y=2</loc></url>"
        "<url><loc>https://news.example/b</loc></url><url><lastmod>2019</lastmod></url></urlset>"
    ).encode()
    url = serve(local_server, "/sitemap.xml", body)
    assert list(archive_urls(url)) == ["https://news.example/b", "https://news.example/a?x=1&y=2"]


def test_sitemap_file_without_namespace(tmp_path: Path) -> None:
    path = write(tmp_path, "sitemap.xml", b"\xef\xbb\xbf  " + urlset(*URLS[:3], namespace=""))
    assert list(archive_urls(path)) == URLS[:3]


def test_sitemap_index_with_gzipped_child_and_loops(local_server) -> None:
    first = serve(local_server, "/2019-1.xml", urlset(*URLS[:3]))
    serve(local_server, "/2019-2.xml.gz", gzip.compress(urlset(*URLS[2:6])), "application/gzip")
    index = local_server.url("/backfill/index.xml")
    # The index lists itself and its first sitemap twice; the second sitemap by a relative address.
    serve(local_server, "/index.xml", sitemapindex(first, index, "2019-2.xml.gz", first))
    assert list(archive_urls(index)) == URLS[:6]


def test_gzipped_index_file_and_injected_fetching(tmp_path: Path) -> None:
    bodies = {
        "https://news.example/a.xml": urlset(*URLS[:2]),
        "https://news.example/b.xml": b"\n".join(url.encode() for url in URLS[2:4]),
    }
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return bodies[url]

    path = write(tmp_path, "index.xml.gz", gzip.compress(sitemapindex(*bodies)))
    assert list(archive_urls(path, fetch_bytes=fetch)) == URLS[:4]
    assert fetched == list(bodies)


def test_nested_indexes_have_a_limit(local_server) -> None:
    urls = [local_server.url(f"/backfill/nested-{n}.xml") for n in range(6)]
    for n, child in enumerate(urls[1:]):
        serve(local_server, f"/nested-{n}.xml", sitemapindex(child))
    with pytest.raises(SourceError, match="nested more than 3 deep"):
        list(archive_urls(urls[0]))


def test_rss_feed_links(local_server) -> None:
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title>'
        b"<item><title>One</title><link>https://news.example/one</link></item>"
        b"<item><title>No link</title><description>Text.</description></item>"
        b"<item><title>Two</title><link>/two</link></item></channel></rss>"
    )
    url = serve(local_server, "/feed.rss", rss, "application/rss+xml")
    assert list(archive_urls(url)) == ["https://news.example/one", local_server.url("/two")]


def test_atom_feed_file(tmp_path: Path) -> None:
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour</title>'
        + "".join(f'<entry><id>{url}</id><title>t</title><link href="{url}"/></entry>' for url in URLS[:3])
        + "</feed>"
    )
    assert list(archive_urls(write(tmp_path, "feed.atom", atom))) == URLS[:3]


def test_url_list_file(tmp_path: Path) -> None:
    text = (
        "\ufeff# The 2019 archive\r\n\r\n" + "\r\n".join(URLS[:3]) + "\r\n  # again:\r\n" + URLS[0] + "\r\n"
    )
    assert list(archive_urls(write(tmp_path, "urls.txt", text))) == URLS[:3]


def test_url_list_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path, "urls.txt", "# archive\n" + "\n".join(URLS[:2]) + "\nftp://news.example/x\n")
    with pytest.raises(SourceError, match=r"urls.txt, line 4: not an http\(s\) URL: 'ftp://news.example/x'$"):
        list(archive_urls(path))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", "text/html"),
        (b"<html><head><title>A page</title></head><body></body></html>", "text/html"),
        (b'{"urls": ["https://news.example/a"]}', "application/json"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    ],
)
def test_not_an_archive(local_server, body: bytes, content_type: str) -> None:
    url = serve(local_server, "/not-an-archive", body, content_type)
    with pytest.raises(SourceError, match="not a sitemap, feed or URL list"):
        list(archive_urls(url))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nothing\.xml: no such file$"):
        list(archive_urls(str(tmp_path / "nothing.xml")))
    with pytest.raises(SourceError, match="is a directory"):
        list(archive_urls(str(tmp_path)))


def test_unreachable_url_and_missing_child(local_server) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(SourceError, match=rf"127.0.0.1:{port}/sitemap.xml: cannot fetch"):
        list(archive_urls(f"http://127.0.0.1:{port}/sitemap.xml"))
    missing = local_server.url("/backfill/missing.xml")
    index = serve(local_server, "/broken-index.xml", sitemapindex(missing))
    with pytest.raises(SourceError, match=rf"missing.xml: HTTP 404 Not Found \(listed in {index}\)$"):
        list(archive_urls(index))


def test_gzip_unpacks_to_a_limited_size(local_server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill_module, "MAX_ARCHIVE_BYTES", 1000)
    url = serve(local_server, "/big.xml.gz", gzip.compress(urlset(*URLS)), "application/gzip")
    with pytest.raises(SourceError, match="larger than"):
        list(archive_urls(url))


def test_no_entities_or_dtd(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", "TOP-SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY s SYSTEM "file://{secret}">]>'
        f"<urlset {SITEMAPS}><url><loc>https://news.example/&s;</loc></url></urlset>"
    )
    assert list(archive_urls(write(tmp_path, "sitemap.xml", body))) == ["https://news.example/"]


def test_malformed_sitemap_and_relative_loc_in_a_file(tmp_path: Path) -> None:
    path = write(tmp_path, "sitemap.xml", urlset(*URLS[:2])[:-20])
    with pytest.raises(SourceError, match=r"sitemap.xml: malformed XML"):
        list(archive_urls(path))
    path = write(tmp_path, "sitemap.xml", urlset(URLS[0], "/2019/story-1"))
    with pytest.raises(SourceError, match=r"sitemap.xml, line 3: not an http\(s\) URL: '/2019/story-1'"):
        list(archive_urls(path))


# --- the cursor --------------------------------------------------------------------------------


def test_cursor_saved_and_loaded(tmp_path: Path) -> None:
    path = default_cursor_path("https://news.example/sitemap.xml", tmp_path / "state")
    assert path != default_cursor_path("https://news.example/other.xml", tmp_path / "state")
    cursor = Cursor.load(path, "https://news.example/sitemap.xml")
    assert (cursor.done, cursor.counts) == (0, Counts())
    cursor.advance(URLS[0], "queued")
    cursor.advance(URLS[1], "failed")
    cursor.save()
    assert Cursor.load(path, "https://news.example/sitemap.xml") == cursor
    assert [file.name for file in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_cursor_of_another_source_refused(tmp_path: Path) -> None:
    path = tmp_path / "cursor.json"
    Cursor(path, "https://news.example/sitemap.xml", done=3).save()
    with pytest.raises(
        BackfillError, match=r"cursor.json: the cursor of https://news.example/sitemap.xml, not"
    ):
        Cursor.load(path, "https://other.example/sitemap.xml")
    path.write_text('{"source": "x"}')
    with pytest.raises(BackfillError, match="not a backfill cursor"):
        Cursor.load(path, "x")


# --- backfill ----------------------------------------------------------------------------------


class Submitter:
    """A `submit` that records the URLs it finishes; BEHAVIOUR may sleep or raise for a URL."""

    def __init__(self, behaviour: Callable[[str], None] = lambda url: None) -> None:
        self.behaviour = behaviour
        self.started: list[str] = []
        self.finished: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, url: str) -> bool:
        with self._lock:
            self.started.append(url)
        self.behaviour(url)
        with self._lock:
            self.finished.append(url)
        return URLS.index(url) % 2 == 0  # odd URLs: unchanged articles


def test_backfill_submits_each_url_once_and_a_second_run_none(tmp_path: Path) -> None:
    cursor = Cursor(tmp_path / "cursor.json", "archive")
    submit = Submitter()
    report = backfill(URLS, submit, cursor, concurrency=4)
    assert sorted(submit.finished) == sorted(URLS)
    assert (report.skipped, report.done, report.counts) == (0, 20, Counts(queued=10, unchanged=10))
    assert Cursor.load(cursor.path, "archive") == cursor
    again = Submitter()
    report = backfill(URLS, again, Cursor.load(cursor.path, "archive"))
    assert again.started == []
    assert (report.skipped, report.done, report.counts) == (20, 20, Counts())


def test_interrupted_run_goes_on_where_it_stopped(tmp_path: Path) -> None:
    def behaviour(url: str) -> None:
        if url == URLS[3]:
            time.sleep(0.2)  # finishes after the URLs behind it
        if url == URLS[7]:
            raise KeyboardInterrupt

    first = Submitter(behaviour)
    cursor = Cursor(tmp_path / "cursor.json", "archive")
    with pytest.raises(KeyboardInterrupt):
        backfill(URLS, first, cursor, concurrency=4)
    saved = Cursor.load(cursor.path, "archive")
    assert saved.done == 7  # URL 7 never finished: the cursor stops before it, all before it done
    assert set(URLS[:7]) <= set(first.finished)
    assert saved.counts == Counts(queued=4, unchanged=3)

    second = Submitter()
    report = backfill(URLS, second, saved, concurrency=4)
    assert sorted(second.started) == sorted(URLS[7:])
    assert not set(second.started) & set(URLS[:7])
    assert (report.skipped, report.done) == (7, 20)
    assert Cursor.load(cursor.path, "archive").counts == Counts(queued=10, unchanged=10)


def test_ctrl_c_in_the_main_thread_keeps_what_finished(tmp_path: Path) -> None:
    calls: list[BackfillProgress] = []

    def progress(update: BackfillProgress) -> None:
        calls.append(update)
        if len(calls) == 5:
            raise KeyboardInterrupt

    cursor = Cursor(tmp_path / "cursor.json", "archive")
    submit = Submitter(lambda url: time.sleep(0.01))
    with pytest.raises(KeyboardInterrupt):
        backfill(iter(URLS), submit, cursor, concurrency=2, progress=progress)
    saved = Cursor.load(cursor.path, "archive")
    assert 5 <= saved.done < 20
    assert set(URLS[: saved.done]) <= set(submit.finished)
    assert len(submit.started) < 20  # URLs not started were dropped


def test_failures_are_counted_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill_module, "MAX_FAILURES_KEPT", 2)

    def behaviour(url: str) -> None:
        if URLS.index(url) in (2, 5, 11):
            raise SourceError(f"{url}: HTTP 404 Not Found")

    submit = Submitter(behaviour)
    cursor = Cursor(tmp_path / "cursor.json", "archive")
    report = backfill(URLS, submit, cursor, concurrency=3)
    assert sorted(submit.started) == sorted(URLS)
    assert report.counts == Counts(queued=9, unchanged=8, failed=3)
    assert report.done == 20 and cursor.counts == report.counts
    assert set(report.failures) < {Failure(URLS[n], f"{URLS[n]}: HTTP 404 Not Found") for n in (2, 5, 11)}
    assert (len(report.failures), report.failures_not_kept) == (2, 1)


def test_other_errors_stop_the_run_with_the_cursor_saved(tmp_path: Path) -> None:
    def behaviour(url: str) -> None:
        if url == URLS[4]:
            raise RuntimeError("database is locked")

    cursor = Cursor(tmp_path / "cursor.json", "archive")
    with pytest.raises(RuntimeError, match="database is locked"):
        backfill(URLS, Submitter(behaviour), cursor, concurrency=1)
    assert Cursor.load(cursor.path, "archive").done == 4


def test_an_archive_error_midway_keeps_what_was_done(tmp_path: Path) -> None:
    path = write(tmp_path, "urls.txt", "\n".join(URLS[:5]) + "\nnews.example/no-scheme\n" + URLS[6])
    cursor = Cursor(tmp_path / "cursor.json", path)
    first = Submitter(lambda url: time.sleep(0.01))
    with pytest.raises(SourceError, match="line 6: not an http"):
        backfill(archive_urls(path), first, cursor, concurrency=2)
    saved = Cursor.load(cursor.path, path)
    assert set(URLS[: saved.done]) <= set(first.finished) <= set(URLS[:5])
    write(tmp_path, "urls.txt", "\n".join(URLS[:7]))  # the line corrected
    second = Submitter()
    report = backfill(archive_urls(path), second, saved)
    assert sorted(second.started) == sorted(URLS[report.skipped : 7])
    assert report.done == 7


def test_a_changed_archive_is_not_resumed(tmp_path: Path) -> None:
    cursor = Cursor(tmp_path / "cursor.json", "archive")
    backfill(URLS[:10], Submitter(), cursor)
    with pytest.raises(BackfillError, match="its first 10 URLs are not those the cursor"):
        backfill(["https://news.example/new", *URLS], Submitter(), Cursor.load(cursor.path, "archive"))
    report = backfill(URLS, Submitter(), Cursor.load(cursor.path, "archive"))  # grown at the end: fine
    assert (report.skipped, report.done) == (10, 20)


def test_progress(tmp_path: Path) -> None:
    calls: list[BackfillProgress] = []
    cursor = Cursor(tmp_path / "cursor.json", "archive")
    backfill(URLS[:4], Submitter(), cursor, concurrency=1)
    backfill(URLS, Submitter(), cursor, concurrency=1, progress=calls.append)
    assert [call.url for call in calls] == URLS[4:]
    assert [call.finished for call in calls] == list(range(5, 21))
    assert {call.total for call in calls} == {20}
    assert (calls[0].outcome, calls[1].outcome, calls[0].error) == ("queued", "unchanged", None)
    assert calls[-1].counts == Counts(queued=8, unchanged=8)
    backfill(iter(URLS), Submitter(), Cursor(tmp_path / "other.json", "x"), progress=calls.append)
    assert calls[-1].total is None


def test_slow_url_holds_the_others_back_a_window_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backfill_module, "WINDOW_PER_WORKER", 2)
    seen_when_slow_finished: list[int] = []
    submit: Submitter

    def behaviour(url: str) -> None:
        if url == URLS[0]:
            time.sleep(0.3)
            seen_when_slow_finished.append(len(submit.started))

    submit = Submitter(behaviour)
    backfill(URLS, submit, Cursor(tmp_path / "cursor.json", "archive"), concurrency=2)
    assert seen_when_slow_finished == [4]  # URLs 0 to 3: the cursor at 0, a window of 2 × 2
    assert sorted(submit.finished) == sorted(URLS)


def test_concurrency_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        backfill(URLS, Submitter(), Cursor(tmp_path / "c.json", "x"), concurrency=0)
