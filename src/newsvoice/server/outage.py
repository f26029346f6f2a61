"""Connections to Redis, and Redis going away and coming back: waits between tries, and one
log line each way.

Redis restarts (an upgrade, a failover, a crash), and the service goes on meanwhile: jobs and
their leases are in the database, so a submission is still accepted (202), a narration under
way goes on, and what needs Redis waits for it. Each part that talks to Redis tries again after
1, 2, 4, 8 s, then every `RECONNECT_CAP` seconds, and the process says once that Redis is
unreachable and once that it is back, whichever part noticed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError
from redis.retry import Retry

log = logging.getLogger(__name__)

TIMEOUT = 10.0
"""Seconds to wait for Redis to connect or to answer, but for RQ's blocking reads."""
RECONNECT_CAP = 10.0
"""The longest wait, in seconds, between two tries to reach Redis while it is away: once it is
back, every part of a server or worker uses it again within this time."""
FIRST_WAIT = 1.0
UNREACHABLE = (ConnectionError, TimeoutError, OSError)
"""What redis-py raises when Redis cannot be reached (a refused or dropped connection, a
timeout); its other errors are answers from Redis."""


class Backoff:
    """When to try again: FIRST_WAIT after the first failure, twice that after each next one, at
    most RECONNECT_CAP; at once after a success."""

    def __init__(self) -> None:
        self._wait = 0.0
        self._next = 0.0

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def failed(self) -> float:
        """Record a failure: answers the seconds until the next try."""
        self._wait = min(RECONNECT_CAP, self._wait * 2 or FIRST_WAIT)
        self._next = time.monotonic() + self._wait
        return self._wait

    def succeeded(self) -> None:
        self._wait = self._next = 0.0


class Outage:
    """Whether Redis at one URL is away, for this process: logged once as it goes, once as it
    comes back (with how long it was away)."""

    def __init__(self, shown: str) -> None:
        self._shown = shown
        self._since: float | None = None
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        with self._lock:
            if self._since is not None:
                return
            self._since = time.monotonic()
        log.warning(
            "Redis at %s is unreachable (%s): jobs wait in the database; trying again, at most %g s apart",
            self._shown,
            error,
            RECONNECT_CAP,
            extra={"event": "redis_down", "queue": self._shown},
        )

    def back(self) -> None:
        if self._since is None:  # the usual case, without taking the lock
            return
        with self._lock:
            since, self._since = self._since, None
        if since is not None:
            away = round(time.monotonic() - since, 1)
            log.info(
                "Redis at %s is back, after %.1f s",
                self._shown,
                away,
                extra={"event": "redis_back", "away": away},
            )


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage(shown: str) -> Outage:
    """The process's `Outage` of Redis at SHOWN (its URL without a password)."""
    with _outages_lock:
        return _outages.setdefault(shown, Outage(shown))


class _Backoff(ExponentialBackoff):
    """At once after a first failure (a connection of the pool that Redis closed as it
    restarted: a new one may well work), then as `Backoff`."""

    def compute(self, failures: int) -> float:
        return 0.0 if failures <= 1 else min(RECONNECT_CAP, FIRST_WAIT * 2 ** (failures - 2))


class PatientRetry(Retry):
    """redis-py's retry policy for a connection that waits for Redis however long it is away
    (RQ's worker loop: a command blocks until Redis answers, and the worker goes on as if
    nothing happened), with the waits of `Backoff`, logged as an `Outage`. `give_up` makes the
    commands after it fail at once instead (the worker is stopping)."""

    def __init__(self, outage: Outage) -> None:
        super().__init__(_Backoff(), retries=-1)
        self._outage = outage
        self._giving_up = False

    def give_up(self) -> None:
        self._giving_up = True

    def call_with_retry(
        self, do: Any, fail: Any, is_retryable: Any = None, with_failure_count: bool = False
    ) -> Any:
        failures = 0

        def failed(error: Exception, *count: int) -> None:
            nonlocal failures
            fail(error, *count)  # redis-py's own handler: it closes the connection
            if self._giving_up:
                raise error
            failures += 1
            if failures > 1:  # not just a connection Redis closed as it restarted
                self._outage.failed(error)

        result = super().call_with_retry(do, failed, is_retryable, with_failure_count)
        self._outage.back()
        return result

    def __deepcopy__(self, memo: dict[int, Any]) -> PatientRetry:
        return self  # redis-py copies the policy into each connection: they share this one


def connect(url: str, **options: Any) -> Redis:
    """A connection to Redis at URL that fails within `TIMEOUT` when Redis is away, named after
    this process in CLIENT LIST (OPTIONS: redis-py's)."""
    options = {
        "socket_connect_timeout": TIMEOUT,
        "socket_timeout": TIMEOUT,
        "client_name": process_name(),
    } | options
    return Redis.from_url(url, **options)


def process_name() -> str:
    """This process ("host/pid"), as CLIENT LIST shows its connections."""
    return f"{socket.gethostname()}/{os.getpid()}"


def shown_url(url: str) -> str:
    """Redis's URL as it may be shown or logged: without its password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
