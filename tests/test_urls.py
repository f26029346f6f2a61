"""Addresses as keys: one page however its URL is written."""

from __future__ import annotations

import pytest

from newsvoice.urls import url_key


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://example.com/news/story", "example.com/news/story"),
        ("http://WWW.Example.com:80/news/story/", "example.com/news/story"),
        ("https://example.com:443/news/story#top", "example.com/news/story"),
        ("https://example.com:8443/a", "example.com:8443/a"),
        ("https://example.com/a?b=2&utm_source=x&a=1&fbclid=y", "example.com/a?a=1&b=2"),
        ("https://example.com/", "example.com"),
        ("https://example.com", "example.com"),
        ("  https://example.com/a  ", "example.com/a"),
    ],
)
def test_url_key(url: str, key: str) -> None:
    assert url_key(url) == key


@pytest.mark.parametrize(
    "url", [None, "", "ftp://example.com/a", "/news/story", "https://", "http://x:99999/"]
)
def test_no_key_for_what_is_no_web_address(url: str | None) -> None:
    assert url_key(url) is None
