"""The dashboard's watched feeds and an article page's versions, in a real browser (Debian's
Chromium driven by Playwright), against a service of their own that may fetch from 127.0.0.1."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import LiveServer, LocalServer, service_runtime, wait_for_job
from test_analytics import batch, send
from test_embed_browser import axe
from test_pages_browser import SIDEWAYS

from newsvoice.server import create_app
from newsvoice.server.keys import create_key
from newsvoice.server.store import Store

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>{site}/</link>
<description>News from the harbour</description>
<item><title>Ferry timetable changes</title><link>{site}/ferry.html</link><guid>ferry-1</guid>
<description>The island ferries get a new timetable.</description></item>
</channel></rss>
"""
STORY = """<!DOCTYPE html><html lang="en"><head><title>Ferry timetable changes</title></head>
<body><article><h1>Ferry timetable changes</h1>
<p>The harbour board met on Tuesday to discuss the new timetable for the island ferries.
Members agreed that the first crossing will leave earlier in summer, and that tickets bought
online will be valid on every boat of the day. The board will publish the timetable next week,
after a last check with the crews.</p></article></body></html>
"""
FIRST = (
    "Bridge opens to traffic\n\n"
    "The new bridge opens today. Crowds gathered early.\n\n"
    "Traffic was light in the morning.\n"
)
EDITED = (
    "Bridge opens to traffic\n\n"
    "The new bridge opens tomorrow. Crowds gathered early.\n\n"
    "The mayor thanked the engineers.\n"
)
# A long title, and words the voice guesses (a pronunciation check to show).
HARBOUR = (
    "Councillors approve the redevelopment of the old harbour warehouses at Penzance\n\n"
    "The council approved the plan on Monday. Residents of Mousehole welcomed the decision.\n\n"
    "Work starts in spring.\n"
)
# What each page's filled tables are called, with rows.
FILLED = """() => [...document.querySelectorAll('table')].filter((table) => table.tBodies[0]?.rows.length)
  .map((table) => table.className)"""
# On a wide screen, a .stack table is a table, its head in sight.
TABULAR = """() => [...document.querySelectorAll('table.stack')]
  .filter((table) => getComputedStyle(table).display !== 'table' || table.tHead.offsetHeight < 20)
  .map((table) => table.className)"""
# On a phone, what is wrong with a .stack table: its head in sight, a title or a long cell not
# across the row, a cell without its column's name.
STACKED = """() => [...document.querySelectorAll('table.stack')].flatMap((table) => [
  ...(table.tHead.offsetHeight > 1 ? [`head in sight: ${table.className}`] : []),
  ...[...table.querySelectorAll('.lead, .full')].filter((cell) => cell.offsetWidth < 0.9 * table.offsetWidth)
    .map((cell) => `squeezed: ${cell.textContent.trim()}`),
  ...[...table.querySelectorAll('[data-label]')]
    .filter((cell) => !getComputedStyle(cell, '::before').content.includes(`"${cell.dataset.label}"`))
    .map((cell) => `unlabelled: ${cell.dataset.label}`)])"""


@pytest.fixture(scope="module")
def site() -> Iterator[LocalServer]:
    """A publisher on 127.0.0.1: a feed of one item, its page, and a feed that is gone."""
    with LocalServer() as server:
        base = server.url("")
        server.routes["/feed.xml"] = (200, "application/rss+xml", FEED.format(site=base).encode())
        server.routes["/ferry.html"] = (200, "text/html; charset=utf-8", STORY.encode())
        yield server


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, voice, normalizer, site) -> Iterator[LiveServer]:
    """A service of this module's own: its fetches may reach the site on 127.0.0.1, which the
    session's service (and any real deployment by default) refuses."""
    data_dir = tmp_path_factory.mktemp("dashboard")
    with LiveServer(
        create_app(service_runtime(normalizer, data_dir=data_dir, allow=("127.0.0.1",)))
    ) as server:
        server.data_dir = data_dir
        yield server


@pytest.fixture(scope="module")
def key(service: LiveServer) -> str:
    store = Store(service.data_dir / "newsvoice.sqlite3")
    _, token = create_key(store, "dashboard tests")
    store.close()
    return token


@pytest.fixture(scope="module")
def client(service: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, trust_env=False, timeout=60) as client:
        yield client


@pytest.fixture
def page(browser, no_proxy) -> Iterator:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def phone_fits(page, selector: str) -> None:
    """At 390 px, nothing widens the page (the tables' hidden text included), no table scrolls
    sideways, and SELECTOR's elements are within the screen's width."""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.evaluate(SIDEWAYS) == []
    for element in page.locator(selector).all():
        box = element.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, element.inner_text()
    page.set_viewport_size(size)


def status(page):
    return page.locator("#watch-status")


def test_watch_poll_and_stop_watching_a_feed(page, service, client, key: str, site) -> None:
    feed_url, gone_url = site.url("/feed.xml"), site.url("/gone.xml")
    page.goto(f"{service.url}/")
    watches = page.get_by_role("region", name="Watched feeds")
    assert watches.get_by_text("No feed watched yet.").is_visible()
    assert watches.get_by_role("status").count() == 1  # announced to screen readers
    assert page.locator("#watch-status").get_attribute("aria-live") == "polite"

    # Without a key, nothing is sent: the key field is pointed at.
    page.get_by_label("Feed URL").fill(feed_url)
    page.get_by_role("button", name="Watch feed").click()
    page.wait_for_function("() => document.getElementById('watch-status').textContent.includes('API key')")
    assert status(page).inner_text().startswith("Not watched: enter your API key first")
    assert page.evaluate("() => document.activeElement.id") == "key"
    assert client.get("/api/watches").json() == {"watches": []}

    page.get_by_label("API key").fill(key)
    page.get_by_label("Poll every (minutes)").fill("10")
    page.get_by_label("Tags for its articles").fill("harbour, ferries ,")
    page.get_by_label("Feed URL").press("Enter")  # submits the form from the keyboard
    # Listed at once under its URL, then, once the server's watcher has polled it, its title.
    status(page).filter(has_text=f"Watching {feed_url}").wait_for(timeout=10_000)
    status(page).filter(has_text="First poll of Harbour Gazette: 1 item found").wait_for(timeout=20_000)
    row = page.get_by_role("row", name="Harbour Gazette")
    cells = row.get_by_role("cell")
    assert cells.nth(0).inner_text().splitlines() == ["Harbour Gazette", feed_url, "Tags: harbour, ferries"]
    assert [cells.nth(i).inner_text() for i in (1, 2)] == ["1", "10 min"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells.nth(3).inner_text())
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells.nth(4).inner_text())
    assert page.get_by_label("Feed URL").input_value() == ""
    (watched,) = client.get("/api/watches").json()["watches"]
    assert (watched["url"], watched["interval"], watched["tags"]) == (feed_url, 600, ["harbour", "ferries"])
    assert watched["error"] is None

    # Poll now, by keyboard; the answer is announced and focus stays on the button.
    poll = row.get_by_role("button", name="Poll now")
    assert poll.get_attribute("aria-label") is None and "Poll now: Harbour Gazette" in poll.text_content()
    poll.focus()
    page.keyboard.press("Enter")
    status(page).filter(has_text="Polled Harbour Gazette:").wait_for(timeout=10_000)
    assert status(page).inner_text() == (
        "Polled Harbour Gazette: 0 new or changed items being narrated, 1 unchanged."
    )
    assert page.evaluate("() => document.activeElement.textContent") == "Poll now: Harbour Gazette"

    # A feed that fails shows its error in the list.
    page.get_by_label("Feed URL").fill(gone_url)
    page.get_by_role("button", name="Watch feed").click()
    status(page).filter(has_text=f"First poll of {gone_url}").wait_for(timeout=20_000)
    assert "HTTP 404" in status(page).inner_text()
    assert page.evaluate("() => document.activeElement.textContent") == "Watch feed"  # focus kept
    assert "error" in status(page).get_attribute("class")
    error = page.get_by_role("row", name=gone_url).locator(".error")
    assert error.inner_text() == f"Polling failed: {gone_url}: HTTP 404 Not Found"
    # The list drawn by the script is the one the server draws.
    drawn = page.locator("#watch-list").inner_text()
    page.reload()
    assert page.locator("#watch-list").inner_text() == drawn
    assert page.locator("#watch-count").inner_text() == "2"
    page.screenshot(path=str(ARTIFACTS / "dashboard-watches.png"), full_page=True)
    phone_fits(page, "#watch-list button")  # the actions in sight, not scrolled off to the right

    # The API's refusals are shown as they come.
    page.get_by_label("API key").fill("not-a-key")
    page.get_by_role("row", name="Harbour Gazette").get_by_role("button", name="Poll now").click()
    status(page).filter(has_text="Not polled").wait_for(timeout=10_000)
    assert status(page).inner_text() == "Not polled: unknown or revoked API key"
    page.get_by_label("API key").fill(key)

    # Stop watching asks first; dismissed, nothing happens.
    stop = page.get_by_role("row", name="Harbour Gazette").get_by_role("button", name="Stop watching")
    dialogs: list[str] = []

    def answer(dialog, accept: bool) -> None:
        dialogs.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    stop.click()
    assert dialogs == ["Stop watching Harbour Gazette? The articles already narrated from it stay."]
    assert len(client.get("/api/watches").json()["watches"]) == 2
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    stop.focus()
    page.keyboard.press("Enter")
    status(page).filter(has_text="Stopped watching Harbour Gazette").wait_for(timeout=10_000)
    assert page.get_by_role("row", name="Harbour Gazette").count() == 0
    assert [w["url"] for w in client.get("/api/watches").json()["watches"]] == [gone_url]
    # Focus goes to the next feed's button, not lost with the removed row.
    assert page.evaluate("() => document.activeElement.textContent") == f"Stop watching: {gone_url}"
    assert page.locator("#watch-count").inner_text() == "1"

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("row", name=gone_url).get_by_role("button", name="Stop watching").click()
    page.get_by_text("No feed watched yet.").wait_for(timeout=10_000)
    assert page.evaluate("() => document.activeElement.id") == "watch-url"
    assert client.get("/api/watches").json() == {"watches": []}


def narrated(client: httpx.Client, key: str, text: str, article_id: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    if article_id is None:
        answer = client.post("/api/articles", json={"text": text}, headers=headers)
    else:
        answer = client.put(f"/api/articles/{article_id}", json={"text": text}, headers=headers)
    assert answer.status_code == 202, answer.text
    job = wait_for_job(client, answer.json()["job"])
    assert job["status"] == "done", job
    return client.get(job["links"]["article"]).json()


def test_article_page_shows_versions_and_changes(page, service, client, key: str) -> None:
    article = narrated(client, key, FIRST)
    first_page = client.get(article["links"]["page"]).text
    assert 'id="versions-heading"' not in first_page  # one version: nothing to compare
    narrated(client, key, EDITED, article["id"])
    versions = client.get(f"/api/articles/{article['id']}/versions").json()["versions"]
    changes = client.get(f"/api/articles/{article['id']}/changes").json()
    assert [v["number"] for v in versions] == [1, 2]

    page.goto(article["links"]["page"])
    page.get_by_role("heading", name="Versions").click()  # a closed section, under the story
    section = page.get_by_role("region", name="Versions")
    rows = section.get_by_role("table").get_by_role("row")
    assert rows.count() == 3  # the head, then the latest first
    for row, version in zip([rows.nth(1), rows.nth(2)], reversed(versions), strict=True):
        cells = [text.strip() for text in row.locator("td").all_inner_texts()]
        assert cells[0] == f"{version['number']}" + (" (latest)" if version is versions[-1] else "")
        assert cells[1] == "Bridge opens to traffic"
        assert cells[2] == version["created"][:16].replace("T", " ") + " UTC"
        assert cells[3] == f"{int(version['duration'] // 60)}:{int(version['duration'] % 60):02d}"
        link = row.get_by_role("link", name=f"MP3 of version {version['number']}")
        assert link.get_attribute("href") == version["links"]["mp3"]
        audio = client.get(version["links"]["mp3"])
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"

    # The changes, as the API tells them: one sentence changed, one added, one removed.
    assert (changes["from"], changes["to"]) == (1, 2)
    assert changes["changed"] == [
        {"position": 1, "before": "The new bridge opens today.", "after": "The new bridge opens tomorrow."}
    ]
    assert [c["text"] for c in changes["added"]] == ["The mayor thanked the engineers."]
    assert [c["text"] for c in changes["removed"]] == ["Traffic was light in the morning."]
    assert section.get_by_text(
        "From version 1 to version 2: 1 sentence changed, 1 added, 1 removed"
    ).is_visible()
    changed = section.get_by_role("list", name="Changed").get_by_role("listitem")
    assert changed.count() == 1
    assert changed.locator("del").text_content() == "Before: The new bridge opens today."
    assert changed.locator("ins").text_content() == "After: The new bridge opens tomorrow."
    added = section.get_by_role("list", name="Added").get_by_role("listitem")
    assert added.locator("ins").all_inner_texts() == ["The mayor thanked the engineers."]
    removed = section.get_by_role("list", name="Removed").get_by_role("listitem")
    assert removed.locator("del").all_inner_texts() == ["Traffic was light in the morning."]
    # Each changed or added sentence links to its row of the script.
    for item, change in ((changed, changes["changed"][0]), (added, changes["added"][0])):
        number = change["position"] + 1
        item.get_by_role("link", name=f"script row #{number}").focus()
        page.keyboard.press("Enter")
        assert page.evaluate("() => location.hash") == f"#segment-{number}"
        target = page.locator(f"#segment-{number}")
        assert target.locator("td").nth(2).inner_text().startswith(change.get("after") or change["text"])
    page.locator("#versions-heading").scroll_into_view_if_needed()
    section.screenshot(path=str(ARTIFACTS / "article-versions.png"))
    phone_fits(page, "details.panel")

    # All of it is in the HTML the server sends: no script is needed to see it.
    source = html.unescape(client.get(article["links"]["page"]).text)
    assert '<del><span class="visually-hidden">Before: </span>The new bridge opens today.</del>' in source


def test_listening_figures_and_an_articles_review_read_on_a_phone(page, service, client, key: str) -> None:
    """On a phone, the tables of the listening figures (Top articles, the drop-off) and of an
    article's review (the script, the pronunciation check, the versions) are rows of cells each
    under its column's name, the title across: none squeezed, none scrolling sideways. On a
    wide screen they are tables as before; either way axe-core finds nothing wrong."""
    article = narrated(client, key, HARBOUR)
    narrated(client, key, HARBOUR.replace("Monday", "Tuesday"), article["id"])  # two versions
    listen = batch(article["id"], ("load", 0, 1), ("play", 0, 1), ("progress", 3, 1), played=True, listened=3)
    assert send(client, listen).status_code == 204
    page.set_extra_http_headers({"Authorization": f"Bearer {key}"})  # the figures are the publisher's
    pages = {
        "listening": (f"/listening?article={article['id']}", ["top stack", "dropoff stack"]),
        "review": (f"/articles/{article['id']}", ["script stack", "findings stack", "versions stack"]),
    }
    for name, (path, tables) in pages.items():
        page.set_viewport_size({"width": 1100, "height": 900})
        page.goto(service.url + path)
        for summary in page.locator("details.panel > summary").all():
            summary.click()
        assert page.evaluate(FILLED) == tables
        assert page.evaluate(TABULAR) == []
        assert axe(page) == []
        phone_fits(page, "table.stack td")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate(STACKED) == []
        assert axe(page) == []
        page.screenshot(path=str(ARTIFACTS / f"phone-tables-{name}.png"), full_page=True)
