"""`newsvoice serve` as an operator meets it: what cannot start says so in one line, a second
server on a data directory is refused, and a server killed mid-narration loses nothing."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import SAMPLE, service_runtime

from newsvoice.newsroom import Newsroom
from newsvoice.server.datalock import DataDirInUse

NEWSVOICE = Path(sys.executable).with_name("newsvoice")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(data_dir: Path, *options: str, log: Path | None = None) -> subprocess.Popen:
    command = [str(NEWSVOICE), "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1", *options]
    output = log.open("a") if log else subprocess.PIPE
    return subprocess.Popen(
        command, stdout=output, stderr=subprocess.STDOUT if log else subprocess.PIPE, text=True
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--queue", "redis://127.0.0.1:1/0"), "cannot reach the queue at redis://127.0.0.1:1/0"),
        (("--database", "postgresql://127.0.0.1:1/newsvoice"), "cannot open the database"),
    ],
)
def test_what_serve_cannot_reach_is_one_line(tmp_path: Path, options: tuple[str, ...], message: str) -> None:
    process = serve(tmp_path, "--port", str(free_port()), *options)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    errors = [line for line in stderr.splitlines() if line.startswith("newsvoice: error:")]
    assert len(errors) == 1 and message in errors[0], stderr
    assert "Traceback" not in stderr


def test_serve_on_a_data_directory_it_cannot_make(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    process = serve(tmp_path / "file" / "data", "--port", str(free_port()))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1 and "Traceback" not in stderr
    assert f"newsvoice: error: {tmp_path / 'file'}" in stderr


@contextlib.contextmanager
def narrating_here(data_dir: Path) -> Iterator[Newsroom]:
    """A newsroom with its own workers on DATA_DIR, as `serve` runs it (no voice loaded)."""
    with Newsroom.open(service_runtime(data_dir=data_dir), migrate=True) as newsroom:
        newsroom.start(watching=False)
        yield newsroom


def test_a_second_server_on_a_data_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its in-process queue would take the first one's running jobs for abandoned ones."""
    monkeypatch.setattr("newsvoice.server.jobs.Narrator.prepare", lambda self, nice=0: None)
    refused = pytest.raises(DataDirInUse, match=f"another newsvoice server .* is narrating on {tmp_path}")
    with narrating_here(tmp_path):
        with refused, narrating_here(tmp_path):
            pass
        process = serve(tmp_path, "--port", str(free_port()))  # another process: the same
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 1 and "Traceback" not in stderr
        assert f"(process {os.getpid()}) is narrating on {tmp_path}" in stderr
    with narrating_here(tmp_path):  # once the first has stopped, the directory is free
        pass


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if found := check():
                return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def done(job: dict) -> dict | None:
    return job if job["status"] == "done" else None


def test_a_server_killed_mid_narration_finishes_it_once_restarted(tmp_path: Path) -> None:
    """SIGKILL: nothing is lost (the job resumes from the segments cached), nothing is done
    twice (one version, one set of files), and the done job shows no stale error."""
    data_dir, log, port = tmp_path / "data", tmp_path / "serve.log", free_port()
    base = f"http://127.0.0.1:{port}"
    with Newsroom.open(service_runtime(data_dir=data_dir), migrate=True) as newsroom:
        _, token = newsroom.create_key("tests")
    headers = {"Authorization": f"Bearer {token}"}
    server = serve(data_dir, "--port", str(port), log=log)
    try:
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
            wait_for(lambda: client.get("/api/articles").is_success, 120, "the server")
            submitted = client.post("/api/articles", json={"text": SAMPLE.read_text()}, headers=headers)
            job_url = submitted.json()["job"]["links"]["self"]

            def under_way() -> dict | None:
                job = client.get(job_url).json()
                return job if job["status"] == "running" and job["progress"]["done"] >= 3 else None

            wait_for(under_way, 180, "the narration to be under way")
            server.send_signal(signal.SIGKILL)
            server.wait()
            server = serve(data_dir, "--port", str(port), log=log)
            job = wait_for(lambda: done(client.get(job_url).json()), 300, "the job")
            assert job["error"] is None, job  # its status is done; the kill is only history
            assert job["previous_errors"] == ["its worker stopped"], job
            article = client.get(f"/api/articles/{job['article']}").json()
            versions = client.get(f"/api/articles/{job['article']}/versions").json()["versions"]
            assert [v["job"] for v in versions] == [job["id"]]
            assert client.get(article["links"]["mp3"]).content[:3] == b"ID3"
    finally:
        server.terminate()
        server.wait(60)
    files = sorted(p.name for p in (data_dir / "audio" / job["article"]).iterdir())
    assert files == sorted(f"{job['id']}.{ext}" for ext in ("mp3", "opus", "vtt", "json"))
    assert not list(data_dir.rglob("*.part")), "a half-written file was left"
    with contextlib.closing(sqlite3.connect(data_dir / "newsvoice.sqlite3")) as database:
        jobs = database.execute("SELECT id, status FROM jobs").fetchall()
    assert jobs == [(job["id"], "done")]  # the restart queued it again, not a copy of it
