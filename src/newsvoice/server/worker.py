"""`newsvoice worker`: narration jobs from a Redis queue, for when one machine is not enough.

The queue is RQ's: Redis is all it needs, which newsvoice's deployments have anyway, and a
`SimpleWorker` runs jobs in its own process, where the voice stays loaded (Celery's prefork
pool and its separate beat process buy nothing here). RQ only delivers job ids; the job's
state and its lease are in the database, so a message delivered twice narrates once, and a
worker that dies mid-job (SIGKILL, a lost machine) leaves it to the others' dispatchers.

Redis may go away and come back (see `outage`): the worker waits for it, its voice loaded, and
a narration under way goes on (its lease is renewed in the database; its live stream resumes
when Redis is back). A worker's name (`--name`) is its own while it lives: a worker started
with the name of one that was killed takes it over, and one started with the name of a live
worker is refused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from redis import Redis
from redis.exceptions import RedisError, ResponseError
from rq import Queue, SimpleWorker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job as Message

from ..errors import NewsvoiceError
from ..runtime import Runtime
from .jobs import QueueUnreachable
from .outage import UNREACHABLE, Backoff, PatientRetry, connect, outage, process_name
from .outage import shown_url as shown_queue

log = logging.getLogger(__name__)

QUEUE = "newsvoice"
JOB_TIMEOUT = 6 * 3600
"""RQ's own limit on a job: far over any narration, for a worker that hangs."""
FAILURE_TTL = 7 * 24 * 3600
NEEDS_QUEUE = "a worker needs a queue: --queue redis://HOST:6379/0 (or NEWSVOICE_QUEUE)"
ALIVE_TTL = 15
"""Seconds a worker's name stays taken after its process last said it lives (it says so every
ALIVE_TTL / 3 s): a worker killed without a word (SIGKILL) leaves its name free after this
long, or at once to a worker started on the same machine, which can see the process is gone."""
MARKER_TTL = 24 * 3600
"""Seconds the mark that this Redis's messages were checked is kept (then they are checked again)."""
LIVE = frozenset({"queued", "started", "deferred", "scheduled"})
"""The states of an RQ job whose message is to be run, or is being run."""

_narrator = None
"""The worker process's narrator (see `work`): messages are run by it."""


class QueueError(NewsvoiceError):
    """Redis cannot be reached, or a worker's name is taken."""


class RedisQueue:
    """Jobs handed to `newsvoice worker` processes through Redis. Each message is named after
    its job, so that the dispatcher can tell which jobs Redis still holds."""

    def __init__(self, url: str) -> None:
        self.connection = _connect(url)
        self.queue = Queue(QUEUE, connection=self.connection)
        self._outage = outage(shown_queue(url))

    def enqueue(self, job_id: str) -> None:
        with self._reaching():
            self.queue.enqueue(
                run_job,
                job_id,
                job_id=_message_id(job_id),
                job_timeout=JOB_TIMEOUT,
                result_ttl=0,
                failure_ttl=FAILURE_TTL,
                description=f"narrate job {job_id}",
            )

    def waiting(self, job_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self._reaching():
            for start in range(0, len(job_ids), 1000):
                batch = job_ids[start : start + 1000]
                with self.connection.pipeline(transaction=False) as pipeline:
                    for job_id in batch:
                        pipeline.hget(Message.key_for(_message_id(job_id)), "status")
                    states = pipeline.execute()
                found.update(
                    j for j, state in zip(batch, states, strict=True) if state and state.decode() in LIVE
                )
        return found

    def forgot(self) -> bool:
        """Whether this Redis is new to the dispatchers (another server, or restarted: its run
        id changed) or lost its keys (flushed): marked by the first to ask, which answers True."""
        with self._reaching():
            try:
                run_id = self.connection.info("server").get("run_id", "")
            except ResponseError:  # INFO is not allowed here: a flush is noticed, not a restart
                run_id = ""
            return bool(
                self.connection.set(f"newsvoice:checked:{run_id}", process_name(), nx=True, ex=MARKER_TTL)
            )

    @contextlib.contextmanager
    def _reaching(self) -> Iterator[None]:
        try:
            yield
        except UNREACHABLE as error:
            self._outage.failed(error)
            raise QueueUnreachable(f"cannot reach the queue: {error}") from None
        self._outage.back()


def run_job(job_id: str) -> None:
    """What a queue message runs, in a worker process."""
    if _narrator is None:
        raise RuntimeError("run by `newsvoice worker`, which loads the voice first")
    _narrator.run(job_id)


class _Worker(SimpleWorker):
    """RQ's worker on a connection that waits for Redis (`PatientRetry`): an outage pauses its
    loop rather than ending it. RQ's own books of a job run (its registries, the job's hash)
    are kept as well as Redis allows: the database has the job's."""

    def __init__(self, *args: Any, patience: PatientRetry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._patience = patience

    def request_stop(self, signum: int, frame: Any) -> None:
        self._patience.give_up()  # stopping: Redis is not waited for any more
        with contextlib.suppress(*UNREACHABLE):
            super().request_stop(signum, frame)

    def _pubsub_exception_handler(self, exc: Exception, pubsub: Any, pubsub_thread: Any) -> None:
        if not isinstance(exc, UNREACHABLE):
            super()._pubsub_exception_handler(exc, pubsub, pubsub_thread)
        time.sleep(1)  # its connection waits for Redis: this is the worker stopping meanwhile

    def handle_job_success(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> None:
        with _books(job):
            super().handle_job_success(job, queue, *args, **kwargs)

    def handle_job_failure(self, job: Any, *args: Any, **kwargs: Any) -> None:
        with _books(job):
            super().handle_job_failure(job, *args, **kwargs)

    def perform_job(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> bool:
        with _books(job):
            return super().perform_job(job, queue, *args, **kwargs)
        return False


@contextlib.contextmanager
def _books(job: Any) -> Iterator[None]:
    """Keep RQ's books of JOB's run as well as Redis allows: a Redis that restarted meanwhile
    has lost the message's keys, and RQ cannot find what it is to update."""
    try:
        yield
    except (RedisError, InvalidJobOperation, NoSuchJobError) as error:
        log.debug("RQ's books of message %s not kept: %r", job.id, error)


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
    _wait_for(settings.queue)  # a worker may start before Redis, or while it restarts
    jobs = RedisQueue(settings.queue)
    patience = PatientRetry(outage(shown_queue(settings.queue)))
    connection = connect(settings.queue, retry=patience, socket_timeout=None)  # RQ sets its own
    worker = _Worker(
        [Queue(QUEUE, connection=connection)], connection=connection, name=name, patience=patience
    )
    settings.audio_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.store_url, migrate=True)
    dispatcher = Dispatcher(store, jobs, settings)
    alive = _Alive(jobs.connection, worker)
    try:
        alive.claim()  # before the voice is loaded: a second worker of a name is refused at once
        _narrator = Narrator(runtime, store, RedisStreams(settings.queue))
        _narrator.prepare()
        dispatcher.start()
        worker.work(burst=burst, logging_level="WARNING", with_scheduler=False)
    except UNREACHABLE as error:  # stopped while Redis was away: RQ could not say so there
        log.warning("worker %s stopped without telling Redis, which is unreachable (%s)", worker.name, error)
    finally:
        dispatcher.stop()
        alive.release()
        store.close()


class _Alive:
    """A worker's claim to its name, renewed while it lives, in Redis (`newsvoice:worker:NAME`,
    which says the host and process holding it)."""

    def __init__(self, connection: Redis, worker: SimpleWorker) -> None:
        self._redis = connection
        self._worker = worker
        self._key = f"newsvoice:worker:{worker.name}"
        self._me = process_name()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="newsvoice-alive", daemon=True)

    def claim(self) -> None:
        """Take the name, unless a live worker has it (QueueError); clean up after a worker of
        this name that was killed (RQ would refuse the name until its registration expired)."""
        try:
            if not self._redis.set(self._key, self._me, nx=True, ex=ALIVE_TTL):
                holding = self._redis.get(self._key)  # None: it lapsed just now
                holder = _text(holding)
                if holding is not None and not _gone(holder):
                    raise QueueError(
                        f"a worker named {self._worker.name!r} is running ({holder}), or was until "
                        f"less than {ALIVE_TTL} s ago: stop it, or give this one another --name"
                    )
                self._redis.set(self._key, self._me, ex=ALIVE_TTL)
            registered = self._redis.hgetall(self._worker.key)
            if registered and b"death" not in registered:
                # RQ's record of the name's last worker, which stopped without saying so
                host, pid = _text(registered.get(b"hostname")), _text(registered.get(b"pid"))
                log.warning(
                    "worker %s: the last worker of this name (process %s on %s) stopped without "
                    "saying so (killed?): taking over its name",
                    self._worker.name,
                    pid,
                    host,
                    extra={"event": "worker_name_taken_over", "worker": self._worker.name},
                )
                stale = SimpleWorker.find_by_key(self._worker.key, connection=self._redis)
                if stale is not None:
                    stale.register_death()
        except UNREACHABLE as error:
            raise QueueError(f"cannot reach the queue: {error}") from None
        self._thread.start()

    def release(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with contextlib.suppress(RedisError):
            if self._redis.get(self._key) == self._me.encode():
                self._redis.delete(self._key)

    def _renew(self) -> None:
        while not self._stop.wait(ALIVE_TTL / 3):
            with contextlib.suppress(RedisError):  # Redis is away: the outage is logged elsewhere
                self._redis.set(self._key, self._me, ex=ALIVE_TTL)


def _wait_for(url: str) -> None:
    """Wait until Redis at URL answers (saying so once, if it does not at first)."""
    try:
        connection = connect(url)
    except ValueError as error:
        raise QueueError(f"cannot reach the queue at {shown_queue(url)}: {error}") from None
    backoff, away = Backoff(), outage(shown_queue(url))
    with connection:
        while True:
            try:
                connection.ping()
            except UNREACHABLE as error:
                away.failed(error)
                time.sleep(backoff.failed())
            else:
                away.back()
                return


def _gone(holder: str) -> bool:
    """Whether the process HOLDER ("host/pid") is known to have ended: it ran on this machine,
    and no such process runs (or it is this one, started again in the same container)."""
    host, _, pid = holder.rpartition("/")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process
        return False
    return False


def _text(value: bytes | str | None) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value or "?"


def _message_id(job_id: str) -> str:
    return f"newsvoice-{job_id}"


def _connect(url: str) -> Redis:
    try:
        connection = connect(url)
        connection.ping()
    except Exception as error:  # redis raises ValueError for a bad URL, ConnectionError when down
        raise QueueError(f"cannot reach the queue at {url}: {error}") from None
    return connection
