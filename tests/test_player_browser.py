"""The embeddable player in a real browser (Debian's Chromium driven by Playwright), on a
publisher's article page served from another origin than the service."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_for_job

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
    assert player.locator(".title").count() == 0  # the page has its headline: no title unless asked
    assert player.locator(".label").inner_text() == "Listen to this article"
    assert player.locator(".disclosure").inner_text() == DEFAULT_DISCLOSURE
    duration = audio(page, "duration")
    assert duration == pytest.approx(published["duration"], abs=0.2)
    assert player.locator(".total").inner_text() == f"0:{int(duration):02d}"
    assert player.get_by_role("region", name="Listen to this article").is_visible()
    for name in ("Play", "Back 15 seconds", "Forward 30 seconds"):
        assert player.get_by_role("button", name=name).is_visible(), name
    assert player.get_by_role("slider", name="Seek").is_visible()
    assert player.get_by_role("button", name="Speed 1×").is_visible()
    for name, visible in (
        ("Back 15 seconds", "15"),
        ("Forward 30 seconds", "30"),
    ):  # the label is in the name
        shown = "b => [...b.childNodes].filter(n => !n.classList?.contains('vh')).map(n => n.textContent)"
        shown += ".join('')"
        assert player.get_by_role("button", name=name).evaluate(shown) == visible
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
    assert order == ["seek", "back", "forward", "speed"]


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
    """Speed is one button that cycles 1×, 1.25×, 1.5×, 1.75×, 2×, 0.75×, and is remembered."""
    speed = page.locator("newsvoice-player").get_by_role("button", name="Speed")
    seen = []
    for _ in range(6):
        speed.click()
        seen.append((speed.locator(".rate").inner_text(), audio(page, "playbackRate")))
    assert seen == [("1.25×", 1.25), ("1.5×", 1.5), ("1.75×", 1.75), ("2×", 2), ("0.75×", 0.75), ("1×", 1)]
    speed.click()
    speed.click()
    page.locator("newsvoice-player .play").click()
    wait_until_time(page, 1.0)
    assert audio(page, "playbackRate") == 1.5
    assert page.evaluate("() => localStorage.getItem('newsvoice:speed')") == "1.5"


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


# --- read-along by word ---------------------------------------------------------------------

DEAL_TEXT = (
    "Port deal agreed\n\n"
    "Dr. Amara Hellyer said the $4.5bn deal with Beijing closes on Friday (Aug 15). "
    "Shares rose 12% to 310p.\n"
)
DEAL_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Port deal agreed</title>
<style>body {{ margin: 0; font: 18px/1.6 Georgia, serif; color: #222; }}
article {{ max-width: 40rem; margin: 0 auto; padding: 1rem; }}</style></head>
<body><article data-newsvoice-text>
<h1>Port deal agreed</h1>
<newsvoice-player article="{article}" {attributes}></newsvoice-player>
<p>Dr. Amara Hellyer said the $4.5bn deal with Beijing closes on Friday (Aug 15).
Shares rose 12% to 310p.</p>
</article>
<script src="{server}/static/player.js" defer></script>
</body></html>
"""
CURRENT_WORD = """() => [...document.querySelectorAll('.newsvoice-current-word')].map(span => [
  Number(span.dataset.newsvoiceSegment), Number(span.dataset.newsvoiceWord), span.textContent])"""


@pytest.fixture(scope="module")
def deal(api, api_key: dict) -> Iterator[dict]:
    """An article whose words are not all said as written: its JSON and its timings."""
    answer = api.post("/api/articles", json={"text": DEAL_TEXT}, headers=api_key)
    assert answer.status_code == 202, answer.text
    job = wait_for_job(api, answer.json()["job"])
    assert job["status"] == "done", job
    article = api.get(f"/api/articles/{job['article']}").json()
    yield {**article, "segments": api.get(article["links"]["timings"]).json()["segments"]}
    api.delete(f"/api/articles/{article['id']}", headers=api_key)


def deal_page(browser, local_server, live_server, deal: dict, *, width: int = 1280, **options):
    """The deal's page in a new context; OPTIONS: the player's attributes, and "reduced_motion"."""
    reduced = options.pop("reduced_motion", "no-preference")
    attributes = " ".join(f'{name}="{value}"' for name, value in options.items())
    html = DEAL_PAGE.format(article=deal["id"], server=live_server.url, attributes=attributes)
    path = f"/deal-{len(local_server.routes)}.html"
    local_server.routes[path] = (200, "text/html; charset=utf-8", html.encode())
    context = browser.new_context(viewport={"width": width, "height": 800}, reduced_motion=reduced)
    page = context.new_page()
    page.goto(local_server.url(path))
    page.wait_for_function(READY, timeout=15_000)
    return page


def pause_at(page, seconds: float) -> None:
    """Pause the playing audio as soon as it reaches SECONDS (checked every frame, in the page)."""
    page.wait_for_function(
        f"() => {AUDIO}.currentTime >= {seconds} && ({AUDIO}.pause(), true)", polling="raf", timeout=15_000
    )
    page.wait_for_function(f"() => {AUDIO}.paused")


def said_at(segments: list[dict], time: float) -> tuple[int, int]:
    """The segment and spoken word being said at TIME: the last word begun."""
    index = next(i for i, s in enumerate(segments) if s["start"] <= time < s["end"])
    begun = [j for j, w in enumerate(segments[index]["words"]) if w["start"] <= time]
    return index, begun[-1]


def find_word(segments: list[dict], spoken, written: str | None = None) -> tuple[int, int]:
    """The first word SPOKEN accepts (and that says WRITTEN, if given)."""
    for index, segment in enumerate(segments):
        for position, word in enumerate(segment["words"]):
            says = segment["text"][slice(*word["chars"])]
            if spoken(word["word"]) and written in (None, says):
                return index, position
    raise AssertionError("no such word")


def test_read_along_highlights_the_written_word_being_said(
    browser, local_server, live_server, deal: dict, no_proxy
) -> None:
    segments = deal["segments"]
    moments = [
        find_word(segments, lambda w: w == "Doctor"),
        find_word(segments, lambda w: w == "billion"),  # of "$4.5bn"
        find_word(segments, lambda w: w.startswith("[["), "Beijing"),  # in the lexicon's phonemes
        find_word(segments, lambda w: w == "fifteenth"),
        find_word(segments, lambda w: w == "percent"),  # of "12%", in the next sentence
    ]
    page = deal_page(browser, local_server, live_server, deal)
    text = page.locator("article > p")
    layout = text.bounding_box()
    page.locator("newsvoice-player .play").click()
    seen = []
    for index, position in moments:
        word = segments[index]["words"][position]
        pause_at(page, (word["start"] + word["end"]) / 2)
        time = audio(page, "currentTime")
        index, position = said_at(segments, time)
        spoken = segments[index]["words"][position]
        written = segments[index]["text"][slice(*spoken["chars"])]
        [(segment, first, highlighted)] = page.evaluate(CURRENT_WORD)
        assert (segment, highlighted) == (index, written), (time, spoken)
        assert segments[index]["words"][first]["chars"] == spoken["chars"]
        seen.append(highlighted)
        if len(seen) == 2:
            page.screenshot(path=str(ARTIFACTS / "read-along-word-desktop.png"))
        assert text.bounding_box() == layout  # the highlight moves no text
        page.evaluate(f"() => {AUDIO}.play()")
    assert seen == ["Dr", "$4.5bn", "Beijing", "15", "12%"]
    # The sentence being read is tinted around its word, and nothing is said aloud of it.
    assert page.locator(".newsvoice-current").inner_text().startswith("Shares rose")
    assert page.evaluate("() => document.querySelectorAll('[aria-live]').length") == 0

    # A click on a word plays from it.
    index, position = moments[2]
    page.locator(".newsvoice-word", has_text="Beijing").click()
    assert audio(page, "currentTime") == pytest.approx(segments[index]["words"][position]["start"], abs=0.05)
    page.wait_for_function(f"() => ({CURRENT_WORD})()[0]?.[2] === 'Beijing'")
    page.context.close()


def test_read_along_on_a_phone(browser, local_server, live_server, deal: dict, no_proxy) -> None:
    page = deal_page(browser, local_server, live_server, deal, width=390)
    index, position = find_word(deal["segments"], lambda w: w == "billion")
    page.locator("newsvoice-player .play").click()
    word = deal["segments"][index]["words"][position]
    pause_at(page, (word["start"] + word["end"]) / 2)
    assert page.evaluate(CURRENT_WORD)[0][2] == "$4.5bn"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing overflows
    page.screenshot(path=str(ARTIFACTS / "read-along-word-phone.png"))
    page.context.close()


@pytest.mark.parametrize("options", [{"highlight": "sentence"}, {"reduced_motion": "reduce"}])
def test_read_along_by_sentence(browser, local_server, live_server, deal: dict, no_proxy, options) -> None:
    """highlight="sentence", and any page for a listener who prefers reduced motion, highlights
    the sentence being read, and no word."""
    page = deal_page(browser, local_server, live_server, deal, **options)
    segments = deal["segments"]
    assert page.locator(".newsvoice-word").count() == 0
    page.locator("newsvoice-player .play").click()
    for index in (1, 2):
        wait_until_time(page, segments[index]["start"] + 0.5)
        page.wait_for_function(
            "(text) => document.querySelector('.newsvoice-current')?.textContent"
            ".replace(/\\s+/g, ' ') === text",
            arg=segments[index]["text"],
        )
        assert page.locator(".newsvoice-current-word").count() == 0
    page.context.close()


# --- read-along through the sample narration ------------------------------------------------


@pytest.fixture(scope="module")
def sample_published(api, api_key: dict, sample_text: str) -> Iterator[dict]:
    """The sample article (examples/wind-port.txt) narrated by the real voice: its JSON and timings."""
    answer = api.post("/api/articles", json={"text": sample_text}, headers=api_key)
    assert answer.status_code == 202, answer.text
    job = wait_for_job(api, answer.json()["job"], timeout=180)
    assert job["status"] == "done", job
    article = api.get(f"/api/articles/{job['article']}").json()
    yield {**article, "segments": api.get(article["links"]["timings"]).json()["segments"]}
    api.delete(f"/api/articles/{article['id']}", headers=api_key)


def test_read_along_follows_the_sample_narration(
    browser, local_server, live_server, sample_published: dict, sample_text: str, no_proxy
) -> None:
    """At five moments spread over the sample's narration, the word highlighted on the page
    (the page as saved, furniture and all) is the written text of the word being said."""
    segments = sample_published["segments"]
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in sample_text.splitlines() if line.strip())
    page_html = SAMPLE_PAGE.format(article=sample_published["id"], server=live_server.url, text=paragraphs)
    local_server.routes["/sample.html"] = (200, "text/html; charset=utf-8", page_html.encode())
    context = browser.new_context()
    page = context.new_page()
    page.goto(local_server.url("/sample.html"))
    page.wait_for_function(READY, timeout=15_000)
    duration = segments[-1]["end"]
    page.locator("newsvoice-player .play").click()
    seen = []
    for share in (0.1, 0.3, 0.5, 0.7, 0.9):
        index, position = said_at(segments, share * duration)
        word = segments[index]["words"][position]
        page.evaluate(f"() => {{ {AUDIO}.currentTime = {max(0.0, word['start'] - 1.0)}; {AUDIO}.play(); }}")
        pause_at(page, (word["start"] + word["end"]) / 2)
        time = audio(page, "currentTime")
        index, position = said_at(segments, time)  # the word said where it paused, a frame later
        spoken = segments[index]["words"][position]
        written = segments[index]["text"][slice(*spoken["chars"])]
        highlighted = page.evaluate(CURRENT_WORD)
        assert [(segment, text) for segment, _, text in highlighted] == [(index, written)], (time, spoken)
        assert segments[index]["words"][highlighted[0][1]]["chars"] == spoken["chars"]
        seen.append((index, tuple(spoken["chars"])))  # where in the text, since words repeat
    assert len(set(seen)) == 5, seen
    context.close()


SAMPLE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sample</title></head>
<body><article data-newsvoice-text>
<newsvoice-player article="{article}"></newsvoice-player>
{text}
</article>
<script src="{server}/static/player.js" defer></script>
</body></html>
"""
