"""Work a server or worker does in the background, on a tick or at once when woken."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from ..errors import NewsvoiceError, is_disk_full

log = logging.getLogger(__name__)


class Periodic:
    """Runs WORK on a thread of its own every TICK seconds, and at once when woken, until stopped.

    A failing round is logged and the next tick tries again: the database or the network may
    be away for a moment, or its disk full, and the server must go on. The same failure round
    after round is logged once (in one line when it is the system's, not a bug), and its end.
    """

    def __init__(self, name: str, work: Callable[[], object], tick: float) -> None:
        self._name = name
        self._work = work
        self._tick = tick
        self._wake = threading.Event()
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing: str | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"newsvoice-{self._name}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self.stopping.set()
        self._wake.set()
        if self._thread:
            self._thread.join()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self._work()
            except Exception as error:
                self._failed(error)
            else:
                if self._failing is not None:
                    log.info("%s works again", self._name)
                    self._failing = None
            self._wake.wait(self._tick)
            self._wake.clear()

    def _failed(self, error: Exception) -> None:
        said = f"{error.__class__.__name__}: {next(iter(str(error).splitlines()), '')}"
        if said == self._failing:
            return
        self._failing = said
        expected = isinstance(error, NewsvoiceError | OSError | OperationalError) or is_disk_full(error)
        text = "%s failed (%s); trying again every %g s"
        log.error(text, self._name, said, self._tick, exc_info=None if expected else error)
