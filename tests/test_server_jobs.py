"""Jobs: queued in SQLite, resumed after a restart, failures recorded and retried."""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import SERVER_TEXT, running, wait_for_job

from newsvoice.server.datalock import LOCK_FILE
from newsvoice.server.store import Store

OTHER_TEXT = "Ferry timetable changes\n\nThe morning ferry will leave ten minutes earlier from Monday.\n"


def test_restart_resumes_queued_and_interrupted_jobs(tmp_path: Path, voice, normalizer) -> None:
    with running(tmp_path, normalizer) as (client, key):
        newsroom = client.app.state.newsroom
        newsroom.workers.stop(timeout=10)  # as if the server went down before the workers got to them
        first = client.post("/api/articles", json={"text": SERVER_TEXT}, headers=key).json()
        second = client.post("/api/articles", json={"text": OTHER_TEXT}, headers=key).json()
        assert first["job"]["status"] == second["job"]["status"] == "queued"
        assert newsroom.store.claim(first["job"]["id"], "gone", lease=0.5)  # a worker took it...
        assert client.get(first["job"]["links"]["self"]).json()["status"] == "running"
        assert client.get(first["article"]["links"]["self"] + "/audio.mp3").status_code == 404
    # ...and died, its lease lapsing, when the server stopped.
    with running(tmp_path, normalizer) as (client, _):
        for submitted in (first, second):
            job = wait_for_job(client, submitted["job"])
            assert job["status"] == "done" and job["id"] == submitted["job"]["id"]
            assert client.get(submitted["article"]["links"]["self"] + "/audio.mp3").status_code == 200


def test_a_queued_article_submitted_again_keeps_its_job(tmp_path: Path, voice, normalizer) -> None:
    with running(tmp_path, normalizer) as (client, key):
        client.app.state.newsroom.workers.stop(timeout=10)
        body = {"url": "https://news.invalid/ferry", "text": OTHER_TEXT}
        first = client.post("/api/articles", json=body, headers=key).json()
        again = client.post(
            "/api/articles", json=body | {"text": OTHER_TEXT + "\nMore.\n"}, headers=key
        ).json()
        assert again["article"]["id"] == first["article"]["id"]
        assert again["job"]["id"] == first["job"]["id"]  # one narration, of the latest text
        assert client.get("/api/articles").json()["total"] == 1


def test_a_failing_job_is_tried_again_then_failed_and_can_be_retried(
    tmp_path: Path, voice, normalizer
) -> None:
    settings = {"attempts": 2, "backoff": 0.1}
    with running(tmp_path, normalizer, **settings) as (client, key):
        audio = tmp_path / "audio"
        shutil.rmtree(audio)
        audio.write_text("the disk is not what it was")
        submitted = client.post("/api/articles", json={"text": OTHER_TEXT}, headers=key).json()
        failed = wait_for_job(client, submitted["job"])
        assert failed["status"] == "failed" and failed["attempts"] == 2  # the dead letter
        assert str(audio) in failed["error"]
        assert failed["finished"]
        article = client.get(submitted["article"]["links"]["self"]).json()
        assert article["status"] == "failed" and article["published"] is False
        assert client.get("/api/articles", params={"status": "failed"}).json()["total"] == 1

        audio.unlink()
        retried = client.post(f"/api/jobs/{failed['id']}/retry", headers=key)
        assert retried.status_code == 202
        assert retried.json()["id"] != failed["id"]
        done = wait_for_job(client, retried.json())
        assert done["status"] == "done" and done["attempts"] == 1
        assert client.get(failed["links"]["self"]).json()["error"] == failed["error"]  # kept
        assert client.get(submitted["article"]["links"]["self"]).json()["published"] is True
        assert not list(audio.rglob(".*.part"))


def test_stopping_puts_a_running_job_back_in_the_queue(
    tmp_path: Path, voice, normalizer, sample_text
) -> None:
    with running(tmp_path, normalizer) as (client, key):
        job = client.post("/api/articles", json={"text": sample_text}, headers=key).json()["job"]
        deadline = time.monotonic() + 30
        while job["progress"]["done"] < 2:  # under way
            assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
            time.sleep(0.05)
            job = client.get(job["links"]["self"]).json()
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5  # the narration is abandoned, not waited for
    store = Store(tmp_path / "newsvoice.sqlite3")
    assert store.job(job["id"]).status == "queued"
    store.close()
    assert not [path for path in (tmp_path / "audio").rglob("*") if path.is_file()]  # no partial files


def test_without_opus_only_the_mp3_is_made(tmp_path: Path, voice, normalizer) -> None:
    with running(tmp_path, normalizer, opus=False) as (client, key):
        submitted = client.post("/api/articles", json={"text": OTHER_TEXT}, headers=key).json()
        assert wait_for_job(client, submitted["job"])["status"] == "done"
        article = client.get(submitted["article"]["links"]["self"]).json()
        assert client.get(article["links"]["mp3"]).status_code == 200
        assert client.get(article["links"]["opus"]).status_code == 404
        assert not list(tmp_path.rglob("*.opus"))


def fill(disk: Path) -> Path:
    """A file that takes every byte left on DISK."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (2**16, 2**12, 1):
            try:
                while True:
                    os.write(descriptor, bytes(chunk))
            except OSError as error:
                assert error.errno == 28, error  # ENOSPC
    finally:
        os.close(descriptor)
    return filler


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (answer := check()):
        assert time.monotonic() < deadline, f"not {what} after {timeout} s"
        time.sleep(0.1)
    return answer


def test_a_full_disk_fails_the_job_with_its_cause_and_the_worker_goes_on(
    small_disk, voice, normalizer, sample_text: str
) -> None:
    """The embedded default on a real disk too small for the sample's narration: the segment
    cache leaves the disk room (it stores nothing on a disk this small), the job fails saying
    the disk is full, its files are removed, and the worker narrates what fits."""
    disk = small_disk("4m")
    with running(disk, normalizer, attempts=1, cache_dir=disk / "segments") as (client, key):
        workers = client.app.state.newsroom.workers
        submitted = client.post("/api/articles", json={"text": sample_text}, headers=key).json()
        failed = wait_for_job(client, submitted["job"], timeout=300)
        assert failed["status"] == "failed", failed
        where = re.escape(str(disk))
        assert re.fullmatch(
            rf"the disk is full at {where}(/audio/[\w-]+)?: free space to narrate", failed["error"]
        )
        assert workers.alive == 1
        kept = ("newsvoice.sqlite3", LOCK_FILE)  # the database, and the server's lock on the directory
        assert not [path for path in disk.rglob("*") if path.is_file() and not path.name.startswith(kept)]
        done = wait_for_job(
            client, client.post("/api/articles", json={"text": OTHER_TEXT}, headers=key).json()["job"]
        )
        assert done["status"] == "done", done


def test_a_failure_recorded_once_the_database_has_space_again(
    small_disk, voice, normalizer, sample_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The database's disk full while a job runs: its failure cannot be recorded, nor can its
    lease be renewed. The worker keeps trying, and once there is space the job has its real cause
    (not "its worker stopped", though its lease lapsed meanwhile); then narration goes on."""
    data, storage = small_disk("2m"), small_disk("32m")
    settings = {"storage": storage, "attempts": 1, "lease": 2.0}
    with running(data, normalizer, **settings) as (client, key):
        workers = client.app.state.newsroom.workers
        job = client.post("/api/articles", json={"text": sample_text}, headers=key).json()["job"]
        wait_for(lambda: client.get(job["links"]["self"]).json()["progress"]["done"] >= 2, 60, "under way")
        filler = fill(data)

        def unrecorded() -> bool:
            return any(f"job {job['id']} failed (" in record.getMessage() and "cannot be recorded now" in
                       record.getMessage() for record in caplog.records)  # fmt: skip

        with caplog.at_level(logging.ERROR, logger="newsvoice.server.jobs"):
            wait_for(unrecorded, 120, "failed")
            time.sleep(3)  # its lease lapses, and the dispatcher cannot record that either
        assert workers.alive == 1
        assert client.get(job["links"]["self"]).json()["status"] == "running"
        filler.unlink()
        cause = f"the disk is full at {data}: free space to narrate"
        failed = wait_for(
            lambda: (answer := client.get(job["links"]["self"]).json())["error"] == cause and answer,
            60,
            "recorded",
        )
        assert failed["status"] == "failed"
        assert not list(storage.rglob("*.part"))
        done = wait_for_job(
            client, client.post("/api/articles", json={"text": OTHER_TEXT}, headers=key).json()["job"]
        )
        assert done["status"] == "done", done


def test_a_worker_thread_never_dies_of_a_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """A job that cannot even be started (its claim fails: the database is away) is offered
    again; the thread goes on with the others."""
    from newsvoice.server.jobs import LocalQueue

    monkeypatch.setattr(LocalQueue, "OFFER_AGAIN", 0.1)
    runs: list[str] = []

    def run(job_id: str) -> None:
        runs.append(job_id)
        if runs.count(job_id) == 1 and job_id != "fine":
            raise ZeroDivisionError("a bug, or the database away")

    workers = LocalQueue(run, 1)
    workers.start()
    try:
        workers.enqueue("unlucky")
        workers.enqueue("fine")
        wait_for(lambda: runs.count("unlucky") == 2, 10, "offered again")
        assert runs == ["unlucky", "fine", "unlucky"] and workers.alive == 1
    finally:
        workers.stop(timeout=5)


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own priority is Linux's")
def test_narrations_give_way_to_requests() -> None:
    """The worker threads run at a lower priority (`narration_nice`), and so do the threads
    they start; the thread that started them keeps its own."""
    from newsvoice.server.jobs import LocalQueue

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    seen: list[int] = []

    def run(job_id: str) -> None:
        child = threading.Thread(target=lambda: seen.append(nice()))
        child.start()
        child.join()
        seen.append(nice())

    before = nice()
    workers = LocalQueue(run, 1, nice=5)
    workers.start()
    try:
        workers.enqueue("job")
        wait_for(lambda: len(seen) == 2, 10, "the job run")
        assert seen == [min(19, before + 5)] * 2 and nice() == before
    finally:
        workers.stop(timeout=5)
