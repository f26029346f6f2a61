"""Listening figures: the ingestion endpoint's checks, the aggregates on SQLite and PostgreSQL,
the reports (JSON, CSV, the dashboard's page), and that nothing personal is stored."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import SERVER_TEXT, idle_service, postgres_database, wait_for_job
from sqlalchemy import inspect, select

from newsvoice import analytics
from newsvoice.analytics import BadBatch, hll_add, hll_count, parse_batch
from newsvoice.article import Article, Block
from newsvoice.server.store import Listening
from newsvoice.server.store.versions import publish

DURATION = 60.0
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


@contextlib.contextmanager
def service(tmp_path: Path, database: str | None = None, **settings) -> Iterator[tuple]:
    """A service with one published, public article of DURATION seconds (its audio not made:
    the figures need only its duration): a client, key headers, the article's id, the newsroom."""
    if database:
        settings["database"] = database
    with idle_service(tmp_path / "server", **settings) as (client, headers, article_id):
        newsroom = client.app.state.newsroom
        store = newsroom.store
        job_id = newsroom.article(article_id).job.id
        with store.transaction() as db:
            article = Article("A title", (Block("p", "Some words to read."),))
            publish(db, article_id, job_id, article, [], DURATION, [], [], time.time())
        yield client, headers, article_id, newsroom


def batch(article_id: str, *events, played: bool = False, listened: float = 0, **extra) -> dict:
    events = [{"kind": kind, "position": position, "speed": speed} for kind, position, speed in events]
    return {
        "article": article_id,
        "version": 1,
        "host": "news.example",
        "played": played,
        "listened": listened,
        "events": events,
    } | extra


def send(client, body, user_agent: str = BROWSER, address: str | None = None):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"User-Agent": user_agent, "Content-Type": "text/plain;charset=UTF-8"}
    if address:
        headers["X-Forwarded-For"] = address
    return client.post("/api/listens", content=content, headers=headers)


LISTEN = (
    ("load", 0, 1),
    ("play", 0, 1),
    ("progress", 6.1, 1),
    ("progress", 12.2, 1),
    ("progress", 18.3, 1),
    ("seek", 6, 1),
    ("speed", 6, 1.5),
)


def test_a_listen_is_counted_and_reported(tmp_path: Path) -> None:
    with service(tmp_path) as (client, headers, article_id, newsroom):
        assert client.get(f"/api/articles/{article_id}").json()["links"]["listens"].endswith("/api/listens")
        assert send(client, batch(article_id, *LISTEN, listened=19)).status_code == 204
        assert send(client, batch(article_id, ("load", 0, 1))).status_code == 204  # another page view
        answer = client.get(f"/api/listening/articles/{article_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert (report["loads"], report["plays"], report["engagement"]) == (2, 1, 0.5)
        reached = {point["bucket"]: point["reached"] for point in report["dropoff"]}
        assert reached == {0: 1, 10: 1, 20: 1, 30: 1} | dict.fromkeys(range(40, 101, 10), 0)
        assert report["average_completed"] == 30
        assert report["average_speed"] == pytest.approx((1 + 1 + 1 + 1 + 1.5) / 5)
        assert report["listened"] == 19 and report["seeks"] == 1 and report["speed_changes"] == 1
        assert report["listeners"] == 1
        assert report["hosts"] == [{"host": "news.example", "loads": 2, "plays": 1}]
        assert report["days"][0]["plays"] == 1
        csv = client.get(f"/api/listening/articles/{article_id}?format=csv", headers=headers)
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0] == "day,loads,plays,completes,listened,listeners"
        summary = client.get("/api/listening", headers=headers).json()
        assert (summary["loads"], summary["plays"], summary["articles"]) == (2, 1, 1)
        assert client.get("/api/listening?tag=nothing", headers=headers).json()["plays"] == 0
        top = client.get("/api/listening/top", headers=headers).json()["articles"]
        assert [row["article"] for row in top] == [article_id], top
        assert top[0]["title"] == newsroom.article(article_id).article.title, top
        assert "2000-01-01," not in client.get("/api/listening/top?format=csv", headers=headers).text
        assert (
            client.get("/api/listening?from=2000-01-01&to=2000-01-02", headers=headers).json()["plays"] == 0
        )
        for path in (
            f"/api/listening/articles/{article_id}",
            "/api/listening",
            "/api/listening/top",
            "/listening",
        ):
            assert client.get(path).status_code == 401, path
        page = client.get("/listening", auth=("publisher", headers["Authorization"].split()[1]))
        assert page.status_code == 200 and page.text.count("<svg") == 2, page.text
        assert top[0]["title"] in page.text


def test_robots_are_dropped_and_addresses_limited(tmp_path: Path) -> None:
    with service(tmp_path, analytics_rate=60) as (client, headers, article_id, _newsroom):
        for agent in ("", "Googlebot/2.1", "curl/8.0", "python-httpx/0.27", "Mozilla/5.0 HeadlessChrome/130"):
            assert send(client, batch(article_id, ("load", 0, 1)), agent).status_code == 204
        assert client.get(f"/api/listening/articles/{article_id}", headers=headers).json()["loads"] == 0
        answers = [send(client, batch(article_id, ("load", 0, 1))).status_code for _ in range(40)]
        assert answers.count(204) <= 31 and answers[-1] == 429  # a burst of 30, then one a second


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[]", 422),
        ({"article": "nosuchthing", "version": 1, "events": [{"kind": "load"}]}, 404),
        ("version 9", 404),
        ("unknown kind", 422),
        ("too many", 422),
        ("no events", 422),
        ("wrong types", 422),
        ("string position", 422),
        ("bool version", 422),
        ("extra field", 422),
        ("past the end", 422),
        ("complete without play", 422),
        ("listened too long", 422),
        ("huge", 413),
        ("bad host", 422),
        ("slow speed", 422),
    ],
)
def test_bad_batches_are_refused(tmp_path: Path, body, status: int) -> None:
    with service(tmp_path) as (client, headers, article_id, _newsroom):
        good = batch(article_id, ("load", 0, 1))
        bodies = {
            "version 9": good | {"version": 9},
            "unknown kind": batch(article_id, ("click", 0, 1)),
            "too many": batch(article_id, *[("load", 0, 1)] * 51),
            "no events": good | {"events": []},
            "wrong types": good | {"events": [{"kind": "load", "position": 0, "speed": "fast"}]},
            "string position": good | {"events": [{"kind": "seek", "position": "5"}]},
            "bool version": good | {"version": True},
            "extra field": good | {"ip": "10.0.0.1"},
            "past the end": batch(article_id, ("play", 0, 1), ("progress", DURATION + 30, 1)),
            "complete without play": batch(article_id, ("complete", DURATION, 1)),
            "listened too long": batch(article_id, ("play", 0, 1), listened=DURATION * 10),
            "huge": good | {"host": "a" * 20_000},
            "bad host": good | {"host": "<script>"},
            "slow speed": batch(article_id, ("speed", 0, 0.01)),
        }
        answer = send(client, bodies.get(body, body) if isinstance(body, str) else body)
        assert answer.status_code == status, answer.text
        assert "detail" in answer.json()
        report = client.get(f"/api/listening/articles/{article_id}", headers=headers).json()
        assert report["loads"] == 0  # nothing of a refused batch is counted


def test_a_body_past_the_limit_is_refused_while_it_streams(tmp_path: Path) -> None:
    with service(tmp_path) as (client, _headers, article_id, _newsroom):

        def chunks() -> Iterator[bytes]:
            yield b'{"article": "' + article_id.encode() + b'", "host": "'
            for _ in range(100):
                yield b"a" * 1000

        answer = client.post("/api/listens", content=chunks(), headers={"User-Agent": BROWSER})
        assert answer.status_code == 413


def test_analytics_off(tmp_path: Path) -> None:
    with service(tmp_path, analytics=False) as (client, _headers, article_id, _newsroom):
        assert "listens" not in client.get(f"/api/articles/{article_id}").json()["links"]
        assert send(client, batch(article_id, ("load", 0, 1))).status_code == 404
        page = client.get("/publish").text  # the Embed page says so, and cannot switch it on
        assert re.search(r'<input type="checkbox" name="analytics" disabled', page), page
        assert "its <code>analytics</code> setting is off" in page


def test_postgresql_keeps_the_same_figures(tmp_path: Path) -> None:
    with (
        postgres_database() as database,
        service(tmp_path, database) as (client, headers, article_id, newsroom),
    ):
        for n in range(3):
            listener = f"{BROWSER} Edg/{n}"  # three listeners (the test client has one address)
            assert send(client, batch(article_id, *LISTEN, listened=19), listener).status_code == 204
            newsroom.audience.flush()  # three writes, added to one row
        assert (
            send(client, batch(article_id, ("progress", 59, 2), ("complete", 60, 2), played=True)).status_code
            == 204
        )
        report = client.get(f"/api/listening/articles/{article_id}", headers=headers).json()
        assert (report["loads"], report["plays"], report["completes"]) == (3, 3, 1)
        reached = {point["bucket"]: point["reached"] for point in report["dropoff"]}
        assert reached[0] == 3 and reached[30] == 3 and reached[90] == 1 and reached[100] == 1
        assert report["listened"] == 57
        assert 2 <= report["listeners"] <= 4  # three listeners, estimated
        assert_nothing_personal(newsroom.store, ["testclient", "Edg/", BROWSER[:20], "Mozilla"])


def test_the_service_asks_for_the_salt_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A play's batch is answered on the event loop; the day's salt, asked of the database
    there, would hold up every other request while it waits."""
    on_the_loop: list[bool] = []
    asked = Listening.listener_salt

    def listener_salt(store: Listening, day: str) -> bytes:
        try:
            asyncio.get_running_loop()
            on_the_loop.append(True)
        except RuntimeError:
            on_the_loop.append(False)
        return asked(store, day)

    monkeypatch.setattr(Listening, "listener_salt", listener_salt)
    with service(tmp_path) as (client, headers, article_id, _newsroom):
        assert send(client, batch(article_id, ("play", 0, 1))).status_code == 204
        assert on_the_loop == [False]
        assert client.get(f"/api/listening/articles/{article_id}", headers=headers).json()["listeners"] == 1


def test_deleting_an_article_deletes_its_figures(tmp_path: Path) -> None:
    with service(tmp_path) as (client, _headers, article_id, newsroom):
        send(client, batch(article_id, ("load", 0, 1)))
        newsroom.delete(article_id)
        newsroom.audience.flush()  # a deleted article's counts are dropped, not refused by the database
        with newsroom.store.read() as db:
            assert db.exec_driver_sql("SELECT count(*) FROM listening").scalar() == 0


def assert_nothing_personal(store, forbidden: list[str]) -> None:
    """Every table of the database, every row: no address, user agent or hash of them. The
    binary columns are the HyperLogLog registers, small numbers (ranks), 256 of them; and the
    salt of the day, random, the only one kept."""
    with store.read() as db:
        for table in inspect(db).get_table_names():
            for row in db.exec_driver_sql(f'SELECT * FROM "{table}"'):
                if table == "listening_salts":
                    assert row.day == analytics.today() and len(row.salt) == analytics.SALT_BYTES
                    continue
                for value in row:
                    if isinstance(value, bytes | memoryview) and table.startswith("listening"):
                        value = bytes(value)
                        assert len(value) == analytics.REGISTERS and max(value) <= 57, table
                        continue
                    text = str(value)
                    for word in forbidden:
                        assert word not in text, (table, word)
        columns = {
            column["name"]
            for table in inspect(db).get_table_names()
            if table.startswith("listening")
            for column in inspect(db).get_columns(table)
        }
        assert not columns & {"ip", "address", "user_agent", "agent", "hash", "session", "visitor", "cookie"}


def test_hyperloglog_estimates_within_its_error() -> None:
    registers = bytearray(analytics.REGISTERS)
    assert hll_count(registers) == 0
    import hashlib

    for n in range(10_000):
        hll_add(registers, int.from_bytes(hashlib.blake2b(str(n).encode(), digest_size=8).digest(), "big"))
    assert abs(hll_count(registers) - 10_000) < 10_000 * 0.2


def test_parse_batch_is_strict() -> None:
    good = {"article": "abc", "version": 1, "events": [{"kind": "play", "position": 1.5, "speed": 1.25}]}
    assert parse_batch(json.dumps(good).encode()).events[0].speed == 1.25
    for bad in ({**good, "events": [{"kind": "play", "position": float("nan")}]},):
        with pytest.raises(BadBatch):
            parse_batch(json.dumps(bad).encode())
    assert select is not None and base64 is not None


# --- in a real browser -----------------------------------------------------------------------


def test_a_listener_in_chromium(
    browser, local_server, live_server, published: dict, api, api_key, no_proxy
) -> None:
    """A listener plays the article to 35%, seeks, changes the speed and closes the tab: the
    beacon sent as the page goes brings 1 load, 1 play, 0-30% reached and the speed."""
    from test_player_browser import AUDIO, READY, STORY

    html = STORY.format(article=published["id"], server=live_server.url).replace(
        "<newsvoice-player ", "<newsvoice-player datalayer "
    )
    local_server.routes["/listened.html"] = (200, "text/html; charset=utf-8", html.encode())
    context = browser.new_context(user_agent=BROWSER)
    page = context.new_page()
    page.goto(local_server.url("/listened.html"))
    page.wait_for_function(READY, timeout=15_000)
    player = page.locator("newsvoice-player")
    player.get_by_role("button", name="Play").click()
    duration = published["duration"]
    page.wait_for_function(f"() => {AUDIO}.currentTime >= {0.35 * duration}", timeout=30_000)
    player.get_by_role("button", name="Back 15 seconds").click()  # a seek, back to the start
    player.locator(".speed").click()  # 1.25×
    pushed = page.evaluate("() => window.dataLayer.map((item) => item.event)")
    assert (
        pushed[:3] == ["newsvoice_load", "newsvoice_play", "newsvoice_progress"]
        and "newsvoice_speed" in pushed
    )
    page.close()  # pagehide: the batch goes with sendBeacon
    context.close()
    report = reported(api, api_key, published["id"], lambda report: report["speed_changes"] >= 1)
    assert (report["loads"], report["plays"], report["seeks"], report["speed_changes"]) == (1, 1, 1, 1)
    reached = {point["bucket"]: point["reached"] for point in report["dropoff"]}
    assert reached == {0: 1, 10: 1, 20: 1, 30: 1} | dict.fromkeys(range(40, 101, 10), 0)
    assert 1 < report["average_speed"] < 1.25  # at 1× to 35%, then 1.25×
    assert 0.3 * duration <= report["listened"] <= 0.45 * duration
    assert report["hosts"] == [{"host": "127.0.0.1", "loads": 1, "plays": 1}]
    tagged = api.get("/api/listening?tag=transport", headers=api_key).json()  # the article's tag
    assert (tagged["plays"], tagged["articles"], tagged["days"][0]["plays"]) == (1, 1, 1)
    newsroom = live_server._server.config.app.state.newsroom
    assert_nothing_personal(newsroom.store, ["Mozilla/5.0", "Chrome/130", "X11; Linux"])
    with newsroom.store.read() as db:  # the listener's address is in no table but as the page's host
        for table in inspect(db).get_table_names():
            if table != "listening_hosts":
                for row in db.exec_driver_sql(f'SELECT * FROM "{table}"'):
                    assert not any(
                        "127.0.0.1" in str(value) and not str(value).startswith("http") for value in row
                    )


def reported(api, api_key: dict, article_id: str, done: Callable[[dict], bool]) -> dict:
    """The article's report once DONE says it has what the beacons bring (they come a while
    after they are sent, and the last after its page has gone)."""
    deadline = time.monotonic() + 15
    while not done(report := api.get(f"/api/listening/articles/{article_id}", headers=api_key).json()):
        assert time.monotonic() < deadline, f"the beacons did not come: {report}"
        time.sleep(0.2)
    return report


@pytest.fixture(scope="module")
def unheard(api, api_key: dict) -> Iterator[dict]:
    """An article of its own (its figures are not those of the other tests'), published."""
    text = SERVER_TEXT.replace("Friday", "Monday")
    answer = api.post("/api/articles", json={"text": text}, headers=api_key)
    assert answer.status_code == 202, answer.text
    job = wait_for_job(api, answer.json()["job"])
    assert job["status"] == "done", job
    yield api.get(f"/api/articles/{job['article']}").json()
    api.delete(f"/api/articles/{job['article']}", headers=api_key)


def test_a_listen_on_the_services_own_article_page(
    browser, live_server, unheard: dict, api, api_key, no_proxy
) -> None:
    """On the service's own page of the article, a load and a play are counted as the play
    starts, while the page is still open; what was heard is sent at the pause."""
    from test_player_browser import AUDIO, READY

    context = browser.new_context(user_agent=BROWSER)  # headless Chromium's own is a robot's
    page = context.new_page()
    page.goto(f"{live_server.url}/articles/{unheard['id']}")
    page.wait_for_function(READY, timeout=15_000)
    player = page.locator("newsvoice-player")
    player.get_by_role("button", name="Play").click()
    report = reported(api, api_key, unheard["id"], lambda report: report["plays"] >= 1)
    assert (report["loads"], report["plays"], report["listeners"]) == (1, 1, 1), report
    assert report["hosts"] == [{"host": "127.0.0.1", "loads": 1, "plays": 1}]
    page.wait_for_function(f"() => {AUDIO}.currentTime >= 2", timeout=15_000)
    player.get_by_role("button", name="Pause").click()
    report = reported(api, api_key, unheard["id"], lambda report: report["listened"] > 0)
    assert (report["loads"], report["plays"]) == (1, 1) and report["listened"] >= 1.5, report
    context.close()


def test_a_framed_player_reports_the_embedding_pages_host(
    browser, local_server, live_server, unheard: dict, api, api_key, no_proxy
) -> None:
    """The player alone in a publisher's <iframe> (/embed/ID) counts its load and play as
    the publisher's page's host, not the service's."""
    frame = f'<iframe src="{live_server.url}/embed/{unheard["id"]}"></iframe>'
    html = f"<!DOCTYPE html><title>News</title>{frame}"
    local_server.routes["/framed.html"] = (200, "text/html; charset=utf-8", html.encode())
    before = by_host(api.get(f"/api/listening/articles/{unheard['id']}", headers=api_key).json())
    context = browser.new_context(user_agent=BROWSER)
    page = context.new_page()
    page.goto(local_server.url("/framed.html").replace("127.0.0.1", "localhost"))  # another host
    player = page.frame_locator("iframe").locator("newsvoice-player")
    player.get_by_role("button", name="Play").click(timeout=15_000)
    report = reported(api, api_key, unheard["id"], lambda report: "localhost" in by_host(report))
    assert by_host(report) == before | {"localhost": {"host": "localhost", "loads": 1, "plays": 1}}
    context.close()


def by_host(report: dict) -> dict[str, dict]:
    return {row["host"]: row for row in report["hosts"]}


SPY = """
window.beacons = [];
navigator.sendBeacon = (url, body) => { window.beacons.push(url); return true; };
"""


@pytest.mark.parametrize("case", ["on", "off", "gpc"])
def test_turned_off_by_the_page_or_the_browser(
    browser, local_server, live_server, published: dict, no_proxy, case: str
) -> None:
    from test_player_browser import READY, STORY

    html = STORY.format(article=published["id"], server=live_server.url)
    if case == "off":
        html = html.replace("<newsvoice-player ", '<newsvoice-player analytics="off" ')
    local_server.routes[f"/{case}.html"] = (200, "text/html; charset=utf-8", html.encode())
    context = browser.new_context(user_agent=BROWSER)
    page = context.new_page()
    page.add_init_script(SPY)
    if case == "gpc":
        page.add_init_script(
            "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });"
        )
    page.goto(local_server.url(f"/{case}.html"))
    page.wait_for_function(READY, timeout=15_000)
    page.locator("newsvoice-player").get_by_role("button", name="Play").click()
    page.wait_for_function("() => document.querySelector('newsvoice-player').played")
    page.evaluate("() => document.querySelector('newsvoice-player').send()")
    assert len(page.evaluate("() => window.beacons")) == (1 if case == "on" else 0)
    context.close()


def test_a_progress_event_at_its_step_is_counted_in_it() -> None:
    """The player sends a step's progress at the step itself, rounded up to 0.1 s."""
    for duration in (60.0, 61.3, 7.7, 1234.5):
        for tenth in range(1, 10):
            position = -(-tenth * duration // 1) / 10  # Math.ceil(tenth * duration) / 10
            assert analytics.bucket_of(position, duration) == tenth * 10, (duration, tenth)
