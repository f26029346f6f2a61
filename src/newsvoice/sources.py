"""Reading a source: a URL, a file, or standard input, into a `Document`."""

from __future__ import annotations

import codecs
import os
import re
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import __version__
from .errors import SourceError

# httpx (with the click, rich and pygments its command line loads: 9 MB a process keeps) and
# chardet are imported where a page is fetched or an encoding guessed: a narration of a file,
# or of a page fetched already, needs neither.
if TYPE_CHECKING:
    import httpx

DocumentKind = Literal["html", "text"]

USER_AGENT = f"newsvoice/{__version__} (+https://pypi.org/project/newsvoice/; article narration)"
MAX_BYTES = 10 * 1024 * 1024
"""The most newsvoice reads of an article: a page fetched, a file, standard input."""
TIMEOUT_SECONDS = 20.0
MAX_REDIRECTS = 5

HEADERS = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.8"}

_WEB_ADDRESS = re.compile(r"https?://", re.I)
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<article|<meta|<!--)", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass(frozen=True)
class Document:
    """Raw source text, with what kind of text it is and where it came from."""

    content: str
    kind: DocumentKind
    url: str | None = None
    name: str = "-"


def read_source(source: str) -> Document:
    """Read SOURCE: an http(s) URL, "-" for standard input, or a file path."""
    if is_web_address(source):
        return fetch_url(source)
    if source == "-":
        return _document_from_bytes(read_stdin(), "standard input", suffix="")
    data = read_file(source, "an article file", MAX_BYTES)
    return _document_from_bytes(data, source, suffix=Path(source).suffix.lower())


def read_stdin(limit: int = MAX_BYTES) -> bytes:
    """Standard input, refused once it is known to be larger than LIMIT (`/dev/zero` never ends)."""
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise too_large("standard input", limit)
    return data


def is_web_address(source: str) -> bool:
    """Whether SOURCE is an http or https URL (to fetch), not a file name."""
    return bool(_WEB_ADDRESS.match(source))


def read_file(path: str, kind: str, limit: int | None = None) -> bytes:
    """The bytes of the file at PATH, or a `SourceError` that says why not; KIND is what a
    directory there is not ("an article file").

    With a LIMIT, only a regular file of at most LIMIT bytes: a FIFO, a device or a socket is
    refused rather than waited on (a FIFO without a writer) or read without end (`/dev/zero`).
    """
    try:
        if limit is not None:
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                raise SourceError(
                    f"{path}: {_file_kind(mode)}, not {kind}: give a file, a URL, or - for standard input"
                )
        with open(path, "rb") as file:
            data = file.read() if limit is None else file.read(limit + 1)
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory, not {kind}") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read ({error.strerror})") from None
    if limit is not None and len(data) > limit:
        raise too_large(path, limit)
    return data


def too_large(name: str, limit: int) -> SourceError:
    """The error for a source NAME that is larger than LIMIT bytes."""
    return SourceError(f"{name}: larger than {limit / 2**20:.3g} MiB, the most newsvoice reads")


def _file_kind(mode: int) -> str:
    """What a file that is not a regular one is, by its MODE."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def fetch_url(url: str, transport: httpx.BaseTransport | None = None) -> Document:
    """GET an article page: within TIMEOUT_SECONDS, at most MAX_BYTES, at most MAX_REDIRECTS redirects.

    TRANSPORT replaces httpx's own (the service's address guard is one), as in `http_client`.
    """
    import httpx

    try:
        with http_client(transport) as client, client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise SourceError(f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip())
            kind = _kind(response.headers.get("content-type", ""), url)
            data = read_limited(response, url)
            final_url = str(response.url)
            charset = response.charset_encoding
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise fetch_error(url, error) from None
    if not data.strip():
        raise SourceError(f"{url}: empty page")
    if kind is None:
        kind = "html" if _HTML_SNIFF.match(data[:1024]) else "text"
    return Document(_decode(data, charset, url), kind, url=final_url, name=url)


def http_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An HTTP client with newsvoice's limits (TIMEOUT_SECONDS, MAX_REDIRECTS) and honest User-Agent.

    TRANSPORT replaces httpx's own (the service's address guard is one); proxies from the
    environment are then not used, since they would connect in its stead.
    """
    import httpx

    return httpx.Client(
        transport=transport,
        trust_env=transport is None,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=TIMEOUT_SECONDS,
        headers=HEADERS,
    )


def fetch_error(url: str, error: httpx.HTTPError | httpx.InvalidURL) -> SourceError:
    """The one line that says why fetching URL failed."""
    import httpx

    if isinstance(error, httpx.TooManyRedirects):
        return SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")
    if isinstance(error, httpx.TimeoutException):
        return SourceError(f"{url}: no answer within {TIMEOUT_SECONDS:g} seconds")
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return SourceError(f"{url}: not a valid web address ({error})")
    return SourceError(f"{url}: cannot fetch ({_reason(error)})")


def _kind(content_type: str, url: str) -> DocumentKind | None:
    """What the server says the page is; None when it does not say."""
    mime = content_type.split(";")[0].strip().lower()
    if mime in _HTML_TYPES:
        return "html"
    if mime == "text/plain":
        return "text"
    if mime:
        raise SourceError(f"{url}: not an article page (content type {mime})")
    return None


def read_limited(response: httpx.Response, url: str, limit: int | None = None) -> bytes:
    """The body, refused as soon as it is known to be larger than LIMIT (default `MAX_BYTES`)
    or too slow to come."""
    import httpx

    limit = limit or MAX_BYTES
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large(url, limit)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise too_large(url, limit)
        if time.monotonic() > deadline:  # a server trickling bytes never trips the read timeout
            raise httpx.ReadTimeout("page too slow to arrive")
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(error: httpx.HTTPError) -> str:
    """httpx's message ("[Errno 111] Connection refused"), or the error's name when it has none."""
    return str(error) or error.__class__.__name__


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
    """Text from bytes, as a browser would read it (no mojibake).

    A byte order mark decides; then bytes that are valid UTF-8 are UTF-8, whatever a
    server's default header claims; then the charset the server or the page's <meta>
    declares, with "ISO-8859-1" read as Windows-1252 as browsers do; then chardet's guess.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    candidates = ["utf-8", _codec(charset), _codec(_declared_charset(data))]
    for encoding in filter(None, candidates):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    import chardet

    guess = _codec(chardet.detect(data[:65536])["encoding"])
    if guess is None:
        raise SourceError(f"{name}: not a text or HTML file (undecodable bytes)")
    return data.decode(guess, errors="replace")


def _declared_charset(data: bytes) -> str | None:
    declared = _META_CHARSET.search(data[:8192])
    return declared.group(1).decode("ascii") if declared else None


def _codec(label: str | None) -> str | None:
    """Python's codec for a charset label, or None for a label it does not know."""
    try:
        name = codecs.lookup(label.strip()).name if label else None
    except LookupError:
        return None
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name
