"""What operators read: one log line a job event, JSON logs, a quiet access log."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import LiveServer, running, service_runtime, wait_for_job

from newsvoice.article import Article, Block
from newsvoice.cli import main
from newsvoice.logs import AccessFilter, JsonFormatter, uvicorn_config
from newsvoice.server.jobs import Dispatcher, job_event
from newsvoice.server.store import Store
from newsvoice.settings import ServiceSettings

TEXT = "Ferry timetable changes\n\nThe morning ferry will leave ten minutes earlier from Monday.\n"
JOBS = "newsvoice.server.jobs"


def events(caplog: pytest.LogCaptureFixture, job_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "job", None) == job_id]


def test_a_narration_logs_queued_started_and_done(
    tmp_path: Path, voice, normalizer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="newsvoice")
    with running(tmp_path, normalizer) as (client, key):
        submitted = client.post("/api/articles", json={"text": TEXT}, headers=key).json()
        job = wait_for_job(client, submitted["job"])
    queued, started, done = events(caplog, job["id"])  # all logged: the workers have stopped
    article = submitted["article"]["id"]
    assert queued.getMessage() == f'job {job["id"]} queued: article {article} "Ferry timetable changes"'
    assert re.fullmatch(r"job \S+ started \(attempt 1 of 3\) on \S+/\d+/\w+", started.getMessage())
    done_line = r"job \S+ done: 0:0\d of audio in \d+\.\d s \(RTF \d\.\d{3}\), \d+ segments"
    assert re.fullmatch(done_line, done.getMessage())
    assert [r.event for r in (queued, started, done)] == ["queued", "started", "done"]
    assert {r.levelname for r in (queued, started, done)} == {"INFO"}
    assert done.article == article and done.duration > 1 and done.wall > 0
    # wall and duration are logged to the hundredth of a second, the RTF from the exact times
    assert done.rtf == pytest.approx(done.wall / done.duration, abs=0.005 / done.duration + 1e-4)


def test_a_failing_job_logs_its_retry_then_its_failure_without_a_traceback(
    tmp_path: Path, voice, normalizer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="newsvoice")
    settings = {"attempts": 2, "backoff": 0.1}
    with running(tmp_path, normalizer, **settings) as (client, key):
        shutil.rmtree(tmp_path / "audio")
        (tmp_path / "audio").write_text("not a directory")  # the disk is not what it was
        submitted = client.post("/api/articles", json={"text": TEXT}, headers=key).json()
        job = wait_for_job(client, submitted["job"])
        again = client.post(f"/api/jobs/{job['id']}/retry", headers=key).json()  # by hand
    assert job["status"] == "failed"
    queued_again = events(caplog, again["id"])[0].getMessage()
    article = submitted["article"]["id"]
    title = '"Ferry timetable changes"'
    assert queued_again == f"job {again['id']} queued: article {article} {title} (retry of job {job['id']})"
    lines = events(caplog, job["id"])
    assert [r.event for r in lines] == ["queued", "started", "retried", "started", "failed"]
    retried, failed = lines[2], lines[4]
    retry = rf"job \S+ will be retried in 0\.\d s \(attempt 2 of 2\): {re.escape(job['error'])}"
    assert re.fullmatch(retry, retried.getMessage())
    assert failed.getMessage() == f"job {job['id']} failed: {job['error']}"
    assert (retried.levelname, failed.levelname) == ("WARNING", "ERROR")
    assert retried.error == failed.error == job["error"] and retried.delay == pytest.approx(0.1, abs=0.1)
    assert retried.attempt == failed.attempt == 2  # the attempt the line is about
    assert retried.exc_info is None and failed.exc_info is None  # an error to expect: one line


def test_a_bug_is_logged_with_its_traceback(
    tmp_path: Path, voice, normalizer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("newsvoice.server.jobs.narrate", broken)
    with running(tmp_path, normalizer, attempts=1) as (client, key):
        submitted = client.post("/api/articles", json={"text": TEXT}, headers=key).json()
        job = wait_for_job(client, submitted["job"])
    (failed,) = [r for r in events(caplog, job["id"]) if r.event == "failed"]
    assert failed.getMessage() == f"job {job['id']} failed: ZeroDivisionError: division by zero"
    assert failed.exc_info and failed.exc_info[0] is ZeroDivisionError


class _Queue:
    def __init__(self) -> None:
        self.jobs: list[str] = []

    def enqueue(self, job_id: str) -> None:
        self.jobs.append(job_id)

    def waiting(self, job_ids: list[str]) -> set[str]:
        return set(job_ids)

    def forgot(self) -> bool:
        return False


def test_the_dispatcher_logs_a_dead_workers_job_handed_over_then_failed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path / "newsvoice.sqlite3", migrate=True)
    article = Article(title="Ferry", blocks=(Block("paragraph", "The ferry leaves at nine."),))
    job = store.submit(article, None, []).job
    dispatcher = Dispatcher(store, _Queue(), ServiceSettings(data_dir=tmp_path, attempts=2))
    for worker in ("host/1/a", "host/2/b"):
        assert store.claim(job.id, worker, lease=0.05)
        time.sleep(0.1)
        dispatcher.dispatch()
    store.close()
    handed, failed = events(caplog, job.id)
    assert handed.getMessage() == f"job {job.id} handed over: its worker host/1/a stopped (lease expired)"
    assert (handed.levelname, handed.event, handed.worker) == ("WARNING", "handed_over", "host/1/a")
    assert handed.attempt == 2  # the next one
    reason = "its worker host/2/b stopped (lease expired) on each of 2 tries"
    assert failed.getMessage() == f"job {job.id} failed: {reason}"
    assert (failed.levelname, failed.event, failed.error, failed.attempt) == ("ERROR", "failed", reason, 2)


def test_json_lines_have_the_time_level_logger_message_and_the_events_fields(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=JOBS)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(JOBS)
    logger.addHandler(handler)
    text = "done: 0:05 of audio in 0.4 s (RTF 0.080), 3 segments"
    bug = "ZeroDivisionError: division by zero"
    try:
        job_event(logging.INFO, "done", "j1", text, article="a1", duration=5.0, wall=0.4, rtf=0.08)
        job_event(
            logging.ERROR,
            "failed",
            "j2",
            f"failed: {bug}",
            trace=ZeroDivisionError("division by zero"),
            error=bug,
        )
    finally:
        logger.removeHandler(handler)
    done, failed = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert datetime.fromisoformat(done.pop("time")).utcoffset().total_seconds() == 0
    assert done == {
        "level": "INFO",
        "logger": JOBS,
        "message": f"job j1 {text}",
        "event": "done",
        "job": "j1",
        "article": "a1",
        "duration": 5.0,
        "wall": 0.4,
        "rtf": 0.08,
    }
    assert failed["level"] == "ERROR" and failed["error"] == bug and bug in failed["exception"]


def _access(method: str, path: str, status: int) -> logging.LogRecord:
    """An access record as uvicorn makes it."""
    args = ("127.0.0.1:50000", method, path, "1.1", status)
    return logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d', args, None)


@pytest.mark.parametrize(
    ("method", "path", "status", "kept"),
    [
        ("GET", "/api/jobs/3f2aXYZ", 200, False),
        ("GET", "/api/jobs/3f2aXYZ?wait=1", 304, False),
        ("HEAD", "/static/player.js", 200, False),
        ("GET", "/api/jobs/3f2aXYZ", 404, True),  # errors are always logged
        ("GET", "/static/gone.js", 404, True),
        ("GET", "/api/jobs/3f2aXYZ", 500, True),
        ("POST", "/api/jobs/3f2aXYZ/retry", 202, True),
        ("GET", "/api/articles/a1/audio.mp3", 206, True),
        ("POST", "/api/articles", 202, True),
    ],
)
def test_the_quiet_access_log_drops_job_polling_and_static_assets(
    method: str, path: str, status: int, kept: bool
) -> None:
    record = _access(method, path, status)
    assert AccessFilter(quiet=True).filter(record) is kept
    assert AccessFilter(quiet=False).filter(record)
    assert (record.method, record.path, record.status) == (method, path, status)


@pytest.fixture
def uvicorn_logging() -> Iterator[None]:
    """uvicorn's loggers as they were before the test configured them."""
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(logger.handlers[:], logger.filters[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, (handlers, filters, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers, logger.filters, logger.level, logger.propagate = handlers, filters, level, propagate


def test_serve_logs_json_through_uvicorn_quietly(tmp_path: Path, voice, normalizer, uvicorn_logging) -> None:
    import httpx

    from newsvoice.server import create_app

    config = uvicorn_config("json", "quiet")
    streams = {name: io.StringIO() for name in ("default", "access")}  # stderr and stdout in `serve`
    for name, stream in streams.items():
        config["handlers"][name]["stream"] = stream
    app = create_app(service_runtime(normalizer, data_dir=tmp_path))
    server = LiveServer(app, log_config=config, log_level="info")
    with server, httpx.Client(base_url=server.url, trust_env=False) as client:
        assert client.get("/api/jobs/nojob").status_code == 404
        assert client.get("/api/articles").status_code == 200
        assert client.get("/static/player.js").status_code == 200
        assert client.get("/api/articles/nojob").status_code == 404
    access = [json.loads(line) for line in streams["access"].getvalue().splitlines()]
    assert [(line["logger"], line["method"], line["path"], line["status"]) for line in access] == [
        ("uvicorn.access", "GET", "/api/jobs/nojob", 404),
        ("uvicorn.access", "GET", "/api/articles", 200),
        ("uvicorn.access", "GET", "/api/articles/nojob", 404),
    ]
    errors = [json.loads(line) for line in streams["default"].getvalue().splitlines()]
    assert "Application startup complete." in [line["message"] for line in errors]
    assert {line["logger"] for line in errors} == {"uvicorn.error"}


def test_the_log_format_option(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--data-dir", str(tmp_path)]).exit_code == 0
    result = runner.invoke(main, ["--log-format", "json", "keys", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(line) for line in result.stderr.splitlines()]
    assert line["message"] == f"data in {tmp_path}" and line["data_dir"] == str(tmp_path)
    assert line["level"] == "INFO" and line["logger"] == "newsvoice.cli"

    environment = {"NEWSVOICE_LOG_FORMAT": "json"}
    result = runner.invoke(main, ["watches", "--data-dir", str(tmp_path)], env=environment)
    assert result.exit_code == 0 and json.loads(result.stderr)["message"] == f"data in {tmp_path}"

    result = runner.invoke(main, ["--log-format", "xml", "keys", "list"])
    assert result.exit_code == 2
    assert "Invalid value for '--log-format': 'xml' is not one of 'text', 'json'" in result.stderr
