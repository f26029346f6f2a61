"""Fetching submitted URLs: private, loopback, link-local and metadata addresses are refused, at
every resolved address and every redirect hop, unless the allow-list names them."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import service_runtime
from fastapi.testclient import TestClient

from newsvoice import sources
from newsvoice.errors import SourceError
from newsvoice.server import create_app
from newsvoice.server.netguard import AddressPolicy, AddressRefused, fetch_document, refusal

ARTICLE = (
    b"<html><head><title>Harbour bridge reopens</title></head><body><article><h1>Harbour bridge reopens</h1>"
    b"<p>The harbour bridge reopened to traffic on Friday after eight months of repairs, the transport"
    b" department said. Commuters welcomed the news, and the ferries that carried them across the harbour"
    b" while the bridge was closed will keep their extra morning sailings until the end of the month,"
    b" when the timetable goes back to what it was before the work began.</p></article></body></html>"
)


class Site:
    """A web server on 127.0.0.1: /article answers the page, /to?URL redirects to URL."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/slow":  # the headers, then a body that stops coming
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(ARTICLE)))
                    self.end_headers()
                    self.wfile.write(ARTICLE[:100])
                    self.wfile.flush()
                    time.sleep(2)
                    return
                if self.path.startswith("/to?"):
                    self.send_response(302)
                    self.send_header("Location", self.path.removeprefix("/to?"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200 if self.path == "/article" else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(ARTICLE)))
                self.end_headers()
                self.wfile.write(ARTICLE)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    site = Site()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00:ec2::254", "private"),  # AWS metadata over IPv6
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_refusal(address: str, reason: str | None) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


def test_loopback_server_refused_by_default(site: Site) -> None:
    for host in ("127.0.0.1", "localhost"):
        with pytest.raises(AddressRefused, match="is a loopback address"):
            fetch_document(site.url("/article", host), AddressPolicy())


def test_allow_list(site: Site) -> None:
    for allow in (("127.0.0.1",), ("127.0.0.0/8", "::1"), ("LOCALHOST",)):
        host = "localhost" if allow == ("LOCALHOST",) else "127.0.0.1"
        document = fetch_document(site.url("/article", host), AddressPolicy(allow))
        assert document.kind == "html" and "Harbour bridge reopens" in document.content
    with pytest.raises(AddressRefused):
        fetch_document(site.url("/article"), AddressPolicy(("10.0.0.0/8", "cms.internal")))


def test_every_redirect_hop_is_checked(site: Site) -> None:
    allowed = AddressPolicy(("127.0.0.1",))
    assert fetch_document(site.url("/to?/article"), allowed).url == site.url("/article")
    # 127.0.0.2 is loopback too, but not allowed: refused before anything connects to it.
    with pytest.raises(AddressRefused, match=re.escape("127.0.0.2 is a loopback address")):
        fetch_document(site.url(f"/to?{site.url('/article', '127.0.0.2')}"), allowed)
    with pytest.raises(AddressRefused, match=re.escape("169.254.169.254 is a link-local address")):
        fetch_document(site.url("/to?http://169.254.169.254/latest/meta-data/"), allowed)
    with pytest.raises(SourceError, match="unsupported protocol 'file://'"):
        fetch_document(site.url("/to?file:///etc/passwd"), allowed)


def test_every_resolved_address_is_checked(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo
    answers = {"mixed.test": ["93.184.215.14", "10.0.0.7"], "rebound.test": ["127.0.0.1"]}

    def resolve(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(AddressRefused, match=re.escape("10.0.0.7 is a private address")):
        fetch_document(site.url("/article", "mixed.test"), AddressPolicy())
    # The connection goes to the address that was checked (no second lookup to rebind).
    document = fetch_document(site.url("/article", "rebound.test"), AddressPolicy(("127.0.0.1",)))
    assert "Harbour bridge reopens" in document.content


def test_fetch_errors(site: Site) -> None:
    allowed = AddressPolicy(("127.0.0.1",))
    with pytest.raises(SourceError, match="HTTP 404"):
        fetch_document(site.url("/missing"), allowed)
    with pytest.raises(SourceError, match="not an http or https URL"):
        fetch_document("gopher://127.0.0.1/", allowed)
    with pytest.raises(SourceError, match="cannot fetch"):
        fetch_document("http://nonexistent.invalid/", allowed)


def test_a_body_that_stops_coming_times_out(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "TIMEOUT_SECONDS", 0.5)
    with pytest.raises(SourceError, match=r"no answer within 0\.5 seconds"):
        fetch_document(site.url("/slow"), AddressPolicy(("127.0.0.1",)))


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, voice, normalizer) -> Iterator[tuple[TestClient, dict]]:
    app = create_app(service_runtime(normalizer, data_dir=tmp_path_factory.mktemp("guarded")))
    with TestClient(app, base_url="http://localhost") as client:
        client.app.state.newsroom.workers.stop(timeout=10)  # fetching is what is tested here
        _, token = app.state.newsroom.create_key("tests")
        yield client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/article", "127.0.0.1: refused, 127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::1]:9/", "::1 is a loopback address"),
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
    ],
)
def test_api_refuses_private_urls(guarded, site: Site, url: str, message: str) -> None:
    client, key = guarded
    answer = client.post("/api/articles", json={"url": site.url(url) if url[0] == "/" else url}, headers=key)
    assert answer.status_code == 403
    assert message in answer.json()["detail"]
    assert client.get("/api/articles").json()["total"] == 0


def test_api_fetches_allowed_urls(tmp_path, voice, normalizer, site: Site) -> None:
    app = create_app(service_runtime(normalizer, data_dir=tmp_path, allow=("127.0.0.1",)))
    with TestClient(app, base_url="http://localhost") as client:
        client.app.state.newsroom.workers.stop(timeout=10)
        _, token = app.state.newsroom.create_key("tests")
        key = {"Authorization": f"Bearer {token}"}
        answer = client.post("/api/articles", json={"url": site.url("/article")}, headers=key)
        assert answer.status_code == 202, answer.text
        assert answer.json()["article"]["title"] == "Harbour bridge reopens"
        missing = client.post("/api/articles", json={"url": site.url("/gone")}, headers=key)
        assert missing.status_code == 422
        assert "HTTP 404" in missing.json()["detail"]


def test_guard_ignores_proxy_settings(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy would make the connection the guard checks; the guarded client never uses one.
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    with pytest.raises(AddressRefused):
        fetch_document(site.url("/article"), AddressPolicy())
    assert "Harbour" in fetch_document(site.url("/article"), AddressPolicy(("127.0.0.1",))).content
