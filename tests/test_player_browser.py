"""The embeddable player in a real browser (Debian's Chromium driven by Playwright), on a
publisher's article page served from another origin than the service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsvoice.script import DEFAULT_DISCLOSURE

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
STORY = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Harbour bridge reopens</title></head>
<body><article data-newsvoice-text>
<h1>Harbour bridge reopens after repairs</h1>
<newsvoice-player article="{article}"></newsvoice-player>
<p>The harbour bridge reopened to traffic on <em>Friday</em> after 8 months of repairs.
Commuters welcomed the news.</p>
<p>Engineers replaced the corroded steel cables.</p>
</article>
<script src="{server}/static/player.js" defer></script>
</body></html>
"""
AUDIO = "document.querySelector('newsvoice-player').shadowRoot.querySelector('audio')"
READY = f"""() => {{
  const player = document.querySelector('newsvoice-player');
  return player?.shadowRoot && !player.shadowRoot.querySelector('.play').disabled
    && {AUDIO}.readyState >= 1 && document.querySelector('.newsvoice-sentence') !== null;
}}"""


@pytest.fixture(scope="module")
def story_url(local_server, live_server, published: dict) -> str:
    """The publisher's page, on another origin than the service."""
    html = STORY.format(article=published["id"], server=live_server.url)
    local_server.routes["/story.html"] = (200, "text/html; charset=utf-8", html.encode())
    return local_server.url("/story.html")


@pytest.fixture
def page(browser, story_url: str, no_proxy) -> Iterator:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context()
    page = context.new_page()
    page.goto(story_url)
    page.wait_for_function(READY, timeout=15_000)
    yield page
    context.close()


def audio(page, property: str):
    return page.evaluate(f"() => {AUDIO}.{property}")


def wait_until_time(page, seconds: float) -> None:
    page.wait_for_function(f"() => {AUDIO}.currentTime >= {seconds}", timeout=15_000)


def test_player_loads_labelled(page, published: dict) -> None:
    player = page.locator("newsvoice-player")
    assert player.locator(".title").inner_text() == f"Listen: {published['title']}"
    assert player.locator(".disclosure").inner_text() == DEFAULT_DISCLOSURE
    duration = audio(page, "duration")
    assert duration == pytest.approx(published["duration"], abs=0.2)
    assert player.locator(".total").inner_text() == f"0:{int(duration):02d}"
    assert player.get_by_role("region", name="Listen to this article").is_visible()
    for name in ("Play", "Back 15 seconds", "Forward 30 seconds"):
        assert player.get_by_role("button", name=name).is_visible(), name
    assert player.get_by_role("slider", name="Seek").is_visible()
    assert player.get_by_role("combobox", name="Playback speed").is_visible()
    player.screenshot(path=str(ARTIFACTS / "player.png"))


def test_play_pause_by_keyboard(page) -> None:
    page.locator("newsvoice-player .play").focus()
    page.keyboard.press("Enter")
    wait_until_time(page, 0.5)
    assert audio(page, "paused") is False
    assert page.locator("newsvoice-player").get_by_role("button", name="Pause").is_visible()
    page.keyboard.press("k")
    page.wait_for_function(f"() => {AUDIO}.paused")
    # Tab walks the controls in order.
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate(
                "() => document.querySelector('newsvoice-player').shadowRoot.activeElement.className"
            )
        )
    assert order == ["back", "forward", "seek", "speed"]


def test_seek_and_skip(page, published: dict) -> None:
    player = page.locator("newsvoice-player")
    player.locator(".seek").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert audio(page, "currentTime") == pytest.approx(3, abs=0.01)
    assert player.locator(".now").inner_text() == "0:03"
    assert "3 seconds of" in player.locator(".seek").get_attribute("aria-valuetext")
    player.get_by_role("button", name="Forward 30 seconds").click()
    assert audio(page, "currentTime") == pytest.approx(published["duration"], abs=0.2)  # to the end
    player.get_by_role("button", name="Back 15 seconds").click()
    assert audio(page, "currentTime") == pytest.approx(max(0, published["duration"] - 15), abs=0.2)
    page.keyboard.press("l")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert audio(page, "currentTime") == pytest.approx(max(0, published["duration"] - 30), abs=0.2)


def test_speed(page) -> None:
    speed = page.locator("newsvoice-player").get_by_role("combobox", name="Playback speed")
    assert speed.evaluate("select => [...select.options].map(o => o.value)") == [
        "0.75",
        "1",
        "1.25",
        "1.5",
        "1.75",
        "2",
    ]
    speed.select_option("1.5")
    assert audio(page, "playbackRate") == 1.5
    page.locator("newsvoice-player .play").click()
    wait_until_time(page, 1.0)
    assert audio(page, "playbackRate") == 1.5
    assert page.evaluate("() => localStorage.getItem('newsvoice:speed')") == "1.5"
    speed.select_option("0.75")
    assert audio(page, "playbackRate") == 0.75


def test_read_along_highlights_and_seeks(page, api, published: dict) -> None:
    segments = api.get(published["links"]["timings"]).json()["segments"]
    marked = page.evaluate(
        "() => [...document.querySelectorAll('.newsvoice-sentence')]"
        ".map(span => [Number(span.dataset.newsvoiceSegment), span.textContent])"
    )
    by_segment: dict[int, str] = {}
    for index, text in marked:
        by_segment[index] = by_segment.get(index, "") + text
    # Title and sentences are found in the page, across the <em>; the disclosure is not on it.
    assert by_segment == {
        0: "Harbour bridge reopens after repairs",
        1: "The harbour bridge reopened to traffic on Friday after 8 months of repairs.",
        2: "Commuters welcomed the news.",
        3: "Engineers replaced the corroded steel cables.",
    }
    assert [index for index, _ in marked].count(1) == 3  # before, inside and after the <em>

    page.locator(".newsvoice-sentence", has_text="Commuters welcomed").click()
    wait_until_time(page, segments[2]["start"])
    assert audio(page, "currentTime") < segments[2]["end"]
    page.wait_for_function(
        "() => document.querySelector('.newsvoice-current')?.textContent === 'Commuters welcomed the news.'"
    )
    assert page.locator(".newsvoice-current").count() == 1
    page.screenshot(path=str(ARTIFACTS / "read-along.png"))
    wait_until_time(page, segments[3]["start"] + 0.3)
    page.wait_for_function(
        "() => document.querySelector('.newsvoice-current')?.textContent.startsWith('Engineers')"
    )


def test_position_is_remembered(page, story_url: str) -> None:
    page.locator("newsvoice-player .seek").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.locator("newsvoice-player .play").click()
    wait_until_time(page, 5.5)
    page.keyboard.press("k")  # pausing saves the position
    page.wait_for_function(f"() => {AUDIO}.paused")
    saved = audio(page, "currentTime")
    page.reload()
    page.wait_for_function(READY, timeout=15_000)
    page.wait_for_function(f"() => {AUDIO}.currentTime > 0")
    assert audio(page, "currentTime") == pytest.approx(saved, abs=0.2)


def test_dashboard_narrates_and_plays(browser, live_server, api, api_key: dict) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_label("API key").fill(api_key["Authorization"].removeprefix("Bearer "))
    page.get_by_label("paste its text").fill(
        "Tram line opens\n\nThe new tram line opens on Saturday morning.\n"
    )
    page.get_by_role("button", name="Narrate and listen").click()
    page.wait_for_function("() => document.querySelector('#live audio').currentTime > 0.5", timeout=15_000)
    page.get_by_role("status").filter(has_text="Done").wait_for(timeout=15_000)
    article_page = page.get_by_role("link", name="Open the article page").get_attribute("href")
    assert page.evaluate("() => document.querySelector('#live audio').src").endswith("/stream.mp3")
    page.reload()  # the list shows it, narrated
    assert page.get_by_role("row", name="Tram line opens").get_by_text("done").is_visible()
    context.close()
    assert api.delete(f"/api/articles/{article_page.rsplit('/', 1)[1]}", headers=api_key).status_code == 204
