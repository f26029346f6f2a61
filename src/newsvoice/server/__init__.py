"""The listening service of `newsvoice serve`: an API, an embeddable player, pages and podcast feeds.

`create_app(runtime)` is the FastAPI application (see `newsvoice.runtime.build_runtime`). It is
imported on first use, so that the parts of the service that are no HTTP (the store, the jobs,
the watcher, which `newsvoice.newsroom` composes for the command line too) load without FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
