"""Handing jobs to the queue: while Redis is away, after it lost its messages, and long after."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from conftest import redis_database

from newsvoice.article import Article, Block
from newsvoice.server.jobs import Dispatcher, QueueUnreachable
from newsvoice.server.store import Store
from newsvoice.server.streams import RedisStreams
from newsvoice.server.worker import RedisQueue
from newsvoice.settings import ServiceSettings


def article(number: int) -> Article:
    return Article(title=f"Ferry {number}", blocks=(Block("paragraph", f"The ferry leaves at {number}."),))


class Queue:
    """A queue that holds what it is given, until it forgets it all (Redis restarted empty),
    and that can be unreachable."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.held: set[str] = set()
        self.down = False
        self.forgets = False

    def enqueue(self, job_id: str) -> None:
        self._reach()
        self.sent.append(job_id)
        self.held.add(job_id)

    def waiting(self, job_ids: Sequence[str]) -> set[str]:
        self._reach()
        return self.held & set(job_ids)

    def forgot(self) -> bool:
        self._reach()
        forgot, self.forgets = self.forgets, False
        return forgot

    def _reach(self) -> None:
        if self.down:
            raise QueueUnreachable("cannot reach the queue: connection refused")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "newsvoice.sqlite3", migrate=True)
    yield store
    store.close()


def test_jobs_queued_while_the_queue_is_away_are_handed_over_once_it_is_back(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("newsvoice.server.outage.FIRST_WAIT", 0.2)
    queue = Queue()
    dispatcher = Dispatcher(store, queue, ServiceSettings(data_dir=tmp_path))
    queue.down = True
    jobs = [store.submit(article(n), None, []).job.id for n in (1, 2)]
    assert dispatcher.dispatch() == 0
    queue.down = False
    assert dispatcher.dispatch() == 0  # not tried again before its wait is over
    time.sleep(0.25)
    assert dispatcher.dispatch() == 2 and queue.sent == jobs
    assert dispatcher.dispatch() == 0


def test_messages_the_queue_lost_are_handed_over_again_once(store: Store, tmp_path: Path) -> None:
    queue = Queue()
    dispatcher = Dispatcher(store, queue, ServiceSettings(data_dir=tmp_path))
    jobs = [store.submit(article(n), None, []).job.id for n in (1, 2, 3)]
    assert dispatcher.dispatch() == 3
    assert store.claim(jobs[0], "host/1/a", lease=60)  # taken: not the queue's any more
    queue.held, queue.forgets = {jobs[1]}, True  # Redis restarted, and has only the second
    assert dispatcher.dispatch() == 1 and queue.sent[3:] == [jobs[2]]
    assert dispatcher.dispatch() == 0


def test_a_job_long_in_the_queue_is_handed_over_again_only_if_its_message_is_gone(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("newsvoice.server.jobs.STALE", 0.1)
    queue = Queue()
    dispatcher = Dispatcher(store, queue, ServiceSettings(data_dir=tmp_path))
    jobs = [store.submit(article(n), None, []).job.id for n in (1, 2)]
    assert dispatcher.dispatch() == 2
    time.sleep(0.15)
    assert dispatcher.dispatch() == 0  # still waiting there: no second message
    queue.held.discard(jobs[0])
    time.sleep(0.15)
    assert dispatcher.dispatch() == 1 and queue.sent[2:] == [jobs[0]]


def test_redis_says_which_messages_it_holds_and_when_it_lost_them() -> None:
    with redis_database() as url:
        queue = RedisQueue(url)
        assert queue.forgot() and not queue.forgot()  # the first to ask checks; the others need not
        queue.enqueue("job-1")
        queue.enqueue("job-2")
        assert queue.waiting(["job-1", "job-2", "job-3"]) == {"job-1", "job-2"}
        queue.connection.flushdb()
        assert queue.forgot() and queue.waiting(["job-1", "job-2"]) == set()
        queue.connection.close()


def test_a_live_stream_redis_lost_is_written_again_from_its_start() -> None:
    with redis_database() as url:
        streams = RedisStreams(url)
        writer = streams.start("a1")
        writer.write(b"one")
        streams._redis.delete("newsvoice:stream:a1")  # Redis restarted without it
        writer.write(b"two")
        writer.write(b"three")
        entries = [fields for _, fields in streams._redis.xrange("newsvoice:stream:a1")]
        assert entries == [{b"start": b""}, {b"data": b"one"}, {b"data": b"two"}, {b"data": b"three"}]
