"""The player as publishers embed it and listeners meet it, in a real browser (Debian's
Chromium driven by Playwright): the one-tag embed on a third-party page, every state, the
keyboard alone, two players, theming, dark mode, phone and desktop widths, and axe-core.

Screenshots of each go to artifacts/ (git-ignored), to be looked at."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from conftest import SERVER_TEXT, wait_for_job

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
CANONICAL = "https://news.example/2026/harbour-bridge-reopens"
PLAYER = "document.querySelector('newsvoice-player')"
SHADOW = f"{PLAYER}.shadowRoot"
AUDIO = f"{SHADOW}.querySelector('audio')"
READY = f"() => {PLAYER}?.getAttribute('state') === 'ready' && {AUDIO}.readyState >= 1"

SERIF = (
    "body { margin: 0; font: 19px/1.6 Georgia, 'Times New Roman', serif; color: #222; background: #fffdf8; }"
)
SANS = (
    "body { margin: 0; font: 16px/1.55 'Helvetica Neue', Arial, sans-serif; color: #111; background: #fff; }"
)
PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Harbour bridge reopens · The Cornish Post</title>{head}
<style>{font} main {{ max-width: 42rem; margin: 0 auto; padding: 1rem; }} h1 {{ line-height: 1.15; }}
.kicker {{ text-transform: uppercase; letter-spacing: .08em; font-size: .75rem; color: #8a1c1c; }}
{style}</style></head>
<body><main><article data-newsvoice-text>
<p class="kicker">Transport</p>
<h1>Harbour bridge reopens after repairs</h1>
{before}
<p>The harbour bridge reopened to traffic on <em>Friday</em> after 8 months of repairs.
Commuters welcomed the news.</p>
<p>Engineers replaced the corroded steel cables.</p>
</article>{after}</main>
{scripts}
</body></html>
"""


def publisher_page(
    local_server,
    name: str,
    *,
    host: str = "localhost",
    lang: str = "en",
    head: str = "",
    font: str = SERIF,
    style: str = "",
    before: str = "",
    after: str = "",
    scripts: str = "",
) -> str:
    """A page on the publisher's site: another origin (and site) than the service's."""
    html = PAGE.format(
        lang=lang, head=head, font=font, style=style, before=before, after=after, scripts=scripts
    )
    local_server.routes[f"/{name}.html"] = (200, "text/html; charset=utf-8", html.encode())
    return local_server.url(f"/{name}.html").replace("127.0.0.1", host)


@pytest.fixture(scope="module")
def canonical(api, api_key: dict) -> Iterator[dict]:
    """An article submitted with its page's address, as a CMS's webhook or a watched feed does."""
    answer = api.post("/api/articles", json={"text": SERVER_TEXT, "url": CANONICAL}, headers=api_key)
    assert answer.status_code == 202, answer.text
    job = wait_for_job(api, answer.json()["job"])
    assert job["status"] == "done", job
    yield api.get(f"/api/articles/{job['article']}").json()
    api.delete(f"/api/articles/{job['article']}", headers=api_key)


@pytest.fixture
def context(browser, no_proxy) -> Iterator:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def shadow(page, selector: str):
    return page.locator("newsvoice-player").first.locator(selector)


def axe(page) -> list[str]:
    """axe-core's violations on the page, shadow DOM included: "rule: nodes" for each."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
    )
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]


def no_overflow(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


# --- the one-tag embed -------------------------------------------------------------------


def test_one_tag_embed_finds_its_article_by_canonical_url_cross_origin(
    context, local_server, live_server, canonical: dict
) -> None:
    service = urlsplit(live_server.url).netloc
    url = publisher_page(
        local_server,
        "embed-canonical",
        # The page's own address differs from its canonical one: www, a slash, tracking.
        head=f'<link rel="canonical" href="{CANONICAL.replace("news.", "www.news.")}/?utm_source=home">'
        '<meta property="og:url" content="https://elsewhere.example/wrong">',
        before="",
        scripts=f'<script src="{live_server.url}/embed.js" data-layout="full" data-jsonld async></script>',
    )
    requests, cookies = [], []

    def record(route) -> None:
        requests.append(route.request.url)
        if urlsplit(route.request.url).netloc == service:
            cookies.append(route.request.headers.get("cookie"))
        route.continue_()

    context.route("**/*", record)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(READY, timeout=15_000)
    # Put where the script is (the end of the page: here, after the article), found by URL.
    assert page.evaluate(f"() => {PLAYER}.getAttribute('url')").startswith("https://www.news.example/")
    assert page.evaluate(f"() => {AUDIO}.src") == canonical["links"]["mp3"]
    assert page.locator(".newsvoice-sentence").count() >= 3  # read-along works from the embed too
    shadow(page, ".play").click()
    page.wait_for_function(f"() => {AUDIO}.currentTime > 0.3", timeout=15_000)
    # Nothing but the publisher's page and the service; no cookie either way.
    hosts = {urlsplit(request).netloc for request in requests}
    assert hosts == {urlsplit(url).netloc, service}, requests
    assert cookies and set(cookies) == {None}
    assert context.cookies() == []
    # schema.org: the narration as an AudioObject of the page, with what is speakable.
    [ld] = page.evaluate(
        "() => [...document.querySelectorAll('script[type=\"application/ld+json\"]')].map(s => s.textContent)"
    )
    data = json.loads(ld)
    assert data["speakable"]["@type"] == "SpeakableSpecification"
    media = data["associatedMedia"]
    assert media["@type"] == "AudioObject" and media["contentUrl"] == canonical["links"]["mp3"]
    assert media["encodingFormat"] == "audio/mpeg" and media["duration"].startswith("PT0M")
    assert media["transcript"] == canonical["links"]["transcript"]
    page.screenshot(path=str(ARTIFACTS / "embed-serif-desktop.png"))
    assert axe(page) == []


def test_one_tag_embed_fills_its_placeholder_from_og_url_or_the_location(
    context, local_server, live_server, canonical: dict
) -> None:
    placeholder = "<newsvoice-player show-title></newsvoice-player>"
    script = f'<script src="{live_server.url}/embed.js" data-layout="compact" data-missing="soon"></script>'
    by_og = publisher_page(
        local_server,
        "embed-og",
        head=f'<meta property="og:url" content="{CANONICAL}">',
        before=placeholder,
        scripts=script,
        font=SANS,
    )
    page = context.new_page()
    page.goto(by_og)
    page.wait_for_function(READY, timeout=15_000)
    assert page.locator("newsvoice-player").count() == 1  # the placeholder, not a second one
    assert page.evaluate(f"() => {PLAYER}.getAttribute('layout')") == "compact"
    assert shadow(page, ".title").inner_text() == canonical["title"]
    page.screenshot(path=str(ARTIFACTS / "embed-sans-compact-desktop.png"))
    # A page with neither: its own address, which no article has yet: "Audio coming soon".
    page.goto(publisher_page(local_server, "embed-location", before=placeholder, scripts=script, font=SANS))
    page.wait_for_function(f"() => {PLAYER}?.getAttribute('state') === 'missing'", timeout=15_000)
    assert shadow(page, ".message").inner_text() == "Audio coming soon"
    assert page.evaluate(f"() => {PLAYER}.getAttribute('url')") == page.url


def test_url_lookup_in_the_api(api, canonical: dict) -> None:
    found = api.get(
        "/api/articles", params={"url": "http://news.example/2026/harbour-bridge-reopens/#x"}
    ).json()
    assert [article["id"] for article in found["articles"]] == [canonical["id"]]
    assert api.get("/api/articles", params={"url": "https://news.example/other"}).json()["total"] == 0
    assert api.get("/embed.js").headers["content-type"].startswith("text/javascript")


# --- states --------------------------------------------------------------------------------


def mock_article(live: dict, state: str) -> dict:
    """The article's JSON as the API answers it in STATE, its links to LIVE's real audio."""
    running = state == "running"
    return {
        **live,
        "status": state,
        "published": state == "done",
        "duration": live["duration"] if state == "done" else None,
        "job": {"progress": {"done": 3 if running else 0, "total": 8}, "status": state},
        "links": {**live["links"], "stream": live["links"]["mp3"]},
    }


STATES = {
    # name: (what the API answers, the player's attributes)
    "soon": ("queued", ""),
    "making": ("running", 'live="off"'),
    "live": ("running", ""),
    "failed-message": ("failed", 'failed="message"'),
    "failed-hidden": ("failed", ""),
    "deleted-message": (None, 'failed="message"'),
    "missing-soon": ("missing", 'missing="soon"'),
    "missing-hidden": ("missing", ""),
    "ready": ("done", "transcript download"),
}


@pytest.mark.parametrize("name", STATES)
def test_states(context, local_server, published: dict, name: str) -> None:
    answer, attributes = STATES[name]
    base = f"/mock-{name}/"
    article_id = f"mock{name.replace('-', '')}"
    if answer == "missing":
        lookup = f"{base}api/articles?limit=1&url={quote(CANONICAL, safe='')}"
        local_server.routes[lookup] = (200, "application/json", b'{"total": 0, "articles": []}')
        target = f'url="{CANONICAL}"'
    else:
        if answer:
            body = json.dumps({**mock_article(published, answer), "id": article_id}).encode()
            local_server.routes[f"{base}api/articles/{article_id}"] = (200, "application/json", body)
        target = f'article="{article_id}"'
    player = f'<newsvoice-player {target} server="{local_server.url(base)}" {attributes}></newsvoice-player>'
    script = f'<script src="{local_server.url("/player.js")}"></script>'
    page = context.new_page()
    page.goto(publisher_page(local_server, f"state-{name}", host="127.0.0.1", before=player, scripts=script))
    expected = {
        "queued": "soon",
        "running": "live",
        "failed": "failed",
        None: "failed",
        "missing": "missing",
        "done": "ready",
    }[answer]
    if name == "making":
        expected = "soon"
    page.wait_for_function(f"() => {PLAYER}.getAttribute('state') === '{expected}'", timeout=15_000)
    host = page.locator("newsvoice-player")
    enabled = (
        f"() => [...{SHADOW}.querySelectorAll('button, input')]"
        ".filter(b => !b.disabled && b.checkVisibility()).map(b => b.className)"
    )
    if name.endswith("hidden"):
        assert not host.is_visible()  # nothing at all on the page
    elif expected in ("soon", "failed", "missing"):
        text = shadow(page, ".message").inner_text().split(" · ")[0]
        assert text == (
            "Audio is not available for this article." if expected == "failed" else "Audio coming soon"
        )
        assert page.evaluate(enabled) == []  # never a control that does nothing
        if name == "making":
            assert shadow(page, ".progress").is_visible()
            assert shadow(page, ".message").inner_text() == "Audio coming soon · Being narrated 38%"
            assert (
                page.evaluate(
                    f"() => {SHADOW}.querySelector('.progress span').style.getPropertyValue('--done')"
                )
                == "38%"
            )
    elif expected == "live":
        assert shadow(page, ".total").inner_text() == "Live"
        assert "Being narrated 38%" in shadow(page, ".label").inner_text()
        # Seek and skip reach only what has come of the stream so far.
        reach = page.evaluate(f"() => {PLAYER}.reachable")
        assert shadow(page, ".seek").get_attribute("max") == str(int(-(-reach // 1)))
        assert shadow(page, ".seek").is_disabled() == (reach <= 1)
        assert shadow(page, ".forward").get_attribute("aria-disabled") == str(reach <= 0.5).lower()
        assert not shadow(page, ".play").is_disabled()
    else:
        assert sorted(page.evaluate(enabled)) == sorted(
            ["round play", "seek", "back", "forward", "speed", "transcript-toggle"]
        )
        assert shadow(page, ".download").get_attribute("href") == published["links"]["mp3"]
    if not name.endswith("hidden"):
        host.screenshot(path=str(ARTIFACTS / f"state-{name}.png"))
    assert axe(page) == []


@pytest.fixture(scope="module", autouse=True)
def player_script(local_server) -> None:
    """The player script served from the mock service too (it works from any address)."""
    script = Path(__file__).resolve().parents[1] / "src/newsvoice/server/static/player.js"
    local_server.routes["/player.js"] = (200, "text/javascript", script.read_bytes())


def test_a_failed_narration_with_audio_from_before_still_plays(
    context, local_server, published: dict
) -> None:
    body = json.dumps({**published, "status": "failed", "id": "mockolder"}).encode()
    local_server.routes["/mock-older/api/articles/mockolder"] = (200, "application/json", body)
    server = local_server.url("/mock-older/")
    player = f'<newsvoice-player article="mockolder" server="{server}"></newsvoice-player>'
    page = context.new_page()
    page.goto(
        publisher_page(
            local_server,
            "older",
            host="127.0.0.1",
            before=player,
            scripts=f'<script src="{local_server.url("/player.js")}"></script>',
        )
    )
    page.wait_for_function(READY, timeout=15_000)


# --- the listener ------------------------------------------------------------------------


def story(local_server, live_server, article: dict, name: str, attributes: str = "", **options) -> str:
    player = f'<newsvoice-player article="{article["id"]}" {attributes}></newsvoice-player>'
    script = f'<script src="{live_server.url}/static/player.js" defer></script>'
    return publisher_page(local_server, name, before=player, scripts=script, **options)


def test_keyboard_only(context, local_server, live_server, published: dict) -> None:
    page = context.new_page()
    page.goto(story(local_server, live_server, published, "keyboard", "transcript download"))
    page.wait_for_function(READY, timeout=15_000)
    page.keyboard.press("Tab")  # the page has no link before the player: its play button first
    focused = f"() => {SHADOW}.activeElement?.className"
    assert page.evaluate(focused) == "round play"
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => !{AUDIO}.paused && {AUDIO}.currentTime > 0.3", timeout=15_000)
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "seek"
    page.keyboard.press(" ")  # Space on the slider plays and pauses, as on the rest of the player
    page.wait_for_function(f"() => {AUDIO}.paused")
    page.keyboard.press("End")
    assert audio_time(page) == pytest.approx(published["duration"], abs=1)
    page.keyboard.press("Home")
    page.keyboard.press("l")
    assert audio_time(page) == pytest.approx(min(30, published["duration"]), abs=0.5)
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(page.evaluate(focused))
    assert order == ["back", "forward", "speed", "transcript-toggle", "download"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # opens the transcript
    cue = shadow(page, ".cue").nth(2)
    cue.wait_for()
    assert shadow(page, ".transcript-toggle").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "cue"
    page.keyboard.press("Enter")  # plays from that sentence
    page.wait_for_function(f"() => !{AUDIO}.paused")
    page.wait_for_function(f"() => {SHADOW}.querySelector('.cue[aria-current]')?.dataset.index === '2'")
    page.screenshot(path=str(ARTIFACTS / "keyboard-transcript.png"))


def audio_time(page) -> float:
    return page.evaluate(f"() => {AUDIO}.currentTime")


def test_two_players_one_voice(context, local_server, live_server, published: dict, canonical: dict) -> None:
    second = f'<newsvoice-player article="{canonical["id"]}" layout="compact" show-title></newsvoice-player>'
    page = context.new_page()
    page.goto(story(local_server, live_server, published, "two", after=f"<aside>{second}</aside>", font=SANS))
    page.wait_for_function(
        "() => [...document.querySelectorAll('newsvoice-player')]"
        ".every(p => p.getAttribute('state') === 'ready')",
        timeout=15_000,
    )
    # The page's text reads along with its own player, the first; the aside's leaves it be.
    page.wait_for_function("() => document.querySelector('[data-newsvoice-reading]')")  # timings fetched
    assert (
        page.evaluate("() => document.querySelector('[data-newsvoice-reading]').dataset.newsvoiceReading")
        == (published["id"])
    )
    players = page.locator("newsvoice-player")
    players.nth(0).locator(".play").click()
    page.wait_for_function("() => !document.querySelectorAll('newsvoice-player')[0].audio.paused")
    players.nth(1).locator(".play").click()
    page.wait_for_function("() => !document.querySelectorAll('newsvoice-player')[1].audio.paused")
    page.wait_for_function("() => document.querySelectorAll('newsvoice-player')[0].audio.paused")
    # The lock screen and headset keys speak of the one playing.
    assert page.evaluate("() => navigator.mediaSession.metadata.title") == canonical["title"]
    assert page.evaluate("() => navigator.mediaSession.playbackState") in ("none", "playing")
    page.screenshot(path=str(ARTIFACTS / "two-players.png"), full_page=True)


def test_theme_variables_parts_and_page_font(context, local_server, live_server, published: dict) -> None:
    style = (
        "newsvoice-player { --newsvoice-accent: rgb(138, 28, 28); --newsvoice-radius: 2px; }"
        " newsvoice-player::part(disclosure) { font-style: italic; }"
    )
    page = context.new_page()
    page.goto(story(local_server, live_server, published, "theme", style=style))
    page.wait_for_function(READY, timeout=15_000)
    css = "(element, name) => getComputedStyle(element)[name]"
    assert shadow(page, ".play").evaluate(css, "backgroundColor") == "rgb(138, 28, 28)"
    assert shadow(page, ".box").evaluate(css, "borderTopLeftRadius") == "2px"
    assert shadow(page, ".disclosure").evaluate(css, "fontStyle") == "italic"
    assert "Georgia" in shadow(page, ".label").evaluate(css, "fontFamily")  # the page's own font
    page.screenshot(path=str(ARTIFACTS / "theme-accent.png"))


@pytest.mark.parametrize("theme", ["dark", "auto"])
def test_dark_mode(browser, local_server, live_server, published: dict, no_proxy, theme: str) -> None:
    context = browser.new_context(color_scheme="dark", viewport={"width": 800, "height": 500})
    page = context.new_page()
    style = (
        "body { background: #15171a; color: #e8e8e8; } .kicker { color: #ff9b9b; }"
        " :root { --newsvoice-highlight: #6b5a00; --newsvoice-sentence-highlight: #3a3320; }"
    )
    page.goto(
        story(
            local_server, live_server, published, f"dark-{theme}", f'theme="{theme}" transcript', style=style
        )
    )
    page.wait_for_function(READY, timeout=15_000)
    background = shadow(page, ".box").evaluate("(e) => getComputedStyle(e).backgroundColor")
    assert background == "rgb(31, 35, 41)"
    page.screenshot(path=str(ARTIFACTS / f"dark-{theme}.png"))
    assert axe(page) == []
    context.close()


@pytest.mark.parametrize("font", ["serif", "sans"])
@pytest.mark.parametrize("layout", ["full", "compact"])
def test_phone_and_desktop(
    context, local_server, live_server, published: dict, layout: str, font: str
) -> None:
    page = context.new_page()
    page.goto(
        story(
            local_server,
            live_server,
            published,
            f"{layout}-{font}",
            f'layout="{layout}"',
            font=SERIF if font == "serif" else SANS,
        )
    )
    page.wait_for_function(READY, timeout=15_000)
    for width in (320, 390, 1280):
        no_overflow(page, width)
        box = page.locator("newsvoice-player").bounding_box()
        assert box["width"] <= width
        if layout == "compact":  # one row of controls, down to 320 px
            tops = page.evaluate(
                f"() => ['.play', '.back', '.forward', '.seek', '.speed']"
                f".map(s => {SHADOW}.querySelector(s).getBoundingClientRect())"
                ".map(r => r.top + r.height / 2)"
            )
            assert max(tops) - min(tops) < 8, tops
        page.screenshot(path=str(ARTIFACTS / f"{layout}-{font}-{width}.png"))


def test_labels_follow_the_page_language(context, local_server, live_server, published: dict) -> None:
    page = context.new_page()
    page.goto(story(local_server, live_server, published, "german", lang="de"))
    page.wait_for_function(READY, timeout=15_000)
    player = page.locator("newsvoice-player")
    assert player.get_by_role("button", name="Abspielen").is_visible()
    assert player.get_by_role("button", name="Zurück 15 Sekunden").is_visible()
    assert shadow(page, ".disclosure").inner_text() == "Dieses Audio wurde von einer KI-Stimme erzeugt."
    assert "Sekunden" in shadow(page, ".seek").get_attribute("aria-valuetext")
    page.screenshot(path=str(ARTIFACTS / "german.png"))


def test_sticky_mini_player(context, local_server, live_server, published: dict) -> None:
    page = context.new_page()
    page.goto(
        story(
            local_server, live_server, published, "sticky", "sticky", style="main { padding-bottom: 3000px; }"
        )
    )
    page.wait_for_function(READY, timeout=15_000)
    shadow(page, ".play").click()
    page.wait_for_function(f"() => !{AUDIO}.paused")
    mini = shadow(page, ".mini")
    assert not mini.is_visible()
    page.mouse.wheel(0, 1500)
    mini.wait_for(state="visible")
    page.screenshot(path=str(ARTIFACTS / "sticky-mini.png"))
    mini.get_by_role("button", name="Pause").click()
    page.wait_for_function(f"() => {AUDIO}.paused")
    mini.get_by_role("button", name="Close the mini player").click()
    mini.wait_for(state="hidden")
