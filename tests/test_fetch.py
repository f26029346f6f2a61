"""Fetching a URL: a real HTTP client against a local server, one test per way it can go wrong.

The server here (unlike conftest's) sets any header and can stall or stream without a
length, which redirects, charsets, timeouts and size limits need.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsvoice import sources
from newsvoice.errors import NoArticleError, SourceError
from newsvoice.narrate import load_article
from newsvoice.sources import USER_AGENT, fetch_url

TITLE = "Night trains return to the coast line"
PARAGRAPHS = [
    "Night trains will run on the coast line again from next month, the rail operator said on "
    "Monday, five years after the last sleeper service was cut to save money.",
    "The service will leave the capital at eleven in the evening and reach the harbour town "
    "shortly after six, with stops at four stations on the way.",
    "Tickets go on sale next week, priced from thirty euros for a seat and eighty for a bed in "
    "a shared compartment, café car included.",
]
ARTICLE = (
    "<!DOCTYPE html><html lang='en'><head><title>{title}</title></head><body><article>"
    "<h1>{title}</h1>{paragraphs}</article></body></html>"
)


def article_page(title: str = TITLE, paragraphs: list[str] = PARAGRAPHS) -> str:
    return ARTICLE.format(title=title, paragraphs="".join(f"<p>{p}</p>" for p in paragraphs))


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0
    length: bool = True
    """Send a Content-Length header (else the body ends when the connection closes)."""


class Server:
    """An HTTP server on 127.0.0.1 answering each path with its `Route`; it records requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.user_agents: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.user_agents.append(self.headers.get("User-Agent", ""))
                route = server.routes.get(self.path, Route(b"<h1>Not Found</h1>", 404))
                time.sleep(route.delay)
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.length:
                    self.send_header("Content-Length", str(len(route.body)))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    self.wfile.write(route.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


@pytest.fixture(autouse=True)
def _no_proxy(no_proxy: None) -> None:
    """Requests to the local server must not go through a proxy from the environment."""


def serve(server: Server, path: str, route: Route) -> str:
    server.routes[path] = route
    return server.url(path)


# --- what a good fetch does ------------------------------------------------------------------


def test_article_is_fetched_with_an_honest_user_agent(server: Server) -> None:
    url = serve(server, "/news/trains", Route(article_page().encode("utf-8")))
    article = load_article(url)
    assert article.title == TITLE
    assert article.paragraphs == PARAGRAPHS
    assert server.user_agents[-1] == USER_AGENT
    assert USER_AGENT.startswith("newsvoice/")


def test_redirects_are_followed_and_the_final_url_kept(server: Server) -> None:
    target = serve(server, "/news/trains-final", Route(article_page().encode("utf-8")))
    serve(server, "/r/2", Route(status=302, headers={"Location": "/news/trains-final"}))
    start = serve(server, "/r/1", Route(status=301, headers={"Location": "/r/2"}))
    document = fetch_url(start)
    assert document.url == target
    assert document.kind == "html"


def test_plain_text_page_is_read_as_text(server: Server) -> None:
    text = f"{TITLE}\n\n" + "\n\n".join(PARAGRAPHS)
    url = serve(server, "/trains.txt", Route(text.encode("utf-8"), headers={"Content-Type": "text/plain"}))
    article = load_article(url)
    assert article.title == TITLE
    assert article.paragraphs == PARAGRAPHS


# --- charsets: never mojibake ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "content_type", "meta"),
    [
        ("cp1252", "text/html; charset=windows-1252", ""),
        ("cp1252", "text/html", '<meta charset="windows-1252">'),
        ("cp1252", "text/html; charset=ISO-8859-1", ""),  # browsers read "ISO-8859-1" as Windows-1252
        ("utf-8", "text/html; charset=ISO-8859-1", ""),  # a server's default header, wrong for the page
        ("utf-8", "text/html", ""),
        ("cp1252", "text/html", ""),  # nothing declared: detected
    ],
)
def test_charset_is_honoured(server: Server, encoding: str, content_type: str, meta: str) -> None:
    html = article_page().replace("<head>", f"<head>{meta}")
    html = html.replace("café car", "café car — “first class” included")
    url = serve(
        server,
        f"/charset/{encoding}/{len(server.routes)}",
        Route(html.encode(encoding), headers={"Content-Type": content_type}),
    )
    assert "café car — “first class” included" in fetch_url(url).content


def test_multibyte_charset_from_meta(server: Server) -> None:
    html = article_page().replace(
        "<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
    )
    html = html.replace("café car included", "駅弁付き")
    url = serve(
        server, "/charset/sjis", Route(html.encode("shift_jis"), headers={"Content-Type": "text/html"})
    )
    assert "駅弁付き" in fetch_url(url).content


# --- errors: one clear line each ------------------------------------------------------------------


def test_http_error_status(server: Server) -> None:
    with pytest.raises(SourceError, match=r"HTTP 404 Not Found$"):
        fetch_url(server.url("/missing"))


def test_server_error_status(server: Server) -> None:
    url = serve(server, "/broken", Route(b"oops", status=503))
    with pytest.raises(SourceError, match=r"HTTP 503 Service Unavailable$"):
        fetch_url(url)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("image/png", b"\x89PNG\r\n\x1a\n"), ("application/pdf", b"%PDF-1.7"), ("application/json", b"{}")],
)
def test_non_html_content_is_refused(server: Server, content_type: str, body: bytes) -> None:
    url = serve(server, f"/file/{content_type}", Route(body, headers={"Content-Type": content_type}))
    with pytest.raises(SourceError, match=rf"not an article page \(content type {content_type}\)"):
        fetch_url(url)


def test_too_many_redirects(server: Server) -> None:
    for hop in range(sources.MAX_REDIRECTS + 1):
        serve(server, f"/loop/{hop}", Route(status=302, headers={"Location": f"/loop/{hop + 1}"}))
    with pytest.raises(SourceError, match=f"more than {sources.MAX_REDIRECTS} redirects"):
        fetch_url(server.url("/loop/0"))


def test_timeout(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "TIMEOUT_SECONDS", 0.3)
    url = serve(server, "/slow", Route(article_page().encode("utf-8"), delay=1.0))
    with pytest.raises(SourceError, match=r"no answer within 0\.3 seconds"):
        fetch_url(url)


@pytest.mark.parametrize("length", [True, False], ids=["declared", "streamed"])
def test_size_limit(server: Server, monkeypatch: pytest.MonkeyPatch, length: bool) -> None:
    monkeypatch.setattr(sources, "MAX_BYTES", 4096)
    big = article_page(paragraphs=PARAGRAPHS * 40).encode("utf-8")
    url = serve(server, f"/big/{length}", Route(big, length=length))
    with pytest.raises(SourceError, match=r"larger than 0\.00391 MiB"):
        fetch_url(url)


def test_connection_refused() -> None:
    with pytest.raises(SourceError, match=r"cannot fetch \(.*refused"):
        fetch_url("http://127.0.0.1:9/news")


def test_empty_page(server: Server) -> None:
    url = serve(server, "/empty", Route(b""))
    with pytest.raises(SourceError, match="empty page"):
        fetch_url(url)


def test_paywalled_page_has_no_article(server: Server) -> None:
    paywall = (
        "<!DOCTYPE html><html lang='en'><head><title>Budget talks stall</title></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/politics'>Politics</a></nav></header>"
        "<article><h1>Budget talks stall</h1><p class='byline'>By Ann Lee</p>"
        "<p>Talks on the city budget stalled on Tuesday as the two largest parties failed to agree.</p>"
        "<div class='paywall'><p>Subscribe now to continue reading. Already a subscriber? Log in.</p>"
        "<p>Get unlimited access for as little as $1 a week.</p></div></article></body></html>"
    )
    url = serve(server, "/paywalled", Route(paywall.encode("utf-8")))
    with pytest.raises(NoArticleError, match="no article found"):
        load_article(url)


def test_script_rendered_page_has_no_article(server: Server) -> None:
    shell = (
        "<!DOCTYPE html><html lang='en'><head><title>Herald</title>"
        "<script src='/static/app.js'></script></head><body>"
        "<noscript>You need to enable JavaScript to run this app.</noscript><div id='root'></div>"
        "</body></html>"
    )
    url = serve(server, "/app", Route(shell.encode("utf-8")))
    with pytest.raises(NoArticleError, match="no article found"):
        load_article(url)
