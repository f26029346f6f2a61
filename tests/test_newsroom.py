"""The newsroom used as a library, without HTTP: submitting, narrating on its own workers,
versions, deleting, watched feeds, API keys and webhooks; its errors and their statuses; and a
command line that loads no web framework."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import SERVER_TEXT, service_runtime
from pydantic import ValidationError

from newsvoice.article import Article
from newsvoice.cli import main
from newsvoice.errors import Conflict, NoArticleError, NotAuthenticated, NotFound, Refused, SourceError
from newsvoice.newsroom import Newsroom
from newsvoice.server.netguard import AddressRefused
from newsvoice.server.store import StoreError
from newsvoice.webhook import WebhookRefused, sign

EDITED = SERVER_TEXT + "\nThe city will inspect the bridge again next spring.\n"


@pytest.fixture
def newsroom(tmp_path: Path, normalizer) -> Iterator[Newsroom]:
    """A newsroom on its own data directory, not started."""
    runtime = service_runtime(normalizer, data_dir=tmp_path, webhook_secrets=("secret",))
    with Newsroom.open(runtime, migrate=True) as newsroom:
        yield newsroom


def test_submit_narrate_edit_and_delete_without_http(newsroom: Newsroom, voice) -> None:
    newsroom.start(watching=False)  # narrates here, on its worker threads
    submitted = newsroom.submit_text(SERVER_TEXT, tags=["transport"])
    assert submitted.queued and submitted.record.tags == ("transport",)
    article_id = submitted.record.id
    job = newsroom.wait(submitted.job.id, timeout=120)
    assert job.status == "done" and job.done == job.total >= 4

    record = newsroom.article(article_id)
    assert record.published and record.article.title == "Harbour bridge reopens after repairs"
    mp3 = newsroom.published_file(article_id, "mp3")
    assert mp3.stat().st_size > 10_000 and mp3 == newsroom.audio_file(record, "mp3")
    assert newsroom.timings(record)["segments"][0]["kind"] == "title"
    assert newsroom.articles("bridge", tag="transport").total == 1
    assert newsroom.articles("ferry").total == 0

    again = newsroom.submit_text(SERVER_TEXT)  # the same text: not narrated again
    assert not again.queued and again.job.id == job.id and again.record.id == article_id
    edited = newsroom.update(article_id, newsroom.extract(text=EDITED))
    assert edited.queued and edited.record.id == article_id
    assert newsroom.wait(edited.job.id, timeout=120).status == "done"
    versions = newsroom.versions(article_id)
    assert [version.number for version in versions] == [1, 2]
    assert newsroom.version_file(article_id, 1, "mp3").exists()
    changes = newsroom.changes(article_id)
    assert (changes.before, changes.after) == (1, 2)
    assert [added["text"] for added in changes.changes.added] == [
        "The city will inspect the bridge again next spring."
    ]
    with pytest.raises(Conflict, match="only a failed job can be retried; this one is done"):
        newsroom.retry(edited.job.id)

    newsroom.delete(article_id)
    assert not (newsroom.settings.audio_dir / article_id).exists()
    for read in (
        lambda: newsroom.article(article_id),
        lambda: newsroom.versions(article_id),
        lambda: newsroom.job(job.id),
        lambda: newsroom.published_file(article_id, "mp3"),
        lambda: newsroom.delete(article_id),
    ):
        with pytest.raises(NotFound):
            read()


def test_refusals_and_missing_things_are_newsvoice_errors(newsroom: Newsroom) -> None:
    with pytest.raises(NotFound, match="no article nosuch"):
        newsroom.update("nosuch", newsroom.extract(text=SERVER_TEXT))
    with pytest.raises(NotFound, match="no job nosuch"):
        newsroom.retry("nosuch")
    with pytest.raises(NotFound, match="article nosuch has no narrated version"):
        newsroom.changes("nosuch")
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.1 is a private address"):
        newsroom.submit_url("http://10.0.0.1/story")
    with pytest.raises(NoArticleError):
        newsroom.submit_text("   \n\n  ")
    assert newsroom.articles().total == 0
    # Submitted, but not started: the job waits for whoever runs the queue.
    assert newsroom.submit_text(SERVER_TEXT).job.status == "queued" and newsroom.pending() == 1
    with pytest.raises(TimeoutError, match="still queued"):
        newsroom.wait(newsroom.articles().records[0].job.id, timeout=0.3)


def test_watch_poll_and_unwatch_without_http(newsroom: Newsroom) -> None:
    url = "http://127.0.0.1:9/feed.xml"  # refused by the address guard: nothing is fetched
    feed = newsroom.watch(url, interval=600, tags=["local"])
    assert (feed.url, feed.interval, feed.tags) == (url, 600, ("local",))
    assert newsroom.watch(url, interval=900).id == feed.id  # watched again: its interval changes
    assert [f.interval for f in newsroom.feeds()] == [900] and newsroom.feed(url).id == feed.id
    report = newsroom.poll(feed.id)
    assert report.narrating == 0 and "127.0.0.1 is a loopback address" in report.error
    assert report.feed.polled is not None and report.feed.error == report.error  # as the poll left it
    assert newsroom.unwatch(url).id == feed.id and newsroom.feeds() == []
    for missing in (lambda: newsroom.unwatch(feed.id), lambda: newsroom.poll(feed.id)):
        with pytest.raises(NotFound, match=f"no watched feed {feed.id}"):
            missing()


def test_keys_and_webhooks_without_http(newsroom: Newsroom) -> None:
    record, token = newsroom.create_key("cms")
    assert newsroom.check_key(token) and not newsroom.check_key(token + "x")
    assert [key.name for key in newsroom.api_keys()] == ["cms"]
    assert newsroom.revoke_key("cms").id == record.id and not newsroom.check_key(token)

    body = json.dumps({"event": "publish", "url": "https://news.example/bridge", "text": SERVER_TEXT})
    with newsroom.webhook_delivery(body.encode(), sign("secret", body.encode())) as event:
        published = newsroom.publish(event)
    assert published.queued and published.record.url == "https://news.example/bridge"
    with (
        pytest.raises(WebhookRefused, match="webhook refused: wrong signature"),
        newsroom.webhook_delivery(body.encode(), sign("not the secret", body.encode())),
    ):
        pass
    gone = json.dumps({"event": "delete", "url": "https://news.example/bridge"}).encode()
    with newsroom.webhook_delivery(gone, sign("secret", gone)) as event:
        assert newsroom.unpublish(event)
    assert newsroom.articles().total == 0


def test_only_accepted_webhook_deliveries_are_remembered(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delivery refused (422: its page had no article yet) may be sent again, and is then
    accepted; a replay of an accepted one is refused."""
    body = json.dumps({"event": "publish", "url": "https://news.example/ferry", "text": SERVER_TEXT}).encode()
    headers = sign("secret", body)
    extract = newsroom.extract

    def not_yet(**source: Any) -> Article:
        raise NoArticleError("no article in this page yet")

    monkeypatch.setattr(newsroom, "extract", not_yet)
    with pytest.raises(NoArticleError), newsroom.webhook_delivery(body, headers) as event:
        newsroom.publish(event)
    monkeypatch.setattr(newsroom, "extract", extract)  # the page is fixed; the CMS retries
    with newsroom.webhook_delivery(body, headers) as event:
        assert newsroom.publish(event).queued
    with (
        pytest.raises(WebhookRefused, match="replayed"),
        newsroom.webhook_delivery(body, headers),
    ):
        pass
    invalid = json.dumps({"event": "rename", "url": "https://news.example/ferry"}).encode()
    invalid_headers = sign("secret", invalid)
    for _ in range(2):  # not an event: refused, not remembered
        with pytest.raises(ValidationError), newsroom.webhook_delivery(invalid, invalid_headers):
            pass


def test_each_error_has_one_status() -> None:
    from newsvoice.server.http import error_status

    assert error_status(NotAuthenticated("x")) == error_status(WebhookRefused("x")) == 401
    assert error_status(Refused("x")) == error_status(AddressRefused("x")) == 403  # though a SourceError
    assert error_status(NotFound("x")) == 404
    assert error_status(Conflict("x")) == 409
    assert error_status(SourceError("x")) == error_status(NoArticleError("x")) == 422
    assert error_status(StoreError("x")) is None  # the server's failure: 500


def test_the_command_line_loads_no_web_framework(tmp_path: Path) -> None:
    """`newsvoice keys list` (as every command but `serve`) imports neither FastAPI nor Starlette,
    nor, since it narrates nothing, the narration pipeline."""
    assert CliRunner().invoke(main, ["db", "upgrade", "--data-dir", str(tmp_path)]).exit_code == 0
    assert CliRunner().invoke(main, ["keys", "create", "cms", "--data-dir", str(tmp_path)]).exit_code == 0
    script = (
        "import sys\n"
        "from newsvoice.cli import main\n"
        f"main(['keys', 'list', '--data-dir', {str(tmp_path)!r}], standalone_mode=False)\n"
        "loaded = {name.split('.')[0] for name in sys.modules} | set(sys.modules)\n"
        "print(sorted(loaded & {'fastapi', 'starlette', 'newsvoice.narrate', 'newsvoice.server.app'}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    listing, loaded = done.stdout.splitlines()
    assert listing.startswith("1\tcms\tnv_") and loaded == "[]"


def test_a_paragraph_a_site_repeats_on_its_pages_is_not_read(tmp_path: Path) -> None:
    """The newsroom remembers what each site's pages say (in the data directory) and drops from
    its next page the paragraph its other pages all end with."""
    bio = "Maria Lopez covers the harbour for the Herald and has reported from the coast since 2009."
    with Newsroom.open(service_runtime(data_dir=tmp_path), migrate=True) as newsroom:
        articles = [
            newsroom.extract(html=_site_page(number, bio), url=f"https://herald.example/news/{number}")
            for number in range(4)
        ]
    assert all(article.paragraphs[-1] == bio for article in articles[:3])
    assert bio not in articles[3].paragraphs and len(articles[3].paragraphs) == 3
    assert [path.name for path in (tmp_path / "sites").iterdir()] == ["herald.example.json"]


def _site_page(number: int, bio: str) -> str:
    """A story of the Herald: three paragraphs of its own, then the author's BIO."""
    own = "".join(
        f"<p>Story {number}, part {part}: the council met on day {number} to hear residents of the "
        f"northern suburbs ask again for a faster way into the centre, point {part} of {number}.</p>"
        for part in range(3)
    )
    return f"<html><body><article><h1>Story {number}</h1>{own}<p>{bio}</p></article></body></html>"
