"""Articles: submitted (a text already narrated or queued is not narrated again), searched,
listed with their latest job, and deleted."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    ColumnElement,
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
    host: str | None = None
    """Its URL's host name, lowercase."""
    publish_at: float | None = None
    """When it is (or was) made public: lists, feeds, search and its audio show it from then
    on. None: a draft, public only once published."""
    options: Mapping[str, Any] | None = None
    """How it is narrated, where it says (voice, intro, outro, disclosure); see `Publishing`."""

    @property
    def published(self) -> bool:
        """Whether it has audio (narrated; see `public` for whether anyone may hear it)."""
        return self.narrated is not None

    def public(self, now: float | None = None) -> bool:
        """Whether it is public at NOW (default: now): not a draft, and not under embargo."""
        return self.publish_at is not None and self.publish_at <= (time.time() if now is None else now)


METADATA = ("authors", "date", "site_name", "url", "language", "description", "image")
"""The fields of an `Article` besides its text, which an edit that leaves them out keeps."""

NARRATION_OPTIONS = ("voice", "intro", "outro", "disclosure")
"""What a submission may say of how its article is narrated (over its site's settings)."""


@dataclass(frozen=True)
class Publishing:
    """What a submission says besides its article: what it leaves out (None), an edit keeps."""

    given: frozenset[str] = frozenset()
    """The `METADATA` fields the request set: kept as given even when empty, where any other
    field the new text lacks is taken from the article as it was."""
    draft: bool | None = None
    """True: not public until published. False: public (at `publish_at`, else now)."""
    publish_at: float | None = None
    """When it is to be public (an embargo); None: at once, or as it was (an edit)."""
    options: Mapping[str, Any] | None = None
    """`NARRATION_OPTIONS` set by the request (laid over what the article had)."""
    add_tags: bool = False
    """The tags given are added to the article's (a watched feed's), not put in their place."""


def merged_article(new: Article, old: Article, given: frozenset[str] = frozenset()) -> Article:
    """NEW with the metadata it lacks (and the request did not set: GIVEN) taken from OLD."""
    kept = {
        name: getattr(old, name)
        for name in METADATA
        if name not in given and not getattr(new, name) and getattr(old, name)
    }
    return replace(new, **kept) if kept else new


@dataclass(frozen=True)
class Submitted:
    record: Record
    job: Job
    queued: bool
    """False when the text is what was already narrated or queued: no new narration."""


class Articles(Database):
    def submit(
        self,
        article: Article,
        url: str | None,
        tags: Sequence[str] | None,
        article_id: str | None = None,
        publishing: Publishing | None = None,
    ) -> Submitted | None:
        """Store ARTICLE and queue its narration: a new article, or a new text for the one with
        ARTICLE_ID, or URL, or (with neither) the same text. Its id, and so its feed GUID, stay.
        An edit keeps what it does not set: TAGS when None, the metadata the new text lacks
        (its authors, date, site, URL, ...), its publication, its narration options (see
        `Publishing`). A text already narrated or queued is not narrated again. None if
        ARTICLE_ID is unknown."""
        now, publishing = time.time(), publishing or Publishing()
        for attempt in range(3):  # two first submissions of one new URL at once: one insert wins
            try:
                with self.transaction() as db:
                    self._lock_article(db, article_id or url or article_digest(article))
                    given = None if tags is None else tuple(tags)
                    return self._submit(db, article, url, given, article_id, publishing, now)
            except IntegrityError:
                if attempt == 2 or (url and article_id):
                    raise Conflict(f"another article has the URL {url}") from None
        raise AssertionError("unreachable")

    def _submit(
        self,
        db: Connection,
        article: Article,
        url: str | None,
        tags: tuple[str, ...] | None,
        article_id: str | None,
        publishing: Publishing,
        now: float,
    ) -> Submitted | None:
        found = self._find(db, article_id, url, article_digest(article))
        if found is None and article_id is not None:
            return None
        if found is not None:
            article = merged_article(article, load_article(found.article), publishing.given)
            old_tags: tuple[str, ...] = tuple(json.loads(found.tags))
            if tags is None:
                tags = old_tags
            elif publishing.add_tags:
                tags = old_tags + tuple(tag for tag in tags if tag not in old_tags)
        digest, body = article_digest(article), searched_text(article)
        address = url or (found.url if found is not None else None)
        values: dict[str, Any] = {
            "site": article.site_name or _host(address or article.url),
            "host": _host(address or article.url),
            "tags": json.dumps(tags or ()),
            "article": dump_article(article),
            "digest": digest,
            "body": body,
            "canonical_key": url_key(article.url),
        }
        if publishing.options is not None:
            stored = json.loads(found.options or "{}") if found is not None else {}
            values["options"] = json.dumps(stored | dict(publishing.options), sort_keys=True)
        if publishing.draft:
            values["publish_at"] = None
        elif publishing.publish_at is not None or publishing.draft is False or found is None:
            values["publish_at"] = publishing.publish_at if publishing.publish_at is not None else now
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
                del values["article"], values["digest"], values["body"]  # the same text
                db.execute(update(articles).where(articles.c.id == article_id).values(**values))
                return Submitted(self._stored(db, article_id), latest, queued=False)
            changes = {"updated": now} | values | ({"url": url, "url_key": url_key(url)} if url else {})
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
        found = (
            select(
                articles.c.id,
                articles.c.digest,
                articles.c.article,
                articles.c.tags,
                articles.c.url,
                articles.c.options,
            )
            .where(condition)
            .limit(1)
        )
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

    def published_audio(self, article_id: str) -> tuple[str | None, float | None] | None:
        """What names the latest audio of a narrated article (see `Record.audio`), and when it
        is public (`Record.publish_at`); None if it has none. (Players ask for every byte range:
        this reads one row.)"""
        with self.read() as db:
            row = db.execute(
                select(articles.c.audio, articles.c.publish_at).where(
                    articles.c.id == article_id, articles.c.narrated.isnot(None)
                )
            ).first()
        return (row.audio, row.publish_at) if row else None

    def article_id(self, url: str) -> str | None:
        """The id of the article submitted with URL."""
        with self.read() as db:
            return db.execute(select(articles.c.id).where(articles.c.url == url)).scalar()

    def articles(
        self,
        query: str | None = None,
        tag: str | None = None,
        site: str | Sequence[str] | None = None,
        status: JobStatus | None = None,
        published: bool | None = None,
        limit: int = 50,
        offset: int = 0,
        public: bool | None = None,
        by_publication: bool = False,
        url: str | None = None,
    ) -> tuple[list[Record], int]:
        """Articles newest first (by when they were submitted, or BY_PUBLICATION: made public),
        filtered, with how many match in all. SITE is a site's name or host name, in any case (or
        several: any of them); PUBLIC: only those public now (True), or only drafts and embargoed
        ones (False). URL: those submitted with that address or whose canonical URL it is, both
        normalised (`urls.url_key`); an address that is no http(s) URL matches none."""
        conditions: list[ColumnElement[bool]] = []
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
            conditions.append(
                or_(*(site_condition(name) for name in ([site] if isinstance(site, str) else site)))
            )
        if status:
            conditions.append(jobs.c.status == status)
        if published is not None:
            conditions.append(articles.c.narrated.isnot(None) if published else articles.c.narrated.is_(None))
        if public is not None:
            conditions.append(public_condition(time.time(), public))
        where = and_(True, *conditions)
        newest = articles.c.publish_at if by_publication else articles.c.created
        with self.read() as db:
            total = db.execute(select(func.count()).select_from(_WITH_LATEST_JOB).where(where)).scalar_one()
            rows = db.execute(
                _SELECT_RECORDS.where(where)
                .order_by(newest.desc(), articles.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [_record(row) for row in rows], total

    def set_publish_at(self, article_id: str, publish_at: float | None) -> Record | None:
        """Make the article public at PUBLISH_AT (None: a draft again); None if there is none."""
        with self.transaction() as db:
            done = db.execute(
                update(articles).where(articles.c.id == article_id).values(publish_at=publish_at)
            )
            return self._stored(db, article_id) if done.rowcount else None

    def released(self, since: float, until: float) -> list[str]:
        """The articles whose embargo ended after SINCE, up to UNTIL (made public by the clock)."""
        with self.read() as db:
            return list(
                db.execute(
                    select(articles.c.id).where(articles.c.publish_at > since, articles.c.publish_at <= until)
                ).scalars()
            )

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
        host=row.host,
        publish_at=row.publish_at,
        options=json.loads(row.options) if row.options else None,
    )


def public_condition(now: float, public: bool = True) -> ColumnElement[bool]:
    """Articles public at NOW (or, not PUBLIC, those that are not)."""
    condition = and_(articles.c.publish_at.isnot(None), articles.c.publish_at <= now)
    return condition if public else ~condition


def site_condition(site: str) -> ColumnElement[bool]:
    """Articles of SITE: its name or its host name (with or without www.), in any case."""
    name = site.strip().lower().rstrip(".")
    hosts = {name, name.removeprefix("www."), "www." + name.removeprefix("www.")}
    return or_(func.lower(articles.c.site) == name, articles.c.host.in_(sorted(hosts)))


def _host(url: str | None) -> str | None:
    return (urlsplit(url).hostname or "").lower() or None if url else None
