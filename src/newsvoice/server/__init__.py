"""The listening service of `newsvoice serve`: an API, an embeddable player, pages and podcast feeds.

`create_app(runtime)` is the FastAPI application (see `newsvoice.runtime.build_runtime`).
"""

from .app import create_app

__all__ = ["create_app"]
