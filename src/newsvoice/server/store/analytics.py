"""Listening figures: the aggregates `newsvoice.analytics` counts, added to the day's rows, and
read back for reports; and the salt of the day that listeners are hashed with, one for every
process on the database. Nothing of a listener is kept (see docs/analytics.md)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Delete, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from ...analytics import SALT_BYTES, HostKey, Row, Tally, TallyKey, merge_registers
from ..schema import articles, listening, listening_buckets, listening_hosts, listening_salts, versions
from .articles import public_condition, site_condition
from .database import Database

COUNTS = (
    "loads",
    "plays",
    "completes",
    "seeks",
    "speed_changes",
    "errors",
    "speed_sum",
    "speed_count",
    "listened",
)


class Listening(Database):
    def listenable(self, article_id: str) -> dict[int, float] | None:
        """The durations of the versions of the article, by number, if it is public now."""
        with self.read() as db:
            public = db.execute(
                select(articles.c.id).where(articles.c.id == article_id, public_condition(time.time()))
            ).first()
            if public is None:
                return None
            rows = db.execute(
                select(versions.c.number, versions.c.duration).where(versions.c.article_id == article_id)
            ).all()
        return {row.number: row.duration for row in rows}

    def add_listening(self, tallies: Mapping[TallyKey, Tally], hosts: Mapping[HostKey, list[int]]) -> None:
        """Add TALLIES and HOSTS to the stored days (those of articles deleted since are dropped)."""
        if not tallies and not hosts:
            return
        wanted = {key[0] for key in tallies} | {key[0] for key in hosts}
        with self.transaction(counted=False) as db:
            known = set(db.execute(select(articles.c.id).where(articles.c.id.in_(sorted(wanted)))).scalars())
            for (article_id, version, day), tally in sorted(tallies.items()):
                if article_id not in known:
                    continue
                key = {"article_id": article_id, "version": version, "day": day}
                counts = {name: getattr(tally, name) for name in COUNTS}
                self._upsert(db, listening, key, counts)
                for bucket, reached in sorted(tally.buckets.items()):
                    self._upsert(db, listening_buckets, key | {"bucket": bucket}, {"reached": reached})
                if tally.registers is not None:
                    where = and_(*(listening.c[name] == value for name, value in key.items()))
                    stored = db.execute(select(listening.c.listeners).where(where).with_for_update()).scalar()
                    registers = bytes(merge_registers(stored, tally.registers))
                    db.execute(update(listening).where(where).values(listeners=registers))
            for (article_id, day, host), (loads, plays) in sorted(hosts.items()):
                if article_id in known:
                    key = {"article_id": article_id, "day": day, "host": host}
                    self._upsert(db, listening_hosts, key, {"loads": loads, "plays": plays})

    def listener_salt(self, day: str) -> bytes:
        """The salt of DAY (YYYY-MM-DD), the same for every process on this database: the first
        to ask makes it (the others, asking at the same moment, wait for it and read it back),
        and the past days' are deleted."""
        dialect: Any = postgresql if self.postgres else sqlite
        made = dialect.insert(listening_salts).values(day=day, salt=secrets.token_bytes(SALT_BYTES))
        with self.transaction(counted=False) as db:
            # Inserting first: a second process waits on the day's key, not on the deletions.
            db.execute(made.on_conflict_do_nothing(index_elements=["day"]))
            db.execute(_salts_before(day))
            return db.execute(select(listening_salts.c.salt).where(listening_salts.c.day == day)).scalar_one()

    def forget_listener_salts(self, day: str) -> None:
        """Delete the salts of the days before DAY (YYYY-MM-DD)."""
        with self.transaction(counted=False) as db:
            db.execute(_salts_before(day))

    def _upsert(self, db: Connection, table: Any, key: dict[str, Any], counts: dict[str, Any]) -> None:
        """Add COUNTS to the row of TABLE at KEY (made if there is none)."""
        dialect: Any = postgresql if self.postgres else sqlite
        statement = dialect.insert(table).values(**key, **counts)
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={name: table.c[name] + statement.excluded[name] for name in counts}
        )
        db.execute(statement)

    def listening_rows(
        self,
        *,
        article_id: str | None = None,
        site: str | None = None,
        tag: str | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> list[Row]:
        """The stored days (START to END, YYYY-MM-DD, both included) of the article, the SITE's
        or the TAG's articles, or all."""
        conditions: list[ColumnElement[bool]] = []
        if article_id is not None:
            conditions.append(listening.c.article_id == article_id)
        if site:
            conditions.append(site_condition(site))
        if tag:
            conditions.append(articles.c.tags.contains(json.dumps(tag), autoescape=True))
        if start:
            conditions.append(listening.c.day >= start)
        if end:
            conditions.append(listening.c.day <= end)
        where = and_(True, *conditions)
        joined = listening.join(articles, articles.c.id == listening.c.article_id)
        bucket_join = joined.join(
            listening_buckets,
            and_(
                listening_buckets.c.article_id == listening.c.article_id,
                listening_buckets.c.version == listening.c.version,
                listening_buckets.c.day == listening.c.day,
            ),
        )
        with self.read() as db:
            rows = db.execute(select(listening).select_from(joined).where(where)).all()
            reached = db.execute(
                select(
                    listening_buckets.c.article_id,
                    listening_buckets.c.version,
                    listening_buckets.c.day,
                    listening_buckets.c.bucket,
                    listening_buckets.c.reached,
                )
                .select_from(bucket_join)
                .where(where)
            ).all()
        buckets: dict[tuple[str, int, str], dict[int, int]] = {}
        for found in reached:
            buckets.setdefault((found.article_id, found.version, found.day), {})[found.bucket] = found.reached
        return [
            Row(
                article_id=row.article_id,
                version=row.version,
                day=row.day,
                **{name: getattr(row, name) for name in COUNTS},
                listeners=row.listeners,
                buckets=buckets.get((row.article_id, row.version, row.day), {}),
            )
            for row in rows
        ]

    def listening_host_counts(
        self, article_id: str, start: str | None = None, end: str | None = None
    ) -> list[tuple[str, int, int]]:
        """The hosts of the pages the article's player was on: (host, loads, plays), most first."""
        conditions = [listening_hosts.c.article_id == article_id]
        if start:
            conditions.append(listening_hosts.c.day >= start)
        if end:
            conditions.append(listening_hosts.c.day <= end)
        totals: dict[str, list[int]] = {}
        with self.read() as db:
            for row in db.execute(select(listening_hosts).where(*conditions)):
                counts = totals.setdefault(row.host, [0, 0])
                counts[0] += row.loads
                counts[1] += row.plays
        return sorted(((host, *counts) for host, counts in totals.items()), key=lambda t: (-t[1], t[0]))  # type: ignore[misc]

    def article_titles(self, article_ids: list[str]) -> dict[str, tuple[str, str | None]]:
        """Titles and sites of the articles, by id."""
        with self.read() as db:
            rows = db.execute(
                select(articles.c.id, articles.c.article, articles.c.site).where(
                    articles.c.id.in_(article_ids)
                )
            ).all()
        return {row.id: (json.loads(row.article).get("title") or "", row.site) for row in rows}


def _salts_before(day: str) -> Delete:
    return delete(listening_salts).where(listening_salts.c.day < day)
