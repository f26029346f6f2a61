"""Live narrations: the MP3 bytes of a narration in progress, for listeners who cannot wait.

The encoder's bytes go to the audio file and, through `Broadcast.write`, to every listener,
each from the first byte, so what is streamed is the very narration that is stored. MP3
frames decode on their own, so a browser plays the stream as it comes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable


class Broadcast:
    """Bytes written on one thread, read from the start by any number of asyncio listeners."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._closed = False
        self._lock = threading.Lock()
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def write(self, data: bytes) -> None:
        if data:
            with self._lock:
                self._chunks.append(bytes(data))
            self._wake()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake()

    async def listen(self) -> AsyncIterator[bytes]:
        listener = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._listeners.add(listener)
        try:
            sent = 0
            while True:
                listener[1].clear()
                with self._lock:
                    chunks, closed = self._chunks[sent:], self._closed
                if chunks:
                    sent += len(chunks)
                    yield b"".join(chunks)
                elif closed:
                    return
                else:
                    await listener[1].wait()
        finally:
            with self._lock:
                self._listeners.discard(listener)

    def _wake(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for loop, event in listeners:
            loop.call_soon_threadsafe(event.set)


class Streams:
    """The broadcasts of narrations under way (or about to be), by article id."""

    def __init__(self) -> None:
        self._broadcasts: dict[str, Broadcast] = {}
        self._lock = threading.Lock()

    def start(self, article_id: str) -> Broadcast:
        """The broadcast a narration of the article writes to (listeners may be waiting on it)."""
        with self._lock:
            return self._broadcasts.setdefault(article_id, Broadcast())

    def finish(self, article_id: str) -> None:
        """Close the article's broadcast: call it after the narration's outcome is recorded."""
        with self._lock:
            broadcast = self._broadcasts.pop(article_id, None)
        if broadcast:
            broadcast.close()

    def join(self, article_id: str, coming: Callable[[], bool]) -> Broadcast | None:
        """The article's broadcast, made now if COMING() says a narration is coming; else None.

        Asking under the same lock `finish` takes means a listener either finds the broadcast
        of a narration that is ending, or learns that it has ended.
        """
        with self._lock:
            if article_id in self._broadcasts or coming():
                return self._broadcasts.setdefault(article_id, Broadcast())
        return None
