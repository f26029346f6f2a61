"""The listening service of `newsvoice serve`: an API, an embeddable player, pages and podcast feeds.

`create_app(settings)` is the FastAPI application; `load_settings` reads its settings.
"""

from .app import create_app
from .settings import Settings, load_settings

__all__ = ["Settings", "create_app", "load_settings"]
