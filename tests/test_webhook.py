"""Signed webhooks: good, bad, tampered, stale and replayed requests, and the events they carry."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import postgres_database
from pydantic import ValidationError

from newsvoice.server.store import Store
from newsvoice.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE,
    WebhookEvent,
    WebhookRefused,
    sign,
    verify,
)

SECRET = "correct horse battery staple"
NOW = 1_700_000_000
BODY = b'{"event": "publish", "url": "https://news.example/bridge"}'


def signed(body: bytes = BODY, timestamp: int = NOW, secret: str = SECRET) -> dict[str, str]:
    return sign(secret, body, timestamp)


def test_good_signature_is_accepted() -> None:
    headers = signed()
    assert set(headers) == {TIMESTAMP_HEADER, SIGNATURE_HEADER}
    assert headers[SIGNATURE_HEADER].startswith("sha256=")
    verify(SECRET, BODY, headers, now=NOW)
    verify(SECRET, BODY, {name.lower(): value for name, value in headers.items()}, now=NOW + 1)


def test_signature_is_what_the_docs_tell_publishers_to_compute() -> None:
    """The module docstring's shell recipe (openssl) signs as `sign` does."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    recipe = 'printf "%s.%s" "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d" " -f1'
    environment = {"TS": str(NOW), "BODY": BODY.decode(), "SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    digest = subprocess.run(["sh", "-c", recipe], env=environment, capture_output=True, text=True, check=True)
    assert signed()[SIGNATURE_HEADER] == "sha256=" + digest.stdout.strip()


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (BODY, signed(secret="not the secret")),
        (BODY.replace(b"bridge", b"tunnel"), signed()),  # the body was changed
        (BODY, {**signed(), TIMESTAMP_HEADER: str(NOW - 1)}),  # the timestamp was changed
        (BODY, {**signed(), SIGNATURE_HEADER: "sha256=" + "0" * 64}),
    ],
    ids=["wrong-secret", "tampered-body", "tampered-timestamp", "made-up"],
)
def test_wrong_signature_is_refused(body: bytes, headers: dict[str, str]) -> None:
    with pytest.raises(WebhookRefused, match=r"^wrong signature$"):
        verify(SECRET, body, headers, now=NOW)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, f"missing {TIMESTAMP_HEADER} header"),
        ({SIGNATURE_HEADER: signed()[SIGNATURE_HEADER]}, f"missing {TIMESTAMP_HEADER} header"),
        ({TIMESTAMP_HEADER: str(NOW)}, f"missing {SIGNATURE_HEADER} header"),
        ({**signed(), TIMESTAMP_HEADER: "2023-11-14T22:13:20Z"}, f"malformed {TIMESTAMP_HEADER} header"),
        ({**signed(), TIMESTAMP_HEADER: "-5"}, f"malformed {TIMESTAMP_HEADER} header"),
        (
            {**signed(), SIGNATURE_HEADER: signed()[SIGNATURE_HEADER][7:]},
            f"malformed {SIGNATURE_HEADER} header",
        ),
        ({**signed(), SIGNATURE_HEADER: "sha1=" + "a" * 40}, f"malformed {SIGNATURE_HEADER} header"),
        (
            {**signed(), SIGNATURE_HEADER: signed()[SIGNATURE_HEADER][:-2]},
            f"malformed {SIGNATURE_HEADER} header",
        ),
    ],
    ids=["none", "no-timestamp", "no-signature", "iso-time", "negative", "no-prefix", "sha1", "short"],
)
def test_missing_or_malformed_headers_are_refused(headers: dict[str, str], message: str) -> None:
    with pytest.raises(WebhookRefused, match=message):
        verify(SECRET, BODY, headers, now=NOW)


def test_upper_case_hex_is_the_same_signature() -> None:
    headers = signed()
    upper = "sha256=" + headers[SIGNATURE_HEADER].removeprefix("sha256=").upper()
    verify(SECRET, BODY, {**headers, SIGNATURE_HEADER: upper}, now=NOW)


def test_timestamp_window() -> None:
    verify(SECRET, BODY, signed(timestamp=NOW - TOLERANCE), now=NOW)
    verify(SECRET, BODY, signed(timestamp=NOW + TOLERANCE), now=NOW)
    with pytest.raises(WebhookRefused, match="timestamp too old: 301 seconds ago"):
        verify(SECRET, BODY, signed(timestamp=NOW - TOLERANCE - 1), now=NOW)
    with pytest.raises(WebhookRefused, match="timestamp in the future: 301 seconds ahead"):
        verify(SECRET, BODY, signed(timestamp=NOW + TOLERANCE + 1), now=NOW)
    with pytest.raises(WebhookRefused, match="too old"):
        verify(SECRET, BODY, signed(timestamp=NOW - 60), now=NOW, tolerance=30)


def test_rotated_secrets() -> None:
    old, new = "the old secret", "the new secret"
    for secret in (old, new):
        verify([new, old], BODY, signed(secret=secret), now=NOW)
    with pytest.raises(WebhookRefused, match="wrong signature"):
        verify([new], BODY, signed(secret=old), now=NOW)


@pytest.mark.parametrize("secrets", ["", [], ["a secret", ""]])
def test_no_secret_never_verifies(secrets: str | list[str]) -> None:
    with pytest.raises(ValueError, match="no webhook secret"):
        verify(secrets, BODY, signed(secret=""), now=NOW)


# --- replays within the window: the service's guard is its store -------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            store = Store(tmp_path / "newsvoice.sqlite3", migrate=True)
        else:
            store = Store(stack.enter_context(postgres_database()), migrate=True)
        yield store
        store.close()


def test_replay_within_the_window_is_refused(store: Store) -> None:
    now = int(time.time())  # the store forgets by its own clock
    headers = signed(timestamp=now)
    verify(SECRET, BODY, headers, now=now, replay=store)
    with pytest.raises(WebhookRefused, match="replayed"):
        verify(SECRET, BODY, headers, now=now + 10, replay=store)
    # The same event sent again by the CMS is signed anew: a new timestamp, another signature.
    verify(SECRET, BODY, signed(timestamp=now + 1), now=now + 10, replay=store)
    # Past the window the timestamp alone refuses a replay, so the guard may forget it.
    with pytest.raises(WebhookRefused, match="too old"):
        verify(SECRET, BODY, headers, now=now + TOLERANCE + 1, replay=store)


def test_refused_requests_are_not_remembered(store: Store) -> None:
    now = int(time.time())
    headers = signed(timestamp=now)
    with pytest.raises(WebhookRefused, match="wrong signature"):
        verify(SECRET, BODY + b" ", headers, now=now, replay=store)
    verify(SECRET, BODY, headers, now=now, replay=store)


def test_guard_forgets_expired_signatures(store: Store) -> None:
    now = int(time.time())
    assert not store.seen("a", now)
    assert not store.seen("b", now - TOLERANCE - 1), "expired as soon as recorded"
    assert store.seen("a", now)
    assert not store.seen("b", now - TOLERANCE - 1), "b forgotten, a kept"


def test_guard_is_thread_safe(store: Store) -> None:
    now = int(time.time())
    accepted: list[bool] = []
    start = threading.Barrier(8)

    def send() -> None:
        start.wait()
        accepted.extend(not store.seen(f"signature-{n}", now) for n in range(50))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert accepted.count(True) == 50 and len(accepted) == 400
    assert all(store.seen(f"signature-{n}", now) for n in range(50))


# --- the event ---------------------------------------------------------------------------------


def test_event_payloads() -> None:
    event = WebhookEvent.model_validate_json(BODY)
    assert (event.event, event.url, event.id, event.html, event.text, event.tags) == (
        "publish",
        "https://news.example/bridge",
        None,
        None,
        None,
        None,  # no tags given: an update keeps the article's
    )
    update = WebhookEvent.model_validate(
        {
            "event": "update",
            "url": " http://news.example/b ",
            "id": "a1_B-2",
            "html": "<p>x</p>",
            "tags": [" local "],
        }
    )
    assert (update.url, update.id, update.tags) == ("http://news.example/b", "a1_B-2", ["local"])
    assert WebhookEvent.model_validate({"event": "delete", "url": "https://news.example/b"}).event == "delete"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"event": "archive", "url": "https://news.example/b"}, "event"),
        ({"event": "publish"}, "url"),
        ({"event": "publish", "url": "ftp://news.example/b"}, "must be an http or https URL"),
        ({"event": "publish", "url": "https://"}, "must be an http or https URL"),
        ({"event": "publish", "url": "https://news.example/b", "extra": 1}, "extra"),
        ({"event": "publish", "url": "https://news.example/b", "id": "../../etc"}, "id"),
        (
            {"event": "publish", "url": "https://news.example/b", "html": "<p>", "text": "x"},
            "either html or text",
        ),
        (
            {"event": "delete", "url": "https://news.example/b", "text": "x"},
            "delete event carries no content",
        ),
        ({"event": "publish", "url": "https://news.example/b", "tags": [" "]}, "tags"),
        ({"event": "publish", "url": "https://news.example/b", "tags": ["t"] * 21}, "tags"),
    ],
)
def test_bad_payloads_are_refused(payload: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        WebhookEvent.model_validate(payload)
