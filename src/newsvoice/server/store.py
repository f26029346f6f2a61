"""The service's records: articles and their versions, narration jobs, watched feeds, API keys.

One code path for both backends, SQLite (the embedded default, a file beside the audio) and
PostgreSQL (for several servers and workers); SQLAlchemy builds the queries for each, and
Alembic creates and upgrades the tables (`migrations/`).

Jobs are leased: a worker that claims one holds it until its lease lapses, and renews the
lease while it works. A worker that dies (SIGKILL, a lost machine) lets its lease lapse, and
the job is queued again; every write a worker makes for its job checks it still holds it, so a
job that was taken over is published once, by whoever finishes it while holding it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    create_engine,
    delete,
    event,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, InterfaceError, OperationalError

from ..article import Article, Block
from ..errors import NewsvoiceError
from ..webhook import TOLERANCE
from .migrations import current, upgrade
from .schema import articles, deliveries, feeds, jobs, versions

JobStatus = Literal["queued", "running", "done", "failed"]


class StoreError(NewsvoiceError):
    """The database cannot be reached or opened."""


class Conflict(Exception):
    """A change the article's state does not allow now; the message says why."""


@dataclass(frozen=True)
class Job:
    id: str
    article_id: str
    status: JobStatus
    done: int
    total: int
    error: str | None
    created: float
    started: float | None
    finished: float | None
    attempts: int = 0
    worker: str | None = None
    not_before: float | None = None
    """A job to retry waits until then."""
    warnings: tuple[str, ...] = ()
    """What went wrong in its narration without stopping it (a done job's)."""


@dataclass(frozen=True)
class Record:
    """An article as stored: its text, and what is known of its narration."""

    id: str
    article: Article
    url: str | None
    site: str | None
    tags: tuple[str, ...]
    created: float
    updated: float
    narrated: float | None
    """When its audio was last published; None while it has none."""
    duration: float | None
    findings: tuple[dict[str, Any], ...]
    job: Job | None
    """Its latest narration job."""
    version: int | None = None
    """Its latest published version."""
    audio: str | None = None
    """The name of the latest version's audio files (its job's id)."""
    warnings: tuple[str, ...] = ()
    """The latest version's narration warnings."""

    @property
    def published(self) -> bool:
        return self.narrated is not None


@dataclass(frozen=True)
class Version:
    """One narration of an article as it then read: its text, script and audio."""

    article_id: str
    number: int
    job_id: str
    article: Article
    script: tuple[dict[str, Any], ...]
    duration: float
    created: float


@dataclass(frozen=True)
class Submitted:
    record: Record
    job: Job
    queued: bool
    """False when the text is what was already narrated or queued: no new narration."""


@dataclass(frozen=True)
class Feed:
    id: str
    url: str
    tags: tuple[str, ...]
    interval: float
    state: dict[str, Any]
    next_poll: float
    polled: float | None
    error: str | None
    created: float


_JOB_FIELDS = [field.name for field in dataclasses.fields(Job)]


class Store:
    def __init__(self, url: str | Path) -> None:
        """Open (and create or upgrade) the database at URL: a SQLAlchemy URL such as
        `postgresql://host/db`, or the path of a SQLite file."""
        self.url = database_url(url)
        self.engine = _engine(self.url)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.changes = 0
        """Counts this process's writes, so that pages built from the store can be cached."""
        self._lock = threading.Lock()
        with _reporting(self.engine):
            upgrade(self.engine)

    @contextlib.contextmanager
    def transaction(self, counted: bool = True) -> Iterator[Connection]:
        """A transaction; COUNTED (the default) unless it only keeps jobs' and feeds' books
        (leases, progress, hand-overs), which no cached page shows."""
        with self.engine.begin() as db:
            yield db
        if counted:
            with self._lock:
                self.changes += 1

    def read(self) -> Connection:
        """A connection for reads (autocommit)."""
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        self.engine.dispose()

    # --- articles ------------------------------------------------------------------------

    def submit(
        self, article: Article, url: str | None, tags: Sequence[str], article_id: str | None = None
    ) -> Submitted | None:
        """Store ARTICLE and queue its narration: a new article, or a new text for the one with
        ARTICLE_ID, or URL, or (with neither) the same text. Its id, and so its feed GUID, stay.
        A text already narrated or queued is not narrated again. None if ARTICLE_ID is unknown."""
        now, digest = time.time(), article_digest(article)
        for attempt in range(3):  # two first submissions of one new URL at once: one insert wins
            try:
                with self.transaction() as db:
                    self._lock_article(db, article_id or url or digest)
                    return self._submit(db, article, url, tuple(tags), article_id, digest, now)
            except IntegrityError:
                if attempt == 2 or (url and article_id):
                    raise Conflict(f"another article has the URL {url}") from None
        raise AssertionError("unreachable")

    def _submit(
        self,
        db: Connection,
        article: Article,
        url: str | None,
        tags: tuple[str, ...],
        article_id: str | None,
        digest: str,
        now: float,
    ) -> Submitted | None:
        found = self._find(db, article_id, url, digest)
        if found is None and article_id is not None:
            return None
        values = {
            "site": article.site_name or _host(url or article.url),
            "tags": json.dumps(tags),
            "article": _dump(article),
            "digest": digest,
            "body": _body(article),
        }
        if found is None:
            article_id = _new_id()
            db.execute(insert(articles).values(id=article_id, url=url, created=now, updated=now, **values))
        else:
            article_id = found.id
            latest = _latest_job(db, article_id)
            if found.digest == digest and latest is not None and latest.status != "failed":
                db.execute(update(articles).where(articles.c.id == article_id).values(tags=values["tags"]))
                return Submitted(self._record(db, article_id), latest, queued=False)
            changes = {name: value for name, value in values.items() if value is not None}
            changes |= {"updated": now} | ({"url": url} if url else {})
            db.execute(update(articles).where(articles.c.id == article_id).values(**changes))
        self._index(db, article_id, article.title, values["body"])
        job = self._queue(db, article_id, now)
        return Submitted(self._record(db, article_id), job, queued=True)

    def _find(self, db: Connection, article_id: str | None, url: str | None, digest: str):
        if article_id is not None:
            condition = articles.c.id == article_id
        elif url is not None:
            condition = articles.c.url == url
        else:  # the same text again, submitted without an address
            condition = and_(articles.c.url.is_(None), articles.c.digest == digest)
        return db.execute(select(articles.c.id, articles.c.digest).where(condition).limit(1)).first()

    def _lock_article(self, db: Connection, key: str) -> None:
        """Submissions of one article wait for each other (SQLite's writes already do)."""
        if self.postgres:
            db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def _index(self, db: Connection, article_id: str, title: str | None, body: str) -> None:
        """Index the article for search (PostgreSQL searches `articles.body` itself)."""
        if not self.postgres:
            self._unindex(db, article_id)
            db.execute(
                text("INSERT INTO search (id, title, body) VALUES (:id, :title, :body)"),
                {"id": article_id, "title": title, "body": body},
            )

    def _unindex(self, db: Connection, article_id: str) -> None:
        if not self.postgres:
            db.execute(text("DELETE FROM search WHERE id = :id"), {"id": article_id})

    def article(self, article_id: str) -> Record | None:
        with self.read() as db:
            return self._record(db, article_id)

    def _record(self, db: Connection, article_id: str) -> Record | None:
        row = db.execute(_SELECT_RECORDS.where(articles.c.id == article_id)).first()
        return _record(row) if row else None

    def published_audio(self, article_id: str) -> tuple[str | None] | None:
        """What names the latest audio of a published article (see `Record.audio`), in a
        tuple; None if it has none. (Players ask for every byte range: this reads one row.)"""
        with self.read() as db:
            row = db.execute(
                select(articles.c.audio).where(articles.c.id == article_id, articles.c.narrated.isnot(None))
            ).first()
        return (row.audio,) if row else None

    def article_id(self, url: str) -> str | None:
        """The id of the article submitted with URL."""
        with self.read() as db:
            return db.execute(select(articles.c.id).where(articles.c.url == url)).scalar()

    def articles(
        self,
        query: str | None = None,
        tag: str | None = None,
        site: str | None = None,
        status: JobStatus | None = None,
        published: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Record], int]:
        """Articles newest first, filtered, with how many match in all."""
        conditions = []
        if query and (match := self._match(query)) is not None:
            conditions.append(match)
        if tag:
            conditions.append(articles.c.tags.contains(json.dumps(tag), autoescape=True))
        if site:
            conditions.append(articles.c.site == site)
        if status:
            conditions.append(jobs.c.status == status)
        if published is not None:
            conditions.append(articles.c.narrated.isnot(None) if published else articles.c.narrated.is_(None))
        where = and_(True, *conditions)
        with self.read() as db:
            total = db.execute(select(func.count()).select_from(_WITH_LATEST_JOB).where(where)).scalar_one()
            rows = db.execute(
                _SELECT_RECORDS.where(where)
                .order_by(articles.c.created.desc(), articles.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [_record(row) for row in rows], total

    def _match(self, query: str):
        """Each word of QUERY as a prefix term: a query is never a syntax error."""
        words = [word for word in query.split() if any(c.isalnum() for c in word)]
        if not words:
            return None
        if self.postgres:
            terms = " & ".join("'" + word.replace("'", "''").replace("\\", "") + "':*" for word in words)
            vector = func.to_tsvector(literal_column("'simple'"), func.coalesce(articles.c.body, ""))
            return vector.bool_op("@@")(func.to_tsquery(literal_column("'simple'"), terms))
        terms = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
        return articles.c.id.in_(
            text("SELECT id FROM search WHERE search MATCH :terms").bindparams(terms=terms)
        )

    def delete(self, article_id: str) -> bool:
        """Forget the article, its versions and jobs. A narration under way is abandoned: its
        worker no longer holds a job (see `progress`)."""
        with self.transaction() as db:
            self._unindex(db, article_id)
            return db.execute(delete(articles).where(articles.c.id == article_id)).rowcount > 0

    def narration_coming(self, article_id: str) -> bool:
        """Whether new audio is being made for the article, or is queued and it has none yet."""
        with self.read() as db:
            row = db.execute(
                select(jobs.c.status, articles.c.narrated)
                .select_from(_WITH_LATEST_JOB)
                .where(articles.c.id == article_id)
            ).first()
        return row is not None and (row[0] == "running" or (row[0] == "queued" and row[1] is None))

    # --- versions ------------------------------------------------------------------------

    def versions(self, article_id: str) -> list[Version]:
        """The article's published versions, oldest first."""
        with self.read() as db:
            rows = db.execute(
                select(versions).where(versions.c.article_id == article_id).order_by(versions.c.number)
            ).all()
        return [_version(row) for row in rows]

    def version(self, article_id: str, number: int) -> Version | None:
        with self.read() as db:
            row = db.execute(
                select(versions).where(versions.c.article_id == article_id, versions.c.number == number)
            ).first()
        return _version(row) if row else None

    # --- jobs ----------------------------------------------------------------------------

    def job(self, job_id: str) -> Job | None:
        with self.read() as db:
            row = db.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return _job(row) if row else None

    def claim(self, job_id: str, worker: str, lease: float) -> Job | None:
        """Start JOB_ID for WORKER, holding it for LEASE seconds; None when it is not to be run
        now: done, failed, held by a live worker, waiting to retry, or its article is being
        narrated by another job."""
        now = time.time()
        running = jobs.alias("running")
        busy = exists().where(
            running.c.article_id == jobs.c.article_id, running.c.status == "running", running.c.id != job_id
        )
        with self.transaction(counted=False) as db:
            row = db.execute(
                update(jobs)
                .where(
                    jobs.c.id == job_id,
                    jobs.c.status == "queued",
                    or_(jobs.c.not_before.is_(None), jobs.c.not_before <= now),
                    ~busy,
                )
                .values(
                    status="running",
                    worker=worker,
                    lease=now + lease,
                    started=now,
                    done=0,
                    attempts=jobs.c.attempts + 1,
                )
                .returning(*jobs.c)
            ).first()
        return _job(row) if row else None

    def progress(self, job: Job, done: int | None, total: int | None, lease: float) -> bool:
        """Renew JOB's lease for LEASE seconds, recording its progress (segments DONE of TOTAL)
        if given; False if its worker no longer holds it."""
        values = {"lease": time.time() + lease} | ({"done": done, "total": total} if total else {})
        with self.transaction(counted=False) as db:
            return db.execute(update(jobs).where(*_held(job)).values(**values)).rowcount > 0

    def finish(
        self,
        job: Job,
        article: Article,
        script: Sequence[dict[str, Any]],
        duration: float,
        findings: Sequence[dict[str, Any]],
        warnings: Sequence[str] = (),
    ) -> Version | None:
        """Publish JOB's narration of ARTICLE as the article's next version; None (nothing
        written) if its worker no longer holds it, in which case another worker publishes it."""
        now = time.time()
        with self.transaction() as db:
            done = (
                update(jobs)
                .where(*_held(job))
                .values(status="done", finished=now, done=jobs.c.total, lease=None, warnings=_json(warnings))
            )
            if not db.execute(done).rowcount:
                return None
            _hand_over_next(db, job.article_id)
            number = (
                db.execute(
                    select(func.coalesce(func.max(versions.c.number), 0)).where(
                        versions.c.article_id == job.article_id
                    )
                ).scalar_one()
                + 1
            )
            row = db.execute(
                insert(versions)
                .values(
                    article_id=job.article_id,
                    number=number,
                    job_id=job.id,
                    article=_dump(article),
                    script=json.dumps(list(script), ensure_ascii=False),
                    duration=duration,
                    created=now,
                )
                .returning(*versions.c)
            ).one()
            db.execute(
                update(articles)
                .where(articles.c.id == job.article_id)
                .values(
                    narrated=now,
                    duration=duration,
                    findings=json.dumps(list(findings)),
                    warnings=_json(warnings),
                    version=number,
                    audio=job.id,
                )
            )
        return _version(row)

    def fail(self, job: Job, error: str, max_attempts: int, backoff: float) -> Job | None:
        """Record JOB's failure: queued again after BACKOFF * 2**(attempts-1) seconds while it
        has tries left, else failed for good (the dead letter) with ERROR. None if its worker
        no longer holds it."""
        now = time.time()
        if job.attempts < max_attempts:
            values = {"status": "queued", "not_before": now + backoff * 2 ** (job.attempts - 1)}
        else:
            values = {"status": "failed", "finished": now}
        with self.transaction() as db:
            row = db.execute(
                update(jobs)
                .where(*_held(job))
                .values(error=error, worker=None, lease=None, **values)
                .returning(*jobs.c)
            ).first()
            if row:
                _hand_over_next(db, job.article_id)
        return _job(row) if row else None

    def release(self, job: Job) -> None:
        """Put JOB back in the queue as it was (its worker is stopping)."""
        with self.transaction() as db:
            db.execute(
                update(jobs)
                .where(*_held(job))
                .values(
                    status="queued",
                    started=None,
                    worker=None,
                    lease=None,
                    enqueued=None,
                    attempts=jobs.c.attempts - 1,
                )
            )

    def retry(self, job: Job) -> Job:
        """A new job for a failed job's article (the failed one is kept, with its error)."""
        with self.transaction() as db:
            return self._queue(db, job.article_id, time.time())

    def recover(self, max_attempts: int) -> tuple[list[Job], list[Job]]:
        """Jobs whose worker died: those with tries left are queued again, the others failed.
        Answers (queued again, failed), each job as it was when its worker was found dead."""
        now = time.time()
        lapsed = and_(jobs.c.status == "running", jobs.c.lease < now)
        message = "its worker stopped (killed, or its machine lost) during each of {} tries"
        with self.transaction(counted=False) as db:
            found = {row.id: _job(row) for row in db.execute(select(jobs).where(lapsed))}
            if not found:
                return [], []
            failed = db.execute(
                update(jobs)
                .where(lapsed, jobs.c.attempts >= max_attempts)
                .values(
                    status="failed",
                    finished=now,
                    worker=None,
                    lease=None,
                    error=func.coalesce(jobs.c.error, message.format(max_attempts)),
                )
                .returning(jobs.c.id)
            ).all()
            queued = db.execute(
                update(jobs)
                .where(lapsed)
                .values(status="queued", worker=None, lease=None, enqueued=None, error="its worker stopped")
                .returning(jobs.c.id)
            ).all()
        return [found[row.id] for row in queued], [found[row.id] for row in failed]

    def due(self, stale: float) -> list[str]:
        """Queued jobs to hand to the queue: never handed over, ready to retry, or handed over
        more than STALE seconds ago (a message may be lost when a server or Redis stops)."""
        now = time.time()
        with self.transaction(counted=False) as db:
            rows = db.execute(
                update(jobs)
                .where(
                    jobs.c.status == "queued",
                    or_(jobs.c.not_before.is_(None), jobs.c.not_before <= now),
                    or_(
                        jobs.c.enqueued.is_(None),
                        jobs.c.enqueued < now - stale,
                        and_(jobs.c.not_before.isnot(None), jobs.c.enqueued < jobs.c.not_before),
                    ),
                )
                .values(enqueued=now)
                .returning(jobs.c.id, jobs.c.created)
            ).all()
        return [row.id for row in sorted(rows, key=lambda row: row.created)]

    def _queue(self, db: Connection, article_id: str, now: float) -> Job:
        """A new queued job, unless one is waiting already: it will narrate the latest text."""
        row = db.execute(
            select(jobs).where(jobs.c.article_id == article_id, jobs.c.status == "queued")
        ).first()
        if row is None:
            row = db.execute(
                insert(jobs)
                .values(id=_new_id(), article_id=article_id, status="queued", created=now)
                .returning(*jobs.c)
            ).one()
        return _job(row)

    # --- watched feeds -------------------------------------------------------------------

    def add_feed(self, url: str, tags: Sequence[str], interval: float, state: dict[str, Any]) -> Feed:
        """Watch the feed at URL (watching it again updates its tags and interval)."""
        now = time.time()
        with self.transaction() as db:
            found = db.execute(select(feeds.c.id).where(feeds.c.url == url)).first()
            values = {"tags": json.dumps(list(tags)), "interval": interval}
            if found:
                db.execute(update(feeds).where(feeds.c.id == found.id).values(**values))
                feed_id = found.id
            else:
                feed_id = _new_id()
                db.execute(
                    insert(feeds).values(
                        id=feed_id, url=url, state=json.dumps(state), next_poll=now, created=now, **values
                    )
                )
            return _feed(db.execute(select(feeds).where(feeds.c.id == feed_id)).one())

    def feeds(self) -> list[Feed]:
        with self.read() as db:
            return [_feed(row) for row in db.execute(select(feeds).order_by(feeds.c.created))]

    def feed(self, feed_id: str) -> Feed | None:
        with self.read() as db:
            row = db.execute(select(feeds).where(or_(feeds.c.id == feed_id, feeds.c.url == feed_id))).first()
        return _feed(row) if row else None

    def remove_feed(self, feed_id: str) -> bool:
        with self.transaction() as db:
            return db.execute(delete(feeds).where(feeds.c.id == feed_id)).rowcount > 0

    def take_due_feed(self, hold: float) -> Feed | None:
        """A feed due for polling, its next poll put off by HOLD seconds so that no other
        server polls it meanwhile."""
        now = time.time()
        with self.transaction(counted=False) as db:
            due = select(feeds.c.id).where(feeds.c.next_poll <= now).order_by(feeds.c.next_poll).limit(1)
            if self.postgres:
                due = due.with_for_update(skip_locked=True)
            found = db.execute(due).first()
            if found is None:
                return None
            db.execute(update(feeds).where(feeds.c.id == found.id).values(next_poll=now + hold))
            return _feed(db.execute(select(feeds).where(feeds.c.id == found.id)).one())

    def save_feed(self, feed_id: str, state: dict[str, Any], next_poll: float, error: str | None) -> None:
        with self.transaction(counted=False) as db:
            db.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(state=json.dumps(state), next_poll=next_poll, error=error, polled=time.time())
            )

    # --- webhook deliveries --------------------------------------------------------------

    def seen(self, signature: str, timestamp: float, tolerance: float = TOLERANCE) -> bool:
        """Whether a webhook with SIGNATURE was delivered before; remembers it until it would
        be too old to accept anyway. (The store is the service's `webhook.ReplayGuard`.)"""
        now = time.time()
        with self.transaction(counted=False) as db:
            db.execute(delete(deliveries).where(deliveries.c.expires < now))
            try:
                with db.begin_nested():
                    db.execute(insert(deliveries).values(signature=signature, expires=timestamp + tolerance))
            except IntegrityError:
                return True
        return False


def database_url(url: str | Path) -> str:
    """A SQLAlchemy URL for URL: a path is a SQLite file; PostgreSQL is spoken through psycopg 3."""
    if isinstance(url, Path) or "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url} (postgresql://HOST/DATABASE, or a file path)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise StoreError(f"{parsed.get_backend_name()}: newsvoice keeps its data in SQLite or PostgreSQL")
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str | Path) -> str:
    """URL as it may be shown or logged: without its password."""
    return make_url(database_url(url)).render_as_string(hide_password=True)


def schema_revision(url: str | Path) -> str | None:
    """The migration the database at URL is at (None: an empty database), without upgrading it."""
    engine = _engine(database_url(url))
    with _reporting(engine):
        return current(engine)


@contextlib.contextmanager
def _reporting(engine: Engine) -> Iterator[None]:
    try:
        yield
    except (OperationalError, InterfaceError) as error:  # down, refused, unknown database
        raise StoreError(f"cannot open the database {engine.url}: {error.orig}") from None


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_size=8, max_overflow=32, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(connection, _record) -> None:
        connection.isolation_level = None  # transactions are begun below, not by the driver
        connection.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        # Take the write lock at once: two transactions that read, then write, would otherwise
        # deadlock on the upgrade from a read lock.
        if not connection.get_execution_options().get("isolation_level"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _held(job: Job) -> tuple:
    """The conditions under which JOB's worker still holds it."""
    return (jobs.c.id == job.id, jobs.c.status == "running", jobs.c.worker == job.worker)


def _hand_over_next(db: Connection, article_id: str) -> None:
    """A job that ends frees its article: its next job (an edit made meanwhile, which the queue
    offered while the article was busy) is to be handed to the queue again."""
    db.execute(
        update(jobs).where(jobs.c.article_id == article_id, jobs.c.status == "queued").values(enqueued=None)
    )


def _latest_job(db: Connection, article_id: str) -> Job | None:
    row = db.execute(
        select(jobs)
        .where(jobs.c.article_id == article_id)
        .order_by(jobs.c.created.desc(), jobs.c.id.desc())
        .limit(1)
    ).first()
    return _job(row) if row else None


_later = jobs.alias("later")
_latest = (
    select(_later.c.id)
    .where(_later.c.article_id == articles.c.id)
    .order_by(_later.c.created.desc(), _later.c.id.desc())
    .limit(1)
    .correlate(articles)
    .scalar_subquery()
)
_WITH_LATEST_JOB = articles.outerjoin(jobs, jobs.c.id == _latest)
_SELECT_RECORDS = select(articles, *(jobs.c[name].label(f"job_{name}") for name in _JOB_FIELDS)).select_from(
    _WITH_LATEST_JOB
)


def _job(row: Any) -> Job:
    return _job_of({name: getattr(row, name) for name in _JOB_FIELDS})


def _job_of(fields: dict[str, Any]) -> Job:
    return Job(**fields | {"warnings": tuple(json.loads(fields["warnings"] or "[]"))})


def _json(strings: Sequence[str]) -> str | None:
    return json.dumps(list(strings), ensure_ascii=False) if strings else None


def _record(row: Any) -> Record:
    mapping = row._mapping
    job = _job_of({name: mapping[f"job_{name}"] for name in _JOB_FIELDS}) if mapping["job_id"] else None
    return Record(
        id=row.id,
        article=_load(row.article),
        url=row.url,
        site=row.site,
        tags=tuple(json.loads(row.tags)),
        created=row.created,
        updated=row.updated,
        narrated=row.narrated,
        duration=row.duration,
        findings=tuple(json.loads(row.findings or "[]")),
        job=job,
        version=row.version,
        audio=row.audio,
        warnings=tuple(json.loads(row.warnings or "[]")),
    )


def _version(row: Any) -> Version:
    return Version(
        article_id=row.article_id,
        number=row.number,
        job_id=row.job_id,
        article=_load(row.article),
        script=tuple(json.loads(row.script)),
        duration=row.duration,
        created=row.created,
    )


def _feed(row: Any) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        tags=tuple(json.loads(row.tags)),
        interval=row.interval,
        state=json.loads(row.state),
        next_poll=row.next_poll,
        polled=row.polled,
        error=row.error,
        created=row.created,
    )


def article_digest(article: Article) -> str:
    """What identifies an article's text: the same text, the same narration."""
    return hashlib.sha256(_dump(article).encode("utf-8")).hexdigest()


def _dump(article: Article) -> str:
    fields = dataclasses.asdict(article)
    del fields["warnings"]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def _load(text: str) -> Article:
    """The stored Article; fields added to `Article` since it was stored take their defaults."""
    stored = json.loads(text)
    known = {field.name for field in dataclasses.fields(Article)}
    fields = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in stored.items()
        if name in known
    }
    fields["blocks"] = tuple(Block(**block) for block in stored["blocks"])
    return Article(**fields)


def _body(article: Article) -> str:
    return "\n".join([article.title or "", *(block.text for block in article.blocks)])


def _host(url: str | None) -> str | None:
    return (urlsplit(url).hostname or None) if url else None


def _new_id() -> str:
    return secrets.token_urlsafe(9)
