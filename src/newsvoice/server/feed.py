"""Podcast feeds: RSS 2.0 with Apple's iTunes podcast tags, one item a narrated article.

An item's GUID is its article's id, which editing the article (submitting its URL again, or
replacing its text) keeps, so podcast apps do not list an edited article twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from .. import __version__
from .store import Record

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


def build_feed(title: str, description: str, home: str, self_url: str, episodes: list[Episode]) -> bytes:
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", home)
    _text(channel, "description", description)
    _text(channel, "language", _language(episodes))
    _text(channel, "generator", f"newsvoice {__version__}")
    _text(
        channel,
        "lastBuildDate",
        _rfc822(max((e.record.narrated or 0 for e in episodes), default=time.time())),
    )
    ET.SubElement(
        channel, f"{{{ATOM}}}link", {"href": self_url, "rel": "self", "type": "application/rss+xml"}
    )
    _text(channel, f"{{{ITUNES}}}author", title)
    _text(channel, f"{{{ITUNES}}}summary", description)
    _text(channel, f"{{{ITUNES}}}type", "episodic")
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": "News"})
    for episode in episodes:
        _item(channel, episode)
    ET.indent(rss, space=" ")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def _item(channel: ET.Element, episode: Episode) -> None:
    record, article = episode.record, episode.record.article
    item = ET.SubElement(channel, "item")
    _text(item, "title", article.title)
    _text(item, "link", record.url or article.url or episode.page_url)
    _text(item, "guid", f"newsvoice:{record.id}").set("isPermaLink", "false")
    _text(item, "pubDate", _rfc822(_published(record)))
    summary = article.description or (article.paragraphs[0] if article.paragraphs else article.title)
    _text(item, "description", summary)
    if author := article.byline or article.site_name:
        _text(item, f"{{{ITUNES}}}author", author)
    ET.SubElement(
        item,
        "enclosure",
        {"url": episode.audio_url, "length": str(episode.audio_bytes), "type": "audio/mpeg"},
    )
    _text(item, f"{{{ITUNES}}}duration", str(round(record.duration or 0)))
    _text(item, f"{{{ITUNES}}}episodeType", "full")
    _text(item, f"{{{ITUNES}}}explicit", "false")
    for tag in record.tags:
        _text(item, "category", tag)


def _published(record: Record) -> float:
    """The article's own date where it has one (ISO 8601), else when it was submitted."""
    try:
        date = datetime.fromisoformat(record.article.date or "")
    except ValueError:
        return record.created
    return (date if date.tzinfo else date.replace(tzinfo=UTC)).timestamp()


def _language(episodes: list[Episode]) -> str:
    languages = [e.record.article.language for e in episodes if e.record.article.language]
    return max(set(languages), key=languages.count) if languages else "en"


def _rfc822(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC), usegmt=True)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element
