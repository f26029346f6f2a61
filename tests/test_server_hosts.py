"""Without `base_url`, links are made only for loopback and the `allowed_hosts`: a forged
`Host` header cannot point the API's links, the feeds' audio or the dashboard elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import idle_service

PAGES = [
    "/api/articles",
    "/api/articles/{id}",
    "/api/watches",
    "/",
    "/articles/{id}",
    "/embed/{id}",
    "/feed.xml",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_forged_host_gets_no_links(tmp_path: Path, path: str) -> None:
    with idle_service(tmp_path) as (client, _, known):
        answer = client.get(path.format(id=known), headers={"Host": "evil.example"})
        assert answer.status_code == 400
        assert "evil.example" not in answer.text
        assert "base_url" in answer.json()["detail"] and "allowed_hosts" in answer.json()["detail"]


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.2", "[::1]:8000", "News.Example.com"])
def test_loopback_and_allowed_hosts_get_links(tmp_path: Path, host: str) -> None:
    with idle_service(tmp_path, allowed_hosts="news.example.com, other.example") as (client, _, known):
        answer = client.get(f"/api/articles/{known}", headers={"Host": host})
        assert answer.status_code == 200
        assert answer.json()["links"]["self"].startswith(f"http://{host}/api/")


def test_base_url_is_used_whatever_the_host(tmp_path: Path) -> None:
    with idle_service(tmp_path, base_url="https://listen.example.com") as (client, _, known):
        for path in PAGES:
            answer = client.get(path.format(id=known), headers={"Host": "evil.example"})
            assert answer.status_code == 200, path
            assert "evil.example" not in answer.text, path
