"""The service's JSON API through the real app on a real socket: every endpoint and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from conftest import SERVER_TEXT, audio_file, wait_for_job

from newsvoice.script import DEFAULT_DISCLOSURE

SECOND_TEXT = (
    "Library opens late on Sundays\n\nThe city library will open until nine in the evening on Sundays.\n"
)


# --- keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/articles"),
        ("PUT", "/api/articles/abc"),
        ("DELETE", "/api/articles/abc"),
        ("POST", "/api/jobs/abc/retry"),
    ],
)
def test_writes_need_a_key(api: httpx.Client, method: str, path: str) -> None:
    body = {"text": SERVER_TEXT}
    for headers in ({}, {"Authorization": "Bearer nv_not-a-key"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        answer = api.request(method, path, json=body, headers=headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "API key" in answer.json()["detail"]


def test_revoked_key_stops_working(api: httpx.Client, server_dir: Path) -> None:
    from newsvoice.server.keys import create_key, revoke_key
    from newsvoice.server.store import Store

    store = Store(server_dir / "newsvoice.sqlite3")
    record, token = create_key(store, "short-lived")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.post("/api/articles", json={}, headers=headers).status_code == 422  # past the key check
    revoke_key(store, str(record.id))
    store.close()
    answer = api.post("/api/articles", json={}, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "unknown or revoked API key"}


# --- submitting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "give the article's url, html or text"),
        ({"html": "<p>x</p>", "text": "x"}, "give either html or text, not both"),
        ({"url": "ftp://example.com/story"}, "must be an http or https URL"),
        ({"url": "javascript:alert(1)"}, "must be an http or https URL"),
        ({"text": SERVER_TEXT, "colour": "x"}, "Extra inputs are not permitted"),
        ({"text": SERVER_TEXT, "voice": "x"}, "no installed voice is named 'x'; the installed voices: "),
        (
            {"text": SERVER_TEXT, "draft": True, "publish_at": "2030-01-01T00:00:00Z"},
            "a draft has no publish_at",
        ),
        ({"text": SERVER_TEXT, "tags": ["x"] * 21}, "at most 20 items"),
        ({"text": SERVER_TEXT, "tags": [""]}, "at least 1 character"),
        ({"text": 42}, "valid string"),
    ],
)
def test_submit_validation(api: httpx.Client, api_key: dict, body: dict, message: str) -> None:
    answer = api.post("/api/articles", json=body, headers=api_key)
    assert answer.status_code == 422, answer.text
    assert message in json.dumps(answer.json()["detail"])


def test_submit_malformed_json(api: httpx.Client, api_key: dict) -> None:
    headers = {**api_key, "Content-Type": "application/json"}
    answer = api.post("/api/articles", content=b'{"text": "unterminated', headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["msg"] == "JSON decode error"


@pytest.mark.parametrize(
    "body", [{"text": "   \n\n  "}, {"html": "<html><body><nav><a href='/'>Home</a></nav></body></html>"}]
)
def test_submit_without_an_article(api: httpx.Client, api_key: dict, body: dict) -> None:
    answer = api.post("/api/articles", json=body, headers=api_key)
    assert answer.status_code == 422
    assert "no article found" in answer.json()["detail"]


def test_request_body_limit(api: httpx.Client, api_key: dict) -> None:
    big = json.dumps({"text": "word " * 60_000}).encode()  # 300 KB: over the test server's 256 KiB
    headers = {**api_key, "Content-Type": "application/json"}
    declared = api.post("/api/articles", content=big, headers=headers)
    assert declared.status_code == 413
    assert declared.json() == {"detail": "request body larger than 262144 bytes"}

    def chunks():  # no Content-Length: counted as it arrives
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = api.post("/api/articles", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert streamed.json() == {"detail": "request body larger than 262144 bytes"}


def test_submit_answers_with_article_and_job(published: dict) -> None:
    assert published["title"] == "Harbour bridge reopens after repairs"
    assert published["status"] == "done" and published["published"] is True
    assert published["tags"] == ["transport"]
    assert 5 < published["duration"] < 30
    job = published["job"]
    assert job["status"] == "done" and job["error"] is None and job["previous_errors"] == []
    assert job["progress"]["done"] == job["progress"]["total"] >= 4
    assert job["started"] and job["finished"]
    links = published["links"]
    base = links["self"]
    assert links["mp3"] == f"{base}/audio.mp3" and links["opus"] == f"{base}/audio.opus"
    assert links["transcript"] == f"{base}/transcript.vtt" and links["timings"] == f"{base}/timings.json"
    assert links["stream"] == f"{base}/stream.mp3"


def library_page(hours: str) -> str:
    body = (
        f"The city library will stay open until {hours} in the evening on Sundays from next month,"
        " the council said on Tuesday. Readers had asked for longer weekend hours for years, and a"
        " survey last spring found that most of them could only visit at the weekend. The change"
        " costs little, the council said, because volunteers will staff the reading rooms."
    )
    return (
        "<html><head><title>Library opens late</title></head><body><article><h1>Library opens late</h1>"
        f"<p>{body}</p></article></body></html>"
    )


def test_html_with_url_is_not_fetched_and_resubmitting_it_edits(api: httpx.Client, api_key: dict) -> None:
    # The address is unreachable: with html given, the URL only names the article.
    url = "https://news.invalid/library-sundays"
    first = api.post("/api/articles", json={"url": url, "html": library_page("nine")}, headers=api_key)
    assert first.status_code == 202, first.text
    again = api.post("/api/articles", json={"url": url, "html": library_page("ten")}, headers=api_key)
    assert again.status_code == 202
    assert again.json()["article"]["id"] == first.json()["article"]["id"]
    assert again.json()["article"]["site"] == "news.invalid"
    assert again.json()["article"]["url"] == url
    for answer in (first, again):
        assert wait_for_job(api, answer.json()["job"])["status"] == "done"
    article_id = first.json()["article"]["id"]
    assert "until ten" in api.get(f"/api/articles/{article_id}/transcript.vtt").text
    assert api.delete(f"/api/articles/{article_id}", headers=api_key).status_code == 204


# --- reading -----------------------------------------------------------------------------------


def test_get_article(api: httpx.Client, published: dict) -> None:
    answer = api.get(f"/api/articles/{published['id']}", headers={"Origin": "https://news.example"})
    assert answer.status_code == 200
    assert answer.json()["title"] == published["title"]
    # Publishers' pages elsewhere read it: the player fetches metadata and timings.
    assert answer.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("path", "status"), [("/api/articles/nosuchthing", 404), ("/api/articles/bad.id", 422)]
)
def test_unknown_article(api: httpx.Client, path: str, status: int) -> None:
    for suffix in ("", "/audio.mp3", "/audio.opus", "/transcript.vtt", "/timings.json", "/stream.mp3"):
        answer = api.get(path + suffix)
        assert answer.status_code == status, suffix
        assert answer.headers["content-type"] == "application/json"


def test_list_and_search(api: httpx.Client, published: dict) -> None:
    listed = api.get("/api/articles").json()
    assert published["id"] in [a["id"] for a in listed["articles"]]
    assert listed["total"] >= 1
    for query in ("harbour", "Harb", "corroded cables", "COMMUTERS"):
        found = api.get("/api/articles", params={"q": query}).json()["articles"]
        assert published["id"] in [a["id"] for a in found], query
    for params in ({"q": "zeppelin"}, {"tag": "weather"}, {"status": "failed"}, {"q": '"unbalanced AND ('}):
        found = api.get("/api/articles", params=params).json()["articles"]
        assert published["id"] not in [a["id"] for a in found], params
    assert published["id"] in [
        a["id"] for a in api.get("/api/articles?tag=transport&status=done").json()["articles"]
    ]
    assert len(api.get("/api/articles", params={"limit": 1}).json()["articles"]) == 1


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"status": "lost"}, {"limit": "x"}]
)
def test_list_validation(api: httpx.Client, params: dict) -> None:
    assert api.get("/api/articles", params=params).status_code == 422


def test_transcript_and_timings(api: httpx.Client, published: dict) -> None:
    vtt = api.get(published["links"]["transcript"])
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT") and "Commuters welcomed the news." in vtt.text
    timings = api.get(published["links"]["timings"])
    assert timings.headers["content-type"] == "application/json"
    segments = timings.json()["segments"]
    assert [s["kind"] for s in segments] == ["title", "sentence", "sentence", "sentence", "disclosure"]
    assert segments[-1]["text"] == DEFAULT_DISCLOSURE
    assert all(s["words"] for s in segments)


def test_openapi_docs(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    article = "/api/articles/{article_id}"
    for path in (
        "/api/articles",
        article,
        f"{article}/audio.mp3",
        f"{article}/stream.mp3",
        "/api/jobs/{job_id}",
    ):
        assert path in paths, path
    assert "/feed.xml" not in paths  # pages and feeds are not the API
    assert api.get("/docs").status_code == 200


def test_unknown_route_and_method(api: httpx.Client) -> None:
    assert api.get("/api/nothing").json() == {"detail": "Not Found"}
    answer = api.patch("/api/articles")
    assert answer.status_code == 405 and answer.json() == {"detail": "Method Not Allowed"}


# --- audio and byte ranges ---------------------------------------------------------------------


def test_audio_whole(api: httpx.Client, published: dict, server_dir: Path) -> None:
    data = audio_file(server_dir, published).read_bytes()
    answer = api.get(published["links"]["mp3"])
    assert answer.status_code == 200
    assert answer.content == data
    headers = answer.headers
    assert headers["content-type"] == "audio/mpeg"
    assert headers["content-length"] == str(len(data))
    assert headers["accept-ranges"] == "bytes"
    assert headers["etag"].startswith('"') and headers["last-modified"].endswith("GMT")
    assert headers["cache-control"] == "public, max-age=300"
    head = api.head(published["links"]["mp3"])
    assert (
        head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(data))
    )


def test_opus(api: httpx.Client, published: dict, decode, server_dir: Path) -> None:
    answer = api.get(published["links"]["opus"], headers={"Range": "bytes=0-3"})
    assert answer.status_code == 206 and answer.content == b"OggS"
    assert answer.headers["content-type"] == "audio/ogg; codecs=opus"
    audio, rate = decode(audio_file(server_dir, published, "opus"))
    assert rate == 48000 and abs(len(audio) / rate - published["duration"]) < 0.2


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=100-1099", 100, 1099),
        ("bytes=-500", -500, -1),
        ("bytes=1000-", 1000, -1),
        ("bytes=0-999999999", 0, -1),  # past the end: up to the end
        ("bytes = 10 - 19", 10, 19),
    ],
)
def test_range(
    api: httpx.Client, published: dict, server_dir: Path, header: str, first: int, last: int
) -> None:
    data = audio_file(server_dir, published).read_bytes()
    size = len(data)
    first, last = first % size, last % size
    answer = api.get(published["links"]["mp3"], headers={"Range": header})
    assert answer.status_code == 206, answer.text
    assert answer.headers["content-range"] == f"bytes {first}-{last}/{size}"
    assert answer.headers["content-length"] == str(last - first + 1)
    assert answer.content == data[first : last + 1]
    assert answer.headers["etag"] == api.head(published["links"]["mp3"]).headers["etag"]
    assert answer.headers["content-type"] == "audio/mpeg"


def test_multiple_ranges(api: httpx.Client, published: dict, server_dir: Path) -> None:
    data = audio_file(server_dir, published).read_bytes()
    answer = api.get(published["links"]["mp3"], headers={"Range": "bytes=0-9, 20-29"})
    assert answer.status_code == 206
    assert answer.headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert data[0:10] in answer.content and data[20:30] in answer.content
    assert f"Content-Range: bytes 20-29/{len(data)}".encode() in answer.content


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{size}", "bytes=-0"])
def test_range_not_satisfiable(api: httpx.Client, published: dict, server_dir: Path, header: str) -> None:
    size = audio_file(server_dir, published).stat().st_size
    answer = api.get(published["links"]["mp3"], headers={"Range": header.format(size=size)})
    assert answer.status_code == 416
    assert answer.headers["content-range"] == f"bytes */{size}"
    assert "past the end" in answer.json()["detail"]


@pytest.mark.parametrize("header", ["items=0-1", "bytes=5-2", "bytes=abc", "bytes"])
def test_malformed_range(api: httpx.Client, published: dict, header: str) -> None:
    answer = api.get(published["links"]["mp3"], headers={"Range": header})
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("bad Range header")


def test_conditional_requests(api: httpx.Client, published: dict, server_dir: Path) -> None:
    url = published["links"]["mp3"]
    first = api.get(url, headers={"Range": "bytes=0-9"})
    etag = first.headers["etag"]
    cached = api.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == etag
    assert api.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    # If-Range: the range only while the file is the one the client has part of.
    assert api.get(url, headers={"Range": "bytes=0-9", "If-Range": etag}).status_code == 206
    whole = api.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert whole.status_code == 200
    assert len(whole.content) == audio_file(server_dir, published).stat().st_size


# --- jobs --------------------------------------------------------------------------------------


def test_job_status(api: httpx.Client, published: dict) -> None:
    job = api.get(published["job"]["links"]["self"]).json()
    assert job["status"] == "done" and job["article"] == published["id"]
    assert api.get("/api/jobs/nosuchjob").status_code == 404


def test_retry_only_failed_jobs(api: httpx.Client, api_key: dict, published: dict) -> None:
    answer = api.post(f"/api/jobs/{published['job']['id']}/retry", headers=api_key)
    assert answer.status_code == 409
    assert answer.json()["detail"] == "only a failed job can be retried; this one is done"
    assert api.post("/api/jobs/nosuchjob/retry", headers=api_key).status_code == 404


# --- editing and deleting ----------------------------------------------------------------------


def test_replace_keeps_the_id(api: httpx.Client, api_key: dict) -> None:
    first = api.post("/api/articles", json={"text": SECOND_TEXT}, headers=api_key).json()
    article_id = first["article"]["id"]
    wait_for_job(api, first["job"])
    edited = SECOND_TEXT.replace("nine", "ten")
    answer = api.put(f"/api/articles/{article_id}", json={"text": edited, "tags": ["city"]}, headers=api_key)
    assert answer.status_code == 202
    assert answer.json()["article"]["id"] == article_id
    assert answer.json()["job"]["id"] != first["job"]["id"]
    wait_for_job(api, answer.json()["job"])
    vtt = api.get(f"/api/articles/{article_id}/transcript.vtt").text
    assert "until nine" not in vtt and "until ten" in vtt
    assert api.get(f"/api/articles/{article_id}").json()["tags"] == ["city"]
    missing = api.put("/api/articles/nosuchthing", json={"text": edited}, headers=api_key)
    assert missing.status_code == 404
    assert api.delete(f"/api/articles/{article_id}", headers=api_key).status_code == 204


def test_delete(api: httpx.Client, api_key: dict, server_dir: Path) -> None:
    created = api.post("/api/articles", json={"text": SECOND_TEXT}, headers=api_key).json()
    article = created["article"]
    wait_for_job(api, created["job"])
    assert audio_file(server_dir, article).exists()
    answer = api.delete(f"/api/articles/{article['id']}", headers=api_key)
    assert answer.status_code == 204 and answer.content == b""
    assert api.get(f"/api/articles/{article['id']}").status_code == 404
    assert api.get(f"/api/articles/{article['id']}/audio.mp3").status_code == 404
    assert api.get(created["job"]["links"]["self"]).status_code == 404
    assert not list((server_dir / "audio").glob(f"{article['id']}.*"))
    assert api.delete(f"/api/articles/{article['id']}", headers=api_key).status_code == 404
