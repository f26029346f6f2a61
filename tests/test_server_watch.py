"""Keeping audio in step with the site: watched feeds, the CMS webhook, edits and duplicates."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import service_runtime, wait_for_job
from fastapi.testclient import TestClient

from newsvoice.server import create_app
from newsvoice.webhook import sign

SECRET = "webhook-secret-for-tests"
WORDS = (
    "The harbour board met on Tuesday evening to discuss the new timetable for the island ferries."
    " Members agreed that the first crossing will leave earlier in summer, and that tickets bought"
    " online will be valid on every boat of the day. The board will publish the full timetable next week,"
    " after a last check with the crews and the port authority."
)


class Site:
    """A publisher on 127.0.0.1: a feed (with ETag) and article pages the test edits."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.feed_status = 200
        self.requests: list[dict[str, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                if self.path == "/feed.xml":
                    self._feed()
                elif self.path in site.pages:
                    self._send(200, site.pages[self.path].encode(), "text/html; charset=utf-8")
                else:
                    self._send(404, b"not found", "text/plain")

            def _feed(self) -> None:
                if site.feed_status != 200:
                    return self._send(site.feed_status, b"down", "text/plain")
                body = site.feed().encode()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", None, etag)
                self._send(200, body, "application/rss+xml", etag)

            def _send(self, status: int, body: bytes, kind: str | None, etag: str | None = None) -> None:
                self.send_response(status)
                if kind:
                    self.send_header("Content-Type", kind)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, path: str, title: str, extra: str = "") -> None:
        self.pages[path] = (
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{WORDS}</p><p>{extra or 'Crews welcomed the change.'}</p></article></body></html>"
        )

    def feed(self) -> str:
        items = "".join(
            f"<item><title>{path}</title><link>{self.url}{path}</link><guid>{path}</guid>"
            f"<description>{hashlib.sha256(page.encode()).hexdigest()}</description></item>"
            for path, page in sorted(self.pages.items())
        )
        channel = f"<channel><title>Harbour News</title>{items}</channel>"
        return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    yield site
    site.server.shutdown()


@contextlib.contextmanager
def service(tmp_path: Path, voice, normalizer, **settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    options = {"data_dir": tmp_path, "allow": ("127.0.0.1",), "webhook_secrets": (SECRET,)} | settings
    app = create_app(service_runtime(normalizer, **options))
    with TestClient(app, base_url="http://localhost") as client:
        _, token = app.state.newsroom.create_key("tests")
        yield client, {"Authorization": f"Bearer {token}"}


def settle(client: TestClient) -> list[dict]:
    """Every article, once each has finished narrating."""
    for article in client.get("/api/articles").json()["articles"]:
        if article["job"]:
            wait_for_job(client, article["job"])
    return client.get("/api/articles").json()["articles"]


def test_a_watched_feed_narrates_new_items_and_edits_and_skips_the_rest(
    tmp_path: Path, voice, normalizer, site: Site
) -> None:
    site.publish("/ferry", "Ferry timetable")
    site.publish("/bridge", "Bridge repairs")
    with service(tmp_path, voice, normalizer) as (client, key):
        watch = client.post("/api/watches", json={"url": f"{site.url}/feed.xml"}, headers=key)
        assert watch.status_code == 201, watch.text
        first = watch.json()
        deadline = time.monotonic() + 30
        while first["polled"] is None:  # the server polls a new feed within seconds
            assert time.monotonic() < deadline, first
            time.sleep(0.1)
            first = client.get(first["links"]["self"]).json()
        assert first["title"] == "Harbour News" and first["items"] == 2 and first["error"] is None
        assert {a["title"] for a in settle(client)} == {"Ferry timetable", "Bridge repairs"}

        again = client.post(f"{watch.json()['links']['self']}/poll", headers=key).json()["poll"]
        assert again["not_modified"] and again["narrating"] == 0  # 304: nothing fetched
        assert site.requests[-1]["path"] == "/feed.xml" and site.requests[-1]["if-none-match"]

        site.publish("/ferry", "Ferry timetable", "Crews and passengers welcomed the change.")
        edited = client.post(f"{watch.json()['links']['self']}/poll", headers=key).json()["poll"]
        assert edited == {"narrating": 1, "unchanged": 1, "not_modified": False, "errors": [], "error": None}
        articles = settle(client)
        ferry = next(a for a in articles if a["title"] == "Ferry timetable")
        assert len(articles) == 2 and ferry["url"] == f"{site.url}/ferry"
        changes = client.get(f"/api/articles/{ferry['id']}/changes").json()
        assert changes["from"] == 1 and changes["to"] == 2
        assert changes["changed"] == [
            {
                "position": changes["changed"][0]["position"],
                "before": "Crews welcomed the change.",
                "after": "Crews and passengers welcomed the change.",
            }
        ]

        site.feed_status = 500
        failing = client.post(f"{watch.json()['links']['self']}/poll", headers=key).json()
        assert "HTTP 500" in failing["error"] == failing["poll"]["error"] and failing["failures"] == 1
        assert failing["next_poll"] > failing["polled"]
        listed = client.get("/api/watches").json()["watches"]
        assert [w["id"] for w in listed] == [watch.json()["id"]]
        assert client.delete(watch.json()["links"]["self"], headers=key).status_code == 204
        assert client.get("/api/watches").json()["watches"] == []


def test_the_server_polls_watched_feeds_by_itself(tmp_path: Path, voice, normalizer, site: Site) -> None:
    site.publish("/tram", "Tram line opens")
    with service(tmp_path, voice, normalizer) as (client, key):
        client.post("/api/watches", json={"url": f"{site.url}/feed.xml", "interval": 60}, headers=key)
        deadline = time.monotonic() + 30
        while not client.get("/api/articles").json()["articles"]:
            assert time.monotonic() < deadline, "the feed was never polled"
            time.sleep(0.2)
        assert settle(client)[0]["title"] == "Tram line opens"


def post_event(client: TestClient, event: dict, secret: str = SECRET, timestamp: int | None = None):
    body = json.dumps(event).encode()
    headers = sign(secret, body, timestamp) | {"Content-Type": "application/json"}
    return client.post("/api/webhook", content=body, headers=headers)


def test_signed_webhooks_publish_update_and_delete(tmp_path: Path, voice, normalizer, site: Site) -> None:
    site.publish("/pier", "Pier reopens")
    url = f"{site.url}/pier"
    with service(tmp_path, voice, normalizer) as (client, _):
        published = post_event(client, {"event": "publish", "url": url, "tags": ["harbour"]})
        assert published.status_code == 202, published.text
        assert (
            published.json()["changed"] and wait_for_job(client, published.json()["job"])["status"] == "done"
        )

        body = json.dumps({"event": "update", "url": url}).encode()
        headers = sign(SECRET, body) | {"Content-Type": "application/json"}
        unchanged = client.post("/api/webhook", content=body, headers=headers)
        assert unchanged.status_code == 202 and unchanged.json()["changed"] is False
        replayed = client.post("/api/webhook", content=body, headers=headers)
        assert replayed.status_code == 401 and "replayed" in replayed.json()["detail"]

        forged = post_event(client, {"event": "delete", "url": url}, secret="not-the-secret")
        assert forged.status_code == 401 and "wrong signature" in forged.json()["detail"]
        stale = post_event(client, {"event": "delete", "url": url}, timestamp=int(time.time()) - 3600)
        assert stale.status_code == 401 and "too old" in stale.json()["detail"]
        assert client.post("/api/webhook", json={"event": "delete", "url": url}).status_code == 401
        assert post_event(client, {"event": "rename", "url": url}).status_code == 422

        text = {"event": "update", "url": url, "text": "Pier reopens\n\n" + WORDS}
        updated = post_event(client, text)
        assert updated.status_code == 202 and updated.json()["changed"]
        assert updated.json()["article"]["id"] == published.json()["article"]["id"]

        deleted = post_event(client, {"event": "delete", "url": url})
        assert deleted.status_code == 200 and deleted.json() == {"deleted": True}
        assert client.get("/api/articles").json()["total"] == 0
        later = int(time.time()) + 1  # the same event in the same second would be a replay
        assert post_event(client, {"event": "delete", "url": url}, timestamp=later).json() == {
            "deleted": False
        }


def test_webhooks_are_off_without_a_secret(tmp_path: Path, voice, normalizer) -> None:
    with service(tmp_path, voice, normalizer, webhook_secrets=()) as (client, _):
        answer = post_event(client, {"event": "delete", "url": "https://x.example/a"})
        assert answer.status_code == 404 and "webhook_secrets" in answer.json()["detail"]


def test_simultaneous_submissions_of_one_article_make_one_narration(
    tmp_path: Path, voice, normalizer
) -> None:
    text = {"text": "Ferry timetable\n\n" + WORDS}
    with service(tmp_path, voice, normalizer) as (client, key):
        barrier, answers = threading.Barrier(4), []

        def submit() -> None:
            barrier.wait()
            answers.append(client.post("/api/articles", json=text, headers=key).json())

        threads = [threading.Thread(target=submit) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({a["job"]["id"] for a in answers}) == 1 and sum(a["changed"] for a in answers) == 1
        article = settle(client)[0]
        assert len(client.get(f"/api/articles/{article['id']}/versions").json()["versions"]) == 1


def test_watch_command_once(tmp_path: Path, site: Site) -> None:
    from click.testing import CliRunner

    from newsvoice.cli import main

    site.publish("/quay", "Quay works")
    where = ["--data-dir", str(tmp_path), "--allow", "127.0.0.1"]
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--data-dir", str(tmp_path)]).exit_code == 0
    first = runner.invoke(main, ["watch", f"{site.url}/feed.xml", "--once", *where])
    assert first.exit_code == 0, first.output
    assert f"{site.url}/feed.xml: 1 to narrate, 0 unchanged" in first.stdout
    again = runner.invoke(main, ["watch", f"{site.url}/feed.xml", "--once", *where])
    assert "not modified" in again.stdout
    assert len(list((tmp_path / "audio").glob("*/*.mp3"))) == 1
    missing = runner.invoke(main, ["watch", f"{site.url}/missing.xml", "--once", *where])
    assert missing.exit_code == 1 and "HTTP 404" in missing.stderr
    listed = runner.invoke(main, ["watches", "--data-dir", str(tmp_path)])
    assert f"{site.url}/feed.xml" in listed.stdout and "missing.xml" not in listed.stdout
    assert (
        runner.invoke(main, ["unwatch", f"{site.url}/feed.xml", "--data-dir", str(tmp_path)]).exit_code == 0
    )
    assert runner.invoke(main, ["watches", "--data-dir", str(tmp_path)]).stdout == ""


def test_backfill_command_queues_an_archive_and_resumes(tmp_path: Path, site: Site) -> None:
    from click.testing import CliRunner

    from newsvoice.cli import main
    from newsvoice.server.store import Store

    site.publish("/one", "Archive one")
    site.publish("/two", "Archive two")
    archive = tmp_path / "archive.txt"
    archive.write_text(f"# the archive\n{site.url}/one\n{site.url}/gone\n{site.url}/two\n")
    where = ["--data-dir", str(tmp_path / "data")]
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", *where]).exit_code == 0
    # Its pages are fetched as submitted URLs are: not from a private address unless allowed.
    refused = runner.invoke(main, ["backfill", str(archive), "--cursor", str(tmp_path / "c.json"), *where])
    assert refused.exit_code == 1 and "127.0.0.1 is a loopback address" in refused.stderr
    assert f"no article of {archive} could be queued" in refused.stderr and site.requests == []
    where += ["--allow", "127.0.0.1"]
    failed = tmp_path / "failed.txt"
    first = runner.invoke(
        main, ["backfill", str(archive), "--tag", "archive", "--failed", str(failed), *where]
    )
    assert first.exit_code == 0, first.output
    assert "queued 2, unchanged 0, failed 1" in first.stdout and "/gone: HTTP 404" in first.stderr
    assert failed.read_text() == f"# {site.url}/gone: HTTP 404 Not Found\n{site.url}/gone\n"
    again = runner.invoke(main, ["backfill", str(archive), *where])
    assert "3 done before" in again.stderr and "queued 0, unchanged 0, failed 0" in again.stdout
    restarted = runner.invoke(main, ["backfill", str(archive), "--restart", "--tag", "archive", *where])
    assert "queued 0, unchanged 2, failed 1" in restarted.stdout  # nothing narrated twice
    store = Store(tmp_path / "data" / "newsvoice.sqlite3")
    records, total = store.articles(tag="archive")
    assert total == 2 and {r.job.status for r in records} == {"queued"}
    store.close()
    missing = runner.invoke(main, ["backfill", str(tmp_path / "nope.txt"), *where])
    assert missing.exit_code == 1 and "no such file" in missing.stderr
