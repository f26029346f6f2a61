"""The service's own pages in a real browser (Debian's Chromium driven by Playwright): the
dashboard, an article's page, the Embed page for publishers, the framed player and the 404
page; axe-core finds nothing wrong with them, nothing overflows (nor scrolls sideways in a
table) from 320 to 1440 px, in light and dark. Screenshots go to artifacts/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import SERVER_TEXT, wait_for_job
from test_embed_browser import ARTIFACTS, axe

PAGES = {
    "dashboard": "/",
    "article": "/articles/{id}",
    "publish": "/publish",
    "embed": "/embed/{id}",
    "not-found": "/articles/nosuchthing",
}
PLAYER_READY = "() => document.querySelector('newsvoice-player')?.getAttribute('state') === 'ready'"
NAV_ROWS = "() => new Set([...document.querySelectorAll('.site-header nav a')].map((a) => a.offsetTop)).size"
TAPPED = ".site-header a, button, input:not([type=checkbox], [type=radio]), select, .choice"
TOO_SMALL = f"""() => [...document.querySelectorAll('{TAPPED}')].filter((e) => e.offsetParent
  && e.getBoundingClientRect().height < 44).map((e) => e.outerHTML.slice(0, 80))"""
# The tables that scroll sideways in their .table-wrap (which keeps them from widening the page).
SIDEWAYS = """() => [...document.querySelectorAll('.table-wrap')]
  .filter((wrap) => wrap.scrollWidth > wrap.clientWidth)
  .map((wrap) => wrap.querySelector('table')?.className)"""


@pytest.fixture
def context(browser, no_proxy) -> Iterator:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context()
    yield context
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_pages(browser, live_server, published: dict, no_proxy, name: str, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    answer = page.goto(live_server.url + PAGES[name].format(id=published["id"]))
    assert answer.status == (404 if name == "not-found" else 200)
    if name in ("article", "publish", "embed"):
        page.wait_for_function(PLAYER_READY, timeout=15_000)
    if name == "article":  # the review's sections, open
        for summary in page.locator("details.panel > summary").all():
            summary.click()
    assert axe(page) == []
    for width in (320, 390, 1280, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, width
        assert page.evaluate(SIDEWAYS) == [], width
        if name != "embed":  # the service's own pages: the links on one row, 44 px tap targets on a phone
            assert page.evaluate(NAV_ROWS) == 1, width
            assert width > 390 or page.evaluate(TOO_SMALL) == [], width
        if width in (390, 1280):
            page.screenshot(path=str(ARTIFACTS / f"page-{name}-{scheme}-{width}.png"), full_page=True)
    context.close()


def test_article_page_puts_the_story_and_player_first(context, live_server, published: dict) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/articles/{published['id']}")
    page.wait_for_function(PLAYER_READY, timeout=15_000)
    player = page.locator("newsvoice-player").bounding_box()
    assert player["y"] + player["height"] < 844  # on the first screen of a phone
    assert page.locator("#article-text").is_visible()
    for heading in ("Script", "Pronunciation check", "Embed"):
        section = page.get_by_role("region", name=heading)
        assert not section.locator("table, pre").first.is_visible()  # closed until asked for
    page.get_by_role("heading", name="Script").click()
    assert page.get_by_role("region", name="Script").locator("table").is_visible()


def test_dashboard_keeps_the_key_for_the_tab_only_and_refreshes(
    context, live_server, api, api_key: dict
) -> None:
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    token = api_key["Authorization"].removeprefix("Bearer ")
    page.evaluate("(token) => localStorage.setItem('newsvoice:key', token)", token)  # as before: in clear
    page.reload()
    assert page.evaluate("() => localStorage.getItem('newsvoice:key')") is None  # cleared away
    page.get_by_label("API key").fill(token)
    page.get_by_label("paste its text").fill("Ferry fares frozen\n\nFerry fares will not rise this year.\n")
    page.get_by_role("button", name="Narrate and listen").click()
    page.get_by_role("status").filter(has_text="Done").wait_for(timeout=30_000)
    # The list is drawn again with the narration done, without reloading the page.
    page.get_by_role("row", name="Ferry fares frozen").get_by_text("done").wait_for(timeout=10_000)
    assert page.evaluate("() => sessionStorage.getItem('newsvoice:key')") == token
    assert page.evaluate("() => localStorage.getItem('newsvoice:key')") is None
    page.get_by_role("button", name="Forget key").click()
    assert page.evaluate("() => sessionStorage.getItem('newsvoice:key')") is None
    assert page.get_by_label("API key").input_value() == ""
    # Words only this test's article has (another test's "Ferry fares rise…" may be in the
    # session's server); the list's rows alone (not the watched feeds').
    page.get_by_label("Search articles").fill("ferry fares frozen")
    page.get_by_label("Search articles").press("Enter")
    page.wait_for_url("**/?q=ferry+fares+frozen")
    found = page.get_by_role("region", name="Narrated articles").get_by_role("row")
    assert found.count() == 2  # the head and the one found
    page.screenshot(path=str(ARTIFACTS / "dashboard-search.png"), full_page=True)
    article = page.get_by_role("link", name="Ferry fares frozen").get_attribute("href")
    assert api.delete(f"/api/articles/{article.rsplit('/', 1)[1]}", headers=api_key).status_code == 204
    page.goto(article)  # deleted: a page that says so
    assert page.get_by_role("heading", name="This article is not here").is_visible()


def test_publish_page_snippet_follows_the_options(context, live_server, published: dict) -> None:
    page = context.new_page()
    page.goto(f"{live_server.url}/publish")
    page.wait_for_function(PLAYER_READY, timeout=15_000)
    page.get_by_label("Compact (one row)").check()
    page.get_by_label("A transcript to open").check()
    page.get_by_label("Corner radius (px)").fill("4")
    page.get_by_label("Corner radius (px)").dispatch_event("change")
    snippet = page.locator("#snippet").inner_text()
    assert snippet == (
        "<style>newsvoice-player { --newsvoice-radius: 4px; }</style>\n"
        f'<script src="{live_server.url}/embed.js" data-layout="compact"'
        " data-transcript data-jsonld async></script>"
    )
    page.wait_for_function(
        "() => document.querySelector('#preview newsvoice-player').getAttribute('layout') === 'compact'"
        " && document.querySelector('#preview newsvoice-player').getAttribute('state') === 'ready'",
        timeout=15_000,
    )
    page.screenshot(path=str(ARTIFACTS / "publish-options.png"), full_page=True)
    assert axe(page) == []


def test_publish_page_switches_listening_figures(
    context, local_server, live_server, published: dict, api, api_key: dict
) -> None:
    """The snippet carries the figures' switches, and a page with it pushes to dataLayer and
    sends no listening events."""
    address = "https://news.example/2026/harbour-bridge-snippet"
    answer = api.post("/api/articles", json={"text": SERVER_TEXT, "url": address}, headers=api_key)
    assert wait_for_job(api, answer.json()["job"])["status"] == "done"
    page = context.new_page()
    page.goto(f"{live_server.url}/publish")
    page.wait_for_function(PLAYER_READY, timeout=15_000)
    snippet = page.locator("#snippet")
    assert page.get_by_label("Count listens on this service").is_checked()
    assert "data-analytics" not in snippet.inner_text() and "data-datalayer" not in snippet.inner_text()
    page.get_by_label("Count listens on this service").uncheck()
    page.get_by_label("Push the events to Google Tag Manager").check()
    code = snippet.inner_text()
    assert code == (
        f'<script src="{live_server.url}/embed.js" data-jsonld data-datalayer'
        ' data-analytics="off" async></script>'
    )
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"publish-figures-{width}.png"), full_page=True)
    assert axe(page) == []
    # The snippet on a publisher's page (another host), with the article's address.
    story = f'<!DOCTYPE html><html lang="en"><title>News</title><link rel="canonical" href="{address}">'
    local_server.routes["/snippet.html"] = (200, "text/html; charset=utf-8", (story + code).encode())
    publisher = context.new_page()
    publisher.add_init_script(
        "navigator.sendBeacon = (url) => { (window.beacons ||= []).push(url); return true; };"
    )
    publisher.goto(local_server.url("/snippet.html").replace("127.0.0.1", "localhost"))
    publisher.wait_for_function(PLAYER_READY, timeout=15_000)
    player = publisher.locator("newsvoice-player")
    assert player.get_attribute("analytics") == "off" and player.get_attribute("datalayer") == ""
    player.get_by_role("button", name="Play").click()
    publisher.wait_for_function(
        "() => (window.dataLayer || []).some((item) => item.event === 'newsvoice_play')"
    )
    publisher.evaluate("() => document.querySelector('newsvoice-player').send()")
    assert publisher.evaluate("() => window.beacons || []") == []
    api.delete(f"/api/articles/{answer.json()['article']['id']}", headers=api_key)
