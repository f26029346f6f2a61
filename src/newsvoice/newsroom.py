"""The newsroom: the service's operations in one application object.

`Newsroom` composes what the service is made of (the store, the job queue and its dispatcher,
the narrations' live streams, the watcher of feeds, the address guard for fetching) and offers
what can be done with it: submit articles and edit them, delete them, retry a failed narration,
watch feeds, backfill archives, manage API keys, take a CMS's signed webhooks, and read what is
stored. Its shells call it and nothing below it: the HTTP routes (`server/api`, `server/pages`)
and the command line (`newsvoice keys`, `watch`, `backfill`, ...). It is a library too:

    from newsvoice.newsroom import Newsroom
    from newsvoice.runtime import build_runtime
    from newsvoice.settings import load_settings

    runtime = build_runtime(load_settings(data_dir="newsroom"), service=True)
    with Newsroom.open(runtime, migrate=True) as newsroom:
        newsroom.start(watching=False)  # narrate here, on this process's workers
        submitted = newsroom.submit_text("Bridge reopens\\n\\nThe bridge reopened on Friday.")
        job = newsroom.wait(submitted.job.id)
        print(job.status, newsroom.published_file(submitted.record.id, "mp3"))

Errors are newsvoice's (`newsvoice.errors`): `NotFound` (no such article, job, version, feed or
file), `Conflict` (retrying a job that has not failed; a URL another article has), `Refused`
(an address the service must not reach), `NotAuthenticated` (a webhook's signature), and a
source that cannot be read (`SourceError`) or holds no article (`NoArticleError`). The HTTP
layer maps them to statuses in one place (`server/http.py`); the command line prints them as
one line.

The job machinery (the narrator, its worker threads or the Redis queue, the dispatcher, the
streams) is made when first needed, by `start` or an operation that needs it, so that commands
that only read or manage keys load no voice code and need no Redis.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar
from urllib.parse import urlsplit

from . import analytics
from .analytics import Audience, Batch
from .article import Article, check_length
from .backfill import (
    BackfillProgress,
    BackfillReport,
    Cursor,
    archive_urls,
    default_cursor_path,
    fetch_archive,
)
from .backfill import backfill as run_backfill
from .errors import Conflict, NotFound, UnknownVoiceError
from .extract import extract as extract_article
from .runtime import Runtime
from .script import check_readable
from .server.datalock import DataDirLock
from .server.keys import ApiKey, check_key, create_key, list_keys, revoke_key
from .server.netguard import AddressPolicy, GuardedTransport, fetch_document
from .server.periodic import Periodic
from .server.store import (
    NARRATION_OPTIONS,
    Feed,
    Job,
    JobStatus,
    Publishing,
    Record,
    Store,
    Submitted,
    Version,
)
from .server.versions import Changes, diff_sentences, script_sentences
from .server.watcher import FeedReport, Watcher, new_feed_state
from .settings import ConfigError, ServiceSettings
from .sites import SiteMemory
from .sources import Document, is_web_address
from .voice import VoiceInfo, list_voices, voice_for_language
from .watch import DEFAULT_INTERVAL
from .webhook import Controls, WebhookEvent, WebhookRefused, verify

if TYPE_CHECKING:
    from .server.jobs import Dispatcher, JobQueue, LocalQueue, Narrator
    from .server.streams import RedisStreams, Streams

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_ENTRIES = 4096
"""Entries the read cache (`Newsroom.cached`) holds at most before it starts again."""


class ArticlePage(NamedTuple):
    """Articles of a listing or search, newest first, and how many match in all."""

    records: list[Record]
    total: int


@dataclass(frozen=True)
class VersionChanges:
    """What changed from one narrated version of an article to another, sentence by sentence."""

    before: int
    """The earlier version's number."""
    after: int
    changes: Changes


class Listener(Protocol):
    """A listener of a narration under way: its MP3 bytes from the start (see `server.streams`)."""

    def listen(self) -> AsyncIterator[bytes]: ...


@dataclass
class _Machinery:
    """The job machinery: made once, when first needed (see the module's docstring)."""

    streams: Streams | RedisStreams
    narrator: Narrator | None
    """Narrates here, unless jobs go to `newsvoice worker` processes through Redis."""
    workers: LocalQueue | None
    queue: JobQueue
    dispatcher: Dispatcher


class Newsroom:
    """The service's operations on its store and job queue; see the module's docstring.

    Made by `Newsroom.open`; `start` sets its workers, dispatcher and watcher going, `close`
    (or the end of a `with` block) stops them and closes the store.
    """

    def __init__(self, runtime: Runtime, store: Store) -> None:
        """The newsroom of RUNTIME on STORE, opened (see `Newsroom.open`)."""
        self.runtime = runtime
        self.settings: ServiceSettings = runtime.service
        self.store = store
        """The database: for the job machinery and tests; the shells use the operations."""
        self.policy = AddressPolicy(self.settings.allow)
        """The address guard every URL is fetched through (the `allow` setting)."""
        self.watcher = Watcher(store, self.policy, self._submit_item)
        self.sites = SiteMemory(self.settings.data_dir / "sites")
        """The paragraphs each site repeats on its pages, dropped from its articles (`sites`)."""
        self._machinery: _Machinery | None = None
        self._data_lock = DataDirLock(self.settings.data_dir)
        self._lock = threading.Lock()
        self._cache: dict[Any, Any] = {}
        self._cached_at: tuple[int, int] = (-1, -1)
        self.audience = Audience(
            store.listenable, store.add_listening, store.listener_salt, self.settings.analytics_rate
        )
        """Listening figures counted in memory, written every `analytics_flush` seconds."""
        self._flusher = Periodic("listening figures", self.audience.flush, self.settings.analytics_flush)

    @classmethod
    def open(cls, runtime: Runtime, migrate: bool = False) -> Newsroom:
        """The newsroom with RUNTIME (a service's: `build_runtime(settings, service=True)`) on
        its store; MIGRATE creates or upgrades the database (`serve` does; the other commands
        leave the schema as it is: see `server.store`)."""
        return cls(runtime, Store(runtime.service.store_url, migrate=migrate))

    # --- running ---------------------------------------------------------------------------

    def start(self, watching: bool = True) -> None:
        """Load the voice (so that the first listener does not wait), start the workers, queue
        again what a stopped server left queued here, and (WATCHING) poll the watched feeds."""
        self.settings.audio_dir.mkdir(parents=True, exist_ok=True)
        for name, site in self.settings.sites.items():  # refused at once, not at its first article
            if site.voice:
                try:
                    self.voice_named(site.voice)
                except UnknownVoiceError as error:
                    raise ConfigError(f"sites: {name!r}: {error}") from None
        machinery = self._jobs()
        if machinery.narrator and machinery.workers:
            self._data_lock.acquire()  # before taking over the jobs a stopped server left
            machinery.narrator.prepare(self.settings.narration_nice)
            for job_id in self.store.due(stale=0):  # their messages were in the stopped process
                machinery.workers.enqueue(job_id)
            machinery.workers.start()
        machinery.dispatcher.start()
        if self.settings.analytics:
            self._flusher.start()
        else:  # no flusher takes the day's salt, deleting the past days': they go now
            self.store.forget_listener_salts(analytics.today())
        if watching:
            self.watcher.start()

    def close(self) -> None:
        """Stop the watcher, the dispatcher and the workers (waiting a while for narrations under
        way, which are abandoned), and close the store."""
        self.watcher.stop()
        self._flusher.stop()
        try:
            self.audience.flush()  # what was counted since the last write
        except Exception as error:
            log.error("the listening figures counted could not be written: %s", error)
        if machinery := self._machinery:
            machinery.dispatcher.stop()
            if machinery.narrator and machinery.workers:
                machinery.narrator.stop()
                machinery.workers.stop(timeout=30)
        self._data_lock.release()
        self.store.close()

    def __enter__(self) -> Newsroom:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @property
    def streams(self) -> Streams | RedisStreams:
        return self._jobs().streams

    @property
    def narrator(self) -> Narrator | None:
        return self._jobs().narrator

    @property
    def workers(self) -> LocalQueue | None:
        """This process's worker threads; None when `newsvoice worker` processes narrate."""
        return self._jobs().workers

    @property
    def dispatcher(self) -> Dispatcher:
        return self._jobs().dispatcher

    @property
    def narrates_here(self) -> bool:
        """Whether jobs run in this process (else `newsvoice worker` processes run them)."""
        return not self.settings.queue

    def _jobs(self) -> _Machinery:
        with self._lock:
            if self._machinery is None:
                self._machinery = _machinery(self.runtime, self.store)
            return self._machinery

    def _wake(self) -> None:
        """Tell the dispatcher a job is queued (a newsroom not started hands it over when it is)."""
        if self._machinery is not None:
            self._machinery.dispatcher.wake()

    # --- submitting ------------------------------------------------------------------------

    def extract(self, *, url: str | None = None, html: str | None = None, text: str | None = None) -> Article:
        """The article in HTML or TEXT (URL then only says where it is from), else the one at
        URL, fetched through the address guard; from a page, less what its site repeats on
        other pages (`sites`). `Refused`, `SourceError`, `NoArticleError`."""
        if html is not None and text is not None:
            raise ValueError("give either html or text, not both")
        if html is not None:
            document = Document(html, "html", url=url, name="the html")
        elif text is not None:
            document = Document(text, "text", url=url, name="the text")
        elif url is not None:
            document = self.fetch(url)
        else:
            raise ValueError("give the article's url, html or text")
        return self._read(document)

    def _read(self, document: Document) -> Article:
        """The article in DOCUMENT; from a page, less what its site repeats on others."""
        article = extract_article(document)
        return self.sites.clean(article, document.url) if document.kind == "html" else article

    def check_readable(self, article: Article, *, voice: str | None = None, url: str | None = None) -> None:
        """Raise `CannotNarrate` (`TooLongError`, `LanguageError`, `UnreadableError`,
        `UnknownVoiceError`) for an article longer than `max_words`, or one no installed voice
        can read: one in a language no voice speaks, or in letters the voice cannot say; read by
        VOICE when it names one, else by its site's (the one at URL), else by its language's.
        (Narrating it checks again: `newsvoice worker` processes may have other voices.)"""
        check_length(article, self.runtime.pipeline.max_words)
        if voice:
            check_readable(article, self.voice_named(voice).language)
            return
        host = urlsplit(url or article.url or "").hostname
        site = self.settings.site(article.site_name, host)
        preferred = (site[1].voice if site else None) or self.runtime.pipeline.voice
        check_readable(article, voice_for_language(article.language, preferred).language)

    def fetch(self, url: str) -> Document:
        """The page at URL, fetched through the address guard (`Refused` for an address the
        service must not reach; `SourceError`)."""
        return fetch_document(url, self.policy)

    def submit(
        self,
        article: Article,
        *,
        url: str | None = None,
        tags: Sequence[str] | None = None,
        publishing: Publishing | None = None,
    ) -> Submitted:
        """Store ARTICLE and queue its narration: a new article, or a new text for the one
        submitted with URL (or for the same text), which keeps its id and feed GUID, and what
        the submission does not set (TAGS when None, the metadata the new text lacks, its
        publication: see `Publishing`). A text narrated or queued already is not narrated again
        (`Submitted.queued` is False). `Conflict` if two submissions of a new URL race and
        another article has it."""
        submitted = self._submit(article, url, tags, None, publishing=publishing)
        assert submitted is not None, "a submission without an id always stores"
        return submitted

    def submit_url(self, url: str, *, tags: Sequence[str] | None = None) -> Submitted:
        """Fetch URL through the address guard, extract its article and submit it."""
        return self.submit(self.extract(url=url), url=url, tags=tags)

    def submit_html(
        self, html: str, *, url: str | None = None, tags: Sequence[str] | None = None
    ) -> Submitted:
        """Submit the article in a page's HTML; URL (not fetched) says where it is from."""
        return self.submit(self.extract(html=html, url=url), url=url, tags=tags)

    def submit_text(
        self, text: str, *, url: str | None = None, tags: Sequence[str] | None = None
    ) -> Submitted:
        """Submit an article as plain text: its title, a blank line, its paragraphs."""
        return self.submit(self.extract(text=text, url=url), url=url, tags=tags)

    def update(
        self,
        article_id: str,
        article: Article,
        *,
        url: str | None = None,
        tags: Sequence[str] | None = None,
        publishing: Publishing | None = None,
    ) -> Submitted:
        """Give the article ARTICLE_ID a new text (an edit) and narrate it again; its id and feed
        GUID stay, and what the edit does not set (see `submit`). `NotFound` if there is no
        such article; `Conflict` if URL is another's."""
        submitted = self._submit(article, url, tags, article_id, publishing=publishing)
        if submitted is None:
            raise NotFound(f"no article {article_id}")
        return submitted

    def prepare(self, article: Article, controls: Controls | None) -> tuple[Article, Publishing]:
        """ARTICLE with the metadata CONTROLS (a request's) set, and what else they say, for
        `submit` or `update`. `CannotNarrate` (422) for a voice that is not installed."""
        if controls is None:
            return article, Publishing()
        given: dict[str, Any] = {}
        if controls.authors is not None:
            given["authors"] = tuple(controls.authors)
        fields = {"date": "date", "site": "site_name", "description": "description", "image": "image"}
        for name, field in (fields | {"language": "language"}).items():
            if (value := getattr(controls, name)) is not None:
                given[field] = value or None
        options = {name: getattr(controls, name) for name in NARRATION_OPTIONS}
        options = {name: value for name, value in options.items() if value is not None}
        if options.get("voice"):
            self.voice_named(options["voice"])
        publish_at = controls.publish_at.timestamp() if controls.publish_at else None
        publishing = Publishing(frozenset(given), controls.draft, publish_at, options or None)
        return replace(article, **given), publishing

    def _submit(
        self,
        article: Article,
        url: str | None,
        tags: Sequence[str] | None,
        article_id: str | None,
        logged: bool = True,
        publishing: Publishing | None = None,
    ) -> Submitted | None:
        submitted = self.store.submit(article, url, tags, article_id, publishing)
        if submitted and submitted.queued:
            if logged:  # before a worker can start it, so that the log reads in order
                _log_queued(submitted.job, submitted.record)
            self._wake()
        return submitted

    def _submit_item(self, document: Document, feed: Feed) -> Submitted:
        """A watched feed's item, extracted and submitted with the feed's tags."""
        publishing = Publishing(add_tags=True)  # a changed item keeps the tags it was given
        return self.submit(self._read(document), url=document.url, tags=feed.tags, publishing=publishing)

    def delete(self, article_id: str) -> None:
        """Forget the article, its versions and jobs, and remove its audio (a narration under way
        is abandoned). `NotFound` if there is no such article."""
        from .server.jobs import AUDIO_FORMATS

        if not self.store.delete(article_id):
            raise NotFound(f"no article {article_id}")
        self.streams.finish(article_id)
        for extension in AUDIO_FORMATS:
            self.settings.audio_file(article_id, None, extension).unlink(missing_ok=True)
        shutil.rmtree(self.settings.audio_dir / article_id, ignore_errors=True)

    def retry(self, job_id: str) -> Job:
        """Queue a failed job's article again: the new job (the failed one is kept). `NotFound`;
        `Conflict` if the job has not failed."""
        failed = self.job(job_id)
        if failed.status != "failed":
            raise Conflict(f"only a failed job can be retried; this one is {failed.status}")
        job = self.store.retry(failed)
        if record := self.store.article(job.article_id):  # logged before a worker can start it
            _log_queued(job, record, f" (retry of job {failed.id})")
        self._wake()
        return job

    # --- reading ---------------------------------------------------------------------------

    def article(self, article_id: str, *, private: bool = True) -> Record:
        """The article as stored, with its latest job. `NotFound`; also, unless PRIVATE (the
        reader has an API key), for an article not public yet (a draft, or under embargo)."""
        record = self.store.article(article_id)
        if record is None:
            raise NotFound(f"no article {article_id}")
        if not private and not record.public():
            raise NotFound(f"no article {article_id}, or not published yet (send an API key)")
        return record

    def publish_article(self, article_id: str, at: float | None = None) -> Record:
        """Make the article public now, or AT a time (an embargo: the clock publishes it, with
        no request). `NotFound`."""
        record = self.store.set_publish_at(article_id, time.time() if at is None else at)
        if record is None:
            raise NotFound(f"no article {article_id}")
        log.info("article %s public from %s", article_id, "now" if at is None else time.ctime(at))
        return record

    def unpublish_article(self, article_id: str) -> Record:
        """Make the article a draft again: out of lists, feeds, search and public audio, its
        audio kept. `NotFound`."""
        record = self.store.set_publish_at(article_id, None)
        if record is None:
            raise NotFound(f"no article {article_id}")
        log.info("article %s unpublished (a draft again)", article_id)
        return record

    def voices(self) -> list[VoiceInfo]:
        """The installed voices (`newsvoice voices`)."""
        return list_voices()

    def voice_named(self, name: str) -> VoiceInfo:
        """The installed voice NAME; `UnknownVoiceError` (422), naming those installed, if none."""
        installed = self.voices()
        for info in installed:
            if info.name == name:
                return info
        names = ", ".join(info.name for info in installed)
        raise UnknownVoiceError(f"no installed voice is named {name!r}; the installed voices: {names}")

    def articles(
        self,
        query: str | None = None,
        *,
        tag: str | None = None,
        site: str | Sequence[str] | None = None,
        status: JobStatus | None = None,
        published: bool | None = None,
        limit: int = 20,
        offset: int = 0,
        public: bool | None = None,
        by_publication: bool = False,
        url: str | None = None,
    ) -> ArticlePage:
        """Articles newest first: all of them, or those with the words of QUERY (in the title or
        text), the TAG, from the SITE (its name or host name, any case), whose latest job has
        the STATUS, narrated (PUBLISHED) or not, PUBLIC now or not (drafts and embargoed), at
        the URL (the address submitted or the canonical one, normalised: see `urls.url_key`);
        BY_PUBLICATION: newest made public first."""
        records, total = self.store.articles(
            query,
            tag,
            site,
            status,
            published,
            limit,
            offset,
            public=public,
            by_publication=by_publication,
            url=url,
        )
        return ArticlePage(records, total)

    def versions(self, article_id: str) -> list[Version]:
        """The article's narrated versions, oldest first. `NotFound` if there is no article."""
        self.article(article_id)
        return self.store.versions(article_id)

    def version(self, article_id: str, number: int) -> Version:
        """One narrated version of the article. `NotFound`."""
        version = self.store.version(article_id, number)
        if version is None:
            raise NotFound(f"article {article_id} has no version {number}")
        return version

    def changes(self, article_id: str, before: int | None = None, after: int | None = None) -> VersionChanges:
        """The sentences added, removed and changed from version BEFORE (default: the one before
        AFTER) to AFTER (default: the latest). `NotFound` if the article has no such version."""
        numbers = [version.number for version in self.store.versions(article_id)]
        if not numbers:
            raise NotFound(f"article {article_id} has no narrated version")
        after = after or numbers[-1]
        before = before or max((n for n in numbers if n < after), default=after)
        old, new = self.version(article_id, before), self.version(article_id, after)
        changes = diff_sentences(script_sentences(old.script), script_sentences(new.script))
        return VersionChanges(before, after, changes)

    def job(self, job_id: str) -> Job:
        """A narration job: its status, progress and error. `NotFound`."""
        job = self.store.job(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        return job

    def wait(self, job_id: str, timeout: float | None = None, interval: float = 0.2) -> Job:
        """The job once it is done or failed (asked every INTERVAL seconds); `TimeoutError` after
        TIMEOUT seconds. Someone must run it: this newsroom, started, or workers."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (job := self.job(job_id)).status in ("queued", "running"):
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout:g} s")
            time.sleep(interval)
        return job

    def pending(self) -> int:
        """Articles whose narration is queued or running."""
        under_way: tuple[JobStatus, ...] = ("queued", "running")
        return sum(self.store.articles(status=status, limit=1)[1] for status in under_way)

    def published_file(self, article_id: str, extension: str, *, private: bool = True) -> Path:
        """The file (mp3, opus, vtt or json) of the article's latest narration, looked up through
        the read cache (players ask for every byte range). `NotFound` while it has none, and,
        unless PRIVATE (an API key's reader), while the article is not public."""
        published = self.cached(("audio", article_id), lambda: self.store.published_audio(article_id))
        public = published is not None and published[1] is not None and published[1] <= time.time()
        if published is None or not (private or public):
            raise NotFound(
                f"no {extension} file for this article: unknown, not narrated or not published yet"
            )
        return self.settings.audio_file(article_id, published[0], extension)

    def audio_file(self, record: Record, extension: str) -> Path:
        """The file of RECORD's latest narration. `NotFound` if it has none."""
        if not record.published:
            raise NotFound(f"no {extension} file for article {record.id}: not narrated yet")
        return self.settings.audio_file(record.id, record.audio, extension)

    def version_file(self, article_id: str, number: int, extension: str) -> Path:
        """The file (mp3 or json) of one version's narration. `NotFound`."""
        return self.settings.audio_file(article_id, self.version(article_id, number).job_id, extension)

    def timings(self, record: Record) -> dict[str, Any] | None:
        """The segments and word timings of the article's latest narration, if it has one."""
        try:
            return json.loads(self.audio_file(record, "json").read_text(encoding="utf-8"))
        except (NotFound, FileNotFoundError):
            return None

    def live(self, article_id: str) -> Listener | None:
        """A listener of the article's narration under way (or queued while it has no audio);
        None when there is none (its audio is then `published_file`)."""
        return self.streams.join(article_id, lambda: self.store.narration_coming(article_id))

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

    # --- listening figures -----------------------------------------------------------------

    def listening_report(
        self, article_id: str, start: str | None = None, end: str | None = None
    ) -> dict[str, Any]:
        """The article's listening from START to END (UTC days, YYYY-MM-DD, both included):
        loads, plays, engagement, average % completed, the drop-off curve, average speed,
        seconds heard, listeners, a daily series and the pages' hosts. `NotFound`."""
        record = self.article(article_id)
        self.audience.flush()
        rows = self.store.listening_rows(article_id=article_id, start=start, end=end)
        hosts = self.store.listening_host_counts(article_id, start, end)
        return {
            "article": article_id,
            "title": record.article.title,
            "site": record.site,
            "duration": record.duration,
            "from": start,
            "to": end,
            **analytics.figures(rows),
            "days": analytics.daily(rows),
            "hosts": [{"host": host, "loads": loads, "plays": plays} for host, loads, plays in hosts],
        }

    def listening_summary(
        self,
        *,
        site: str | None = None,
        tag: str | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> dict[str, Any]:
        """The listening of the SITE's or TAG's articles (or all) from START to END: totals and
        a daily series."""
        self.audience.flush()
        rows = self.store.listening_rows(site=site, tag=tag, start=start, end=end)
        return {
            "site": site,
            "tag": tag,
            "from": start,
            "to": end,
            "articles": len({row.article_id for row in rows}),
            **analytics.figures(rows),
            "days": analytics.daily(rows),
        }

    def top_articles(
        self,
        *,
        site: str | None = None,
        tag: str | None = None,
        start: str | None = None,
        end: str | None = None,
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        """The most played articles (of the SITE or TAG) from START to END, with their figures."""
        self.audience.flush()
        by_article: dict[str, list[analytics.Row]] = {}
        for row in self.store.listening_rows(site=site, tag=tag, start=start, end=end):
            by_article.setdefault(row.article_id, []).append(row)
        ranked = sorted(
            ((article_id, analytics.figures(rows)) for article_id, rows in by_article.items()),
            key=lambda item: (-item[1]["plays"], -item[1]["loads"], item[0]),
        )[:limit]
        titles = self.store.article_titles([article_id for article_id, _ in ranked])
        return [
            {
                "article": article_id,
                "title": titles.get(article_id, ("", None))[0],
                "site": titles.get(article_id, ("", None))[1],
            }
            | {name: value for name, value in totals.items() if name != "dropoff"}
            for article_id, totals in ranked
        ]

    def take_listening(
        self, batch: Batch, durations: dict[int, float] | None, address: str, user_agent: str
    ) -> bool:
        """Count a player's BATCH (see `analytics.Audience.count`)."""
        return self.audience.count(batch, durations, address, user_agent)

    # --- watched feeds ---------------------------------------------------------------------

    def watch(self, url: str, *, interval: float = DEFAULT_INTERVAL, tags: Sequence[str] = ()) -> Feed:
        """Watch the RSS or Atom feed at URL, polled every INTERVAL seconds, its articles given
        TAGS (watching it again changes those). A started newsroom polls it within seconds."""
        feed = self.store.add_feed(url, tags, interval, new_feed_state(url, interval))
        self.watcher.wake()
        return feed

    def unwatch(self, feed: str) -> Feed:
        """Stop watching FEED (its id or URL); its articles stay. `NotFound`."""
        found = self.feed(feed)
        if not self.store.remove_feed(found.id):
            raise NotFound(f"no watched feed {feed}")
        return found

    def feeds(self) -> list[Feed]:
        """The watched feeds, oldest first."""
        return self.store.feeds()

    def feed(self, feed: str) -> Feed:
        """The watched feed with the id or URL FEED. `NotFound`."""
        found = self.store.feed(feed)
        if found is None:
            raise NotFound(f"no watched feed {feed}")
        return found

    def poll(self, feed: str) -> FeedReport:
        """Poll FEED (its id or URL) now and submit its new and changed items: what the poll
        found, with the feed as it left it. `NotFound`."""
        report = self.watcher.poll(self.feed(feed))
        return replace(report, feed=self.store.feed(report.feed.id) or report.feed)

    def poll_due(self) -> list[FeedReport]:
        """Poll every watched feed that is due now (what a started newsroom does by itself)."""
        return self.watcher.poll_due()

    # --- archives --------------------------------------------------------------------------

    def backfill(
        self,
        source: str,
        *,
        tags: Sequence[str] = (),
        cursor: Path | None = None,
        restart: bool = False,
        concurrency: int = 4,
        listed: Callable[[int, int], None] | None = None,
        progress: Callable[[BackfillProgress], None] | None = None,
    ) -> BackfillReport:
        """Submit every article of SOURCE (a sitemap or sitemap index, an RSS or Atom feed, or a
        file of URLs; a URL or a file), CONCURRENCY pages at a time, with TAGS.

        Every page, the archive's own included, is fetched through the address guard. Progress
        is kept in the CURSOR file (default: one in the data directory named for SOURCE), so a
        run stopped goes on where it stopped; RESTART forgets it. LISTED(urls, done before) is
        called once the archive is listed, PROGRESS after each URL (see `backfill.backfill`).
        Pages that fail are counted in the report; the archive itself failing raises."""
        key = source if is_web_address(source) else str(Path(source).resolve())
        cursor = cursor or default_cursor_path(key, self.settings.data_dir)
        if restart:
            cursor.unlink(missing_ok=True)
        saved = Cursor.load(cursor, key)

        def fetch_bytes(url: str) -> bytes:  # the sitemaps an index lists are as untrusted as any URL
            return fetch_archive(url, GuardedTransport(self.policy))

        urls = list(archive_urls(source, fetch_bytes=fetch_bytes))
        if listed:
            listed(len(urls), saved.done)

        def submit(url: str) -> bool:  # not logged one by one: the run reports them
            adding = Publishing(add_tags=True)  # an article submitted before keeps its tags
            submitted = self._submit(self.extract(url=url), url, tags, None, logged=False, publishing=adding)
            return submitted is not None and submitted.queued

        return run_backfill(urls, submit, saved, concurrency=concurrency, progress=progress)

    # --- API keys --------------------------------------------------------------------------

    def create_key(self, name: str) -> tuple[ApiKey, str]:
        """A new API key for NAME (who or what uses it): its record, and the key itself, which
        is not kept (only its hash is) and so is shown only now."""
        return create_key(self.store, name)

    def api_keys(self) -> list[ApiKey]:
        """Every API key, live and revoked, oldest first."""
        return list_keys(self.store)

    def revoke_key(self, key: str) -> ApiKey:
        """Revoke the key with the id or name KEY: it stops working at once (`ApiKeyError` if
        there is no such live key, or several of that name)."""
        return revoke_key(self.store, key)

    def check_key(self, token: str) -> bool:
        """Whether TOKEN is a live API key."""
        return check_key(self.store, token)

    # --- the CMS webhook -------------------------------------------------------------------

    @contextlib.contextmanager
    def webhook_delivery(self, body: bytes, headers: Mapping[str, str]) -> Iterator[WebhookEvent]:
        """The event of a CMS's webhook request, once its signature is checked (see
        `newsvoice.webhook`), to handle in the block. `NotFound` when webhooks are off (no
        `webhook_secrets`), `WebhookRefused` (`NotAuthenticated`) for a request not signed,
        stale or replayed, pydantic's `ValidationError` for a body that is no event.

        Only an accepted delivery is remembered (a replay of it refused): the delivery is claimed
        as the block starts (so that the same one sent twice at once is handled once), and
        forgotten again if the block raises, so that a CMS may send it again."""
        secrets = self.settings.webhook_secrets
        if not secrets:
            raise NotFound("webhooks are off: set webhook_secrets (NEWSVOICE_WEBHOOK_SECRETS)")
        try:
            signature, sent = verify(secrets, body, headers)
        except WebhookRefused as error:
            raise WebhookRefused(f"webhook refused: {error}") from None
        event = WebhookEvent.model_validate_json(body)
        if self.store.seen(signature, sent):
            raise WebhookRefused("webhook refused: replayed: this signature was accepted before")
        try:
            yield event
        except BaseException:
            self.store.forget(signature)
            raise

    def publish(self, event: WebhookEvent) -> Submitted:
        """A publish or update event: narrate the article (again, if its text changed), the one
        with the event's id if it has one, else the one with its URL (fetched when the event
        carries no html or text)."""
        if event.event not in ("publish", "update"):
            raise ValueError(f"an {event.event} event is `unpublish`'s")
        article, publishing = self.prepare(
            self.extract(url=event.url, html=event.html, text=event.text), event
        )
        if event.event == "publish" and publishing.draft is None and publishing.publish_at is None:
            publishing = replace(publishing, draft=False)  # public now (an update keeps it as it was)
        if event.id:
            return self.update(event.id, article, url=event.url, tags=event.tags, publishing=publishing)
        return self.submit(article, url=event.url, tags=event.tags, publishing=publishing)

    def unpublish(self, event: WebhookEvent) -> bool:
        """A delete event: delete the article with the event's id, or URL; an unpublish event:
        make it a draft again (kept, with its audio). False if there is none."""
        if event.event == "unpublish":
            found = event.id or self.store.article_id(event.url)
            if found is None:
                return False
            try:
                self.unpublish_article(found)
            except NotFound:
                return False
            return True
        article_id = event.id or self.store.article_id(event.url)
        if article_id is None:
            return False
        try:
            self.delete(article_id)
        except NotFound:
            return False
        return True


def _machinery(runtime: Runtime, store: Store) -> _Machinery:
    """Threads that narrate here, or (with the `queue` setting) Redis, for `newsvoice worker`."""
    from .server.jobs import Dispatcher, LocalQueue, Narrator
    from .server.streams import RedisStreams, Streams

    settings = runtime.service
    if settings.queue:
        from .server.worker import RedisQueue

        queue = RedisQueue(settings.queue)
        return _Machinery(RedisStreams(settings.queue), None, None, queue, Dispatcher(store, queue, settings))
    streams = Streams()
    narrator = Narrator(runtime, store, streams)
    workers = LocalQueue(narrator.run, settings.workers, settings.narration_nice)
    return _Machinery(streams, narrator, workers, workers, Dispatcher(store, workers, settings))


def _log_queued(job: Job, record: Record, note: str = "") -> None:
    from .server.jobs import job_event

    title = record.article.title or None
    text = f"queued: article {record.id}" + (f' "{title}"' if title else "") + note
    job_event(logging.INFO, "queued", job.id, text, article=record.id, title=title)
