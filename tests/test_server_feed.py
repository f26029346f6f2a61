"""Podcast feeds: valid RSS 2.0 with iTunes tags, enclosures, and GUIDs that survive edits."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
from conftest import audio_file, wait_for_job

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
ATOM = "{http://www.w3.org/2005/Atom}"


def page(title: str, toll: str) -> str:
    sentence = f"The toll for cars on the harbour bridge will be {toll} dollars from May, the council said."
    body = " ".join([sentence] * 3)
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{body}</p></article>"


def items(api: httpx.Client, path: str) -> dict[str, ET.Element]:
    answer = api.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/rss+xml; charset=utf-8"
    rss = ET.fromstring(answer.content)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    return {item.findtext("guid"): item for item in rss.find("channel").findall("item")}


def test_feed_channel(api: httpx.Client, published: dict) -> None:
    channel = ET.fromstring(api.get("/feed.xml").content).find("channel")
    for tag in ("title", "link", "description", "language", "lastBuildDate"):
        assert channel.findtext(tag), tag
    assert channel.findtext("title") == "Test News"
    assert channel.find(f"{ATOM}link").get("href") == str(api.base_url.join("/feed.xml"))
    assert channel.find(f"{ATOM}link").get("rel") == "self"
    assert channel.findtext(f"{ITUNES}author") and channel.findtext(f"{ITUNES}explicit") == "false"
    assert channel.find(f"{ITUNES}category").get("text") == "News"
    parsedate_to_datetime(channel.findtext("lastBuildDate"))


def test_feed_item(api: httpx.Client, published: dict, server_dir: Path) -> None:
    item = items(api, "/feed.xml")[f"newsvoice:{published['id']}"]
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("title") == published["title"]
    assert item.findtext("link") == published["links"]["page"]
    enclosure = item.find("enclosure")
    assert enclosure.get("url") == published["links"]["mp3"]
    assert enclosure.get("type") == "audio/mpeg"
    assert int(enclosure.get("length")) == audio_file(server_dir, published).stat().st_size
    assert int(item.findtext(f"{ITUNES}duration")) == round(published["duration"])
    assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
    assert [c.text for c in item.findall("category")] == ["transport"]
    assert api.head(enclosure.get("url")).status_code == 200


def test_feeds_by_tag(api: httpx.Client, published: dict) -> None:
    assert f"newsvoice:{published['id']}" in items(api, "/tags/transport/feed.xml")
    assert api.get("/tags/weather/feed.xml").status_code == 404  # no article has it


def test_feed_caching(api: httpx.Client, published: dict) -> None:
    etag = api.get("/feed.xml").headers["etag"]
    cached = api.get("/feed.xml", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.headers["etag"] == etag
    assert cached.headers["cache-control"] == "public, max-age=60"


@pytest.mark.parametrize("edit", ["resubmit", "replace"])
def test_guid_stable_across_edits(api: httpx.Client, api_key: dict, edit: str) -> None:
    url = f"https://harbour.example/{edit}"
    first = api.post("/api/articles", json={"url": url, "html": page("Bridge tolls", "two")}, headers=api_key)
    article_id = first.json()["article"]["id"]
    wait_for_job(api, first.json()["job"])
    edited = {"html": page("Bridge tolls rise", "three")}
    if edit == "resubmit":
        answer = api.post("/api/articles", json={"url": url, **edited}, headers=api_key)
    else:
        answer = api.put(f"/api/articles/{article_id}", json=edited, headers=api_key)
    wait_for_job(api, answer.json()["job"])

    guid = f"newsvoice:{article_id}"
    for path in ("/feed.xml", "/sites/harbour.example/feed.xml"):
        found = items(api, path)
        assert [g for g in found if found[g].findtext("link") == url] == [guid], path
        assert found[guid].findtext("title") == "Bridge tolls rise"
    assert api.delete(f"/api/articles/{article_id}", headers=api_key).status_code == 204
    assert guid not in items(api, "/feed.xml")
