"""The dashboard, an article's page, its embed page, the API docs, the favicon and the player
script, as served."""

from __future__ import annotations

import gzip
import html
import json
import re

import httpx


def test_dashboard(api: httpx.Client, published: dict) -> None:
    answer = api.get("/")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert '<form id="submit"' in page and 'name="url"' in page and 'name="text"' in page
    assert f'href="{published["links"]["page"]}"' in page
    assert published["title"] in page and "status-done" in page
    assert "/static/dashboard.js" in page
    assert api.get("/static/dashboard.js").status_code == 200


def test_article_page(api: httpx.Client, published: dict) -> None:
    answer = api.get(f"/articles/{published['id']}")
    assert answer.status_code == 200
    page = html.unescape(answer.text)
    assert f'<newsvoice-player article="{published["id"]}"' in page
    assert '<script src="' in page and "/static/player.js" in page
    assert "<p>The harbour bridge reopened to traffic" in page  # the article's text, for read-along
    assert (
        "after 8 months" in page
        and "says: The harbour bridge reopened to traffic on Friday after eight" in page
    )
    assert "Pronunciation check" in page
    assert f'<newsvoice-player article="{published["id"]}"></newsvoice-player>' in page  # the embed code


def test_article_page_unknown(api: httpx.Client) -> None:
    answer = api.get("/articles/nosuchthing")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "This article is not here" in answer.text and "No article nosuchthing." in answer.text
    assert api.get("/articles/bad.id").status_code == 422


def test_article_page_tells_search_engines_of_its_audio(api: httpx.Client, published: dict) -> None:
    page = api.get(f"/articles/{published['id']}").text
    [data] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    data = json.loads(data)
    assert data["speakable"] == {"@type": "SpeakableSpecification", "cssSelector": ["h1", "#article-text p"]}
    audio = data["associatedMedia"]
    assert audio["@type"] == "AudioObject" and audio["contentUrl"] == published["links"]["mp3"]
    assert audio["encodingFormat"] == "audio/mpeg" and audio["transcript"] == published["links"]["transcript"]
    seconds = round(published["duration"])
    assert audio["duration"] == f"PT{seconds // 60}M{seconds % 60}S"


def test_dashboard_searches_and_pages(api: httpx.Client, published: dict) -> None:
    found = api.get("/", params={"q": "harbour bridge"}).text
    assert published["title"] in found and 'value="harbour bridge"' in found
    assert "No article matches “zzzqqq”" in api.get("/", params={"q": "zzzqqq"}).text
    assert "There are not so many pages." in api.get("/", params={"page": 999}).text
    assert api.get("/", params={"page": 0}).status_code == 422


def test_embed_page_for_publishers(api: httpx.Client, published: dict) -> None:
    page = html.unescape(api.get("/publish").text)
    assert f'<script src="{api.base_url}/embed.js" async></script>' in page
    assert 'id="preview"' in page and "/static/publish.js" in page


def test_player_script(api: httpx.Client) -> None:
    answer = api.get("/static/player.js", headers={"Origin": "https://news.example"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert 'customElements.define("newsvoice-player"' in answer.text
    assert "import " not in answer.text  # no dependencies, no build step


def test_player_script_is_small_and_is_the_embed(api: httpx.Client) -> None:
    served = api.get("/static/player.js")
    assert len(gzip.compress(served.content, 9)) < 15_000  # docs/player.md says how much
    assert "//" not in served.text.replace("://", "")[:200]  # served without its comments
    embed = api.get("/embed.js")
    assert embed.content == served.content and embed.headers["etag"] == served.headers["etag"]
    assert api.get("/embed.js", headers={"If-None-Match": served.headers["etag"]}).status_code == 304


def test_embed_page(api: httpx.Client, published: dict) -> None:
    answer = api.get(f"/embed/{published['id']}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "x-frame-options" not in answer.headers  # made to be framed by other sites
    page = html.unescape(answer.text)
    assert f'<newsvoice-player article="{published["id"]}" server="{api.base_url}/"' in page
    assert f'<script src="{api.base_url}/static/player.js" defer>' in page
    assert "<main" not in page and "<article" not in page  # nothing for read-along to search


def test_embed_page_unknown(api: httpx.Client) -> None:
    answer = api.get("/embed/nosuchthing")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert api.get("/embed/bad.id").status_code == 422


def test_article_page_embeds_the_frame(api: httpx.Client, published: dict) -> None:
    page = html.unescape(api.get(f"/articles/{published['id']}").text)
    assert f'<iframe src="{api.base_url}/embed/{published["id"]}"' in page


def references(page: str) -> list[str]:
    """The URLs of a page's src and href attributes, and any other absolute URL in it."""
    return re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r"(?:https?:)?//[^\s\"'<>]+", page)


def test_docs_load_nothing_from_other_hosts(api: httpx.Client) -> None:
    answer = api.get("/docs")
    assert answer.status_code == 200
    urls = references(answer.text)
    assert "/static/favicon.svg" in urls and any(url.endswith("/swagger-ui-bundle.js") for url in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url  # this host's, whatever its name
        assert api.get(url).status_code == 200, url
    assert "url: '/openapi.json'" in answer.text
    assert api.get("/redoc").status_code == 404  # ReDoc's page loads a logo from a CDN


def test_favicon(api: httpx.Client) -> None:
    icon = api.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    default = api.get("/favicon.ico")  # what browsers ask for when a page names no icon
    assert default.status_code == 200 and default.headers["content-type"] == "image/svg+xml"
    assert default.content == icon.content and b"<svg" in icon.content
    assert f'<link rel="icon" href="{api.base_url}/static/favicon.svg"' in api.get("/").text
