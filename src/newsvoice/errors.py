"""Errors newsvoice reports to people: each carries one line that says what went wrong.

The command line prints any of them as that one line. The service answers those of the
newsroom's operations with a status (`newsvoice.server.http.ERROR_STATUSES`, in one place):
`NotAuthenticated` 401, `Refused` 403, `NotFound` 404, `Conflict` 409, and a source that cannot
be read (`SourceError`), holds no article (`NoArticleError`) or cannot be narrated
(`CannotNarrate`: no voice speaks its language, or the voice can say none of it) 422.
"""


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


class NotFound(NewsvoiceError):
    """No such thing: an article, a version, a job, a watched feed, a narrated file (or a
    feature that is off, such as webhooks without a secret)."""


class Conflict(NewsvoiceError):
    """A change the current state does not allow: retrying a job that has not failed, giving an
    article a URL that another article has."""


class Refused(NewsvoiceError):
    """Not allowed, whoever asks: fetching an address the service must not reach."""


class NotAuthenticated(Refused):
    """The request's credential is missing or wrong: a webhook's signature (API keys are checked
    by the HTTP layer itself)."""


class CannotNarrate(NewsvoiceError):
    """The article cannot be read properly as it is: trying again would not help (until a
    voice is installed, or the text changes)."""


class LanguageError(CannotNarrate):
    """No installed voice speaks the article's language."""


class UnreadableError(CannotNarrate):
    """The voice can say none of the article's text (it is all in a writing system the voice
    does not read)."""
