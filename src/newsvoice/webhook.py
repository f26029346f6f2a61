"""Signed webhooks: how a CMS tells newsvoice that an article was published, updated or deleted.

The scheme, for publishers. POST the event as JSON (`WebhookEvent`) with two headers:

    X-Newsvoice-Timestamp: <the time of sending, in Unix seconds>
    X-Newsvoice-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + the body, keyed with the secret>

The signed message is the timestamp, exactly as sent in its header, a dot, then the raw body
bytes, so that neither can be changed without the other. newsvoice refuses a request whose
signature does not match any of its configured secrets (several are accepted while a secret is
rotated), whose timestamp is more than `TOLERANCE` seconds away from its clock, or whose
signature it has already accepted (a replay). In a shell:

    ts=$(date +%s)
    sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
    curl -H "X-Newsvoice-Timestamp: $ts" -H "X-Newsvoice-Signature: sha256=$sig" \\
         -H 'Content-Type: application/json' --data-binary "$body" "$NEWSVOICE/…"

In Python, `sign(secret, body)` gives the two headers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .article import ARTICLE_ID
from .characters import clean_text, invalid_characters, unsafe_characters
from .errors import NotAuthenticated

TIMESTAMP_HEADER = "X-Newsvoice-Timestamp"
SIGNATURE_HEADER = "X-Newsvoice-Signature"
TOLERANCE = 300
"""Seconds a request's timestamp may be away from the receiver's clock, either way."""

_TIMESTAMP = re.compile(r"\d{1,12}")
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


def _safe(text: str) -> str:
    if unsafe := unsafe_characters(text):
        raise ValueError(
            f"contains {', '.join(unsafe)}: no control characters (but tab and line breaks), "
            "no NUL, no lone surrogates"
        )
    return text


Text = Annotated[str, AfterValidator(_safe)]
"""A string of a request (query, path or JSON body): refused (422) if it holds NUL or another
control character (tab and line breaks are allowed) or a lone surrogate, which the database
and the voice cannot take."""


def _whole(text: str) -> str:
    if surrogates := sorted({f"U+{ord(char):04X}" for char in text if "\ud800" <= char <= "\udfff"}):
        raise ValueError(f"contains {', '.join(surrogates)}: a lone surrogate is broken input, not text")
    return text


Document = Annotated[str, AfterValidator(_whole)]
"""An article's HTML or text in a request: control characters are taken out where it enters
the pipeline (`clean_text`: a page's stray junk is no reason to refuse it), but a lone
surrogate, which no correct encoding makes, is refused (422)."""


def _writable(text: str) -> str:
    """TEXT, refused if it holds a control character (or another that `clean_text` takes out):
    tags and URLs are written into the podcast feeds as they are given."""
    if invalid := invalid_characters(text):
        raise ValueError(f"must hold no control characters (it holds {', '.join(invalid)})")
    return text


def _tag(tag: str) -> str:
    return clean_text(_writable(tag))  # in NFC, as an article's text: one tag, one way to write it


Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(_tag)
]
"""A tag of articles, for the per-tag podcast feeds."""


def _http_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL")
    return _writable(url)


HttpUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2048),
    AfterValidator(_http_url),
]
"""An absolute http or https URL, as given (pydantic's own URL type would rewrite it)."""


class WebhookRefused(NotAuthenticated):
    """The request is not a genuine, fresh webhook call; the message says why."""


class ReplayGuard(Protocol):
    """Remembers the signatures of accepted requests, to refuse a request sent again.

    `seen` must check and record in one atomic step, across every server process sharing the
    guard: the service's is its store, a table with the signature as its primary key, where an
    insert that conflicts means seen. An entry may be dropped once its timestamp is more than
    the tolerance in the past, since `verify` refuses such a request as too old anyway.
    """

    def seen(self, signature: str, timestamp: int) -> bool:
        """Record SIGNATURE, sent at TIMESTAMP; True if it was recorded before."""
        ...


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers that sign BODY, sent at TIMESTAMP (Unix seconds, default now), with SECRET."""
    sent = str(int(time.time()) if timestamp is None else timestamp)
    return {TIMESTAMP_HEADER: sent, SIGNATURE_HEADER: "sha256=" + _digest(secret, sent, body)}


def verify(
    secrets: str | Sequence[str],
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE,
    replay: ReplayGuard | None = None,
) -> tuple[str, int]:
    """Raise `WebhookRefused` unless BODY and HEADERS are a request signed with one of SECRETS,
    sent within TOLERANCE seconds of NOW (default the clock), and, with REPLAY, not seen before.
    Its signature and timestamp, for a `ReplayGuard` (given one later, once it was accepted)."""
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    if not keys or not all(keys):  # an empty key would make every signature easy to forge
        raise ValueError("no webhook secret configured")
    sent, signature = _signed_headers(headers)
    if not any(hmac.compare_digest(_digest(key, sent, body), signature) for key in keys):
        raise WebhookRefused("wrong signature")
    age = (time.time() if now is None else now) - int(sent)
    if age > tolerance:
        raise WebhookRefused(f"timestamp too old: {age:.0f} seconds ago, more than {tolerance}")
    if age < -tolerance:
        raise WebhookRefused(f"timestamp in the future: {-age:.0f} seconds ahead, more than {tolerance}")
    # Recorded only once genuine: an unsigned flood cannot fill the guard.
    if replay is not None and replay.seen(signature, int(sent)):
        raise WebhookRefused("replayed: this signature was accepted before")
    return signature, int(sent)


def _signed_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """The timestamp as sent and the signature's hex digest, from HEADERS (any case)."""
    found = {name.lower(): value.strip() for name, value in headers.items()}
    for name in (TIMESTAMP_HEADER, SIGNATURE_HEADER):
        if name.lower() not in found:
            raise WebhookRefused(f"missing {name} header")
    sent = found[TIMESTAMP_HEADER.lower()]
    if not _TIMESTAMP.fullmatch(sent):
        raise WebhookRefused(f"malformed {TIMESTAMP_HEADER} header: expected Unix seconds")
    signature = _SIGNATURE.fullmatch(found[SIGNATURE_HEADER.lower()])
    if not signature:
        raise WebhookRefused(f"malformed {SIGNATURE_HEADER} header: expected sha256=<64 hex digits>")
    return sent, signature[1].lower()


def _digest(secret: str, sent: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), sent.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def _iso_date(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date or time, such as 2026-11-30T14:05:00+00:00") from None
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # a time without a zone: UTC


When = Annotated[datetime, AfterValidator(_aware)]
"""A time of a request (ISO 8601, or Unix seconds); one without a zone is UTC."""

Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_writable)]
"""A short text of a request written into feeds or said aloud: one line, no control characters."""


class Controls(BaseModel):
    """What a submission (the API's, or a webhook's event) may set besides the article's text.
    What it leaves out, an edit keeps as it was; a new article takes it from its page, its
    site's settings (`sites`), or the defaults."""

    model_config = ConfigDict(extra="forbid")
    authors: list[Line] | None = Field(None, max_length=20, description="The article's authors.")
    date: Annotated[Line, AfterValidator(_iso_date)] | None = Field(
        None, description="When it was published, ISO 8601 (the feed's pubDate)."
    )
    site: Line | None = Field(None, description="The site's name (its feed, its voice and intro).")
    description: Line | None = Field(None, description="A summary, for the feeds.")
    image: HttpUrl | None = Field(None, description="The lead image's URL (the episode's artwork).")
    language: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")] | None = (
        Field(None, description="Its language (BCP 47, such as en or en-GB).")
    )
    publish_at: When | None = Field(
        None, description="An embargo: narrated now, public from this time (ISO 8601; no zone: UTC)."
    )
    draft: bool | None = Field(None, description="Narrated now, public only once published.")
    voice: Line | None = Field(None, description="The installed voice to read it (GET /api/voices).")
    intro: Line | None = Field(
        None, description='Said before the title, such as "From The Coastal Herald."; empty: none.'
    )
    outro: Line | None = Field(None, description="Said after the article, before the disclosure.")
    disclosure: Line | None = Field(None, description="The AI-voice disclosure said at the end; empty: none.")

    @model_validator(mode="after")
    def _draft_or_time(self) -> Controls:
        if self.draft and self.publish_at is not None:
            raise ValueError("a draft has no publish_at: give one or the other")
        return self


class WebhookEvent(Controls):
    """What the CMS sends: an article was published, updated, unpublished (made a draft again,
    kept) or deleted."""

    model_config = ConfigDict(extra="forbid")
    event: Literal["publish", "update", "unpublish", "delete"]
    url: HttpUrl = Field(description="The article's address.")
    id: str | None = Field(
        None,
        pattern=ARTICLE_ID,
        description="The newsvoice article's id, when the CMS keeps it; else the URL finds the article.",
    )
    html: Document | None = Field(
        None, description="The article page's HTML; without html or text, the URL is fetched."
    )
    text: Document | None = Field(
        None, description="The article as plain text: title, blank line, paragraphs."
    )
    tags: list[Tag] | None = Field(
        None, max_length=20, description="For the per-tag podcast feeds; left out, an update keeps them."
    )

    @model_validator(mode="after")
    def _content(self) -> WebhookEvent:
        if self.html is not None and self.text is not None:
            raise ValueError("give either html or text, not both")
        if self.event in ("delete", "unpublish") and (self.html is not None or self.text is not None):
            raise ValueError(
                f"{'a' if self.event == 'delete' else 'an'} {self.event} event carries no content"
            )
        return self
