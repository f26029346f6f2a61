"""newsvoice: narrate news articles with a local neural voice.

`normalize(text)` gives the exact words the narrator says for TEXT; `newsvoice.narrate`,
`newsvoice.script` and `newsvoice.extract` hold the rest of the pipeline.
"""

__version__ = "0.1.0"

from .normalization import normalize

__all__ = ["__version__", "normalize"]
