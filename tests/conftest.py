"""Shared fixtures: the real sample article, the real Piper voice, the real NeMo normalizer.

Narrating the sample takes about 15 seconds, so it is done once per session and shared.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import soundfile

from newsvoice.article import Article
from newsvoice.narrate import Narration, load_article, narrate
from newsvoice.normalization import Normalizer
from newsvoice.script import Script, write_script
from newsvoice.voice import Voice, load_voice

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from newsvoice.server import Settings

# In CI the repository is cloned fresh with `shared/` beside it (/work/main and /work/shared).
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "000_62326b8596af4b11.txt"

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(scope="session")
def sample_path() -> Path:
    if not SAMPLE.is_file():
        pytest.skip(f"sample article not found at {SAMPLE} (shared/ must sit beside the repository)")
    return SAMPLE


@pytest.fixture(scope="session")
def sample_text(sample_path: Path) -> str:
    return sample_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_article(sample_path: Path) -> Article:
    return load_article(str(sample_path))


@pytest.fixture(scope="session")
def voice() -> Voice:
    return load_voice()


@pytest.fixture(scope="session")
def normalizer() -> Normalizer:
    return Normalizer()


@pytest.fixture(scope="session")
def sample_script(sample_article: Article, normalizer: Normalizer) -> Script:
    return write_script(sample_article, speak=normalizer.normalize)


@pytest.fixture(scope="session")
def sample_narration(
    sample_path: Path, voice: Voice, normalizer: Normalizer, tmp_path_factory: pytest.TempPathFactory
) -> Narration:
    """The sample article narrated once to MP3 (with .vtt and .json beside it)."""
    output = tmp_path_factory.mktemp("sample") / "sample.mp3"
    return narrate(str(sample_path), output, voice=voice, normalizer=normalizer)


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Decode an audio file (MP3, Opus, WAV) to mono float64 samples and its sample rate."""
    data, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    return data[:, 0], rate


@pytest.fixture(scope="session")
def decode() -> Callable[[Path], tuple[np.ndarray, int]]:
    return read_audio


@pytest.fixture(scope="session")
def sample_audio(sample_narration: Narration) -> tuple[np.ndarray, int]:
    return read_audio(sample_narration.path)


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to the local test server must not go through a proxy from the environment."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class LocalServer:
    """An HTTP server on 127.0.0.1 answering each path with a fixed (status, content type, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, body = routes.get(self.path, (404, "text/html", b"<h1>Not Found</h1>"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


# --- the listening service (newsvoice serve) ------------------------------------------------

SERVER_TEXT = (
    "Harbour bridge reopens after repairs\n\n"
    "The harbour bridge reopened to traffic on Friday after 8 months of repairs. "
    "Commuters welcomed the news.\n\n"
    "Engineers replaced the corroded steel cables.\n"
)


class LiveServer:
    """The service's app under uvicorn on 127.0.0.1 (a free port), in a background thread;
    OPTIONS for uvicorn's config (its logging)."""

    def __init__(self, app, **options) -> None:
        import uvicorn

        options = {"log_level": "warning"} | options
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, **options))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        while not self._server.started:
            assert self._thread.is_alive(), "the server did not start"
            self._thread.join(0.05)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(30)


def wait_for_job(client, job: dict, timeout: float = 60) -> dict:
    """Poll a job (its JSON from the API) until it is done or failed."""
    import time

    deadline = time.monotonic() + timeout
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"job still {job['status']} after {timeout} s"
        time.sleep(0.1)
        job = client.get(job["links"]["self"]).json()
    return job


# Tests never touch the user's segment cache: narrations in tests use one of their own.
os.environ.setdefault("NEWSVOICE_CACHE_DIR", tempfile.mkdtemp(prefix="newsvoice-test-cache-"))

POSTGRES = os.environ.get("NEWSVOICE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
"""The PostgreSQL server every machine runs (CI's too); tests make their own databases on it."""
REDIS = os.environ.get("NEWSVOICE_TEST_REDIS", "redis://127.0.0.1:6379")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server: its URL, dropped afterwards."""
    import psycopg

    name = f"newsvoice_test_{secrets.token_hex(4)}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@contextlib.contextmanager
def redis_database() -> Iterator[str]:
    """An emptied Redis database of the test server, for one test's queue: its URL."""
    from redis import Redis

    url = f"{REDIS}/{secrets.randbelow(8) + 8}"
    connection = Redis.from_url(url)
    connection.flushdb()
    try:
        yield url
    finally:
        connection.flushdb()
        connection.close()


def without_id3(mp3: bytes) -> bytes:
    """The MP3 frames after the ID3v2 tag that is put in front of a finished narration."""
    assert mp3[:3] == b"ID3"
    size = sum((byte & 0x7F) << (7 * (3 - index)) for index, byte in enumerate(mp3[6:10]))
    return mp3[10 + size + (10 if mp3[5] & 0x10 else 0) :]


def audio_file(server_dir: Path, article: dict, extension: str = "mp3") -> Path:
    """An article's latest audio (from its API JSON): named by the job that made it."""
    return server_dir / "audio" / article["id"] / f"{article['job']['id']}.{extension}"


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="session")
def live_server(server_dir: Path, voice: Voice, normalizer: Normalizer) -> Iterator[LiveServer]:
    """One service for the session: a data directory, a worker, a real socket."""
    from newsvoice.server import Settings, create_app

    settings = Settings(data_dir=server_dir, max_body=256 * 1024, title="Test News")
    with LiveServer(create_app(settings, voice, normalizer)) as server:
        yield server


@pytest.fixture(scope="session")
def api(live_server: LiveServer) -> Iterator:
    import httpx

    with httpx.Client(base_url=live_server.url, trust_env=False, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def api_key(server_dir: Path, live_server: LiveServer) -> dict[str, str]:
    """Headers with a live API key."""
    from newsvoice.server.keys import create_key
    from newsvoice.server.store import Store

    store = Store(server_dir / "newsvoice.sqlite3")
    _, token = create_key(store, "tests")
    store.close()
    return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def running(
    data_dir: Path, voice, normalizer, settings: Settings | None = None
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The service on DATA_DIR, from start to stop, and headers with a key for it."""
    from fastapi.testclient import TestClient

    from newsvoice.server import Settings, create_app
    from newsvoice.server.keys import create_key

    app = create_app(settings or Settings(data_dir=data_dir), voice, normalizer)
    with TestClient(app) as client:
        _, token = create_key(app.state.service.store, "tests")
        yield client, {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def published(api, api_key: dict[str, str]) -> dict:
    """A short article, narrated and published: its JSON from the API."""
    answer = api.post("/api/articles", json={"text": SERVER_TEXT, "tags": ["transport"]}, headers=api_key)
    assert answer.status_code == 202, answer.text
    job = wait_for_job(api, answer.json()["job"])
    assert job["status"] == "done", job
    return api.get(f"/api/articles/{job['article']}").json()


CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (`apt-get install chromium`), which Playwright drives: it downloads none."""
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Chromium through Playwright; the browser tests are skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium): browser tests not run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
