"""Podcast feeds: RSS 2.0 with Apple's iTunes podcast tags, one item a narrated article.

An item's GUID is its article's id, which editing the article (submitting its URL again, or
replacing its text) keeps, so podcast apps do not list an edited article twice.

A feed is always well-formed XML 1.0: every text and attribute is written through `_xml`,
which takes out any character XML cannot hold (and logs it). Articles hold none
(`newsvoice.characters`), but a feed also carries tags, URLs and settings, and one bad
character would break the feed for every subscriber.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from .. import __version__
from ..characters import clean_text, invalid_characters
from .store import Record

log = logging.getLogger(__name__)

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("atom", ATOM)


@dataclass(frozen=True)
class Episode:
    record: Record
    audio_url: str
    audio_bytes: int
    page_url: str


@dataclass(frozen=True)
class Podcast:
    """How a feed presents its show to podcast directories (see `newsvoice.podcast`)."""

    image: str | None = None
    """The artwork's URL: a square PNG or JPEG of 1400 to 3000 px."""
    owner: str | None = None
    """The publisher's name; by default the feed's title."""
    email: str | None = None
    category: str = "News"
    subcategory: str | None = "Daily News"
    copyright: str | None = None
    """By default "© <year> <owner>"."""
    language: str | None = None
    """By default the language most of its episodes are in."""


def build_feed(
    title: str,
    description: str,
    home: str,
    self_url: str,
    episodes: list[Episode],
    podcast: Podcast | None = None,
) -> bytes:
    """The feed of EPISODES, newest published first, with what Apple Podcasts and Spotify ask
    of a show (PODCAST): artwork, owner and email, category and subcategory, copyright."""
    podcast = podcast or Podcast()
    episodes = sorted(episodes, key=lambda episode: published_time(episode.record), reverse=True)
    owner = podcast.owner or title
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", home)
    _text(channel, "description", description)
    _text(channel, "language", podcast.language or _language(episodes))
    year = datetime.fromtimestamp(time.time(), UTC).year
    _text(channel, "copyright", podcast.copyright or f"© {year} {owner}")
    _text(channel, "generator", f"newsvoice {__version__}")
    _text(
        channel,
        "lastBuildDate",
        _rfc822(max((e.record.narrated or 0 for e in episodes), default=time.time())),
    )
    _element(channel, f"{{{ATOM}}}link", {"href": self_url, "rel": "self", "type": "application/rss+xml"})
    if podcast.image:
        image = ET.SubElement(channel, "image")
        _text(image, "url", podcast.image)
        _text(image, "title", title)
        _text(image, "link", home)
        _element(channel, f"{{{ITUNES}}}image", {"href": podcast.image})
    _text(channel, f"{{{ITUNES}}}author", owner)
    if podcast.email:
        owned = ET.SubElement(channel, f"{{{ITUNES}}}owner")
        _text(owned, f"{{{ITUNES}}}name", owner)
        _text(owned, f"{{{ITUNES}}}email", podcast.email)
    _text(channel, f"{{{ITUNES}}}summary", description)
    _text(channel, f"{{{ITUNES}}}type", "episodic")
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    category = _element(channel, f"{{{ITUNES}}}category", {"text": podcast.category})
    if podcast.subcategory:
        _element(category, f"{{{ITUNES}}}category", {"text": podcast.subcategory})
    for episode in episodes:
        _item(channel, episode)
    ET.indent(rss, space=" ")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def _item(channel: ET.Element, episode: Episode) -> None:
    record, article = episode.record, episode.record.article
    where = f"article {record.id}"
    item = ET.SubElement(channel, "item")
    _text(item, "title", article.title, where)
    _text(item, "link", record.url or article.url or episode.page_url, where)
    _text(item, "guid", f"newsvoice:{record.id}", where).set("isPermaLink", "false")
    _text(item, "pubDate", _rfc822(published_time(record)), where)
    summary = article.description or (article.paragraphs[0] if article.paragraphs else article.title)
    _text(item, "description", summary, where)
    if author := article.byline or article.site_name:
        _text(item, f"{{{ITUNES}}}author", author, where)
    if article.image and article.image.startswith(("https://", "http://")):
        _element(item, f"{{{ITUNES}}}image", {"href": article.image}, where)
    _element(
        item,
        "enclosure",
        {"url": episode.audio_url, "length": str(episode.audio_bytes), "type": "audio/mpeg"},
        where,
    )
    _text(item, f"{{{ITUNES}}}duration", str(round(record.duration or 0)), where)
    _text(item, f"{{{ITUNES}}}episodeType", "full", where)
    _text(item, f"{{{ITUNES}}}explicit", "false", where)
    for tag in record.tags:
        _text(item, "category", tag, where)


def published_time(record: Record) -> float:
    """When the article was published: its own date (ISO 8601) where it has one, with its time
    and zone (none: UTC); a date without a time takes the time it was made public here that
    day, else midnight UTC. Without a date: when it was made public here, or submitted."""
    here = record.publish_at or record.created
    try:
        date = datetime.fromisoformat(record.article.date or "")
    except ValueError:
        return here
    if len((record.article.date or "").strip()) <= 10:  # a date alone: 2026-11-30
        made_public = datetime.fromtimestamp(here, UTC)
        if made_public.date() == date.date():
            return here
    return (date if date.tzinfo else date.replace(tzinfo=UTC)).timestamp()


def _language(episodes: list[Episode]) -> str:
    languages = [e.record.article.language for e in episodes if e.record.article.language]
    return max(set(languages), key=languages.count) if languages else "en"


def _rfc822(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)


def _text(parent: ET.Element, tag: str, text: str, where: str = "the channel") -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _xml(text, where, tag)
    return element


def _element(
    parent: ET.Element, tag: str, attributes: dict[str, str], where: str = "the channel"
) -> ET.Element:
    return ET.SubElement(
        parent, tag, {name: _xml(value, where, f"{tag} {name}") for name, value in attributes.items()}
    )


def _xml(value: str, where: str, field: str) -> str:
    """VALUE as XML 1.0 can hold it (ElementTree escapes `&`, `<` and `>`, but writes any
    character as it is): the characters it cannot are taken out, and logged."""
    invalid = invalid_characters(value)
    if not invalid:
        return value
    field = field.replace(f"{{{ITUNES}}}", "itunes:").replace(f"{{{ATOM}}}", "atom:")
    log.warning("feed: %s: %s taken out of its %s", where, ", ".join(invalid), field)
    return clean_text(value)
