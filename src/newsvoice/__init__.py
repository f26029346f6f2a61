"""newsvoice: narrate news articles with a local neural voice."""

__version__ = "0.1.0"
