"""The dashboard, an article's page, and the player script, as served."""

from __future__ import annotations

import html

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
    assert api.get("/articles/nosuchthing").status_code == 404
    assert api.get("/articles/bad.id").status_code == 422


def test_player_script(api: httpx.Client) -> None:
    answer = api.get("/static/player.js", headers={"Origin": "https://news.example"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert 'customElements.define("newsvoice-player"' in answer.text
    assert "import " not in answer.text  # no dependencies, no build step
