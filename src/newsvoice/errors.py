"""Errors newsvoice reports to people: each carries one line that says what went wrong."""


class NewsvoiceError(Exception):
    """Base class: the message is shown as is, without a traceback."""


class SourceError(NewsvoiceError):
    """The source could not be read: unreachable URL, HTTP error, unreadable file."""


class NoArticleError(NewsvoiceError):
    """The source was read, but holds no article to narrate."""


class VoiceError(NewsvoiceError):
    """The voice model is missing or cannot be loaded."""


class OutputError(NewsvoiceError):
    """The narration cannot be written where it was asked for."""
