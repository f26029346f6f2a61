"""Live narrations: the MP3 bytes of a narration in progress, for listeners who cannot wait.

The encoder's bytes go to the audio file and, through `Broadcast.write`, to every listener,
each from the first byte, so what is streamed is the very narration that is stored. MP3
frames decode on their own, so a browser plays the stream as it comes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence

from .outage import UNREACHABLE, Backoff, connect, outage, shown_url


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


class RedisStreams:
    """The same, across machines: a worker writes a narration's bytes to a Redis stream, and
    any server reads it to its listeners. The stream is kept a while after the narration ends,
    for listeners who are still catching up.

    A worker that cannot reach Redis goes on narrating, and writes the stream again from its
    start once Redis is back (listeners who came meanwhile hear it from its start; those who
    were listening are cut off, Redis having lost its place).
    """

    KEEP = 600
    """Seconds a finished narration's stream is kept (listeners read it from its start)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio

        self._redis = connect(url)
        self._url = url
        self._outage = outage(shown_url(url))
        self._async = redis.asyncio.Redis.from_url

    def start(self, article_id: str) -> _RedisWriter:
        """A new narration of the article: its stream starts again, marked so that a listener
        still reading an earlier one stops there rather than hear the two run together."""
        writer = _RedisWriter(self, _key(article_id))
        writer.resend()
        return writer

    def finish(self, article_id: str) -> None:
        key = _key(article_id)
        try:
            with self._redis.pipeline() as pipeline:
                pipeline.xadd(key, {"end": b""})
                pipeline.expire(key, self.KEEP)
                pipeline.execute()
        except UNREACHABLE as error:  # its listeners find it is no longer coming
            self._outage.failed(error)

    def join(self, article_id: str, coming: Callable[[], bool]) -> _RedisListener | None:
        """A listener of the article's narration, if COMING() says one is under way or coming
        (a finished narration is served from its file)."""
        if coming():
            return _RedisListener(self._async(self._url), _key(article_id), coming)
        return None

    def _write(self, key: str, chunks: Sequence[bytes]) -> None:
        """Write the stream KEY again: its start, then CHUNKS."""
        with self._redis.pipeline() as pipeline:
            pipeline.delete(key)
            pipeline.xadd(key, {"start": b""})
            for chunk in chunks:
                pipeline.xadd(key, {"data": chunk})
            pipeline.expire(key, self.KEEP)
            pipeline.execute()


class _RedisWriter:
    """A narration's bytes, written to its stream as they come, and kept to write the stream
    again from its start if Redis loses it (restarted) or cannot be reached for a while."""

    def __init__(self, streams: RedisStreams, key: str) -> None:
        self._streams = streams
        self._key = key
        self._chunks: list[bytes] = []
        self._lost = False
        self._backoff = Backoff()

    def write(self, data: bytes) -> None:
        if not data:
            return
        chunk = bytes(data)
        self._chunks.append(chunk)
        if self._lost:
            if self._backoff.due():
                self.resend()
            return
        try:
            if self._streams._redis.xadd(self._key, {"data": chunk}, nomkstream=True) is None:
                self.resend()  # the stream is gone: Redis restarted without it
        except UNREACHABLE as error:
            self._failed(error)

    def resend(self) -> None:
        """The stream from its start, with the bytes so far."""
        try:
            self._streams._write(self._key, self._chunks)
        except UNREACHABLE as error:
            self._failed(error)
        else:
            self._lost = False
            self._backoff.succeeded()
            self._streams._outage.back()

    def _failed(self, error: BaseException) -> None:
        self._lost = True
        self._backoff.failed()
        self._streams._outage.failed(error)


class _RedisListener:
    WAIT_MS = 1000

    def __init__(self, redis, key: str, coming: Callable[[], bool]) -> None:
        self._redis = redis
        self._key = key
        self._coming = coming

    async def listen(self) -> AsyncIterator[bytes]:
        """The narration's bytes from its start, until it ends, or is started again, or is no
        longer coming (its worker failed, and the job waits for another try)."""
        last, started = "0", False
        try:
            while True:
                answer = await self._redis.xread({self._key: last}, count=256, block=self.WAIT_MS)
                if not answer:
                    if not await asyncio.to_thread(self._coming):
                        return
                    continue
                for entry, fields in answer[0][1]:
                    last = entry
                    if b"end" in fields or (b"start" in fields and started):
                        return
                    started = True
                    if b"data" in fields:
                        yield fields[b"data"]
        finally:
            await self._redis.aclose()


def _key(article_id: str) -> str:
    return f"newsvoice:stream:{article_id}"
