"""Watched feeds: which to poll when, and what each poll found (`watch.FeedState`)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from ..schema import feeds
from .database import Database, new_id


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


class Feeds(Database):
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
                feed_id = new_id()
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
