"""Versions: each narration of an article as it then read, its text, script and audio."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from ...article import Article
from ..schema import articles, versions
from .database import Database
from .texts import dump_article, load_article


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


class Versions(Database):
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


def publish(
    db: Connection,
    article_id: str,
    job_id: str,
    article: Article,
    script: Sequence[dict[str, Any]],
    duration: float,
    findings: Sequence[dict[str, Any]],
    warnings: Sequence[str],
    now: float,
) -> Version:
    """Add the article's next version, made by JOB_ID, and make it the one it is heard in."""
    number = (
        db.execute(
            select(func.coalesce(func.max(versions.c.number), 0)).where(versions.c.article_id == article_id)
        ).scalar_one()
        + 1
    )
    row = db.execute(
        insert(versions)
        .values(
            article_id=article_id,
            number=number,
            job_id=job_id,
            article=dump_article(article),
            script=json.dumps(list(script), ensure_ascii=False),
            duration=duration,
            created=now,
        )
        .returning(*versions.c)
    ).one()
    db.execute(
        update(articles)
        .where(articles.c.id == article_id)
        .values(
            narrated=now,
            duration=duration,
            findings=json.dumps(list(findings)),
            warnings=json.dumps(list(warnings), ensure_ascii=False) if warnings else None,
            version=number,
            audio=job_id,
        )
    )
    return _version(row)


def _version(row: Any) -> Version:
    return Version(
        article_id=row.article_id,
        number=row.number,
        job_id=row.job_id,
        article=load_article(row.article),
        script=tuple(json.loads(row.script)),
        duration=row.duration,
        created=row.created,
    )
