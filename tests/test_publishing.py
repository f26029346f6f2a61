"""Publishing controls: edits keep what they do not change, on every write path and both
databases; embargoes and drafts; voices, intros and outros per site and per article."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import idle_service, install_piper_voice, postgres_database
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


# --- embargoes and drafts ----------------------------------------------------------------------

EMBARGOED = (
    "Harbour bridge tolls to rise in May\n\n"
    "The toll for cars on the harbour bridge will rise in May, the council said on Monday."
)


def visible(
    client: TestClient, article: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, bool]:
    """Where ARTICLE can be found by a reader (with HEADERS: an API key's)."""
    api, guid = f"/api/articles/{article['id']}", f"newsvoice:{article['id']}"
    listed = client.get("/api/articles", headers=headers).json()["articles"]
    searched = client.get("/api/articles", params={"q": "toll"}, headers=headers).json()["articles"]
    return {
        "read": client.get(api, headers=headers).status_code == 200,
        "listed": article["id"] in [a["id"] for a in listed],
        "searched": article["id"] in [a["id"] for a in searched],
        "feed": guid.encode() in client.get("/feed.xml").content,
        "site feed": guid.encode() in client.get("/sites/coastal.example/feed.xml").content,
        "tag feed": guid.encode() in client.get("/tags/harbour/feed.xml").content,
        **{
            name: client.get(f"{api}/{name}", headers=headers).status_code == 200
            for name in (
                "audio.mp3",
                "audio.opus",
                "timings.json",
                "transcript.vtt",
                "stream.mp3",
                "versions",
            )
        },
        "page": client.get(f"/articles/{article['id']}").status_code == 200,
        "dashboard": article["title"].encode() in client.get("/").content,
    }


def test_an_embargoed_article_is_published_by_the_clock(tmp_path: Path, normalizer) -> None:
    import time
    from datetime import UTC, datetime

    from conftest import running, wait_for_job

    with running(tmp_path, normalizer) as (client, headers):
        public = {"url": "https://coastal.example/public", "text": EMBARGOED.replace("May", "June")}
        client.post("/api/articles", json={**public, "tags": ["harbour"]}, headers=headers)
        at = time.time() + 20
        when = datetime.fromtimestamp(at, UTC).isoformat()
        submission = {"url": "https://coastal.example/toll", "text": EMBARGOED, "tags": ["harbour"]}
        answer = client.post("/api/articles", json={**submission, "publish_at": when}, headers=headers)
        assert answer.status_code == 202, answer.text
        article = answer.json()["article"]
        assert (article["draft"], article["public"]) == (False, False)
        assert wait_for_job(client, answer.json()["job"])["status"] == "done"  # narrated at once

        assert time.time() < at, "the narration took longer than the embargo: the test proves nothing"
        hidden = visible(client, article)
        assert not any(hidden.values()), hidden
        with_key = visible(client, article, headers)
        assert all(with_key[name] for name in ("read", "listed", "searched", "audio.mp3", "timings.json")), (
            with_key
        )

        time.sleep(at - time.time() + 1.5)  # no request in between: the clock publishes it
        shown = visible(client, article)
        assert all(shown.values()), shown
        assert client.get(f"/api/articles/{article['id']}").json()["public"] is True


def test_drafts_are_published_and_unpublished_by_the_api_and_the_webhook(service) -> None:
    client, headers = service
    draft = submitted(client, headers, draft=True, tags=["harbour"])
    assert (draft["draft"], draft["public"], draft["publish_at"]) == (True, False, None)

    def listed() -> bool:
        return draft["id"] in [a["id"] for a in client.get("/api/articles").json()["articles"]]

    assert not listed() and client.get(f"/api/articles/{draft['id']}").status_code == 404
    assert client.get(f"/api/articles/{draft['id']}", headers=headers).status_code == 200
    assert (
        client.get(f"/api/articles/{draft['id']}", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )

    assert client.post(f"/api/articles/{draft['id']}/publish").status_code == 401  # a key is needed
    published = client.post(f"/api/articles/{draft['id']}/publish", headers=headers).json()
    assert (published["draft"], published["public"]) == (False, True) and listed()
    client.post(f"/api/articles/{draft['id']}/unpublish", headers=headers)
    assert not listed()
    later = client.post(
        f"/api/articles/{draft['id']}/publish", json={"at": "2099-01-01T00:00:00Z"}, headers=headers
    ).json()
    assert later["publish_at"].startswith("2099-01-01") and not later["public"] and not listed()

    # An edit keeps it as it was; the webhook publishes (now) and unpublishes.
    edit(client, headers, "put", draft)
    assert not listed()
    answer = webhook(client, {"event": "publish", "url": URL, "text": EDITED})
    assert answer.status_code == 202 and answer.json()["article"]["public"] and listed()
    answer = webhook(client, {"event": "unpublish", "url": URL})
    assert answer.json() == {"unpublished": True} and not listed()
    assert client.get(f"/api/articles/{draft['id']}", headers=headers).status_code == 200  # kept
    answer = webhook(client, {"event": "update", "url": URL, "text": FIRST})
    assert not answer.json()["article"]["public"] and not listed()
    answer = webhook(
        client, {"event": "publish", "url": URL, "text": FIRST, "publish_at": "2099-01-01T00:00:00"}
    )
    assert answer.json()["article"]["publish_at"].startswith("2099-01-01") and not listed()


# --- voices, intros and outros per site and per article ------------------------------------------

COASTAL_VOICE = "en_GB-coastal-medium"


@pytest.fixture
def second_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A second installed Piper voice, made of the shipped one's files under another name, its
    config saying another espeak voice (British English): nothing is downloaded."""
    voices = tmp_path / "data" / "newsvoice" / "voices"
    voices.mkdir(parents=True)
    install_piper_voice(voices / f"{COASTAL_VOICE}.onnx", "en-gb-x-rp")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return COASTAL_VOICE


def test_sites_and_articles_choose_their_voice_intro_and_outro(
    tmp_path: Path, normalizer, second_voice: str
) -> None:
    from conftest import running, wait_for_job

    sites = {
        "The Coastal Herald": {
            "hosts": ["coastal.example"],
            "voice": second_voice,
            "intro": "From The Coastal Herald.",
            "outro": "Thanks for listening.",
            "disclosure": "Read by a synthetic voice.",
        },
        "Harbour Times": {"hosts": ["harbour.example"]},
    }
    with running(tmp_path / "server", normalizer, sites=sites, voice="joe") as (client, headers):
        voices = {v["name"]: v for v in client.get("/api/voices").json()["voices"]}
        assert voices[second_voice] == {"name": second_voice, "language": "en-gb-x-rp", "sample_rate": 22050}
        default = "en_US-joe-medium"  # the deployment's voice
        assert voices[default]["language"] == "en-us"

        answer = client.post("/api/articles", json={"text": FIRST, "voice": "nobody"}, headers=headers)
        assert answer.status_code == 422
        assert "no installed voice is named 'nobody'; the installed voices: " in answer.json()["detail"]
        assert second_voice in answer.json()["detail"] and default in answer.json()["detail"]

        def narrated(**fields: Any) -> dict[str, Any]:
            answer = client.post("/api/articles", json={"text": FIRST, **fields}, headers=headers)
            assert answer.status_code == 202, answer.text
            job = wait_for_job(client, answer.json()["job"])
            assert job["status"] == "done", job
            return client.get(f"/api/articles/{job['article']}/timings.json").json()

        coastal = narrated(url="https://coastal.example/a")
        harbour = narrated(url="https://www.Harbour.example/b")
        chosen = narrated(
            url="https://harbour.example/c", voice=second_voice, intro="Good morning.", disclosure=""
        )

    said = {
        name: [(s["kind"], s["text"]) for s in timings["segments"]]
        for name, timings in {"coastal": coastal, "harbour": harbour, "chosen": chosen}.items()
    }
    assert (
        coastal["voice"] == second_voice and harbour["voice"] == default and chosen["voice"] == second_voice
    )
    assert said["coastal"][0] == ("intro", "From The Coastal Herald.")
    assert said["coastal"][-2:] == [
        ("outro", "Thanks for listening."),
        ("disclosure", "Read by a synthetic voice."),
    ]
    assert said["harbour"][0][0] == "title" and said["harbour"][-1] == (
        "disclosure",
        "This audio was generated by an AI voice.",
    )
    assert said["chosen"][0] == ("intro", "Good morning.") and said["chosen"][-1][0] == "sentence"
    # The same sentence by two voices: two recordings (the cache keys them by voice and config).
    first = {
        name: next(segment for segment in timings["segments"] if segment["kind"] == "sentence")
        for name, timings in {"coastal": coastal, "harbour": harbour}.items()
    }
    assert first["coastal"]["text"] == first["harbour"]["text"]
    assert first["coastal"]["words"] != first["harbour"]["words"]


# --- corrections said aloud ------------------------------------------------------------------------


def test_a_site_can_say_an_article_was_updated(tmp_path: Path, normalizer) -> None:
    from conftest import running, wait_for_job

    from newsvoice.server.jobs import correction_note

    assert (
        correction_note(1796133900, "Europe/London") == "This article was updated on December 1 at 2:05 pm."
    )
    assert (
        correction_note(1796133900, "America/New_York")
        == "This article was updated on December 1 at 9:05 am."
    )
    sites = {"The Coastal Herald": {"hosts": ["coastal.example"], "corrections": "start", "timezone": "UTC"}}
    with running(tmp_path / "server", normalizer, sites=sites) as (client, headers):
        first = client.post("/api/articles", json={"url": URL, "text": FIRST}, headers=headers)
        article = first.json()["article"]["id"]
        wait_for_job(client, first.json()["job"])
        timings = client.get(f"/api/articles/{article}/timings.json").json()
        assert timings["segments"][0]["kind"] == "title"  # the first version: nothing to correct
        edited = client.put(f"/api/articles/{article}", json={"text": EDITED}, headers=headers)
        wait_for_job(client, edited.json()["job"])
        timings = client.get(f"/api/articles/{article}/timings.json").json()
        note = timings["segments"][0]
        assert note["kind"] == "correction" and note["text"].startswith("This article was updated on ")
        assert timings["segments"][1]["text"] == "Bridge tolls rise again"
