"""The service's records in SQLite: articles with their extracted text, narration jobs, API keys.

One connection a thread and a WAL journal, so readers never wait for the writer. Audio files
live beside the database (see `Settings.audio_dir`); an article's row says whether they exist.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ..article import Article, Block

JobStatus = Literal["queued", "running", "done", "failed"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT UNIQUE,            -- the address it was submitted with: submitting it again edits it
    site TEXT,
    tags TEXT NOT NULL,         -- JSON array
    article TEXT NOT NULL,      -- the extracted Article, JSON
    created REAL NOT NULL,
    updated REAL NOT NULL,
    narrated REAL,              -- when its audio was last published; NULL until then
    duration REAL,
    findings TEXT               -- the pronunciation check, JSON
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created REAL NOT NULL,
    started REAL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_article ON jobs(article_id);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs(status);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(id UNINDEXED, title, body, tokenize='unicode61');
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,       -- the key's first characters, to tell keys apart in listings
    hash TEXT NOT NULL UNIQUE,  -- SHA-256 of the key; the key itself is never stored
    created REAL NOT NULL,
    revoked REAL
);
"""


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

    @property
    def published(self) -> bool:
        return self.narrated is not None


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.changes = 0
        """Counts writes, so that pages built from the store can be cached until the next one."""
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.connection().executescript(SCHEMA)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit: a statement is its own transaction)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        self._changed()

    def _changed(self) -> None:
        with self._lock:
            self.changes += 1

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    # --- articles ------------------------------------------------------------------------

    def submit(
        self, article: Article, url: str | None, tags: tuple[str, ...], article_id: str | None = None
    ) -> tuple[Record, Job] | None:
        """Store ARTICLE and queue its narration: a new article, or a new text for the one with
        ARTICLE_ID or URL (its id, and so its feed GUID, stay). None if ARTICLE_ID is unknown."""
        now = time.time()
        site = article.site_name or _host(url or article.url)
        with self.transaction() as db:
            if article_id is None and url is not None:
                found = db.execute("SELECT id FROM articles WHERE url = ?", (url,)).fetchone()
                article_id = found["id"] if found else None
                is_new = found is None
            else:
                is_new = article_id is None
            if is_new:
                article_id = _new_id()
                db.execute(
                    "INSERT INTO articles (id, url, site, tags, article, created, updated)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (article_id, url, site, json.dumps(tags), _dump(article), now, now),
                )
            else:
                try:
                    changed = db.execute(
                        "UPDATE articles SET url = coalesce(?, url), site = coalesce(?, site), tags = ?,"
                        " article = ?, updated = ? WHERE id = ?",
                        (url, site, json.dumps(tags), _dump(article), now, article_id),
                    ).rowcount
                except sqlite3.IntegrityError:
                    raise Conflict(f"another article has the URL {url}") from None
                if not changed:
                    return None
                db.execute("DELETE FROM search WHERE id = ?", (article_id,))
            db.execute(
                "INSERT INTO search (id, title, body) VALUES (?, ?, ?)",
                (article_id, article.title, "\n".join(block.text for block in article.blocks)),
            )
            job = self._queue(db, article_id, now)
            record = self.article(article_id)
        return record, job

    def article(self, article_id: str) -> Record | None:
        row = self.connection().execute(f"{_SELECT_ARTICLES} WHERE articles.id = ?", (article_id,)).fetchone()
        return _record(row) if row else None

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
        where, arguments = ["1"], []
        if query and (match := _match_expression(query)):
            where.append("articles.id IN (SELECT id FROM search WHERE search MATCH ?)")
            arguments.append(match)
        if tag:
            where.append("EXISTS (SELECT 1 FROM json_each(articles.tags) WHERE value = ?)")
            arguments.append(tag)
        if site:
            where.append("site = ?")
            arguments.append(site)
        if status:
            where.append("jobs.status = ?")
            arguments.append(status)
        if published is not None:
            where.append("narrated IS NOT NULL" if published else "narrated IS NULL")
        condition = " AND ".join(where)
        db = self.connection()
        total = db.execute(
            f"SELECT count(*) FROM {_WITH_LATEST_JOB} WHERE {condition}", arguments
        ).fetchone()[0]
        rows = db.execute(
            f"{_SELECT_ARTICLES} WHERE {condition} ORDER BY articles.created DESC, articles.rowid DESC"
            " LIMIT ? OFFSET ?",
            [*arguments, limit, offset],
        ).fetchall()
        return [_record(row) for row in rows], total

    def delete(self, article_id: str) -> bool:
        """Forget the article and its jobs; not while it is being narrated."""
        with self.transaction() as db:
            if db.execute(
                "SELECT 1 FROM jobs WHERE article_id = ? AND status = 'running'", (article_id,)
            ).fetchone():
                raise Conflict("the article is being narrated; delete it when its job ends")
            db.execute("DELETE FROM search WHERE id = ?", (article_id,))
            return db.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount > 0

    def narration_coming(self, article_id: str) -> bool:
        """Whether new audio is being made for the article, or is queued and it has none yet."""
        row = (
            self.connection()
            .execute(
                f"SELECT jobs.status, narrated FROM {_WITH_LATEST_JOB} WHERE articles.id = ?", (article_id,)
            )
            .fetchone()
        )
        return row is not None and (row[0] == "running" or (row[0] == "queued" and row[1] is None))

    # --- jobs ----------------------------------------------------------------------------

    def job(self, job_id: str) -> Job | None:
        row = self.connection().execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(**row) if row else None

    def claim(self) -> Job | None:
        """The oldest queued job whose article is not being narrated already, now running."""
        row = (
            self.connection()
            .execute(
                "UPDATE jobs SET status = 'running', started = ?, done = 0 WHERE id = ("
                " SELECT id FROM jobs AS queued WHERE status = 'queued' AND NOT EXISTS ("
                "  SELECT 1 FROM jobs WHERE article_id = queued.article_id AND status = 'running')"
                " ORDER BY rowid LIMIT 1) RETURNING *",
                (time.time(),),
            )
            .fetchone()
        )
        if row is None:
            return None
        self._changed()
        return Job(**row)

    def progress(self, job_id: str, done: int, total: int) -> None:
        self.connection().execute("UPDATE jobs SET done = ?, total = ? WHERE id = ?", (done, total, job_id))

    def finish(self, job: Job, duration: float, findings: list[dict[str, Any]]) -> None:
        """Record a job done and its article's audio published."""
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET status = 'done', done = total, finished = ? WHERE id = ?", (now, job.id)
            )
            db.execute(
                "UPDATE articles SET narrated = ?, duration = ?, findings = ? WHERE id = ?",
                (now, duration, json.dumps(findings), job.article_id),
            )

    def fail(self, job_id: str, error: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE jobs SET status = 'failed', error = ?, finished = ? WHERE id = ?",
                (error, time.time(), job_id),
            )

    def retry(self, job: Job) -> Job:
        """A new job for a failed job's article (the failed one is kept, with its error)."""
        with self.transaction() as db:
            return self._queue(db, job.article_id, time.time())

    def requeue(self, job_id: str | None = None) -> int:
        """Queue a running job again, or all of them (those running when the server stopped)."""
        which = ("AND id = ?", (job_id,)) if job_id else ("", ())
        with self.transaction() as db:
            return db.execute(
                f"UPDATE jobs SET status = 'queued', started = NULL WHERE status = 'running' {which[0]}",
                which[1],
            ).rowcount

    def _queue(self, db: sqlite3.Connection, article_id: str, now: float) -> Job:
        """A new queued job, unless one is waiting already: it will narrate the latest text."""
        row = (
            db.execute(
                "SELECT * FROM jobs WHERE article_id = ? AND status = 'queued'", (article_id,)
            ).fetchone()
            or db.execute(
                "INSERT INTO jobs (id, article_id, status, created) VALUES (?, ?, 'queued', ?) RETURNING *",
                (_new_id(), article_id, now),
            ).fetchone()
        )
        return Job(**row)


_WITH_LATEST_JOB = (
    "articles LEFT JOIN jobs ON jobs.rowid = (SELECT max(rowid) FROM jobs WHERE article_id = articles.id)"
)
_SELECT_ARTICLES = "SELECT articles.*, {} FROM {}".format(
    ", ".join(f"jobs.{f.name} AS job_{f.name}" for f in dataclasses.fields(Job)), _WITH_LATEST_JOB
)


def _record(row: sqlite3.Row) -> Record:
    job = Job(**{f.name: row[f"job_{f.name}"] for f in dataclasses.fields(Job)}) if row["job_id"] else None
    return Record(
        id=row["id"],
        article=_load(row["article"]),
        url=row["url"],
        site=row["site"],
        tags=tuple(json.loads(row["tags"])),
        created=row["created"],
        updated=row["updated"],
        narrated=row["narrated"],
        duration=row["duration"],
        findings=tuple(json.loads(row["findings"] or "[]")),
        job=job,
    )


def _dump(article: Article) -> str:
    fields = dataclasses.asdict(article)
    del fields["warnings"]
    return json.dumps(fields, ensure_ascii=False)


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


def _match_expression(query: str) -> str:
    """Each word of a search as an FTS5 prefix term, quoted: a query is never a syntax error."""
    terms = ['"' + word.replace('"', '""') + '"*' for word in query.split()]
    return " ".join(terms)


def _host(url: str | None) -> str | None:
    return (urlsplit(url).hostname or None) if url else None


def _new_id() -> str:
    return secrets.token_urlsafe(9)
