"""The JSON of the API's answers (and of the pages' data): articles, jobs, versions, watched
feeds, with the links a client follows. BASE is where the service is (`http.base_url`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..newsroom import VersionChanges
from ..times import iso
from ..voice import VoiceInfo
from .store import Feed, Job, Record, Submitted, Version
from .watcher import FeedReport


def job_json(job: Job, base: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "article": job.article_id,
        "status": job.status,
        "progress": {"done": job.done, "total": job.total},
        "error": job.error,
        "previous_errors": list(job.previous_errors),
        "warnings": list(job.warnings),
        "attempts": job.attempts,
        "created": iso(job.created),
        "started": iso(job.started),
        "finished": iso(job.finished),
        "links": {"self": f"{base}/api/jobs/{job.id}", "article": f"{base}/api/articles/{job.article_id}"},
    }


def article_json(record: Record, base: str, listens: bool = True) -> dict[str, Any]:
    """LISTENS: the player is to send its listening events (`links.listens`: the `analytics`
    setting is on)."""
    article, api = record.article, f"{base}/api/articles/{record.id}"
    links = {"self": api, "page": f"{base}/articles/{record.id}", "stream": f"{api}/stream.mp3"}
    if record.published:
        links |= {
            "mp3": f"{api}/audio.mp3",
            "opus": f"{api}/audio.opus",  # unless the `opus` setting is off
            "transcript": f"{api}/transcript.vtt",
            "timings": f"{api}/timings.json",
        }
        if listens:
            links["listens"] = f"{base}/api/listens"
    return {
        "id": record.id,
        "title": article.title,
        "url": record.url or article.url,
        "site": record.site,
        "authors": list(article.authors),
        "date": article.date,
        "language": article.language,
        "description": article.description,
        "image": article.image,
        "tags": list(record.tags),
        "draft": record.publish_at is None,
        "publish_at": iso(record.publish_at),
        "public": record.public(),
        "narration": dict(record.options or {}),
        "status": record.job.status if record.job else None,
        "published": record.published,
        "version": record.version,
        "warnings": list(record.warnings),
        "duration": record.duration,
        "created": iso(record.created),
        "updated": iso(record.updated),
        "narrated": iso(record.narrated),
        "job": job_json(record.job, base) if record.job else None,
        "links": links,
    }


def voice_json(voice: VoiceInfo) -> dict[str, Any]:
    return {"name": voice.name, "language": voice.language, "sample_rate": voice.sample_rate}


def feed_json(feed: Feed, base: str) -> dict[str, Any]:
    state = feed.state
    return {
        "id": feed.id,
        "url": feed.url,
        "title": state.get("title"),
        "tags": list(feed.tags),
        "interval": feed.interval,
        "items": len(state.get("fingerprints", {})),
        "polled": iso(feed.polled),
        "next_poll": iso(feed.next_poll),
        "failures": state.get("failures", 0),
        "error": feed.error,
        "links": {"self": f"{base}/api/watches/{feed.id}"},
    }


def version_json(version: Version, base: str) -> dict[str, Any]:
    audio = f"{base}/api/articles/{version.article_id}/versions/{version.number}"
    return {
        "number": version.number,
        "title": version.article.title,
        "duration": version.duration,
        "created": iso(version.created),
        "job": version.job_id,
        "links": {"self": audio, "mp3": f"{audio}/audio.mp3", "timings": f"{audio}/timings.json"},
    }


def submitted_json(submitted: Submitted, base: str) -> dict[str, Any]:
    """A submission's answer: the article, its job, and whether a narration was queued."""
    return {
        "article": article_json(submitted.record, base),
        "job": job_json(submitted.job, base),
        "changed": submitted.queued,
    }


def version_text_json(version: Version, base: str) -> dict[str, Any]:
    """One version with its text as narrated and its script."""
    return version_json(version, base) | {
        "text": [{"kind": b.kind, "text": b.text} for b in version.article.blocks],
        "script": list(version.script),
    }


def changes_json(changes: VersionChanges) -> dict[str, Any]:
    return {"from": changes.before, "to": changes.after} | dataclasses.asdict(changes.changes)


def poll_json(report: FeedReport, base: str) -> dict[str, Any]:
    """A watched feed after a poll, with what the poll found and queued."""
    return feed_json(report.feed, base) | {
        "poll": {
            "narrating": report.narrating,
            "unchanged": report.unchanged,
            "not_modified": report.not_modified,
            "errors": list(report.errors),
            "error": report.error,
        }
    }
