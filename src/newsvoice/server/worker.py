"""`newsvoice worker`: narration jobs from a Redis queue, for when one machine is not enough.

The queue is RQ's: Redis is all it needs, which newsvoice's deployments have anyway, and a
`SimpleWorker` runs jobs in its own process, where the voice stays loaded (Celery's prefork
pool and its separate beat process buy nothing here). RQ only delivers job ids; the job's
state and its lease are in the database, so a message delivered twice narrates once, and a
worker that dies mid-job (SIGKILL, a lost machine) leaves it to the others' dispatchers.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from redis import Redis
from rq import Queue, SimpleWorker

from ..errors import NewsvoiceError
from ..runtime import Runtime

log = logging.getLogger(__name__)

QUEUE = "newsvoice"
JOB_TIMEOUT = 6 * 3600
"""RQ's own limit on a job: far over any narration, for a worker that hangs."""
FAILURE_TTL = 7 * 24 * 3600
NEEDS_QUEUE = "a worker needs a queue: --queue redis://HOST:6379/0 (or NEWSVOICE_QUEUE)"

_narrator = None
"""The worker process's narrator (see `work`): messages are run by it."""


class QueueError(NewsvoiceError):
    """Redis cannot be reached."""


class RedisQueue:
    """Jobs handed to `newsvoice worker` processes through Redis."""

    def __init__(self, url: str) -> None:
        self.queue = Queue(QUEUE, connection=_connect(url))

    def enqueue(self, job_id: str) -> None:
        self.queue.enqueue(
            run_job,
            job_id,
            job_timeout=JOB_TIMEOUT,
            result_ttl=0,
            failure_ttl=FAILURE_TTL,
            description=f"narrate job {job_id}",
        )


def run_job(job_id: str) -> None:
    """What a queue message runs, in a worker process."""
    if _narrator is None:
        raise RuntimeError("run by `newsvoice worker`, which loads the voice first")
    _narrator.run(job_id)


def work(runtime: Runtime, burst: bool = False, name: str | None = None) -> None:
    """Take jobs from the queue until stopped (or, BURST, until it is empty): load the voice
    once, and dispatch jobs too (recovering those of workers that died)."""
    global _narrator
    from .jobs import Dispatcher, Narrator
    from .store import Store
    from .streams import RedisStreams

    settings = runtime.service
    if not settings.queue:
        raise QueueError(NEEDS_QUEUE)
    settings.audio_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.store_url, migrate=True)
    jobs = RedisQueue(settings.queue)
    _narrator = Narrator(runtime, store, RedisStreams(settings.queue))
    _narrator.prepare()
    dispatcher = Dispatcher(store, jobs, settings)
    dispatcher.start()
    worker = SimpleWorker([jobs.queue], connection=jobs.queue.connection, name=name)
    try:
        worker.work(burst=burst, logging_level="WARNING", with_scheduler=False)
    finally:
        dispatcher.stop()
        store.close()


def shown_queue(url: str) -> str:
    """The queue's URL as it may be shown or logged: without its password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _connect(url: str) -> Redis:
    try:
        connection = Redis.from_url(url)
        connection.ping()
    except Exception as error:  # redis raises ValueError for a bad URL, ConnectionError when down
        raise QueueError(f"cannot reach the queue at {url}: {error}") from None
    return connection
