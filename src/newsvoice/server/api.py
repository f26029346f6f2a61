"""The JSON API under /api: submit articles, follow their jobs, fetch their audio and timings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool

from ..article import ARTICLE_ID
from ..newsroom import Newsroom
from ..watch import DEFAULT_INTERVAL
from ..webhook import Controls, Document, HttpUrl, Tag, Text, WebhookEvent, When
from .http import NewsroomDep, PrivateDep, base_url, file_response, require_key
from .shapes import (
    article_json,
    changes_json,
    feed_json,
    job_json,
    poll_json,
    submitted_json,
    version_json,
    version_text_json,
    voice_json,
)
from .store import JobStatus

router = APIRouter(prefix="/api")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
ArticleId = Annotated[str, Path(pattern=ARTICLE_ID, description="The article's id.")]
JobId = Annotated[str, Path(pattern=ARTICLE_ID, description="The job's id.")]
MAX_NUMBER = 1_000_000
"""The largest offset or version number asked for (larger ones are refused, 422, not passed to
the database)."""
VersionNumber = Annotated[int, Path(ge=1, le=MAX_NUMBER, description="The version's number, from 1.")]
AUDIO_CACHE = "public, max-age=300"
"""Browsers and proxies keep audio five minutes, then revalidate it by its ETag (it may be re-narrated)."""
IMMUTABLE = "public, max-age=31536000, immutable"
"""A version's own audio never changes."""


class Submission(Controls):
    """An article to narrate: a URL to fetch, or its HTML or text (then `url` is only its address);
    with what else to set (its metadata, its publication, its voice: see `Controls`). What it
    leaves out, an edit keeps."""

    model_config = ConfigDict(extra="forbid")
    url: HttpUrl | None = Field(None, examples=["https://example.com/news/story"])
    html: Document | None = Field(None, description="The article page's HTML.")
    text: Document | None = Field(
        None, description="The article as plain text: title, blank line, paragraphs."
    )
    tags: list[Tag] | None = Field(
        None, max_length=20, description="For the per-tag podcast feeds; left out, an edit keeps them."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Submission:
        given = [name for name in ("html", "text") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError("give either html or text, not both")
        if not given and self.url is None:
            raise ValueError("give the article's url, html or text")
        return self


@router.post("/articles", status_code=202, dependencies=[Depends(require_key)], tags=["articles"])
def submit_article(submission: Submission, newsroom: NewsroomDep, request: Request) -> dict[str, Any]:
    """Queue an article for narration. Submitting a URL again narrates its new text as the
    same article (same id, same feed GUID). Answers with the article and its job.

    An article no installed voice can read is refused (422, saying why): one in a language
    no installed voice speaks, or one with no text the voice can say, or a voice not installed.

    With `publish_at` (an embargo) or `draft`, it is narrated at once but stays out of lists,
    feeds, search and public audio until it is public; until then reading it needs an API key."""
    extracted = newsroom.extract(url=submission.url, html=submission.html, text=submission.text)
    article, publishing = newsroom.prepare(extracted, submission)
    newsroom.check_readable(article, voice=submission.voice, url=submission.url)
    submitted = newsroom.submit(article, url=submission.url, tags=submission.tags, publishing=publishing)
    return submitted_json(submitted, base_url(newsroom, request))


@router.put("/articles/{article_id}", status_code=202, dependencies=[Depends(require_key)], tags=["articles"])
def replace_article(
    article_id: ArticleId, submission: Submission, newsroom: NewsroomDep, request: Request
) -> dict[str, Any]:
    """Give an article new text (an edit) and narrate it again; its id and feed GUID stay, and
    whatever the request leaves out (tags, authors, date, site, URL, publication, voice)."""
    extracted = newsroom.extract(url=submission.url, html=submission.html, text=submission.text)
    article, publishing = newsroom.prepare(extracted, submission)
    newsroom.check_readable(article, voice=submission.voice, url=submission.url)
    submitted = newsroom.update(
        article_id, article, url=submission.url, tags=submission.tags, publishing=publishing
    )
    return submitted_json(submitted, base_url(newsroom, request))


class Publication(BaseModel):
    """When an article is to be public."""

    model_config = ConfigDict(extra="forbid")
    at: When | None = Field(None, description="An embargo: public from this time (ISO 8601); left out: now.")


@router.post("/articles/{article_id}/publish", dependencies=[Depends(require_key)], tags=["articles"])
def publish_article(
    article_id: ArticleId, newsroom: NewsroomDep, request: Request, publication: Publication | None = None
) -> dict[str, Any]:
    """Make a draft or embargoed article public now, or at a time (`at`: the server publishes it
    then by itself)."""
    at = publication.at.timestamp() if publication and publication.at else None
    return article_json(newsroom.publish_article(article_id, at), base_url(newsroom, request))


@router.post("/articles/{article_id}/unpublish", dependencies=[Depends(require_key)], tags=["articles"])
def unpublish_article(article_id: ArticleId, newsroom: NewsroomDep, request: Request) -> dict[str, Any]:
    """Make an article a draft again: out of lists, feeds, search and public audio (kept)."""
    return article_json(newsroom.unpublish_article(article_id), base_url(newsroom, request))


@router.get("/voices", tags=["voices"])
def list_voices(newsroom: NewsroomDep) -> dict[str, Any]:
    """The installed voices: what `voice` may name, with each one's language and sample rate."""
    return {"voices": [voice_json(info) for info in newsroom.voices()]}


@router.get("/articles", tags=["articles"])
def list_articles(
    newsroom: NewsroomDep,
    request: Request,
    private: PrivateDep,
    q: Annotated[Text | None, Query(max_length=200, description="Words in the title or text.")] = None,
    tag: Annotated[Text | None, Query(max_length=64)] = None,
    site: Annotated[Text | None, Query(max_length=200)] = None,
    status: JobStatus | None = None,
    url: Annotated[
        Text | None,
        Query(
            max_length=2048,
            description="The article's address, as submitted or its canonical URL; compared "
            "normalised (no scheme, www., default port, trailing slash, fragment or utm_ "
            "parameters), so a page's own URL finds its narration.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_NUMBER)] = 0,
) -> dict[str, Any]:
    """Articles, newest first: all of them, or those matching a search and filters. Drafts and
    embargoed articles are listed only to a reader with an API key."""
    public = None if private else True
    found = newsroom.articles(
        q, tag=tag, site=site, status=status, url=url, limit=limit, offset=offset, public=public
    )
    base = base_url(newsroom, request)
    listens = newsroom.settings.analytics
    return {
        "total": found.total,
        "articles": [article_json(record, base, listens) for record in found.records],
    }


@router.get("/articles/{article_id}", tags=["articles"])
def get_article(
    article_id: ArticleId, newsroom: NewsroomDep, request: Request, private: PrivateDep
) -> dict[str, Any]:
    """An article's metadata, narration status and links to its audio and timings (a draft or
    embargoed one only with an API key)."""
    record = newsroom.article(article_id, private=private)
    return article_json(record, base_url(newsroom, request), newsroom.settings.analytics)


@router.delete(
    "/articles/{article_id}", status_code=204, dependencies=[Depends(require_key)], tags=["articles"]
)
def delete_article(article_id: ArticleId, newsroom: NewsroomDep) -> Response:
    """Delete an article, its versions, jobs and audio (a narration under way is abandoned)."""
    newsroom.delete(article_id)
    return Response(status_code=204)


@router.get("/articles/{article_id}/stream.mp3", tags=["audio"], response_class=StreamingResponse)
async def stream_article(
    article_id: ArticleId, newsroom: NewsroomDep, request: Request, private: PrivateDep
) -> Response:
    """The narration while it is being made (MP3, from its start; playback can begin within a
    second of submitting), or the finished file once it is done."""
    if not private:
        await run_in_threadpool(newsroom.article, article_id, private=False)  # 404 unless public
    listener = await run_in_threadpool(newsroom.live, article_id)  # asks the database
    if listener is None:
        return await run_in_threadpool(
            _published, newsroom, request, article_id, "mp3", "audio/mpeg", private
        )
    return StreamingResponse(
        listener.listen(), media_type="audio/mpeg", headers={"Cache-Control": "no-store"}
    )


def _published(
    newsroom: Newsroom, request: Request, article_id: str, extension: str, media_type: str, private: bool
) -> Response:
    path = newsroom.published_file(article_id, extension, private=private)
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
def get_mp3(article_id: ArticleId, newsroom: NewsroomDep, request: Request, private: PrivateDep) -> Response:
    """The narration as MP3, with byte ranges so players can seek."""
    return _published(newsroom, request, article_id, "mp3", "audio/mpeg", private)


@_file_route("/articles/{article_id}/audio.opus")
def get_opus(article_id: ArticleId, newsroom: NewsroomDep, request: Request, private: PrivateDep) -> Response:
    """The narration as Opus (Ogg), with byte ranges."""
    return _published(newsroom, request, article_id, "opus", "audio/ogg; codecs=opus", private)


@_file_route("/articles/{article_id}/transcript.vtt")
def get_transcript(
    article_id: ArticleId, newsroom: NewsroomDep, request: Request, private: PrivateDep
) -> Response:
    """The transcript: one WebVTT cue a segment, in the article's own words."""
    return _published(newsroom, request, article_id, "vtt", "text/vtt; charset=utf-8", private)


@_file_route("/articles/{article_id}/timings.json")
def get_timings(
    article_id: ArticleId, newsroom: NewsroomDep, request: Request, private: PrivateDep
) -> Response:
    """Segments and their words with start and end times, in seconds (for read-along)."""
    return _published(newsroom, request, article_id, "json", "application/json", private)


@router.get("/jobs/{job_id}", tags=["jobs"])
def get_job(job_id: JobId, newsroom: NewsroomDep, request: Request) -> dict[str, Any]:
    """A job's status (queued, running, done, failed), its progress in segments, its error."""
    return job_json(newsroom.job(job_id), base_url(newsroom, request))


@router.post("/jobs/{job_id}/retry", status_code=202, dependencies=[Depends(require_key)], tags=["jobs"])
def retry_job(job_id: JobId, newsroom: NewsroomDep, request: Request) -> dict[str, Any]:
    """Queue a failed job's article again; answers with the new job (the failed one is kept)."""
    return job_json(newsroom.retry(job_id), base_url(newsroom, request))


@router.get("/articles/{article_id}/versions", tags=["versions"])
def list_versions(
    article_id: ArticleId, newsroom: NewsroomDep, request: Request, private: PrivateDep
) -> dict[str, Any]:
    """The article's narrated versions, oldest first; the feed and player serve the latest."""
    newsroom.article(article_id, private=private)
    base = base_url(newsroom, request)
    return {"versions": [version_json(v, base) for v in newsroom.versions(article_id)]}


@router.get("/articles/{article_id}/versions/{number}", tags=["versions"])
def get_version(
    article_id: ArticleId, number: VersionNumber, newsroom: NewsroomDep, request: Request, private: PrivateDep
) -> dict[str, Any]:
    """One version: its text as narrated, its script, and its own audio."""
    newsroom.article(article_id, private=private)
    return version_text_json(newsroom.version(article_id, number), base_url(newsroom, request))


@router.get("/articles/{article_id}/changes", tags=["versions"])
def get_changes(
    article_id: ArticleId,
    newsroom: NewsroomDep,
    private: PrivateDep,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_NUMBER, alias="from", description="Default: the one before.")
    ] = None,
    after: Annotated[
        int | None, Query(ge=1, le=MAX_NUMBER, alias="to", description="Default: the latest.")
    ] = None,
) -> dict[str, Any]:
    """Sentences added, removed and changed between two versions (by default, the latest two)."""
    newsroom.article(article_id, private=private)
    return changes_json(newsroom.changes(article_id, before, after))


@_file_route("/articles/{article_id}/versions/{number}/audio.mp3")
def get_version_mp3(
    article_id: ArticleId, number: VersionNumber, newsroom: NewsroomDep, request: Request, private: PrivateDep
) -> Response:
    """An earlier (or the latest) version's narration as MP3."""
    newsroom.article(article_id, private=private)
    path = newsroom.version_file(article_id, number, "mp3")
    return file_response(request, path, "audio/mpeg", IMMUTABLE)


@_file_route("/articles/{article_id}/versions/{number}/timings.json")
def get_version_timings(
    article_id: ArticleId, number: VersionNumber, newsroom: NewsroomDep, request: Request, private: PrivateDep
) -> Response:
    """A version's word timings."""
    newsroom.article(article_id, private=private)
    path = newsroom.version_file(article_id, number, "json")
    return file_response(request, path, "application/json", IMMUTABLE)


# --- watched feeds -------------------------------------------------------------------------


class Watch(BaseModel):
    """A publisher's RSS or Atom feed to watch: new items are narrated, changed ones again."""

    model_config = ConfigDict(extra="forbid")
    url: HttpUrl
    interval: float = Field(DEFAULT_INTERVAL, ge=60, le=7 * 86400, description="Seconds between polls.")
    tags: list[Tag] = Field(default_factory=list, max_length=20, description="Given to its articles.")


@router.post("/watches", status_code=201, dependencies=[Depends(require_key)], tags=["watches"])
def add_watch(watch: Watch, newsroom: NewsroomDep, request: Request) -> dict[str, Any]:
    """Watch a feed (watching it again changes its interval and tags); it is polled within
    seconds, by the server's watcher."""
    feed = newsroom.watch(watch.url, interval=watch.interval, tags=watch.tags)
    return feed_json(feed, base_url(newsroom, request))


@router.get("/watches", tags=["watches"])
def list_watches(newsroom: NewsroomDep, request: Request) -> dict[str, Any]:
    """The watched feeds, with when each was polled and its last error."""
    base = base_url(newsroom, request)
    return {"watches": [feed_json(feed, base) for feed in newsroom.feeds()]}


@router.get("/watches/{feed_id}", tags=["watches"])
def get_watch(feed_id: JobId, newsroom: NewsroomDep, request: Request) -> dict[str, Any]:
    return feed_json(newsroom.feed(feed_id), base_url(newsroom, request))


@router.post("/watches/{feed_id}/poll", dependencies=[Depends(require_key)], tags=["watches"])
def poll_watch(feed_id: JobId, newsroom: NewsroomDep, request: Request) -> dict[str, Any]:
    """Poll a feed now: answers what the poll found and queued."""
    return poll_json(newsroom.poll(feed_id), base_url(newsroom, request))


@router.delete("/watches/{feed_id}", status_code=204, dependencies=[Depends(require_key)], tags=["watches"])
def remove_watch(feed_id: JobId, newsroom: NewsroomDep) -> Response:
    """Stop watching a feed (its articles stay)."""
    newsroom.unwatch(feed_id)
    return Response(status_code=204)


# --- the CMS webhook -----------------------------------------------------------------------


@router.post(
    "/webhook",
    tags=["webhook"],
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": WebhookEvent.model_json_schema()}}}
    },
)
async def webhook(request: Request, newsroom: NewsroomDep) -> Response:
    """A CMS's signed event (see `newsvoice.webhook` for the signature): publish and update
    narrate the article (again, if its text changed); delete removes it. No API key: the
    signature, with a secret from the `webhook_secrets` setting, is the credential."""
    body = await request.body()
    return await run_in_threadpool(_handle_event, newsroom, request, body)


def _handle_event(newsroom: Newsroom, request: Request, body: bytes) -> Response:
    try:
        with newsroom.webhook_delivery(body, request.headers) as event:  # remembered if answered
            if event.event in ("delete", "unpublish"):
                done = newsroom.unpublish(event)
                return JSONResponse({"deleted" if event.event == "delete" else "unpublished": done})
            # Not refused: a CMS would retry or drop the event; the article, and why its
            # narration failed, are shown on the dashboard instead.
            return JSONResponse(submitted_json(newsroom.publish(event), base_url(newsroom, request)), 202)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
