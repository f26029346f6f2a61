"""Narration jobs: queued, claimed under a lease, renewed, finished, failed and retried.

Jobs are leased: a worker that claims one holds it until its lease lapses, and renews the
lease while it works. A worker that dies (SIGKILL, a lost machine) lets its lease lapse, and
the job is queued again; every write a worker makes for its job checks it still holds it, so a
job that was taken over is published once, by whoever finishes it while holding it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, and_, exists, func, insert, or_, select, update

from ...article import Article
from ..schema import jobs
from .database import Database, new_id
from .versions import Version, publish

JobStatus = Literal["queued", "running", "done", "failed"]


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
    previous_errors: tuple[str, ...] = ()
    """Each failed try's error, oldest first: the history (`error` is its status's: why it
    failed, or why its last try failed while it waits to retry; None once done)."""


JOB_FIELDS = [field.name for field in dataclasses.fields(Job)]


class Jobs(Database):
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
                .values(
                    status="done",
                    finished=now,
                    done=jobs.c.total,
                    lease=None,
                    error=None,
                    warnings=_json(warnings),
                )
            )
            if not db.execute(done).rowcount:
                return None
            _hand_over_next(db, job.article_id)
            published = (article, script, duration, findings, warnings)
            return publish(db, job.article_id, job.id, *published, now)

    def fail(self, job: Job, error: str, max_attempts: int, backoff: float) -> Job | None:
        """Record JOB's failure: queued again after BACKOFF * 2**(attempts-1) seconds while it
        has tries left, else failed for good (the dead letter) with ERROR. None if another
        worker took it over (or its article was deleted).

        A failure that could not be recorded at once (the database's disk was full) is still
        JOB's to record after its lease lapsed and `recover` queued or failed it as its
        worker's death, as long as no worker has claimed it since: the real cause replaces
        "its worker stopped"."""
        now = time.time()
        if job.attempts < max_attempts:
            values = {"status": "queued", "not_before": now + backoff * 2 ** (job.attempts - 1)}
        else:
            values = {"status": "failed", "finished": now}
        with self.transaction() as db:
            row = db.execute(
                update(jobs)
                .where(or_(and_(*_held(job)), and_(*_recovered(job))))
                .values(
                    error=error,
                    previous_errors=_json((*job.previous_errors, error)),
                    worker=None,
                    lease=None,
                    **values,
                )
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
            return queue_job(db, job.article_id, time.time())

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
            for row in (*failed, *queued):  # the history of each: this try's error added
                stopped = (*found[row.id].previous_errors, "its worker stopped")
                db.execute(update(jobs).where(jobs.c.id == row.id).values(previous_errors=_json(stopped)))
        return [found[row.id] for row in queued], [found[row.id] for row in failed]

    def due(self, stale: float | None) -> list[str]:
        """Queued jobs to hand to the queue: never handed over, ready to retry, or (STALE given)
        handed over more than STALE seconds ago (a message may be lost when a server stops)."""
        now = time.time()
        handed = [
            jobs.c.enqueued.is_(None),
            and_(jobs.c.not_before.isnot(None), jobs.c.enqueued < jobs.c.not_before),
        ]
        if stale is not None:
            handed.append(jobs.c.enqueued < now - stale)
        return self._hand(now, or_(*handed))

    def stale(self, seconds: float) -> list[str]:
        """Queued jobs handed to the queue more than SECONDS ago, not taken since: to look for in
        the queue. Each is marked handed over now, so that it is looked for once, by one caller."""
        now = time.time()
        return self._hand(now, jobs.c.enqueued.isnot(None), jobs.c.enqueued < now - seconds)

    def _hand(self, now: float, *where: Any) -> list[str]:
        """Mark the queued jobs that are ready and match WHERE as handed over now: their ids,
        oldest first."""
        with self.transaction(counted=False) as db:
            rows = db.execute(
                update(jobs)
                .where(
                    jobs.c.status == "queued",
                    or_(jobs.c.not_before.is_(None), jobs.c.not_before <= now),
                    *where,
                )
                .values(enqueued=now)
                .returning(jobs.c.id, jobs.c.created)
            ).all()
        return [row.id for row in sorted(rows, key=lambda row: row.created)]

    def handed_over(self) -> list[str]:
        """The queued jobs handed to the queue (and not taken since)."""
        with self.read() as db:
            rows = db.execute(select(jobs.c.id).where(jobs.c.status == "queued", jobs.c.enqueued.isnot(None)))
            return [row.id for row in rows]

    def hand_over_again(self, job_ids: Sequence[str]) -> None:
        """Mark JOB_IDS as never handed over (their messages were lost, or never sent): the next
        `due` answers those still queued."""
        for start in range(0, len(job_ids), 1000):
            with self.transaction(counted=False) as db:
                db.execute(
                    update(jobs)
                    .where(jobs.c.id.in_(job_ids[start : start + 1000]), jobs.c.status == "queued")
                    .values(enqueued=None)
                )


def queue_job(db: Connection, article_id: str, now: float) -> Job:
    """A new queued job, unless one is waiting already: it will narrate the latest text."""
    row = db.execute(select(jobs).where(jobs.c.article_id == article_id, jobs.c.status == "queued")).first()
    if row is None:
        row = db.execute(
            insert(jobs)
            .values(id=new_id(), article_id=article_id, status="queued", created=now)
            .returning(*jobs.c)
        ).one()
    return _job(row)


def latest_job(db: Connection, article_id: str) -> Job | None:
    row = db.execute(
        select(jobs)
        .where(jobs.c.article_id == article_id)
        .order_by(jobs.c.created.desc(), jobs.c.id.desc())
        .limit(1)
    ).first()
    return _job(row) if row else None


def _held(job: Job) -> tuple:
    """The conditions under which JOB's worker still holds it."""
    return (jobs.c.id == job.id, jobs.c.status == "running", jobs.c.worker == job.worker)


def _recovered(job: Job) -> tuple:
    """The conditions under which JOB, as claimed, was found with its lease lapsed (`recover`)
    and has not been claimed since: a claim counts an attempt and sets when it started."""
    return (
        jobs.c.id == job.id,
        jobs.c.status.in_(("queued", "failed")),
        jobs.c.worker.is_(None),
        jobs.c.attempts == job.attempts,
        jobs.c.started == job.started,
    )


def _hand_over_next(db: Connection, article_id: str) -> None:
    """A job that ends frees its article: its next job (an edit made meanwhile, which the queue
    offered while the article was busy) is to be handed to the queue again."""
    db.execute(
        update(jobs).where(jobs.c.article_id == article_id, jobs.c.status == "queued").values(enqueued=None)
    )


def _job(row: Any) -> Job:
    return job_of({name: getattr(row, name) for name in JOB_FIELDS})


def job_of(fields: dict[str, Any]) -> Job:
    """A Job from its row's FIELDS (its warnings stored as JSON)."""
    lists = {name: tuple(json.loads(fields[name] or "[]")) for name in ("warnings", "previous_errors")}
    return Job(**fields | lists)


def _json(strings: Sequence[str]) -> str | None:
    return json.dumps(list(strings), ensure_ascii=False) if strings else None
