"""Jobs: queued in SQLite, resumed after a restart, failures recorded and retried."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from conftest import SERVER_TEXT, running, wait_for_job

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
