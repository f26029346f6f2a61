"""The FastAPI application of `newsvoice serve`: JSON API, pages, player script and feeds."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..newsroom import Newsroom
from ..runtime import Runtime
from . import api, listening, pages
from .http import answer_errors

STATIC = Path(__file__).parent / "static"
FAVICON = "/static/favicon.svg"
log = logging.getLogger(__name__)


def create_app(runtime: Runtime, newsroom: Newsroom | None = None) -> FastAPI:
    """The service with RUNTIME (see `newsvoice.runtime.build_runtime`).

    The newsroom (`app.state.newsroom`, which the routes call) opens its store, creating or
    upgrading the database, and starts its workers with the app's lifespan (`with
    TestClient(app)`, or uvicorn's startup), and stops with it. Or it is NEWSROOM, opened and
    started by the caller, who closes it: `newsvoice serve` does so, to report a database or
    queue it cannot reach in one line, before the server starts.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if newsroom is not None:
            app.state.newsroom = newsroom
            yield
            return
        app.state.newsroom = opened = Newsroom.open(runtime, migrate=True)
        try:
            await run_in_threadpool(opened.start)
            warn_without_keys(opened)
            yield
        finally:
            opened.close()

    # /docs loads Swagger UI from the package fastapi-offline, not from a CDN: it works without
    # internet, and no visit tells a third party about the service. No /redoc: ReDoc's page
    # shows a logo from its vendor's CDN, whatever the script's origin.
    app = FastAPIOffline(
        redoc_url=None,
        favicon_url=FAVICON,
        title="newsvoice",
        version=__version__,
        summary="Listen to this article: narration by a local voice, a player to embed, podcast feeds.",
        lifespan=lifespan,
    )
    answer_errors(app)
    app.include_router(listening.router)  # first: its /api/listens is asked most, and matched first
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Publishers' pages on other sites load the player's data and audio.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD"],
        expose_headers=["Accept-Ranges", "Content-Range", "Content-Length", "ETag"],
    )
    app.add_middleware(BodyLimit, limit=runtime.service.max_body)
    return app


def warn_without_keys(newsroom: Newsroom) -> None:
    """A server with no key refuses every write: say so, and where a key is to be made (the
    key may be in another data directory than the server's)."""
    if not any(key.revoked is None for key in newsroom.api_keys()):
        settings = newsroom.settings
        log.warning(
            "no API keys in %s: writes will be refused; create one with `newsvoice keys create NAME %s`",
            settings.store_shown,
            settings.store_option,
        )


class BodyLimit:
    """Refuse request bodies over LIMIT bytes (413), declared in Content-Length or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await JSONResponse({"detail": self._message}, 413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, self._message)  # raised where the route reads the body
            return message

        await self.app(scope, counted, send)

    @property
    def _message(self) -> str:
        return f"request body larger than {self.limit} bytes"
