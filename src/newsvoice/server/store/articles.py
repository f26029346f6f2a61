"""Articles: submitted (a text already narrated or queued is not narrated again), searched,
listed with their latest job, and deleted."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    Connection,
    Row,
    and_,
    delete,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from ...article import Article
from ...errors import Conflict
from ...urls import url_key
from ..schema import articles, jobs
from .database import Database, new_id
from .jobs import JOB_FIELDS, Job, JobStatus, job_of, latest_job, queue_job
from .texts import article_digest, dump_article, load_article, searched_text


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
class Submitted:
    record: Record
    job: Job
    queued: bool
    """False when the text is what was already narrated or queued: no new narration."""


class Articles(Database):
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
        body = searched_text(article)
        values: dict[str, Any] = {
            "site": article.site_name or _host(url or article.url),
            "tags": json.dumps(tags),
            "article": dump_article(article),
            "digest": digest,
            "body": body,
            "canonical_key": url_key(article.url),
        }
        if found is None:
            article_id = new_id()
            db.execute(
                insert(articles).values(
                    id=article_id, url=url, url_key=url_key(url), created=now, updated=now, **values
                )
            )
        else:
            article_id = found.id
            latest = latest_job(db, article_id)
            if found.digest == digest and latest is not None and latest.status != "failed":
                db.execute(update(articles).where(articles.c.id == article_id).values(tags=values["tags"]))
                return Submitted(self._stored(db, article_id), latest, queued=False)
            changes = {name: value for name, value in values.items() if value is not None}
            changes |= {"updated": now} | ({"url": url, "url_key": url_key(url)} if url else {})
            db.execute(update(articles).where(articles.c.id == article_id).values(**changes))
        self._index(db, article_id, article.title, body)
        job = queue_job(db, article_id, now)
        return Submitted(self._stored(db, article_id), job, queued=True)

    def _find(self, db: Connection, article_id: str | None, url: str | None, digest: str) -> Row | None:
        """The article to submit to, locked until the submission commits: a deletion waits for it,
        or it waits for the deletion, and then finds no article."""
        if article_id is not None:
            condition = articles.c.id == article_id
        elif url is not None:
            condition = articles.c.url == url
        else:  # the same text again, submitted without an address
            condition = and_(articles.c.url.is_(None), articles.c.digest == digest)
        found = select(articles.c.id, articles.c.digest).where(condition).limit(1)
        return db.execute(found.with_for_update(key_share=True)).first()

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

    def _stored(self, db: Connection, article_id: str) -> Record:
        """The record of an article this transaction wrote (and so holds: it is there)."""
        return _record(db.execute(_SELECT_RECORDS.where(articles.c.id == article_id)).one())

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
        url: str | None = None,
    ) -> tuple[list[Record], int]:
        """Articles newest first, filtered, with how many match in all. URL: those submitted
        with that address or whose canonical URL it is, both normalised (`urls.url_key`); an
        address that is no http(s) URL matches none."""
        conditions = []
        if url is not None:
            key = url_key(url)
            conditions.append(
                or_(articles.c.url_key == key, articles.c.canonical_key == key) if key else false()
            )
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
_SELECT_RECORDS = select(articles, *(jobs.c[name].label(f"job_{name}") for name in JOB_FIELDS)).select_from(
    _WITH_LATEST_JOB
)


def _record(row: Any) -> Record:
    mapping = row._mapping
    job = job_of({name: mapping[f"job_{name}"] for name in JOB_FIELDS}) if mapping["job_id"] else None
    return Record(
        id=row.id,
        article=load_article(row.article),
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


def _host(url: str | None) -> str | None:
    return (urlsplit(url).hostname or None) if url else None
