"""What the routes share in HTTP: the newsroom they call, API keys, newsvoice's errors as
statuses, and files answered with ETags and byte ranges."""

from __future__ import annotations

import ipaddress
import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import (
    CannotNarrate,
    Conflict,
    NewsvoiceError,
    NoArticleError,
    NotAuthenticated,
    NotFound,
    Refused,
    SourceError,
)
from ..newsroom import Newsroom
from .ranges import MalformedRange, RangeNotSatisfiable, byte_ranges

DATABASE_RETRY_AFTER = 5
"""Seconds a client is asked to wait (Retry-After) while the database is out of reach."""
SMALL_RANGE = 256 * 1024
log = logging.getLogger(__name__)


async def get_newsroom(request: Request) -> Newsroom:
    """(Async: FastAPI would run a plain function in its thread pool, a hand-off per request.)"""
    return request.app.state.newsroom


NewsroomDep = Annotated[Newsroom, Depends(get_newsroom)]
_bearer = HTTPBearer(auto_error=False, description="An API key made with `newsvoice keys create NAME`.")


def require_key(
    newsroom: NewsroomDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Writes need a live API key, sent as `Authorization: Bearer KEY`."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(401, "an API key is needed: send `Authorization: Bearer KEY`", challenge)
    if not newsroom.check_key(credentials.credentials):
        raise HTTPException(401, "unknown or revoked API key", challenge)


def has_key(
    newsroom: NewsroomDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> bool:
    """Whether the request reads with a live API key (it sees drafts and embargoed articles);
    a key that is sent must be live (401)."""
    if credentials is None:
        return False
    require_key(newsroom, credentials)
    return True


PrivateDep = Annotated[bool, Depends(has_key)]
"""Whether the reader has an API key: then drafts and embargoed articles can be read."""


def base_url(newsroom: Newsroom, request: Request) -> str:
    """Where the service is, for the links in its answers: the `base_url` setting, else the
    address the request came to, if its host is loopback or one of the `allowed_hosts` (the
    `Host` header is the client's to forge: 400 for any other)."""
    settings = newsroom.settings
    if settings.base_url:
        return settings.base_url
    if not trusted_host(request.url.hostname or "", settings.allowed_hosts):
        raise HTTPException(
            400,
            "this request's Host header is not a known address of the service: set base_url "
            "(NEWSVOICE_BASE_URL) to its public address, or add the host to allowed_hosts "
            "(NEWSVOICE_ALLOWED_HOSTS)",
        )
    return str(request.base_url).rstrip("/")


def trusted_host(host: str, allowed: Sequence[str]) -> bool:
    """Whether links may be made for HOST: loopback, or one of ALLOWED (any case)."""
    host = host.lower().strip("[]").rstrip(".")
    if host == "localhost" or host in (name.lower().rstrip(".") for name in allowed):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# --- newsvoice's errors --------------------------------------------------------------------

ERROR_STATUSES: tuple[tuple[type[NewsvoiceError], int], ...] = (
    (NotAuthenticated, 401),  # a webhook's signature
    (Refused, 403),  # an address the service must not reach
    (NotFound, 404),
    (Conflict, 409),
    (SourceError, 422),  # a submitted URL unreachable, not a page
    (NoArticleError, 422),  # a page or text with no article in it
    (CannotNarrate, 422),  # a language no voice speaks, or text the voice cannot say
)
"""The status of each of the newsroom's errors, the first that matches (a refused address is
a `SourceError` too, and answered 403). Any other error is the server's: 500."""


def error_status(error: NewsvoiceError) -> int | None:
    """The status ERROR is answered with; None if it is none of the newsroom's answers."""
    return next((status for kind, status in ERROR_STATUSES if isinstance(error, kind)), None)


async def _newsvoice_error(request: Request, error: Exception) -> Response:
    status = error_status(error) if isinstance(error, NewsvoiceError) else None
    if status is None:
        raise error  # a failure of the server: 500 (`ServerErrors`), logged with its traceback
    return JSONResponse({"detail": str(error)}, status)


async def _invalid_request(request: Request, error: Exception) -> Response:
    """422 with pydantic's errors, as FastAPI answers them, but with what JSON cannot carry
    in the input shown as text: a lone surrogate escaped, NaN and infinities by name."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": _escaped(jsonable_encoder(error.errors()))}, 422)


def _escaped(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    if isinstance(value, dict):
        return {_escaped(key): _escaped(item) for key, item in value.items()}
    return value


async def _database_away(request: Request, error: Exception) -> Response:
    """503 while the database cannot be reached (restarting, failing over, locked): the
    client's request was fine, and the same request will do once it is back."""
    log.warning("%s %s: the database is unreachable: %s", request.method, request.url.path, error)
    return JSONResponse(
        {"detail": "the database is unreachable for now; try again shortly"},
        503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


def answer_errors(app: FastAPI) -> None:
    """Answer the newsroom's errors, raised by any route, with their status and message (as
    HTTPException answers: `{"detail": "..."}`); the database out of reach with 503; any other
    exception with 500 in JSON, its traceback logged."""
    app.add_exception_handler(NewsvoiceError, _newsvoice_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(OperationalError, _database_away)
    app.add_middleware(ServerErrors)


class ServerErrors:
    """An unexpected exception answered `{"detail": "internal server error"}`, 500, and logged
    with its traceback; the connection stays open for the client's next request (Starlette's
    own answer is plain text, and it re-raises the exception to the server, which closes it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            log.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if started:
                raise  # part of the answer is sent: the server can only end the connection
            await JSONResponse({"detail": "internal server error"}, 500)(scope, receive, send)


# --- files ---------------------------------------------------------------------------------


def file_response(request: Request, path: Path, media_type: str, cache_control: str) -> Response:
    """A file with ETag and Last-Modified, 304 for a fresh cached copy, and byte ranges
    (206 with Content-Range; a range past the end is 416 with `Content-Range: bytes */SIZE`).

    Starlette's FileResponse serves whole files and large or multiple ranges. A small range,
    what a seeking player asks for, is read here at once: from the page cache that takes
    microseconds, less than the hand-offs to threads of a streamed file.
    """
    try:
        file = path.open("rb")
    except FileNotFoundError:
        raise not_narrated(path.suffix[1:]) from None
    with file:
        stat = os.fstat(file.fileno())
        response = FileResponse(
            path, media_type=media_type, stat_result=stat, headers={"Cache-Control": cache_control}
        )
        if fresh(request, response.headers["etag"]):
            return Response(
                status_code=304, headers=_without(response.headers, "content-length", "content-type")
            )
        ranges = _ranges(request, response, stat.st_size)
        if len(ranges) != 1 or ranges[0][1] - ranges[0][0] > SMALL_RANGE:
            return response
        start, end = ranges[0]
        file.seek(start)
        body = file.read(end - start)
    headers = _without(response.headers, "content-length") | {
        "Content-Range": f"bytes {start}-{end - 1}/{stat.st_size}"
    }
    return Response(body, 206, headers)


def not_narrated(extension: str) -> HTTPException:
    return HTTPException(404, f"no {extension} file for this article: unknown, or not narrated yet")


def _without(headers: Mapping[str, str], *names: str) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in names}


def fresh(request: Request, etag: str) -> bool:
    """Whether the client's cached copy (If-None-Match) is the current one."""
    header = request.headers.get("if-none-match", "")
    return (
        any(tag.strip().removeprefix("W/") in (etag, "*") for tag in header.split(",")) if header else False
    )


def _ranges(request: Request, response: FileResponse, size: int) -> list[tuple[int, int]]:
    """The byte ranges asked for ([] for the whole file), refusing bad ones in JSON (Starlette
    would answer them in plain text)."""
    header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if header is None or (
        if_range and if_range not in (response.headers["etag"], response.headers["last-modified"])
    ):
        return []  # no range, or one for another version of the file: the whole file is sent
    try:
        return byte_ranges(header, size)
    except MalformedRange as error:
        raise HTTPException(400, f"bad Range header {header!r}: {error}") from None
    except RangeNotSatisfiable:
        raise HTTPException(
            416,
            f"range {header!r} is past the end of the file ({size} bytes)",
            {"Content-Range": f"bytes */{size}"},
        ) from None
