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


class Refused(NewsvoiceError):
    """The article cannot be read properly as it is: trying again would not help (until a
    voice is installed, or the text changes)."""


class LanguageError(Refused):
    """No installed voice speaks the article's language."""


class UnreadableError(Refused):
    """The voice can say none of the article's text (it is all in a writing system the voice
    does not read)."""


class TooLongError(Refused):
    """The article has more words than the `max_words` setting allows."""
