"""Apple Podcasts' published feed requirements (and Spotify's, which follow them), encoded as a
check and run on every shape of feed: the server's, a site's (by name and by host name, in any
case) and a tag's.

What Apple asks of a show (podcasters.apple.com, "Podcast RSS feed requirements"): RSS 2.0
with the itunes namespace; a title, description, link and language; `itunes:image`, a square
JPEG or PNG of 1400 to 3000 px whose URL ends in .jpg or .png; `itunes:category` from its list
(a subcategory from that category's); `itunes:explicit`; `itunes:author`; `itunes:owner` with
an `itunes:email` (Spotify sends the show's verification to it); a copyright. Of each episode:
a title, an enclosure (URL, length in bytes, MIME type), a GUID that never changes, a pubDate
in RFC 2822 with its zone, a duration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from conftest import running, wait_for_job
from fastapi.testclient import TestClient

from newsvoice.podcast import APPLE_CATEGORIES, check_artwork

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
BODY = "The harbour bridge reopened to traffic on Friday after eight months of repairs, the council said."
HERALD = "The Coastal Herald"
TITLES = (
    "Harbour bridge reopens after repairs",
    "Ferry timetable changes for the summer",
    "Council approves new budget for parks",
)


def apple_problems(client: TestClient, body: bytes, tmp: Path) -> list[str]:
    """What Apple Podcasts would refuse in the feed BODY (empty: nothing)."""
    problems: list[str] = []

    def need(condition: object, problem: str) -> None:
        if not condition:
            problems.append(problem)

    need(b'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"' in body, "no itunes namespace")
    rss = ET.fromstring(body)
    need(rss.tag == "rss" and rss.get("version") == "2.0", "not RSS 2.0")
    channel = rss.find("channel")
    assert channel is not None
    for tag in ("title", "description", "link", "language", "copyright"):
        need((channel.findtext(tag) or "").strip(), f"channel: no {tag}")
    need(re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", channel.findtext("language") or ""), "bad language")
    image = channel.find(f"{ITUNES}image")
    href = image.get("href", "") if image is not None else ""
    need(urlsplit(href).scheme in ("http", "https"), "channel: no itunes:image URL")
    need(href.lower().endswith((".jpg", ".png")), f"itunes:image {href} does not end in .jpg or .png")
    if href:
        answer = client.get(href)
        need(answer.status_code == 200, f"itunes:image {href}: {answer.status_code}")
        need(answer.headers.get("content-type") in ("image/png", "image/jpeg"), "artwork not PNG or JPEG")
        (tmp / "artwork").write_bytes(answer.content)
        try:
            check_artwork(tmp / "artwork")
        except ValueError as error:
            problems.append(str(error))
    need(channel.findtext("image/url") == href, "RSS <image> url is not the artwork")
    need(
        channel.findtext("image/title") and channel.findtext("image/link"),
        "RSS <image> without title or link",
    )
    category = channel.find(f"{ITUNES}category")
    text = category.get("text") if category is not None else None
    need(text in APPLE_CATEGORIES, f"itunes:category {text!r} is not Apple's")
    for sub in category.findall(f"{ITUNES}category") if category is not None else []:
        need(sub.get("text") in APPLE_CATEGORIES.get(text or "", ()), f"subcategory {sub.get('text')!r}")
    need(channel.findtext(f"{ITUNES}explicit") in ("true", "false"), "itunes:explicit")
    need(channel.findtext(f"{ITUNES}author"), "no itunes:author")
    need("@" in (channel.findtext(f"{ITUNES}owner/{ITUNES}email") or ""), "no itunes:owner email")
    need(channel.findtext(f"{ITUNES}owner/{ITUNES}name"), "no itunes:owner name")

    items = channel.findall("item")
    need(items, "no episodes")
    guids = [item.findtext("guid") for item in items]
    need(len(set(guids)) == len(guids) and all(guids), "GUIDs missing or repeated")
    dates = []
    for item in items:
        where = f"item {item.findtext('guid')}"
        need(item.findtext("title"), f"{where}: no title")
        enclosure = item.find("enclosure")
        need(enclosure is not None, f"{where}: no enclosure")
        if enclosure is not None:
            need(urlsplit(enclosure.get("url", "")).scheme in ("http", "https"), f"{where}: enclosure url")
            need(
                (enclosure.get("length") or "").isdigit() and int(enclosure.get("length")) > 0,
                f"{where}: length",
            )
            need(enclosure.get("type") == "audio/mpeg", f"{where}: enclosure type")
        published = parsedate_to_datetime(item.findtext("pubDate") or "")
        need(published.tzinfo is not None, f"{where}: pubDate without a zone")
        dates.append(published)
        need((item.findtext(f"{ITUNES}duration") or "").isdigit(), f"{where}: itunes:duration")
        if (episode_image := item.find(f"{ITUNES}image")) is not None:
            need(
                urlsplit(episode_image.get("href", "")).scheme in ("http", "https"), f"{where}: itunes:image"
            )
    need(dates == sorted(dates, reverse=True), "episodes not newest first by pubDate")
    return problems


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory, normalizer) -> Iterator[tuple[TestClient, dict, list]]:
    """A service with podcast settings and a site, and three narrated articles."""
    sites = {HERALD: {"hosts": ["coastal.example"], "email": "desk@coastal.example", "language": "en-GB"}}
    settings: dict[str, Any] = {
        "feed_email": "podcasts@listen.example",
        "feed_owner": "Listen Co",
        "sites": sites,
    }
    with running(tmp_path_factory.mktemp("server"), normalizer, **settings) as (client, headers):
        submissions = [
            {
                "url": "https://coastal.example/a",
                "site": HERALD,
                "date": "2026-11-02T09:30:00+01:00",
                "image": "https://coastal.example/lead.jpg",
                "tags": ["business"],
            },
            {"url": "https://harbour.example/b", "date": "2026-11-05T18:05:00-05:00", "tags": ["business"]},
            {"url": "https://coastal.example/c", "date": "2026-10-30"},
        ]
        articles = []
        for number, fields in enumerate(submissions):
            text = f"{TITLES[number]}\n\n{BODY}"
            answer = client.post("/api/articles", json={"text": text, **fields}, headers=headers)
            assert answer.status_code == 202, answer.text
            assert wait_for_job(client, answer.json()["job"])["status"] == "done"
            articles.append(answer.json()["article"])
        yield client, headers, articles


@pytest.mark.parametrize(
    "path",
    [
        "/feed.xml",
        "/sites/The Coastal Herald/feed.xml",
        "/sites/the coastal herald/feed.xml",
        "/sites/COASTAL.example/feed.xml",
        "/sites/www.coastal.example/feed.xml",
        "/sites/harbour.example/feed.xml",
        "/tags/business/feed.xml",
    ],
)
def test_every_feed_meets_apples_requirements(newsroom, path: str, tmp_path: Path) -> None:
    client = newsroom[0]
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert apple_problems(client, answer.content, tmp_path) == []


def test_feeds_hold_what_they_should(newsroom) -> None:
    client, _, articles = newsroom
    herald, harbour, older = (f"newsvoice:{article['id']}" for article in articles)

    def guids(path: str) -> list[str]:
        channel = ET.fromstring(client.get(path).content).find("channel")
        return [item.findtext("guid") for item in channel.findall("item")]

    assert guids("/feed.xml") == [harbour, herald, older]  # by publication date, not submission
    assert (
        guids("/sites/coastal.example/feed.xml")
        == [herald, older]
        == guids("/sites/THE COASTAL HERALD/feed.xml")
    )
    assert guids("/sites/Harbour.Example/feed.xml") == [harbour]
    assert guids("/tags/business/feed.xml") == [harbour, herald]

    channel = ET.fromstring(client.get("/sites/coastal.example/feed.xml").content).find("channel")
    assert channel.findtext("language") == "en-GB"
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}email") == "desk@coastal.example"
    first = channel.find("item")
    assert first.find(f"{ITUNES}image").get("href") == "https://coastal.example/lead.jpg"
    assert first.findtext("pubDate") == "Mon, 02 Nov 2026 08:30:00 GMT"  # its time, not midnight
    category = ET.fromstring(client.get("/feed.xml").content).find(f"channel/{ITUNES}category")
    assert (category.get("text"), category.find(f"{ITUNES}category").get("text")) == ("News", "Daily News")


@pytest.mark.parametrize("path", ["/sites/nowhere.example/feed.xml", "/tags/nothing/feed.xml"])
def test_an_unknown_site_or_tag_is_not_found(newsroom, path: str) -> None:
    answer = newsroom[0].get(path)
    assert answer.status_code == 404 and "no " in answer.json()["detail"]


def test_bad_artwork_is_refused_saying_why(tmp_path: Path) -> None:
    from newsvoice.settings import ConfigError, load_settings

    small = tmp_path / "small.png"
    small.write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (600).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    )
    with pytest.raises(ConfigError, match=r"is 600×600 px: it must be from 1400×1400 to 3000×3000 px"):
        load_settings(feed_image=str(small))
    wide = tmp_path / "wide.jpg"
    frame = b"\xff\xc0\x00\x11\x08" + (1400).to_bytes(2, "big") + (2000).to_bytes(2, "big")
    wide.write_bytes(b"\xff\xd8\xff\xe0\x00\x04ab" + frame + b"\x00" * 12)
    with pytest.raises(ConfigError, match=r"is 2000×1400 px: it must be square"):
        load_settings(feed_image=str(wide))
    with pytest.raises(ConfigError, match="neither a PNG nor a JPEG"):
        load_settings(sites={"A": {"image": str(Path(__file__))}})
    with pytest.raises(ConfigError, match="not a subcategory of News"):
        load_settings(feed_subcategory="Cooking")
