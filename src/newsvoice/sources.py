"""Reading a source: a URL, a file, or standard input, into a `Document`."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from . import __version__
from .errors import SourceError

DocumentKind = Literal["html", "text"]

USER_AGENT = f"newsvoice/{__version__} (+https://pypi.org/project/newsvoice/; article narration)"
MAX_BYTES = 10 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 5

_HTML_SNIFF = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<article|<meta|<!--)", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Document:
    """Raw source text, with what kind of text it is and where it came from."""

    content: str
    kind: DocumentKind
    url: str | None = None
    name: str = "-"


def read_source(source: str) -> Document:
    """Read SOURCE: an http(s) URL, "-" for standard input, or a file path."""
    if re.match(r"^https?://", source, re.I):
        return fetch_url(source)
    if source == "-":
        return _document_from_bytes(sys.stdin.buffer.read(), "standard input", suffix="")
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{source}: is a directory, not an article file") from None
    except OSError as error:
        raise SourceError(f"{source}: cannot read ({error.strerror})") from None
    return _document_from_bytes(data, source, suffix=path.suffix.lower())


def fetch_url(url: str) -> Document:
    """GET an article page with a timeout, a size limit and a bounded redirect chain."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.8"}
    try:
        with (
            httpx.Client(
                follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=TIMEOUT_SECONDS, headers=headers
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise SourceError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            data = _read_limited(response, url)
            content_type = response.headers.get("content-type", "")
            final_url = str(response.url)
            charset = response.charset_encoding
    except httpx.TooManyRedirects:
        raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException:
        raise SourceError(f"{url}: no answer within {TIMEOUT_SECONDS:.0f} seconds") from None
    except httpx.HTTPError as error:
        raise SourceError(f"{url}: cannot fetch ({error.__class__.__name__}: {error})") from None
    mime = content_type.split(";")[0].strip().lower()
    if mime and mime not in _HTML_TYPES and mime != "text/plain":
        raise SourceError(f"{url}: not an article page (content type {mime})")
    kind: DocumentKind = "text" if mime == "text/plain" else "html"
    return Document(_decode(data, charset, url), kind, url=final_url, name=url)


def _read_limited(response: httpx.Response, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise SourceError(f"{url}: page larger than {MAX_BYTES // (1024 * 1024)} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def _document_from_bytes(data: bytes, name: str, suffix: str) -> Document:
    if not data.strip():
        raise SourceError(f"{name}: empty")
    if b"\x00" in data[:4096]:
        raise SourceError(f"{name}: not a text or HTML file")
    text = _decode(data, None, name)
    controls = sum(1 for char in text[:4096] if ord(char) < 32 and char not in "\n\r\t\f")
    if controls > 8:
        raise SourceError(f"{name}: not a text or HTML file")
    if suffix in (".html", ".htm", ".xhtml") or (suffix != ".txt" and _HTML_SNIFF.match(data[:1024])):
        return Document(text, "html", name=name)
    return Document(text, "text", name=name)


def _decode(data: bytes, charset: str | None, name: str) -> str:
    """Decode with the declared charset, else UTF-8, else the page's own <meta> charset."""
    candidates = [charset] if charset else []
    declared = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", data[:4096], re.I)
    candidates += ["utf-8"] + ([declared.group(1).decode("ascii")] if declared else []) + ["cp1252"]
    for encoding in candidates:
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except (UnicodeDecodeError, LookupError):
            continue
    raise SourceError(f"{name}: not a text or HTML file (undecodable bytes)")
