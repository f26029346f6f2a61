"""Work a server or worker does in the background, on a tick or at once when woken."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs WORK on a thread of its own every TICK seconds, and at once when woken, until stopped.

    A failing round is logged and the next tick tries again: the database or the network may
    be away for a moment, and the server must go on.
    """

    def __init__(self, name: str, work: Callable[[], object], tick: float) -> None:
        self._name = name
        self._work = work
        self._tick = tick
        self._wake = threading.Event()
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

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
            except Exception:
                log.exception("%s failed; trying again in %g s", self._name, self._tick)
            self._wake.wait(self._tick)
            self._wake.clear()
