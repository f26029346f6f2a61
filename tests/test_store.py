"""The store on SQLite and on the real PostgreSQL: migrations, submissions, leases, versions."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import postgres_database
from sqlalchemy import create_engine, delete, inspect, text

from newsvoice.article import Article, Block
from newsvoice.server.migrations import FIRST, current, head, upgrade
from newsvoice.server.schema import articles, metadata
from newsvoice.server.store import Store, StoreError, database_url, schema_revision, shown_url
from newsvoice.server.versions import diff_sentences

TEXT = Article(title="Ferry times", blocks=(Block("paragraph", "The ferry leaves at nine from the pier."),))
EDITED = Article(title="Ferry times", blocks=(Block("paragraph", "The ferry leaves at ten from the pier."),))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        store = Store(tmp_path / "newsvoice.sqlite3", migrate=True)
        yield store
        store.close()
    else:
        with postgres_database() as url:
            store = Store(url, migrate=True)
            yield store
            store.close()


def test_migrations_from_empty_make_the_schema_the_code_uses(store: Store) -> None:
    assert current(store.engine) == head()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _not_search})
        differences = compare_metadata(context, metadata)
    assert differences == []


def _not_search(name: str | None, kind: str, parent: object) -> bool:
    """Search indexes are each database's own (FTS5 tables, a GIN index), not in `metadata`."""
    return not (name or "").startswith(("search", "articles_search"))


def test_a_database_from_before_migrations_is_upgraded_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:  # newsvoice 0.1's schema, made without Alembic
        old.executescript(Path(__file__).with_name("cases").joinpath("schema-0.1.sql").read_text())
        old.execute(
            "INSERT INTO articles (id, url, site, tags, article, created, updated)"
            " VALUES ('old1', 'https://x.example/a', 'x.example', '[]', ?, 1, 1)",
            ('{"title": "Old", "blocks": [{"kind": "paragraph", "text": "Kept."}]}',),
        )
    store = Store(path, migrate=True)
    assert current(store.engine) == head()
    assert store.article("old1").article.title == "Old"
    assert [r.id for r in store.articles(url="http://www.x.example/a/")[0]] == ["old1"]  # keyed as upgraded
    store.close()


def test_only_a_store_opened_to_migrate_creates_or_upgrades_the_database(tmp_path: Path) -> None:
    path = tmp_path / "data" / "newsvoice.sqlite3"
    with pytest.raises(StoreError) as refused:
        Store(path)
    assert str(refused.value) == f"there is no database at {path}: run `newsvoice db upgrade` to create it"
    assert not (tmp_path / "data").exists()  # nothing made, not even its directory

    path.parent.mkdir()
    engine = create_engine(database_url(path))
    upgrade(engine, FIRST)  # as an older newsvoice left it
    with pytest.raises(StoreError) as refused:
        Store(path)
    assert str(refused.value) == (
        f"the database at {path} is at revision {FIRST}, this newsvoice needs {head()}:"
        " run `newsvoice db upgrade`"
    )
    assert schema_revision(path) == FIRST
    Store(path, migrate=True).close()
    assert schema_revision(path) == head()
    Store(path).close()  # up to date: opened as it is

    with engine.begin() as connection:  # as a newer newsvoice leaves it
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for migrate in (False, True):
        with pytest.raises(StoreError, match="at revision 9999, which this newsvoice does not know"):
            Store(path, migrate=migrate)
    assert schema_revision(path) == "9999"


def test_an_empty_postgresql_database_is_left_empty_unless_migrated() -> None:
    with postgres_database() as url:
        with pytest.raises(StoreError) as refused:
            Store(url)
        assert str(refused.value) == (
            f"the database at {shown_url(url)} is at revision none, this newsvoice needs {head()}:"
            " run `newsvoice db upgrade`"
        )
        engine = create_engine(database_url(url))
        assert inspect(engine).get_table_names() == []
        engine.dispose()
        Store(url, migrate=True).close()
        Store(url).close()


def test_the_parts_of_the_store_name_each_method_once() -> None:
    """`Store` mixes its parts into one class: a name two parts defined would hide one of them."""
    parts = Store.__mro__[1:-1]
    names = [name for part in parts for name in vars(part) if not name.startswith("__")]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []


def test_the_same_text_is_narrated_once(store: Store) -> None:
    first = store.submit(TEXT, "https://x.example/ferry", ["a"])
    again = store.submit(TEXT, "https://x.example/ferry", ["a", "b"])
    assert first.queued and not again.queued and again.job.id == first.job.id
    assert again.record.tags == ("a", "b")  # tags follow; the narration does not repeat
    by_text = store.submit(TEXT, None, []), store.submit(TEXT, None, [])
    assert by_text[0].record.id == by_text[1].record.id != first.record.id


def test_an_article_deleted_while_it_is_submitted_again_is_made_anew() -> None:
    """The submission waits for the deletion, and answers with the article it made, never with
    the record of one no longer there (PostgreSQL; SQLite's writes wait for each other)."""
    with postgres_database() as url:
        store = Store(url, migrate=True)
        first = store.submit(TEXT, "https://x.example/gone", [])
        answers: list = []
        with store.engine.connect() as deleting:
            deleting.execute(delete(articles).where(articles.c.id == first.record.id))
            again = threading.Thread(target=lambda: answers.append(store.submit(TEXT, first.record.url, [])))
            again.start()
            time.sleep(0.5)  # it reaches the row the deletion holds, and waits
            deleting.commit()
        again.join()
        store.close()
    [submitted] = answers
    assert submitted.queued and submitted.record.id != first.record.id
    assert submitted.record.url == first.record.url and submitted.job.article_id == submitted.record.id


def test_concurrent_submissions_of_one_article_make_one_job(store: Store) -> None:
    results, barrier = [], threading.Barrier(6)

    def submit() -> None:
        barrier.wait()
        results.append(store.submit(TEXT, "https://x.example/same", []))

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.record.id for r in results}) == 1 and len({r.job.id for r in results}) == 1
    assert sum(r.queued for r in results) == 1


def test_a_lease_fences_a_worker_taken_for_dead(store: Store) -> None:
    job = store.submit(TEXT, None, []).job
    assert store.due(stale=60) == [job.id] and store.due(stale=60) == []  # handed over once
    mine = store.claim(job.id, "worker-a", lease=0.2)
    assert mine and mine.attempts == 1 and store.claim(job.id, "worker-b", lease=5) is None
    time.sleep(0.3)
    requeued, failed = store.recover(max_attempts=3)
    assert [(j.id, j.worker) for j in requeued] == [(job.id, "worker-a")] and failed == []  # as it was
    theirs = store.claim(job.id, "worker-b", lease=5)
    assert theirs and theirs.attempts == 2
    assert not store.progress(mine, 1, 2, lease=5)  # the first worker learns it lost the job
    assert store.finish(mine, TEXT, [], 1.0, []) is None
    version = store.finish(theirs, TEXT, [{"text": "x"}], 1.0, [])
    assert version and version.number == 1
    assert [v.job_id for v in store.versions(job.article_id)] == [job.id]


def test_failures_are_retried_then_dead_lettered(store: Store) -> None:
    job = store.submit(TEXT, None, []).job
    first = store.claim(job.id, "w", lease=5)
    retry = store.fail(first, "boom", max_attempts=2, backoff=0.1)
    assert retry.status == "queued" and retry.error == "boom"
    assert store.claim(job.id, "w", lease=5) is None  # not before its backoff
    time.sleep(0.15)
    assert store.due(stale=60) == [job.id]
    second = store.claim(job.id, "w", lease=5)
    dead = store.fail(second, "boom again", max_attempts=2, backoff=0.1)
    assert dead.status == "failed" and dead.attempts == 2 and dead.error == "boom again"
    assert dead.previous_errors == ("boom", "boom again")
    assert store.due(stale=0) == []


def test_a_job_done_on_retry_has_no_error_but_keeps_its_history(store: Store) -> None:
    job = store.submit(TEXT, None, []).job
    store.claim(job.id, "w1", lease=0.05)
    time.sleep(0.1)
    requeued, _ = store.recover(max_attempts=3)
    assert [j.id for j in requeued] == [job.id]
    second = store.claim(job.id, "w2", lease=5)
    retry = store.fail(second, "boom", max_attempts=3, backoff=0)
    assert retry.error == "boom" and retry.previous_errors == ("its worker stopped", "boom")
    third = store.claim(job.id, "w3", lease=5)
    assert store.finish(third, TEXT, [], 1.0, [])
    done = store.job(job.id)
    assert done.status == "done" and done.error is None
    assert done.previous_errors == ("its worker stopped", "boom")
    assert store.article(job.article_id).job.previous_errors == done.previous_errors


def test_a_worker_dying_every_time_fails_the_job(store: Store) -> None:
    job = store.submit(TEXT, None, []).job
    for attempt in (1, 2):
        assert store.claim(job.id, f"w{attempt}", lease=0.05)
        time.sleep(0.1)
        requeued, failed = store.recover(max_attempts=2)
    assert requeued == [] and [(j.id, j.worker, j.attempts) for j in failed] == [(job.id, "w2", 2)]
    dead = store.job(job.id)
    assert dead.status == "failed" and "its worker stopped" in dead.error


@pytest.mark.parametrize("attempts", [3, 1], ids=["queued-again", "failed"])
def test_a_failure_recorded_after_its_lease_lapsed_keeps_its_cause(store: Store, attempts: int) -> None:
    """A worker that could not record its job's failure at once (its database's disk was full)
    records it once it can, over "its worker stopped", unless another worker took the job since."""
    job = store.submit(TEXT, None, []).job
    mine = store.claim(job.id, "w1", lease=0.05)
    time.sleep(0.1)
    requeued, failed = store.recover(max_attempts=attempts)
    assert len(requeued + failed) == 1 and "its worker stopped" in store.job(job.id).error
    cause = "the disk is full at /srv/newsvoice: free space to narrate"
    late = store.fail(mine, cause, max_attempts=attempts, backoff=0.1)
    assert late and late.error == cause and late.attempts == 1
    assert late.status == ("queued" if attempts > 1 else "failed")
    if attempts > 1:
        time.sleep(0.15)
        theirs = store.claim(job.id, "w2", lease=5)
        assert theirs and theirs.attempts == 2
        assert store.fail(mine, "too late", max_attempts=attempts, backoff=0.1) is None
        assert store.job(job.id).status == "running" and store.job(job.id).error == cause


def test_an_edit_waits_for_the_running_narration_and_becomes_version_two(store: Store) -> None:
    first = store.submit(TEXT, "https://x.example/e", [])
    running = store.claim(first.job.id, "w", lease=5)
    store.due(stale=60)
    edit = store.submit(EDITED, "https://x.example/e", [])
    assert edit.queued and edit.job.id != first.job.id
    assert store.claim(edit.job.id, "w2", lease=5) is None  # the article is being narrated
    store.finish(running, TEXT, [{"text": "The ferry leaves at nine."}], 2.0, [])
    assert store.due(stale=60) == [edit.job.id]  # handed over again once the article is free
    second = store.claim(edit.job.id, "w2", lease=5)
    store.finish(second, EDITED, [{"text": "The ferry leaves at ten."}], 2.1, [])
    record = store.article(first.record.id)
    assert record.version == 2 and record.audio == edit.job.id and record.duration == 2.1
    versions = store.versions(record.id)
    assert [v.article.blocks[0].text for v in versions] == [TEXT.blocks[0].text, EDITED.blocks[0].text]


def test_search_tags_and_delete(store: Store) -> None:
    kept = store.submit(TEXT, None, ["harbour"]).record
    store.submit(Article(title="Other", blocks=(Block("paragraph", "Nothing alike."),)), None, [])
    assert [r.id for r in store.articles(query="ferr pier")[0]] == [kept.id]
    assert [r.id for r in store.articles(tag="harbour")[0]] == [kept.id]
    assert store.articles(tag="harb_ur")[1] == store.articles(tag="%")[1] == 0  # a tag, not a pattern
    assert store.articles(query="'\"*")[1] == 2  # never a syntax error
    assert store.delete(kept.id) and store.article(kept.id) is None
    assert store.articles(query="ferry")[1] == 0


def test_articles_are_found_by_their_url_or_canonical_url_normalised(store: Store) -> None:
    canonical = Article(
        title="Ferry times",
        url="https://news.example/ferry-times",
        blocks=(Block("paragraph", "The ferry leaves at nine from the pier."),),
    )
    fed = store.submit(canonical, "https://feeds.example/item?id=7&utm_source=rss", []).record
    other = store.submit(EDITED, "https://news.example/other", []).record
    found = lambda url: [r.id for r in store.articles(url=url)[0]]  # noqa: E731
    assert found("https://news.example/ferry-times") == [fed.id]  # its canonical URL
    assert found("http://WWW.news.example:80/ferry-times/#listen") == [fed.id]
    assert found("https://feeds.example/item?utm_medium=x&id=7") == [fed.id]  # as submitted
    assert found("https://news.example/other?fbclid=abc") == [other.id]
    assert found("https://news.example/ferry") == found("not a url") == found("") == []
    assert store.articles(url="https://news.example/ferry-times", tag="none")[1] == 0


def test_webhook_signatures_are_remembered_until_they_expire(store: Store) -> None:
    now = time.time()
    assert not store.seen("sig-a", now, 300) and store.seen("sig-a", now, 300)
    assert not store.seen("sig-old", now - 400, 300)
    assert not store.seen("sig-old", now - 400, 300)  # expired at once: too old to be accepted


def test_diff_of_sentences() -> None:
    changes = diff_sentences(
        ["Title.", "One ferry.", "Two buses.", "Gone sentence here."],
        ["Title.", "One ferry today.", "Two buses.", "A new sentence entirely, about trams."],
    )
    assert changes.changed == [{"position": 1, "before": "One ferry.", "after": "One ferry today."}]
    assert changes.removed == [{"position": 3, "text": "Gone sentence here."}]
    assert changes.added == [{"position": 3, "text": "A new sentence entirely, about trams."}]
    assert changes.unchanged == 2


def test_databases_that_cannot_be_opened_are_told_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(
        StoreError, match=r"cannot open the database postgresql\+psycopg://x:\*\*\*@127.0.0.1:1/"
    ):
        Store("postgresql://x:secret@127.0.0.1:1/newsvoice")
    with pytest.raises(StoreError, match="keeps its data in SQLite or PostgreSQL"):
        Store("mysql://db/newsvoice")
    assert schema_revision(tmp_path / "new.sqlite3") is None and not (tmp_path / "new.sqlite3").exists()
    assert shown_url("postgresql://u:pw@db/nv") == "postgresql+psycopg://u:***@db/nv"
