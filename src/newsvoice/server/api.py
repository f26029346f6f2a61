"""The JSON API under /api: submit articles, follow their jobs, fetch their audio and timings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ..article import Article
from ..errors import NewsvoiceError
from ..extract import extract
from ..sources import Document
from .netguard import AddressRefused, fetch_document
from .service import ARTICLE_ID, Service, ServiceDep, article_json, file_response, job_json, require_key
from .store import Conflict, JobStatus

router = APIRouter(prefix="/api")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
ArticleId = Annotated[str, Path(pattern=ARTICLE_ID, description="The article's id.")]
JobId = Annotated[str, Path(pattern=ARTICLE_ID, description="The job's id.")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
AUDIO_CACHE = "public, max-age=300"
"""Browsers and proxies keep audio five minutes, then revalidate it by its ETag (it may be re-narrated)."""


class Submission(BaseModel):
    """An article to narrate: a URL to fetch, or its HTML or text (then `url` is only its address)."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(None, max_length=2048, examples=["https://example.com/news/story"])
    html: str | None = Field(None, description="The article page's HTML.")
    text: str | None = Field(None, description="The article as plain text: title, blank line, paragraphs.")
    tags: list[Tag] = Field(default_factory=list, max_length=20, description="For the per-tag podcast feeds.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None:
            parts = urlsplit(url.strip())
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                raise ValueError("must be an http or https URL")
            return url.strip()
        return url

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
    same article (same id, same feed GUID). Answers with the article and its job."""
    return _submit(service, request, submission)


@router.put("/articles/{article_id}", status_code=202, dependencies=[Depends(require_key)], tags=["articles"])
def replace_article(
    article_id: ArticleId, submission: Submission, service: ServiceDep, request: Request
) -> dict[str, Any]:
    """Give an article new text (an edit) and narrate it again; its id and feed GUID stay."""
    return _submit(service, request, submission, article_id)


def _submit(
    service: Service, request: Request, submission: Submission, article_id: str | None = None
) -> dict[str, Any]:
    article = _extract(service, submission)
    try:
        stored = service.store.submit(article, submission.url, tuple(submission.tags), article_id)
    except Conflict as error:
        raise HTTPException(409, str(error)) from None
    if stored is None:
        raise HTTPException(404, f"no article {article_id}")
    record, job = stored
    service.workers.wake()
    base = service.base_url(request)
    return {"article": article_json(record, base), "job": job_json(job, base)}


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
    """Delete an article, its jobs and its audio."""
    try:
        deleted = service.store.delete(article_id)
    except Conflict as error:
        raise HTTPException(409, str(error)) from None
    if not deleted:
        raise HTTPException(404, f"no article {article_id}")
    service.streams.finish(article_id)
    service.delete_files(article_id)
    return Response(status_code=204)


@router.get("/articles/{article_id}/stream.mp3", tags=["audio"], response_class=StreamingResponse)
async def stream_article(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """The narration while it is being made (MP3, from its start; playback can begin within a
    second of submitting), or the finished file once it is done."""
    broadcast = service.streams.join(article_id, lambda: service.store.narration_coming(article_id))
    if broadcast is None:
        return _published(service, request, article_id, "mp3", "audio/mpeg")
    return StreamingResponse(
        broadcast.listen(), media_type="audio/mpeg", headers={"Cache-Control": "no-store"}
    )


def _published(
    service: Service, request: Request, article_id: str, extension: str, media_type: str
) -> Response:
    return file_response(request, service.settings.audio_file(article_id, extension), media_type, AUDIO_CACHE)


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
async def get_mp3(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """The narration as MP3, with byte ranges so players can seek."""
    return _published(service, request, article_id, "mp3", "audio/mpeg")


@_file_route("/articles/{article_id}/audio.opus")
async def get_opus(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """The narration as Opus (Ogg), with byte ranges."""
    return _published(service, request, article_id, "opus", "audio/ogg; codecs=opus")


@_file_route("/articles/{article_id}/transcript.vtt")
async def get_transcript(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
    """The transcript: one WebVTT cue a segment, in the article's own words."""
    return _published(service, request, article_id, "vtt", "text/vtt; charset=utf-8")


@_file_route("/articles/{article_id}/timings.json")
async def get_timings(article_id: ArticleId, service: ServiceDep, request: Request) -> Response:
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
    retried = service.store.retry(job)
    service.workers.wake()
    return job_json(retried, service.base_url(request))
