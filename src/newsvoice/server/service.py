"""What the routes share: the store, the job workers, live streams, and how to answer with them."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

from ..normalization import Normalizer
from ..voice import Voice
from .jobs import Narrator, Workers
from .keys import check_key
from .netguard import AddressPolicy
from .settings import Settings
from .store import Job, Record, Store
from .streams import Streams

ARTICLE_ID = r"^[A-Za-z0-9_-]{1,32}$"
"""Ids are URL-safe tokens; anything else is refused before it can name a file."""
CACHE_ENTRIES = 256
SMALL_RANGE = 256 * 1024


@dataclass
class Service:
    settings: Settings
    store: Store
    streams: Streams
    narrator: Narrator
    workers: Workers
    policy: AddressPolicy
    _cache: dict[Any, bytes] = field(default_factory=dict)
    _cached_at: int = -1

    @classmethod
    def open(
        cls, settings: Settings, voice: Voice | None = None, normalizer: Normalizer | None = None
    ) -> Service:
        settings.audio_dir.mkdir(parents=True, exist_ok=True)
        for leftover in settings.audio_dir.glob(".*.part"):  # from a narration cut short by a crash
            leftover.unlink(missing_ok=True)
        store = Store(settings.database)
        streams = Streams()
        narrator = Narrator(settings, store, streams, voice, normalizer)
        workers = Workers(store, narrator.run, settings.workers)
        return cls(settings, store, streams, narrator, workers, AddressPolicy(settings.allow))

    def close(self) -> None:
        self.narrator.stop()
        self.workers.stop(timeout=30)
        self.store.close()

    def cached(self, key: Any, build: Callable[[], bytes]) -> bytes:
        """BUILD() once for KEY until the store next changes (feeds are read far more than written)."""
        if self._cached_at != self.store.changes or len(self._cache) > CACHE_ENTRIES:
            self._cache, self._cached_at = {}, self.store.changes
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def base_url(self, request: Request) -> str:
        return self.settings.base_url or str(request.base_url).rstrip("/")

    def delete_files(self, article_id: str) -> None:
        for extension in ("mp3", "opus", "vtt", "json"):
            self.settings.audio_file(article_id, extension).unlink(missing_ok=True)


async def get_service(request: Request) -> Service:
    """(Async: FastAPI would run a plain function in its thread pool, a hand-off per request.)"""
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]
_bearer = HTTPBearer(auto_error=False, description="An API key made with `newsvoice keys create NAME`.")


def require_key(
    service: ServiceDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Writes need a live API key, sent as `Authorization: Bearer KEY`."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(401, "an API key is needed: send `Authorization: Bearer KEY`", challenge)
    if not check_key(service.store, credentials.credentials):
        raise HTTPException(401, "unknown or revoked API key", challenge)


# --- answers -------------------------------------------------------------------------------


def file_response(request: Request, path: Path, media_type: str, cache_control: str) -> Response:
    """A file with ETag and Last-Modified, 304 for a fresh cached copy, and byte ranges
    (206 with Content-Range; a range past the end is 416 with `Content-Range: bytes */SIZE`).

    Starlette's FileResponse serves whole files and large or multiple ranges. A small range,
    what a seeking player asks for, is read here at once: from the page cache that takes
    microseconds, less than the hand-offs to threads of a streamed file.
    """
    try:
        file = path.open("rb")
    except FileNotFoundError:
        raise HTTPException(
            404, f"no {path.suffix[1:]} file for this article: unknown, or not narrated yet"
        ) from None
    with file:
        stat = os.fstat(file.fileno())
        response = FileResponse(
            path, media_type=media_type, stat_result=stat, headers={"Cache-Control": cache_control}
        )
        if fresh(request, response.headers["etag"]):
            return Response(
                status_code=304, headers=_without(response.headers, "content-length", "content-type")
            )
        ranges = _ranges(request, response, stat.st_size)
        if len(ranges) != 1 or ranges[0][1] - ranges[0][0] > SMALL_RANGE:
            return response
        start, end = ranges[0]
        file.seek(start)
        body = file.read(end - start)
    headers = _without(response.headers, "content-length") | {
        "Content-Range": f"bytes {start}-{end - 1}/{stat.st_size}"
    }
    return Response(body, 206, headers)


def _without(headers: Mapping[str, str], *names: str) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in names}


def fresh(request: Request, etag: str) -> bool:
    """Whether the client's cached copy (If-None-Match) is the current one."""
    header = request.headers.get("if-none-match", "")
    return (
        any(tag.strip().removeprefix("W/") in (etag, "*") for tag in header.split(",")) if header else False
    )


def _ranges(request: Request, response: FileResponse, size: int) -> list[tuple[int, int]]:
    """The byte ranges asked for ([] for the whole file), refusing bad ones in JSON (Starlette
    would answer them in plain text)."""
    header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if header is None or (
        if_range and if_range not in (response.headers["etag"], response.headers["last-modified"])
    ):
        return []  # no range, or one for another version of the file: the whole file is sent
    try:
        return FileResponse._parse_range_header(header, size)
    except MalformedRangeHeader as error:
        raise HTTPException(400, f"bad Range header {header!r}: {error.content}") from None
    except RangeNotSatisfiable:
        raise HTTPException(
            416,
            f"range {header!r} is past the end of the file ({size} bytes)",
            {"Content-Range": f"bytes */{size}"},
        ) from None


def iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds") if timestamp else None


def job_json(job: Job, base: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "article": job.article_id,
        "status": job.status,
        "progress": {"done": job.done, "total": job.total},
        "error": job.error,
        "created": iso(job.created),
        "started": iso(job.started),
        "finished": iso(job.finished),
        "links": {"self": f"{base}/api/jobs/{job.id}", "article": f"{base}/api/articles/{job.article_id}"},
    }


def article_json(record: Record, base: str) -> dict[str, Any]:
    article, api = record.article, f"{base}/api/articles/{record.id}"
    links = {"self": api, "page": f"{base}/articles/{record.id}", "stream": f"{api}/stream.mp3"}
    if record.published:
        links |= {
            "mp3": f"{api}/audio.mp3",
            "opus": f"{api}/audio.opus",
            "transcript": f"{api}/transcript.vtt",
            "timings": f"{api}/timings.json",
        }
    return {
        "id": record.id,
        "title": article.title,
        "url": record.url or article.url,
        "site": record.site,
        "authors": list(article.authors),
        "date": article.date,
        "language": article.language,
        "description": article.description,
        "tags": list(record.tags),
        "status": record.job.status if record.job else None,
        "published": record.published,
        "duration": record.duration,
        "created": iso(record.created),
        "updated": iso(record.updated),
        "narrated": iso(record.narrated),
        "job": job_json(record.job, base) if record.job else None,
        "links": links,
    }


def timings(settings: Settings, article_id: str) -> dict[str, Any] | None:
    """The word timings of the article's published narration, if it has one."""
    with contextlib.suppress(FileNotFoundError):
        return json.loads(settings.audio_file(article_id, "json").read_text(encoding="utf-8"))
    return None
