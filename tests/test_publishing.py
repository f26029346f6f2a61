"""Publishing controls: edits keep what they do not change, on every write path and both
databases; embargoes and drafts; voices, intros and outros per site and per article."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import idle_service, postgres_database
from fastapi.testclient import TestClient

from newsvoice.sources import Document
from newsvoice.voice import list_voices
from newsvoice.webhook import sign

SECRET = "publishing-webhook-secret"
URL = "https://coastal.example/news/bridge"
FIRST = "Bridge tolls rise\n\nThe toll for cars on the harbour bridge will rise in May, the council said."
EDITED = "Bridge tolls rise again\n\nThe toll for cars on the harbour bridge will rise twice this year."
METADATA = {
    "authors": ["Ann Reporter", "Bo Writer"],
    "date": "2026-11-02T09:30:00+01:00",
    "site": "The Coastal Herald",
    "description": "Tolls go up.",
    "image": "https://coastal.example/lead.jpg",
    "language": "en",
}
KEPT = {"authors", "date", "site", "description", "image", "language", "url", "tags", "draft", "publish_at"}


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The service on SQLite or PostgreSQL, nothing narrated: a client and a key's headers."""
    with contextlib.ExitStack() as stack:
        settings: dict[str, Any] = {"webhook_secrets": (SECRET,)}
        if request.param == "postgresql":
            settings["database"] = stack.enter_context(postgres_database())
        client, headers, _ = stack.enter_context(idle_service(tmp_path / "server", **settings))
        yield client, headers


def webhook(client: TestClient, event: dict[str, Any]) -> Any:
    body = json.dumps(event).encode()
    headers = sign(SECRET, body) | {"Content-Type": "application/json"}
    return client.post("/api/webhook", content=body, headers=headers)


def submitted(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    answer = client.post("/api/articles", json={"url": URL, "text": FIRST, **fields}, headers=headers)
    assert answer.status_code == 202, answer.text
    return answer.json()["article"]


def edit(client: TestClient, headers: dict[str, str], path: str, article: dict[str, Any]) -> dict[str, Any]:
    """ARTICLE given the text EDITED by one write path, saying nothing else."""
    if path == "put":
        answer = client.put(f"/api/articles/{article['id']}", json={"text": EDITED}, headers=headers)
    elif path == "resubmit":
        answer = client.post("/api/articles", json={"url": URL, "text": EDITED}, headers=headers)
    elif path == "webhook":
        answer = webhook(client, {"event": "update", "url": URL, "text": EDITED})
    else:  # a watched feed's changed item, as its watcher submits it
        newsroom = client.app.state.newsroom
        feed = newsroom.watch("https://coastal.example/feed.xml", tags=["watched"])
        newsroom.watcher._submit(Document(EDITED, "text", url=URL, name="the item"), feed)
        return client.get(f"/api/articles/{article['id']}", headers=headers).json()
    assert answer.status_code == 202, answer.text
    return answer.json()["article"]


@pytest.mark.parametrize("path", ["put", "resubmit", "webhook", "watcher"])
def test_an_edit_keeps_what_it_does_not_change(service, path: str) -> None:
    client, headers = service
    voice = list_voices()[0].name
    narration = {"voice": voice, "intro": "From The Coastal Herald.", "outro": "Thanks.", "disclosure": ""}
    first = submitted(client, headers, tags=["business", "tech"], **METADATA, **narration)
    assert {name: first[name] for name in METADATA} == METADATA
    assert first["narration"] == narration

    edited = edit(client, headers, path, first)
    assert edited["id"] == first["id"] and edited["title"] == "Bridge tolls rise again"
    for name in KEPT - {"tags"}:
        assert edited[name] == first[name], name
    assert edited["tags"] == (["business", "tech", "watched"] if path == "watcher" else ["business", "tech"])
    assert edited["narration"] == narration
    assert edited["job"]["status"] == "queued"  # narrated again
    found = client.get("/api/articles", params={"tag": "tech"}).json()
    assert [a["id"] for a in found["articles"]] == [first["id"]]


@pytest.mark.parametrize("path", ["put", "webhook"])
def test_an_edit_sets_what_it_says(service, path: str) -> None:
    client, headers = service
    first = submitted(client, headers, tags=["business"], **METADATA)
    change = {"tags": [], "authors": [], "date": "2026-11-03", "site": "Herald", "description": ""}
    if path == "put":
        answer = client.put(f"/api/articles/{first['id']}", json={"text": EDITED, **change}, headers=headers)
    else:
        answer = webhook(client, {"event": "update", "url": URL, "text": EDITED, **change})
    edited = answer.json()["article"]
    assert (edited["tags"], edited["authors"], edited["date"]) == ([], [], "2026-11-03")
    assert (edited["site"], edited["description"]) == ("Herald", None)
    assert (edited["image"], edited["url"], edited["language"]) == (METADATA["image"], URL, "en")


def test_the_same_text_again_keeps_everything(service) -> None:
    client, headers = service
    first = submitted(client, headers, tags=["business"], **METADATA)
    again = client.post("/api/articles", json={"url": URL, "text": FIRST}, headers=headers).json()
    assert again["changed"] is False
    assert {name: again["article"][name] for name in KEPT} == {name: first[name] for name in KEPT}
