"""The JSON API under /api: submit articles, follow their jobs, fetch their audio and timings."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool

from ..article import ARTICLE_ID, Article
from ..errors import NewsvoiceError, Refused
from ..extract import extract
from ..sources import Document
from ..watch import DEFAULT_INTERVAL
from ..webhook import HttpUrl, Tag, WebhookEvent, WebhookRefused, verify
from .netguard import AddressRefused, fetch_document
from .service import (
    Service,
    ServiceDep,
    article_json,
    feed_json,
    file_response,
    job_json,
    not_narrated,
    require_key,
    version_json,
)
from .store import Conflict, Feed, JobStatus, Submitted, Version
from .versions import diff_sentences, script_sentences
from .watcher import new_feed_state

router = APIRouter(prefix="/api")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
ArticleId = Annotated[str, Path(pattern=ARTICLE_ID, description="The article's id.")]
JobId = Annotated[str, Path(pattern=ARTICLE_ID, description="The job's id.")]
AUDIO_CACHE = "public, max-age=300"
"""Browsers and proxies keep audio five minutes, then revalidate it by its ETag (it may be re-narrated)."""
IMMUTABLE = "public, max-age=31536000, immutable"
"""A version's own audio never changes."""


class Submission(BaseModel):
    """An article to narrate: a URL to fetch, or its HTML or text (then `url` is only its address)."""

    model_config = ConfigDict(extra="forbid")
    url: HttpUrl | None = Field(None, examples=["https://example.com/news/story"])
    html: str | None = Field(None, description="The article page's HTML.")
    text: str | None = Field(None, description="The article as plain text: title, blank line, paragraphs.")
    tags: list[Tag] = Field(default_factory=list, max_length=20, description="For the per-tag podcast feeds.")

    @model_validator(mode="after")
    def _one_source(self) -> Submission:
        given = [name for name in ("html", "text") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError("give either html or text, not both")
        if not given and self.url is None:
            raise ValueError("give the article's url, html or text")
        return self


@router.post("/articles", status_code=202, dependencies=[Depends(require_key)], tags=["articles"])
def submit_article(submission: Submission, service: ServiceDep, request: Request) -> dict[str, Any]:
    """Queue an article for narration. Submitting a URL again narrates its new text as the
    same article (same id, same feed GUID). Answers with the article and its job.

    An article no installed voice can read is refused (422, saying why): one in a language
    no installed voice speaks, or one with no text the voice can say."""
    return _submit(service, request, submission)


@router.put("/articles/{article_id}", status_code=202, dependencies=[Depends(require_key)], tags=["articles"])
def replace_article(
    article_id: ArticleId, submission: Submission, service: ServiceDep, request: Request
) -> dict[str, Any]:
    """Give an article new text (an edit) and narrate it again; its id and feed GUID stay."""
    return _submit(service, request, submission, article_id)


def _submit(
    service: Service,
    request: Request,
    submission: Submission,
    article_id: str | None = None,
    refuse: bool = True,
) -> dict[str, Any]:
    """Extract and submit SUBMISSION. An article no installed voice can read is REFUSEd (422),
    or else stored, its job failing with the reason."""
    article = _extract(service, submission)
    if refuse:
        try:
            service.check_readable(article)
        except Refused as error:
            raise HTTPException(422, str(error)) from None
    submitted = submit(service, article, submission.url, submission.tags, article_id)
    base = service.base_url(request)
    return {
        "article": article_json(submitted.record, base),
        "job": job_json(submitted.job, base),
        "changed": submitted.queued,
    }


def submit(
    service: Service, article: Article, url: str | None, tags: list[str], article_id: str | None = None
) -> Submitted:
    """`Service.submit`, its refusals in HTTP."""
    try:
        submitted = service.submit(article, url, tags, article_id)
    except Conflict as error:
        raise HTTPException(409, str(error)) from None
    if submitted is None:
        raise HTTPException(404, f"no article {article_id}")
    return submitted


def _extract(service: Service, submission: Submission) -> Article:
    try:
        if submission.html is not None:
            document = Document(submission.html, "html", url=submission.url, name="the html")
        elif submission.text is not None:
            document = Document(submission.text, "text", url=submission.url, name="the text")
        else:
            assert submission.url is not None  # one of the three, by validation
            document = fetch_document(submission.url, service.policy)
        return extract(document)
    except AddressRefused as error:
        raise HTTPException(403, str(error)) from None
    except NewsvoiceError as error:  # unreachable, not a page, no article in it
        raise HTTPException(422, str(error)) from None


@router.get("/articles", tags=["articles"])
def list_articles(
    service: ServiceDep,
    request: Request,
    q: Annotated[str | None, Query(max_length=200, description="Words in the title or text.")] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    site: Annotated[str | None, Query(max_length=200)] = None,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Articles, newest first: all of them, or those matching a search and filters."""
    records, total = service.store.articles(q, tag, site, status, limit=limit, offset=offset)
    base = service.base_url(request)
    return {"total": total, "articles": [article_json(record, base) for record in records]}


@router.get("/articles/{article_id}", tags=["articles"])
def get_article(article_id: ArticleId, service: ServiceDep, request: Request) -> dict[str, Any]:
    """An article's metadata, narration status and links to its audio and timings."""
    record = service.store.article(article_id)
    if record is None:
        raise HTTPException(404, f"no article {article_id}")
    return article_json(record, service.base_url(request))


@router.delete(
    "/articles/{article_id}", status_code=204, dependencies=[Depends(require_key)], tags=["articles"]
)
def delete_article(article_id: ArticleId, service: ServiceDep) -> Response:
    """Delete an article, its versions, jobs and audio (a narration under way is abandoned)."""
    if not service.delete(article_id):
        raise HTTPException(404, f"no article {article_id}")
    return Response(status_code=204)


@router.get("/articles/{article_id}/stream.mp3", tags=["audio"], response_class=StreamingResponse)
async def stream_article(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """The narration while it is being made (MP3, from its start; playback can begin within a
    second of submitting), or the finished file once it is done."""
    coming = functools.partial(service.store.narration_coming, article_id)
    broadcast = await run_in_threadpool(service.streams.join, article_id, coming)  # asks the database
    if broadcast is None:
        return await run_in_threadpool(_published, service, request, article_id, "mp3", "audio/mpeg")
    return StreamingResponse(
        broadcast.listen(), media_type="audio/mpeg", headers={"Cache-Control": "no-store"}
    )


def _published(
    service: Service, request: Request, article_id: str, extension: str, media_type: str
) -> Response:
    published = service.cached(("audio", article_id), lambda: service.store.published_audio(article_id))
    if published is None:
        raise not_narrated(extension)
    path = service.settings.audio_file(article_id, published[0], extension)
    return file_response(request, path, media_type, AUDIO_CACHE)


def _file_route(path: str) -> Callable[[Endpoint], Endpoint]:
    """GET, documented, and HEAD (the same headers, no body; players ask for them) for a file."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=["GET"], tags=["audio"], response_class=Response)
        router.add_api_route(
            path, endpoint, methods=["HEAD"], include_in_schema=False, response_class=Response
        )
        return endpoint

    return register


@_file_route("/articles/{article_id}/audio.mp3")
def get_mp3(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """The narration as MP3, with byte ranges so players can seek."""
    return _published(service, request, article_id, "mp3", "audio/mpeg")


@_file_route("/articles/{article_id}/audio.opus")
def get_opus(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """The narration as Opus (Ogg), with byte ranges."""
    return _published(service, request, article_id, "opus", "audio/ogg; codecs=opus")


@_file_route("/articles/{article_id}/transcript.vtt")
def get_transcript(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """The transcript: one WebVTT cue a segment, in the article's own words."""
    return _published(service, request, article_id, "vtt", "text/vtt; charset=utf-8")


@_file_route("/articles/{article_id}/timings.json")
def get_timings(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """Segments and their words with start and end times, in seconds (for read-along)."""
    return _published(service, request, article_id, "json", "application/json")


@router.get("/jobs/{job_id}", tags=["jobs"])
def get_job(job_id: JobId, service: ServiceDep, request: Request) -> dict[str, Any]:
    """A job's status (queued, running, done, failed), its progress in segments, its error."""
    job = service.store.job(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id}")
    return job_json(job, service.base_url(request))


@router.post("/jobs/{job_id}/retry", status_code=202, dependencies=[Depends(require_key)], tags=["jobs"])
def retry_job(job_id: JobId, service: ServiceDep, request: Request) -> dict[str, Any]:
    """Queue a failed job's article again; answers with the new job (the failed one is kept)."""
    job = service.store.job(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id}")
    if job.status != "failed":
        raise HTTPException(409, f"only a failed job can be retried; this one is {job.status}")
    return job_json(service.retry(job), service.base_url(request))


@router.get("/articles/{article_id}/versions", tags=["versions"])
def list_versions(article_id: ArticleId, service: ServiceDep, request: Request) -> dict[str, Any]:
    """The article's narrated versions, oldest first; the feed and player serve the latest."""
    if service.store.article(article_id) is None:
        raise HTTPException(404, f"no article {article_id}")
    base = service.base_url(request)
    return {"versions": [version_json(v, base) for v in service.store.versions(article_id)]}


@router.get("/articles/{article_id}/versions/{number}", tags=["versions"])
def get_version(
    article_id: ArticleId, number: Annotated[int, Path(ge=1)], service: ServiceDep, request: Request
) -> dict[str, Any]:
    """One version: its text as narrated, its script, and its own audio."""
    version = _version(service, article_id, number)
    return version_json(version, service.base_url(request)) | {
        "text": [{"kind": b.kind, "text": b.text} for b in version.article.blocks],
        "script": list(version.script),
    }


@router.get("/articles/{article_id}/changes", tags=["versions"])
def get_changes(
    article_id: ArticleId,
    service: ServiceDep,
    before: Annotated[int | None, Query(ge=1, alias="from", description="Default: the one before.")] = None,
    after: Annotated[int | None, Query(ge=1, alias="to", description="Default: the latest.")] = None,
) -> dict[str, Any]:
    """Sentences added, removed and changed between two versions (by default, the latest two)."""
    numbers = [v.number for v in service.store.versions(article_id)]
    if not numbers:
        raise HTTPException(404, f"article {article_id} has no narrated version")
    after = after or numbers[-1]
    before = before or max((n for n in numbers if n < after), default=after)
    old, new = _version(service, article_id, before), _version(service, article_id, after)
    changes = diff_sentences(script_sentences(old.script), script_sentences(new.script))
    return {"from": before, "to": after} | dataclasses.asdict(changes)


def _version(service: Service, article_id: str, number: int) -> Version:
    version = service.store.version(article_id, number)
    if version is None:
        raise HTTPException(404, f"article {article_id} has no version {number}")
    return version


@_file_route("/articles/{article_id}/versions/{number}/audio.mp3")
def get_version_mp3(
    article_id: ArticleId, number: Annotated[int, Path(ge=1)], service: ServiceDep, request: Request
) -> Response:
    """An earlier (or the latest) version's narration as MP3."""
    path = service.settings.audio_file(article_id, _version(service, article_id, number).job_id, "mp3")
    return file_response(request, path, "audio/mpeg", IMMUTABLE)


@_file_route("/articles/{article_id}/versions/{number}/timings.json")
def get_version_timings(
    article_id: ArticleId, number: Annotated[int, Path(ge=1)], service: ServiceDep, request: Request
) -> Response:
    """A version's word timings."""
    path = service.settings.audio_file(article_id, _version(service, article_id, number).job_id, "json")
    return file_response(request, path, "application/json", IMMUTABLE)


# --- watched feeds -------------------------------------------------------------------------


class Watch(BaseModel):
    """A publisher's RSS or Atom feed to watch: new items are narrated, changed ones again."""

    model_config = ConfigDict(extra="forbid")
    url: HttpUrl
    interval: float = Field(DEFAULT_INTERVAL, ge=60, le=7 * 86400, description="Seconds between polls.")
    tags: list[Tag] = Field(default_factory=list, max_length=20, description="Given to its articles.")


@router.post("/watches", status_code=201, dependencies=[Depends(require_key)], tags=["watches"])
def add_watch(watch: Watch, service: ServiceDep, request: Request) -> dict[str, Any]:
    """Watch a feed (watching it again changes its interval and tags); it is polled within
    seconds, by the server's watcher."""
    state = new_feed_state(watch.url, watch.interval)
    feed = service.store.add_feed(watch.url, watch.tags, watch.interval, state)
    service.watcher.wake()
    return feed_json(feed, service.base_url(request))


@router.get("/watches", tags=["watches"])
def list_watches(service: ServiceDep, request: Request) -> dict[str, Any]:
    """The watched feeds, with when each was polled and its last error."""
    base = service.base_url(request)
    return {"watches": [feed_json(feed, base) for feed in service.store.feeds()]}


@router.get("/watches/{feed_id}", tags=["watches"])
def get_watch(feed_id: JobId, service: ServiceDep, request: Request) -> dict[str, Any]:
    return feed_json(_watched(service, feed_id), service.base_url(request))


@router.post("/watches/{feed_id}/poll", dependencies=[Depends(require_key)], tags=["watches"])
def poll_watch(feed_id: JobId, service: ServiceDep, request: Request) -> dict[str, Any]:
    """Poll a feed now: answers what the poll found and queued."""
    report = service.watcher.poll(_watched(service, feed_id))
    return feed_json(service.store.feed(feed_id) or report.feed, service.base_url(request)) | {
        "poll": {
            "narrating": report.narrating,
            "unchanged": report.unchanged,
            "not_modified": report.not_modified,
            "errors": list(report.errors),
            "error": report.error,
        }
    }


@router.delete("/watches/{feed_id}", status_code=204, dependencies=[Depends(require_key)], tags=["watches"])
def remove_watch(feed_id: JobId, service: ServiceDep) -> Response:
    """Stop watching a feed (its articles stay)."""
    if not service.store.remove_feed(feed_id):
        raise HTTPException(404, f"no watched feed {feed_id}")
    return Response(status_code=204)


def _watched(service: Service, feed_id: str) -> Feed:
    feed = service.store.feed(feed_id)
    if feed is None:
        raise HTTPException(404, f"no watched feed {feed_id}")
    return feed


# --- the CMS webhook -----------------------------------------------------------------------


@router.post(
    "/webhook",
    tags=["webhook"],
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": WebhookEvent.model_json_schema()}}}
    },
)
async def webhook(request: Request, service: ServiceDep) -> Response:
    """A CMS's signed event (see `newsvoice.webhook` for the signature): publish and update
    narrate the article (again, if its text changed); delete removes it. No API key: the
    signature, with a secret from the `webhook_secrets` setting, is the credential."""
    if not service.settings.webhook_secrets:
        raise HTTPException(404, "webhooks are off: set webhook_secrets (NEWSVOICE_WEBHOOK_SECRETS)")
    body = await request.body()
    try:
        await run_in_threadpool(
            verify, service.settings.webhook_secrets, body, request.headers, replay=service.store
        )
    except WebhookRefused as error:
        raise HTTPException(401, f"webhook refused: {error}") from None
    try:
        event = WebhookEvent.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
    return await run_in_threadpool(_handle_event, service, request, event)


def _handle_event(service: Service, request: Request, event: WebhookEvent) -> Response:
    if event.event == "delete":
        article_id = event.id or service.store.article_id(event.url)
        return JSONResponse({"deleted": article_id is not None and service.delete(article_id)})
    submission = Submission(url=event.url, html=event.html, text=event.text, tags=event.tags)
    # Not refused: a CMS would retry or drop the event; the article, and why its narration
    # failed, are shown on the dashboard instead.
    return JSONResponse(_submit(service, request, submission, event.id, refuse=False), 202)
