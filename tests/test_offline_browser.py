"""Every page of the service works offline: in a real browser (Debian's Chromium driven by
Playwright) that may reach no host but the service's, pages load without a failed request or
a console error, their favicon included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

PLAYER_READY = """() => {
  const player = document.querySelector('newsvoice-player');
  return player?.shadowRoot && !player.shadowRoot.querySelector('.play').disabled
    && player.shadowRoot.querySelector('audio').readyState >= 1;
}"""
# Loads each URL as an image: its width, 0 if it is no image.
IMAGES = """(urls) => Promise.all(urls.map((url) => new Promise((resolve) => {
  const image = new Image();
  image.onload = () => resolve(image.naturalWidth);
  image.onerror = () => resolve(0);
  image.src = url;
})))"""
ICONS = "() => [...document.querySelectorAll('link[rel~=\"icon\"]')].map((link) => link.href)"


@dataclass
class Visit:
    """A page on a browser that reaches only the service, and what went wrong on it."""

    page: object
    blocked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser, live_server, no_proxy) -> Iterator[Visit]:
    context = browser.new_context()
    page = context.new_page()
    seen = Visit(page)
    service = urlsplit(live_server.url).netloc

    def only_the_service(route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https") and url.netloc != service:
            seen.blocked.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    def failed(request) -> None:
        # An <audio preload="metadata"> stops loading once it has the duration: no failure.
        if request.resource_type != "media" or request.failure != "net::ERR_ABORTED":
            seen.problems.append(f"failed: {request.url} {request.failure}")

    def error_status(response) -> None:
        if response.status >= 400:
            seen.problems.append(f"{response.status} {response.url}")

    def console(message) -> None:
        if message.type == "error":
            seen.problems.append(f"console: {message.text} ({message.location})")

    context.route("**/*", only_the_service)
    page.on("requestfailed", failed)
    page.on("response", error_status)
    page.on("console", console)
    page.on("pageerror", lambda error: seen.problems.append(f"page error: {error}"))
    yield seen
    context.close()


def ready_dashboard(page) -> None:
    page.locator("#submit").wait_for()


def ready_player(page) -> None:
    page.wait_for_function(PLAYER_READY, timeout=15_000)


def ready_docs(page) -> None:
    page.locator(".opblock").first.wait_for(timeout=15_000)  # Swagger UI lists the operations
    page.get_by_text("Submit Article").first.wait_for()


PAGES = {
    "dashboard": ("/", ready_dashboard),
    "article": ("/articles/{id}", ready_player),
    "embed": ("/embed/{id}", ready_player),
    "docs": ("/docs", ready_docs),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_works_offline(visit: Visit, live_server, published: dict, name: str) -> None:
    path, ready = PAGES[name]
    page = visit.page
    page.goto(live_server.url + path.format(id=published["id"]))
    ready(page)
    page.wait_for_load_state("networkidle")
    icons = page.evaluate(ICONS)
    assert icons and all(icon.startswith(f"{live_server.url}/") for icon in icons), icons
    assert all(page.evaluate(IMAGES, icons)), icons
    assert visit.blocked == []
    assert visit.problems == []


def test_default_favicon(browser, live_server, no_proxy) -> None:
    """What browsers load for a page that names no icon (Playwright hides /favicon.ico from a
    context whose requests it routes, so this one routes none)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/openapi.json")
    assert page.evaluate(IMAGES, [f"{live_server.url}/favicon.ico"]) == [150]  # an SVG's default width
    context.close()
