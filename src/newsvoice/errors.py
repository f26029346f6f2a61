"""Errors newsvoice reports to people: each carries one line that says what went wrong.

The command line prints any of them as that one line. The service answers those of the
newsroom's operations with a status (`newsvoice.server.http.ERROR_STATUSES`, in one place):
`NotAuthenticated` 401, `Refused` 403, `NotFound` 404, `Conflict` 409, and a source that cannot
be read (`SourceError`), holds no article (`NoArticleError`) or cannot be narrated
(`CannotNarrate`: no voice speaks its language, or the voice can say none of it) 422.
"""

from __future__ import annotations

import errno


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


class UnknownVoiceError(CannotNarrate):
    """A submission asks for a voice that is not installed (the message names those that are)."""


class UnreadableError(CannotNarrate):
    """The voice can say none of the article's text (it is all in a writing system the voice
    does not read)."""


class DiskFullError(OutputError):
    """The disk (or the user's quota) is full where newsvoice writes: the narration, or the
    service's record of it."""

    @classmethod
    def at(cls, where: object) -> DiskFullError:
        """The error for a full disk at WHERE (a directory, or a database's URL)."""
        return cls(f"the disk is full at {where}: free space to narrate")


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
"""A full disk, or a full quota (where the system has quotas)."""
_SQLITE_FULL = 13
"""SQLite's result code SQLITE_FULL, "database or disk is full"."""
_POSTGRES_DISK_FULL = "53100"


def is_disk_full(error: BaseException, *, database: bool = True) -> bool:
    """Whether ERROR, or an error it was raised from or wraps, says the disk is full: ENOSPC or
    EDQUOT, and (DATABASE) SQLite's "database or disk is full" or PostgreSQL's disk_full."""
    return any(_says_disk_full(found, database) for found in _chain(error))


def _says_disk_full(error: BaseException, database: bool) -> bool:
    if isinstance(error, OSError):
        return error.errno in DISK_FULL_ERRNOS
    if not database:
        return False
    sqlite = getattr(error, "sqlite_errorcode", None) == _SQLITE_FULL or (
        type(error).__module__ == "sqlite3" and "database or disk is full" in str(error)
    )
    return sqlite or getattr(error, "sqlstate", None) == _POSTGRES_DISK_FULL


def _chain(error: BaseException) -> list[BaseException]:
    """ERROR and those behind it: its cause (`raise ... from`), the driver's error a SQLAlchemy
    error wraps (`orig`), and errors given as its arguments (as mutagen wraps an OSError). Not
    its context: an error raised while another was handled is not made of it."""
    found: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        behind = [current.__cause__, getattr(current, "orig", None), *current.args]
        pending.extend(item for item in behind if isinstance(item, BaseException))
    return found


class TooLongError(CannotNarrate):
    """The article has more words than the `max_words` setting allows."""
