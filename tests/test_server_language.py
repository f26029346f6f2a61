"""The language through the service, as a user meets it: an article no installed voice can read
is refused with the reason (or, through the webhook, its job fails with it), never published
as gibberish or as its disclosure alone; narration warnings are shown in the API and on the
article's page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import running, wait_for_job
from test_language import ARABIC_TEXT, FRENCH_HTML, FRENCH_TEXT

from newsvoice import kokoro
from newsvoice.webhook import sign

FRENCH_REFUSAL = (
    "the article is in French (fr), and no installed voice speaks it "
    "(the voices speak English (en-us)); install a Piper voice for it"
)
ARABIC_REFUSAL = (
    "the article is in Arabic (ar), and no installed voice speaks it "
    "(the voices speak English (en-us)); install a Piper voice for it"
)
SECRET = "webhook-secret-for-language-tests"


@pytest.fixture(autouse=True, scope="module")
def _piper_only() -> Iterator[None]:
    """French refused, as an install without Kokoro's packages refuses it (with them, a Kokoro
    voice reads it: see test_server_kokoro.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kokoro, "available", lambda: False)
        yield


def test_a_french_page_is_refused_with_the_reason(api: httpx.Client, api_key: dict) -> None:
    submission = {"html": FRENCH_HTML, "url": "https://quotidien.example/ecoles"}
    answer = api.post("/api/articles", json=submission, headers=api_key)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == FRENCH_REFUSAL
    assert api.get("/api/articles", params={"q": "écoles"}).json()["total"] == 0  # nothing stored


def test_an_arabic_text_is_refused_not_published_as_its_disclosure(api: httpx.Client, api_key: dict) -> None:
    answer = api.post("/api/articles", json={"text": ARABIC_TEXT}, headers=api_key)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == ARABIC_REFUSAL


def test_a_page_mislabelled_english_is_refused_too(api: httpx.Client, api_key: dict) -> None:
    """A template's lang="en" on a page in Arabic letters."""
    title, *paragraphs = [line for line in ARABIC_TEXT.splitlines() if line]
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs * 4)
    page = (
        f'<html lang="en"><head><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )
    answer = api.post("/api/articles", json={"html": page}, headers=api_key)
    assert answer.status_code == 422 and answer.json()["detail"] == ARABIC_REFUSAL


def test_an_english_article_is_narrated_without_warnings(published: dict) -> None:
    assert published["language"] == "en"
    assert published["status"] == "done" and published["warnings"] == []
    assert published["job"]["warnings"] == []


def test_narration_warnings_are_shown_in_the_api_and_on_the_page(api: httpx.Client, api_key: dict) -> None:
    text = (
        "Ferry fares rise on the island routes\n\n"
        "The ferry company raised its fares on Monday, its chief executive Tanaka 田中 said. "
        "Commuters were not pleased with the news.\n"
    )
    answer = api.post("/api/articles", json={"text": text}, headers=api_key)
    assert answer.status_code == 202, answer.text
    job = wait_for_job(api, answer.json()["job"])
    warning = "dropped characters the voice cannot say: 中田"
    assert job["status"] == "done" and job["warnings"] == [warning]
    article = api.get(f"/api/articles/{job['article']}").json()
    assert article["warnings"] == [warning]
    page = api.get(f"/articles/{job['article']}").text
    assert "Narrated with 1 warning:" in page and f"<li>{warning}</li>" in page
    assert "1 warning</small>" in api.get("/").text  # the dashboard's list of articles


def test_through_the_webhook_the_job_fails_at_once_with_the_reason(tmp_path: Path, voice, normalizer) -> None:
    """A CMS is not refused (it would retry, or drop the event): the article is kept, and its
    job fails, with the reason, on the first try."""
    settings = {"webhook_secrets": (SECRET,), "attempts": 3, "backoff": 60}
    with running(tmp_path, normalizer, **settings) as (client, _):
        event = {"event": "publish", "url": "https://quotidien.example/ecoles", "text": FRENCH_TEXT}
        body = json.dumps(event).encode()
        headers = sign(SECRET, body) | {"Content-Type": "application/json"}
        answer = client.post("/api/webhook", content=body, headers=headers)
        assert answer.status_code == 202, answer.text
        job = wait_for_job(client, answer.json()["job"])
        assert (job["status"], job["error"], job["attempts"]) == ("failed", FRENCH_REFUSAL, 1)
        article = client.get(f"/api/articles/{job['article']}").json()
        assert article["language"] == "fr" and not article["published"]
        assert FRENCH_REFUSAL in client.get(f"/articles/{job['article']}").text
