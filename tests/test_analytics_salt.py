"""The salt of the day that listeners are hashed with: one for every process on a database
(servers, uvicorn workers, a restart), so that a listener counts once a day, and deleted once
its day is over. On SQLite and on the real PostgreSQL."""

from __future__ import annotations

import calendar
import dataclasses
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import postgres_database, service_runtime
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsvoice import analytics
from newsvoice.analytics import Audience, Batch, DaySalt, Event
from newsvoice.article import Article, Block
from newsvoice.server import create_app
from newsvoice.server.schema import listening_salts
from newsvoice.server.store import Store

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
DAY = "2026-03-14"
NEXT_DAY = "2026-03-15"
PLAY = Batch("", 1, "news.example", False, 0.0, (Event("load", 0, 1), Event("play", 0, 1)))


def noon(day: str) -> float:
    return calendar.timegm((*map(int, day.split("-")), 12, 0, 0))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database's URL, its schema made."""
    if request.param == "sqlite":
        url = str(tmp_path / "newsvoice.sqlite3")
        Store(url, migrate=True).close()
        yield url
    else:
        with postgres_database() as url:
            Store(url, migrate=True).close()
            yield url


@pytest.fixture
def stores(database: str) -> Iterator[list[Store]]:
    """Four stores on one database: four processes' connection pools."""
    opened = [Store(database) for _ in range(4)]
    yield opened
    for store in opened:
        store.close()


def salts(store: Store) -> dict[str, bytes]:
    with store.read() as db:
        return {row.day: row.salt for row in db.execute(select(listening_salts))}


def audience(store: Store) -> Audience:
    """A process's listening figures on STORE."""
    return Audience(store.listenable, store.add_listening, store.listener_salt, rate=0)


def listeners(store: Store, article_id: str) -> int:
    return analytics.figures(store.listening_rows(article_id=article_id))["listeners"]


def test_a_listener_served_by_two_processes_counts_once(stores: list[Store]) -> None:
    first, second = stores[:2]
    article_id = first.submit(Article("A title", (Block("p", "Some words."),)), None, []).record.id
    play = dataclasses.replace(PLAY, article=article_id)
    processes = [audience(first), audience(second)]
    for process in processes:  # one person's page views, each batch taken by another process
        process.count(play, {1: 60.0}, "203.0.113.7", BROWSER)
        process.flush()
    assert listeners(first, article_id) == 1
    processes[1].count(play, {1: 60.0}, "198.51.100.2", BROWSER)  # someone else
    processes[1].flush()
    assert listeners(first, article_id) == 2
    restarted = audience(second)  # a process started mid-day hashes as the others do
    restarted.count(play, {1: 60.0}, "203.0.113.7", BROWSER)
    restarted.flush()
    assert listeners(first, article_id) == 2


def test_a_new_day_has_a_new_salt_and_the_past_days_are_deleted(stores: list[Store]) -> None:
    first, second = stores[:2]
    salt = first.listener_salt(DAY)
    assert len(salt) == analytics.SALT_BYTES and second.listener_salt(DAY) == salt
    assert second.listener_salt(NEXT_DAY) not in (salt, b"")
    assert list(salts(first)) == [NEXT_DAY]
    assert first.listener_salt(NEXT_DAY) == second.listener_salt(NEXT_DAY)


def asked_at_once(stores: list[Store], day: str) -> list[bytes]:
    """DAY's salt, asked by every one of STORES at the same moment."""
    together = threading.Barrier(len(stores))

    def ask(store: Store) -> bytes:
        together.wait()
        return store.listener_salt(day)

    with ThreadPoolExecutor(len(stores)) as pool:
        return list(pool.map(ask, stores))


def test_processes_asking_at_once_get_one_salt(stores: list[Store]) -> None:
    for day in (DAY, NEXT_DAY):  # a first day, then a day whose asking deletes the first's
        answers = asked_at_once(stores, day)
        assert len(set(answers)) == 1
        assert salts(stores[0]) == {day: answers[0]}


def test_a_flush_on_a_new_day_deletes_the_past_salt_without_a_play(stores: list[Store]) -> None:
    process = audience(stores[0])
    process.counter.count(PLAY, 60.0, "203.0.113.7", now=noon(DAY))
    assert list(salts(stores[0])) == [DAY]
    process.flush(now=noon(NEXT_DAY))  # a quiet day: no one played yet
    assert list(salts(stores[0])) == [NEXT_DAY]


def test_the_salt_is_asked_of_the_store_once_a_day() -> None:
    asked: list[str] = []
    salt = DaySalt(lambda day: asked.append(day) or day.encode())
    assert not salt.known(DAY)
    assert salt.of(DAY) == salt.of(DAY) == DAY.encode() and salt.known(DAY)
    assert salt.of(NEXT_DAY) == NEXT_DAY.encode() and not salt.known(DAY)
    assert asked == [DAY, NEXT_DAY]


def test_a_service_started_with_analytics_off_keeps_no_past_salt(tmp_path: Path) -> None:
    runtime = service_runtime(data_dir=tmp_path / "server", analytics=False)
    store = Store(runtime.service.store_url, migrate=True)
    store.listener_salt(DAY)
    with TestClient(create_app(runtime)):
        assert salts(store) == {}
    store.close()
