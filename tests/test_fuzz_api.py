"""Fuzzing every route of the API (from the app's OpenAPI schema): its path and query parameters
and JSON bodies, with NUL, lone surrogates, control characters, huge and negative numbers and
long strings. Whatever is sent, the answer is never the server's error (5xx)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from conftest import idle_service, postgres_database, service_runtime
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from newsvoice.server import create_app
from newsvoice.webhook import sign

SECRET = "fuzz-secret"
METHODS = ("get", "post", "put", "delete")
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\x1b[0m",
    "\x7f",
    "\u202e",
    "😀",
    "x" * 5000,
    "../..",
    "%00",
    "'; DROP TABLE articles; --",
    "http://127.0.0.1:1/x\x00",
]
NUMBERS = [-1, 0, 1, 2**31, 2**63, 2**64, 10**30, -(10**30)]

texts = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(st.characters(categories=["Cs", "Cc", "Zs", "Ll"]), max_size=20),
)
numbers = st.one_of(st.sampled_from(NUMBERS), st.integers(-10, 2_000_000), st.integers())
urls = st.one_of(
    texts,
    st.builds(lambda path: f"http://127.0.0.1/{path}", texts),  # refused, not fetched: a private address
    st.sampled_from(["http://[::1]/", "https://10.0.0.1/a", "ftp://x/"]),
)
articles = st.builds(lambda title, body: f"{title}\n\n{body}", texts, texts)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.floats() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "url": urls,
    "html": st.one_of(texts, st.builds(lambda text: f"<article><h1>T</h1><p>{text}</p></article>", texts)),
    "text": st.one_of(texts, articles),
    "tags": st.lists(texts, max_size=25),
    "event": st.one_of(st.sampled_from(["publish", "update", "delete"]), texts),
    "interval": st.one_of(numbers, st.floats()),
}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every route of the schema: its method, path and operation."""
    with tempfile.TemporaryDirectory() as data_dir:
        schema = create_app(service_runtime(data_dir=data_dir)).openapi()
    operations = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    return [(method, path, _resolved(operation, schema)) for method, path, operation in operations]


def _resolved(operation: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """OPERATION with its body's schema, a reference into the components, looked up."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body and "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return operation | {"body": body}


OPERATIONS = _operations()


def _value(parameter: dict[str, Any], known: str) -> st.SearchStrategy[Any]:
    kind = parameter.get("schema", {})
    kinds = [option.get("type") for option in kind.get("anyOf", [kind])]
    if parameter["in"] == "path" and "integer" not in kinds:
        return st.one_of(st.just(known), texts)  # an id: the known article's, or anything
    return st.one_of(numbers, texts) if "integer" in kinds else st.one_of(texts, numbers)


def _body(body: dict[str, Any]) -> st.SearchStrategy[Any]:
    fields = {name: FIELDS.get(name, json_values) for name in body.get("properties", {})}
    return st.one_of(
        st.fixed_dictionaries({}, optional=fields),
        st.fixed_dictionaries({}, optional=fields | {"extra": json_values}),
        json_values,
    )


@st.composite
def requests(draw: st.DrawFn, operation: dict[str, Any], path: str, known: str) -> tuple[str, Any]:
    """A URL (path and query) and a JSON body (None for none) for OPERATION on PATH."""
    if path.endswith("/stream.mp3"):
        known = "unknown"  # its narration is queued, and never made here: listening would wait
    query = []
    for parameter in operation.get("parameters", []):
        value = draw(_value(parameter, known))
        encoded = str(value).encode("utf-8", "surrogatepass")
        if parameter["in"] == "path":
            path = path.replace(f"{{{parameter['name']}}}", quote(encoded, safe="") or "x")
        elif parameter["in"] == "query" and draw(st.booleans()):
            query.append((parameter["name"], encoded))
    url = f"{path}?{urlencode(query)}" if query else path
    return url, draw(_body(operation["body"])) if operation["body"] else None


def send(client: TestClient, headers: dict[str, str], method: str, url: str, body: Any) -> int:
    content = None if body is None else json.dumps(body).encode()  # lone surrogates as \\ud800
    request_headers = dict(headers) | {"Content-Type": "application/json"}
    if url == "/api/webhook" and content is not None:
        request_headers |= sign(SECRET, content)
    return client.request(method, url, content=content, headers=request_headers).status_code


@pytest.fixture(scope="module")
def sqlite_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    with idle_service(tmp_path_factory.mktemp("fuzz"), webhook_secrets=SECRET) as running:
        yield running


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_no_route_answers_a_server_error(
    sqlite_service: tuple[TestClient, dict[str, str], str], method: str, path: str, operation: dict[str, Any]
) -> None:
    client, headers, known = sqlite_service

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(request=requests(operation, path, known))
    def fuzz(request: tuple[str, Any]) -> None:
        url, body = request
        status = send(client, headers, method, url, body)
        assert status < 500, (method, url, body)

    fuzz()


def test_postgresql_answers_no_server_error(tmp_path: Path) -> None:
    """A shorter pass on PostgreSQL, which refuses NUL in text where SQLite cut strings at it."""
    with (
        postgres_database() as database,
        idle_service(tmp_path, database=database, webhook_secrets=SECRET) as (client, headers, known),
    ):

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(data=st.data())
        def fuzz(data: st.DataObject) -> None:
            method, path, operation = data.draw(st.sampled_from(OPERATIONS))
            url, body = data.draw(requests(operation, path, known))
            status = send(client, headers, method, url, body)
            assert status < 500, (method, url, body)

        fuzz()


def test_an_unexpected_error_is_500_in_json(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """What none of the above found: a bug is still answered in JSON, logged with its
    traceback, and the client's next request is answered."""
    with idle_service(tmp_path) as (client, _, known):
        newsroom = client.app.state.newsroom  # type: ignore[attr-defined]

        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("a bug")

        newsroom.articles = broken
        answer = client.get("/api/articles")
        assert answer.status_code == 500 and answer.json() == {"detail": "internal server error"}
        assert "RuntimeError: a bug" in caplog.text
        assert client.get(f"/api/articles/{known}").status_code == 200


def test_the_database_out_of_reach_is_503_with_a_retry(tmp_path: Path) -> None:
    """A database restarting or failing over is not a bug: 503 and Retry-After, not 500."""
    with idle_service(tmp_path) as (client, _, known):
        newsroom = client.app.state.newsroom  # type: ignore[attr-defined]

        def away(*args: Any, **kwargs: Any) -> None:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

        newsroom.articles = away
        answer = client.get("/api/articles")
        assert answer.status_code == 503 and "database is unreachable" in answer.json()["detail"]
        assert answer.headers["retry-after"] == "5"
        assert client.get(f"/api/articles/{known}").status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/watches", b'{"url": "https://news.example/feed.xml", "interval": NaN}'),
        ("/api/watches", b'{"url": "https://news.example/feed.xml", "interval": -Infinity}'),
        ("/api/articles", b'{"text": "Title\\ud800\\n\\nWords."}'),
    ],
)
def test_what_json_cannot_carry_is_refused_in_json(tmp_path: Path, path: str, body: bytes) -> None:
    with idle_service(tmp_path) as (client, headers, _):
        answer = client.post(path, content=body, headers=headers | {"Content-Type": "application/json"})
        assert answer.status_code == 422 and answer.json()["detail"]


def test_feeds_refuse_nul_on_postgresql(tmp_path: Path) -> None:
    """The pages are not in the OpenAPI schema: their feeds' names, checked here."""
    with postgres_database() as database, idle_service(tmp_path, database=database) as (client, _, _):
        for path in ("/sites/a%00b/feed.xml", "/tags/a%00b/feed.xml", "/sites/%ED%A0%80/feed.xml"):
            assert client.get(path).status_code < 500, path
