"""Faults of the distributed shape: Redis killed and restarted, a worker killed and restarted.

Each test runs a Redis server of its own (`redis-server`, on a free port, without persistence:
killed, it loses what it held, as a Redis restarted without a snapshot does), the real
PostgreSQL, the server in this process and `newsvoice worker` processes.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import RedisServer, wait_for_job
from test_distributed import serving, start_worker

from newsvoice.settings import ServiceSettings

pytestmark = pytest.mark.faults

SHORT = "Ferry timetable changes\n\nThe evening ferry leaves ten minutes earlier from Monday.\n"


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(30)
    process.kill()
    process.wait()


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s"
        time.sleep(0.1)
    return result


def test_a_redis_restart_mid_job(
    cluster: ServiceSettings, redis_server: RedisServer, tmp_path: Path, sample_text: str
) -> None:
    """Redis killed mid-job and started again 5 s later, empty: the worker goes on, its job is
    published, and a job queued before the restart and one submitted during it start within
    30 s of Redis being back, on a worker started meanwhile."""
    first = start_worker(cluster, tmp_path / "worker-1.log")
    fresh = None
    try:
        with serving(cluster) as (client, key):
            store = client.app.state.newsroom.store
            # Five minutes of audio, none of it in the segment cache (other tests narrate the
            # sample): long enough to outlast the outage on a quiet machine.
            run = secrets.token_hex(3)
            paragraphs = sample_text.split("\n\n")
            medium = "\n\n".join(f"{text} Filed {run}." for text in paragraphs)
            running = client.post("/api/articles", json={"text": medium}, headers=key).json()["job"]
            wait_until(lambda: store.job(running["id"]).done >= 3, 90, "the long job under way")
            before = client.post("/api/articles", json={"text": SHORT}, headers=key).json()["job"]
            time.sleep(1.5)  # handed to Redis, where it waits: the one worker is busy
            assert store.job(before["id"]).status == "queued"

            redis_server.kill()
            fresh = start_worker(cluster, tmp_path / "worker-2.log")  # waits for Redis
            time.sleep(1)
            answer = client.post("/api/articles", json={"text": SHORT + "\nA late change.\n"}, headers=key)
            assert answer.status_code == 202, answer.text  # in the database; Redis is away
            during = answer.json()["job"]
            time.sleep(4)
            redis_server.start()
            back = time.time()
            assert store.job(running["id"]).status == "running"

            for job in (before, during):
                started = wait_until(
                    lambda job=job: store.job(job["id"]).started, 45, f"job {job['id']} started"
                )
                assert started - back < 30, (job["id"], started - back)
            done = wait_for_job(client, running, timeout=90)
            assert done["status"] == "done" and done["attempts"] == 1, done
            assert first.poll() is None, "the worker exited"
            for job in (before, during):
                assert wait_for_job(client, job, timeout=30)["status"] == "done"
    finally:
        stop(first)
        if fresh:
            stop(fresh)
    log = (tmp_path / "worker-1.log").read_text()
    assert log.count("is unreachable") == 1 and log.count("is back, after") == 1, log
    assert "Traceback" not in log, log


def test_a_killed_worker_started_again_under_its_name(
    cluster: ServiceSettings, redis_server: RedisServer, tmp_path: Path, sample_text: str
) -> None:
    """A worker SIGKILLed mid-job and started again with the same --name starts (RQ's record
    of the dead one is cleaned up) and takes work; a second live worker of that name is refused
    in one line."""
    from redis import Redis

    name = ("--name", "narrator-1")
    redis = Redis.from_url(cluster.queue)
    killed = start_worker(cluster, tmp_path / "worker-1.log", *name)
    again = None
    try:
        with serving(cluster) as (client, key):
            store = client.app.state.newsroom.store
            short = "\n\n".join(sample_text.split("\n\n")[:8])  # half a minute of audio
            first = client.post("/api/articles", json={"text": short}, headers=key).json()["job"]
            wait_until(lambda: store.job(first["id"]).started, 60, "the job started")
            killed.kill()
            killed.wait()
            assert redis.exists("rq:worker:narrator-1")  # RQ's record of it, which stays

            again = start_worker(cluster, tmp_path / "worker-2.log", *name)
            done = wait_for_job(client, first, timeout=60)  # once its lease lapses
            assert done["status"] == "done" and done["attempts"] == 2, done
            assert f"/{again.pid}/" in store.job(first["id"]).worker
            assert int(redis.hget("rq:worker:narrator-1", "pid")) == again.pid

            twin = start_worker(cluster, tmp_path / "twin.log", *name)
            assert twin.wait(60) == 1
            refused = (tmp_path / "twin.log").read_text()
            assert "Traceback" not in refused and f"({socket.gethostname()}/{again.pid})" in refused
            assert "newsvoice: error: a worker named 'narrator-1' is running" in refused
            assert again.poll() is None
    finally:
        redis.close()
        if killed.poll() is None:
            stop(killed)
        if again:
            stop(again)
    log = (tmp_path / "worker-2.log").read_text()
    assert f"the last worker of this name (process {killed.pid} on {socket.gethostname()}) stopped" in log
    assert "Traceback" not in log, log
