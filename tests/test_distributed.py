"""Scale-out: the server on PostgreSQL queues jobs in Redis; `newsvoice worker` processes run them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    LiveServer,
    RedisServer,
    postgres_database,
    redis_database,
    service_runtime,
    wait_for_job,
    without_id3,
)
from fastapi.testclient import TestClient

from newsvoice.server import create_app
from newsvoice.settings import ServiceSettings

NEWSVOICE = Path(sys.executable).with_name("newsvoice")


@contextlib.contextmanager
def serving(settings: ServiceSettings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(service_runtime(**settings.model_dump()))  # with a queue, workers narrate
    with TestClient(app, base_url="http://localhost") as client:
        _, token = app.state.newsroom.create_key("tests")
        yield client, {"Authorization": f"Bearer {token}"}


def start_worker(settings: ServiceSettings, log: Path, *options: str) -> subprocess.Popen:
    """`newsvoice worker` with one inference thread, on SETTINGS's database, queue and storage,
    with OPTIONS (`--name NAME`)."""
    environment = os.environ | {"NEWSVOICE_LEASE": str(int(settings.lease))}
    command = [str(NEWSVOICE), "worker", "--threads", "1", "--database", str(settings.database)]
    command += ["--queue", str(settings.queue), "--storage", str(settings.storage), *options]
    with log.open("w") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environment)


@contextlib.contextmanager
def workers(settings: ServiceSettings, logs: Path, count: int) -> Iterator[list[subprocess.Popen]]:
    started = [start_worker(settings, logs / f"worker-{n}.log") for n in range(count)]
    try:
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(30)
            process.kill()


def test_a_worker_creates_the_database_as_it_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Like `serve`, and unlike the other commands, a worker migrates the database it is given."""
    from newsvoice.server.migrations import head
    from newsvoice.server.store import schema_revision
    from newsvoice.server.worker import work

    monkeypatch.setattr("newsvoice.server.jobs.Narrator.prepare", lambda self: None)  # no voice to load
    monkeypatch.setattr("newsvoice.server.worker._narrator", None)
    with redis_database() as queue:
        work(service_runtime(data_dir=tmp_path, queue=queue), burst=True)
    assert schema_revision(tmp_path / "newsvoice.sqlite3") == head()


def test_a_worker_process_narrates_what_the_server_queues(
    cluster: ServiceSettings, tmp_path: Path, sample_text: str
) -> None:
    with serving(cluster) as (client, key), workers(cluster, tmp_path, 1):
        submitted = client.post("/api/articles", json={"text": sample_text}, headers=key).json()
        with client.stream("GET", submitted["article"]["links"]["stream"]) as live:
            assert live.headers["cache-control"] == "no-store"  # the narration under way
            streamed = live.read()
        job = wait_for_job(client, submitted["job"], timeout=180)
        assert job["status"] == "done" and job["attempts"] == 1, job
        article = client.get(submitted["article"]["links"]["self"]).json()
        assert article["published"] and article["duration"] > 1
        audio = client.get(article["links"]["mp3"])
        assert audio.status_code == 200 and audio.content[:3] == b"ID3"
        assert audio.content == (cluster.storage / "audio" / article["id"] / f"{job['id']}.mp3").read_bytes()
        assert streamed == without_id3(audio.content)  # from the worker, through Redis
        assert len(client.get(f"/api/articles/{article['id']}/versions").json()["versions"]) == 1
    log = (tmp_path / "worker-0.log").read_text()  # the worker says what it did
    assert f"newsvoice: INFO: job {job['id']} started (attempt 1 of 3) on " in log
    assert f"newsvoice: INFO: job {job['id']} done: " in log


def test_a_worker_killed_mid_job_leaves_it_to_another_which_publishes_it_once(
    cluster: ServiceSettings, tmp_path: Path, sample_text: str, caplog: pytest.LogCaptureFixture
) -> None:
    with serving(cluster) as (client, key), workers(cluster, tmp_path, 2) as started:
        submitted = client.post("/api/articles", json={"text": sample_text}, headers=key).json()
        job = submitted["job"]
        deadline = time.monotonic() + 180
        while job["status"] != "running" or job["progress"]["done"] < 3:
            assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
            time.sleep(0.1)
            job = client.get(job["links"]["self"]).json()
        holder = client.app.state.newsroom.job(job["id"]).worker
        killed = next(p for p in started if f"/{p.pid}/" in holder)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()

        done = wait_for_job(client, job, timeout=240)
        assert done["status"] == "done" and done["attempts"] == 2, done
        assert f"/{killed.pid}/" not in client.app.state.newsroom.job(job["id"]).worker
        article_id = submitted["article"]["id"]
        versions = client.get(f"/api/articles/{article_id}/versions").json()["versions"]
        assert [v["job"] for v in versions] == [job["id"]]  # published once
        files = sorted(p.name for p in (cluster.storage / "audio" / article_id).iterdir())
        assert files == sorted(f"{job['id']}.{ext}" for ext in ("mp3", "opus", "vtt", "json"))
        article = client.get(f"/api/articles/{article_id}").json()
        assert article["duration"] > 300 and client.get(article["links"]["mp3"]).status_code == 200
    # Whichever dispatcher (the server's, or a worker's) found the job's worker dead says so.
    logs = caplog.text + "".join(path.read_text() for path in tmp_path.glob("worker-*.log"))
    assert logs.count(f"job {job['id']} handed over: its worker {holder} stopped (lease expired)") == 1


def test_a_worker_says_what_the_config_file_sets(
    cluster: ServiceSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The voice and the lexicon set in the config file reach a `newsvoice worker` process:
    the same runtime is built in every process (issue: they once reached only `serve`)."""
    lexicon = tmp_path / "newsroom.toml"
    lexicon.write_text('Quillfeather = "[[kwˈɪlfɛðɚ]]"\n', encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[pipeline]\nvoice = "en_US-joe-medium"\nlexicon = "{lexicon}"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSVOICE_CONFIG", str(config))  # the server's, and the worker's environment
    text = "Mayor Quillfeather opens the bridge\n\nMayor Quillfeather cut the ribbon on Friday morning.\n"
    with serving(cluster) as (client, key), workers(cluster, tmp_path, 1):
        submitted = client.post("/api/articles", json={"text": text}, headers=key).json()
        assert wait_for_job(client, submitted["job"], timeout=180)["status"] == "done"
        version = client.get(f"/api/articles/{submitted['article']['id']}/versions/1").json()
        timings = client.get(version["links"]["timings"]).json()
    spoken = " ".join(segment["spoken"] for segment in version["script"])
    assert spoken.count("[[kwˈɪlfɛðɚ]]") == 2 and "Quillfeather" not in spoken
    assert timings["voice"] == "en_US-joe-medium"


def test_listeners_of_a_narration_share_one_redis_reader(
    redis_server: RedisServer, tmp_path: Path, sample_text: str
) -> None:
    """50 listeners of one live narration, 25 from its start and 25 who come while it is under
    way: the server reads the narration from Redis once for all of them, on at most 3
    connections in all (issue: one each), and each hears the whole stored MP3."""
    import httpx

    with postgres_database() as database:
        settings = ServiceSettings(
            data_dir=tmp_path / "server",
            database=database,
            queue=redis_server.url,
            storage=tmp_path / "shared",
        )
        app = create_app(service_runtime(**settings.model_dump()))
        with LiveServer(app) as server, workers(settings, tmp_path, 1):
            store = app.state.newsroom.store
            _, token = app.state.newsroom.create_key("tests")
            text = "\n\n".join(sample_text.split("\n\n")[:12])
            me = f"{socket.gethostname()}/{os.getpid()}"  # how CLIENT LIST names the server's connections

            async def listen_to_all() -> tuple[list[bytes], int, dict]:
                limits = httpx.Limits(max_connections=100)
                async with httpx.AsyncClient(
                    base_url=server.url, trust_env=False, timeout=120, limits=limits
                ) as http:
                    answer = await http.post(
                        "/api/articles", json={"text": text}, headers={"Authorization": f"Bearer {token}"}
                    )
                    article = answer.json()["article"]

                    async def listen() -> bytes:
                        async with http.stream("GET", article["links"]["stream"]) as live:
                            assert live.headers["cache-control"] == "no-store"
                            return b"".join([chunk async for chunk in live.aiter_bytes()])

                    early = [asyncio.create_task(listen()) for _ in range(25)]
                    while (job := await asyncio.to_thread(store.job, article["job"]["id"])).done < 2:
                        assert job.status in ("queued", "running"), job
                        await asyncio.sleep(0.1)
                    late = [asyncio.create_task(listen()) for _ in range(25)]
                    listening, peak = asyncio.gather(*early, *late), 0
                    while not listening.done():
                        clients = await asyncio.to_thread(redis_server.clients)
                        peak = max(peak, sum(client["name"] == me for client in clients))
                        await asyncio.wait([listening], timeout=0.2)
                    return await listening, peak, article

            streamed, peak, article = asyncio.run(listen_to_all())
            job = store.job(store.article(article["id"]).job.id)
            assert job.status == "done", job
            stored = (settings.storage / "audio" / article["id"] / f"{job.id}.mp3").read_bytes()
        assert 1 <= peak <= 3, peak
        assert all(listened == without_id3(stored) for listened in streamed)
