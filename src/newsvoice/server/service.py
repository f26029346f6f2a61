"""What the routes share: the store, the job workers, live streams, and how to answer with them."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..article import Article, check_length
from ..extract import extract
from ..runtime import Runtime
from ..script import check_readable
from ..settings import ServiceSettings
from ..sources import Document
from ..times import iso
from ..voice import voice_for_language
from .jobs import AUDIO_FORMATS, Dispatcher, JobQueue, LocalQueue, Narrator, job_event
from .keys import check_key
from .netguard import AddressPolicy
from .ranges import MalformedRange, RangeNotSatisfiable, byte_ranges
from .store import Feed, Job, Record, Store, Submitted, Version
from .streams import RedisStreams, Streams
from .watcher import Watcher
from .worker import RedisQueue

CACHE_ENTRIES = 4096
T = TypeVar("T")
SMALL_RANGE = 256 * 1024


@dataclass
class Service:
    runtime: Runtime
    settings: ServiceSettings
    store: Store
    streams: Streams | RedisStreams
    narrator: Narrator | None
    """Narrates here, unless jobs go to `newsvoice worker` processes through Redis."""
    workers: LocalQueue | None
    jobs: JobQueue
    dispatcher: Dispatcher
    policy: AddressPolicy
    watcher: Watcher = field(init=False)
    _cache: dict[Any, Any] = field(default_factory=dict)
    _cached_at: tuple[int, int] = (-1, -1)

    @classmethod
    def open(cls, runtime: Runtime, migrate: bool = False) -> Service:
        """The service with RUNTIME; MIGRATE creates or upgrades its database (see `Store`)."""
        settings = runtime.service
        store = Store(settings.store_url, migrate=migrate)
        settings.audio_dir.mkdir(parents=True, exist_ok=True)
        narrator, workers = None, None
        if settings.queue:
            streams: Streams | RedisStreams = RedisStreams(settings.queue)
            jobs: JobQueue = RedisQueue(settings.queue)
        else:
            streams = Streams()
            narrator = Narrator(runtime, store, streams)
            workers = jobs = LocalQueue(narrator.run, settings.workers)
        dispatcher = Dispatcher(store, jobs, settings)
        policy = AddressPolicy(settings.allow)
        return cls(runtime, settings, store, streams, narrator, workers, jobs, dispatcher, policy)

    def __post_init__(self) -> None:
        self.watcher = Watcher(self.store, self.policy, self.submit_document)

    def start(self, watching: bool = True) -> None:
        """Load the voice (so that the first listener does not wait), start the workers, queue
        again what a stopped server left queued here, and (WATCHING) poll the watched feeds."""
        if self.narrator and self.workers:
            self.narrator.prepare()
            for job_id in self.store.due(stale=0):  # their messages were in the stopped process
                self.workers.enqueue(job_id)
            self.workers.start()
        self.dispatcher.start()
        if watching:
            self.watcher.start()

    def close(self) -> None:
        self.watcher.stop()
        self.dispatcher.stop()
        if self.narrator and self.workers:
            self.narrator.stop()
            self.workers.stop(timeout=30)
        self.store.close()

    def cached(self, key: Any, build: Callable[[], T]) -> T:
        """BUILD() once for KEY until the store next changes (feeds and audio are read far more
        than written). Other processes change it too (workers publish audio), so at least once
        a second."""
        now = (self.store.changes, int(time.monotonic()))
        if self._cached_at != now or len(self._cache) > CACHE_ENTRIES:
            self._cache, self._cached_at = {}, now
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def submit(
        self, article: Article, url: str | None, tags: Sequence[str], article_id: str | None = None
    ) -> Submitted | None:
        """Store ARTICLE and queue its narration, unless that text is narrated or queued already
        (see `Store.submit`)."""
        submitted = self.store.submit(article, url, tags, article_id)
        if submitted and submitted.queued:
            self.dispatcher.wake()
            _log_queued(submitted.job, submitted.record)
        return submitted

    def check_readable(self, article: Article) -> None:
        """Raise `Refused` (`TooLongError`, `LanguageError`, `UnreadableError`) for an article
        longer than `max_words`, or one no installed voice can read: one in a language no
        voice speaks, or in letters the voice cannot say. (Narrating it checks again: `newsvoice
        worker` processes may have other voices.)"""
        check_length(article, self.runtime.pipeline.max_words)
        voice = voice_for_language(article.language, self.runtime.pipeline.voice)
        check_readable(article, voice.language)

    def retry(self, failed: Job) -> Job:
        """Queue a failed job's article again: the new job."""
        job = self.store.retry(failed)
        self.dispatcher.wake()
        if record := self.store.article(job.article_id):
            _log_queued(job, record, f" (retry of job {failed.id})")
        return job

    def submit_document(self, document: Document, feed: Feed) -> Submitted:
        """A watched feed's item, extracted and submitted with the feed's tags."""
        submitted = self.submit(extract(document), document.url, feed.tags)
        assert submitted is not None, "submitted without an id"
        return submitted

    def base_url(self, request: Request) -> str:
        return self.settings.base_url or str(request.base_url).rstrip("/")

    def published_file(self, record: Record, extension: str) -> Path:
        """The file of the article's latest version (raises FileNotFoundError if none)."""
        if not record.published:
            raise FileNotFoundError(record.id)
        return self.settings.audio_file(record.id, record.audio, extension)

    def delete(self, article_id: str) -> bool:
        """Forget the article and remove its audio; False if there is no such article."""
        if not self.store.delete(article_id):
            return False
        self.streams.finish(article_id)
        self._delete_files(article_id)
        return True

    def _delete_files(self, article_id: str) -> None:
        for extension in AUDIO_FORMATS:
            self.settings.audio_file(article_id, None, extension).unlink(missing_ok=True)
        shutil.rmtree(self.settings.audio_dir / article_id, ignore_errors=True)


def _log_queued(job: Job, record: Record, note: str = "") -> None:
    title = record.article.title or None
    text = f"queued: article {record.id}" + (f' "{title}"' if title else "") + note
    job_event(logging.INFO, "queued", job.id, text, article=record.id, title=title)


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
        raise not_narrated(path.suffix[1:]) from None
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


def not_narrated(extension: str) -> HTTPException:
    return HTTPException(404, f"no {extension} file for this article: unknown, or not narrated yet")


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
        return byte_ranges(header, size)
    except MalformedRange as error:
        raise HTTPException(400, f"bad Range header {header!r}: {error}") from None
    except RangeNotSatisfiable:
        raise HTTPException(
            416,
            f"range {header!r} is past the end of the file ({size} bytes)",
            {"Content-Range": f"bytes */{size}"},
        ) from None


def job_json(job: Job, base: str) -> dict[str, Any]:
    return {
        "id": job.id,
        "article": job.article_id,
        "status": job.status,
        "progress": {"done": job.done, "total": job.total},
        "error": job.error,
        "warnings": list(job.warnings),
        "attempts": job.attempts,
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
            "opus": f"{api}/audio.opus",  # unless the `opus` setting is off
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
        "warnings": list(record.warnings),
        "created": iso(record.created),
        "updated": iso(record.updated),
        "narrated": iso(record.narrated),
        "job": job_json(record.job, base) if record.job else None,
        "links": links,
    }


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


def timings(service: Service, record: Record) -> dict[str, Any] | None:
    """The word timings of the article's published narration, if it has one."""
    with contextlib.suppress(FileNotFoundError):
        return json.loads(service.published_file(record, "json").read_text(encoding="utf-8"))
    return None
