"""Live narrations: the MP3 bytes of a narration in progress, for listeners who cannot wait.

The encoder's bytes go to the audio file and, through `Broadcast.write`, to every listener,
each from the first byte, so what is streamed is the very narration that is stored. MP3
frames decode on their own, so a browser plays the stream as it comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import Any

from .outage import TIMEOUT, UNREACHABLE, Backoff, connect, outage, process_name, shown_url

SEND = 64 * 1024
"""The most bytes a listener is handed at once: one who fell behind (or came late) catches up
in pieces of this size, rather than in one copy of all it missed."""


class Broadcast:
    """Bytes written on one thread, read from the start by any number of asyncio listeners.

    The bytes are kept once, for all: each listener keeps only how far it has got, so one who
    is slow (or gone quiet) holds no more memory than one who keeps up.
    """

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

    async def listen(self) -> AsyncGenerator[bytes, None]:
        listener = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._listeners.add(listener)
        try:
            sent = 0
            while True:
                listener[1].clear()
                with self._lock:
                    end, size = sent, 0
                    while end < len(self._chunks) and size < SEND:
                        size += len(self._chunks[end])
                        end += 1
                    chunks, closed = self._chunks[sent:end], self._closed
                if chunks:
                    sent = end
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

    A server reads each narration once, however many listen to it (`_Reader`), on connections
    of its own, at most `CONNECTIONS`. A worker that cannot reach Redis goes on narrating, and
    writes the stream again from its start once Redis is back (listeners who came meanwhile
    hear it from its start; those who were listening are cut off, Redis having lost its place).
    """

    KEEP = 600
    """Seconds a finished narration's stream is kept (listeners read it from its start)."""
    CONNECTIONS = 8
    """The most connections a server opens to read streams: one for each narration listened to
    (however many listen to it), while it waits for bytes. Narrations past this number take
    turns, each waiting at most `_Reader.WAIT_MS` for another's turn to end."""

    def __init__(self, url: str) -> None:
        self._redis = connect(url)
        self._url = url
        self._outage = outage(shown_url(url))
        self._readers: dict[str, _Reader] = {}
        self._client: Any = None
        self._users = 0

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
            return _RedisListener(self, article_id, coming)
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

    def _reader(self, article_id: str, coming: Callable[[], bool]) -> _Reader:
        """The reader of the article's stream in this process (on its event loop): the one
        reading it, or a new one."""
        reader = self._readers.get(article_id)
        if reader is None or reader.done or reader.loop is not asyncio.get_running_loop():
            reader = self._readers[article_id] = _Reader(self, article_id, coming)
        return reader

    def _left(self, article_id: str, reader: _Reader) -> None:
        """READER's last listener has gone: it stops, and a listener who comes next starts
        another (from the stream's start)."""
        if self._readers.get(article_id) is reader:
            del self._readers[article_id]
        reader.stop()

    def _connection(self) -> Any:
        """The readers' Redis client, made with its pool when the first of them starts."""
        import redis.asyncio

        if self._client is None:
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self._url,
                max_connections=self.CONNECTIONS,
                timeout=None,
                socket_connect_timeout=TIMEOUT,
                socket_timeout=TIMEOUT,
                client_name=process_name(),
            )
            self._client = redis.asyncio.Redis.from_pool(pool)
        self._users += 1
        return self._client

    async def _release(self, client: Any) -> None:
        """A reader is done with CLIENT: when none is left, its connections are closed."""
        self._users -= 1
        if self._users == 0 and self._client is client:
            self._client = None
            await client.aclose()


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
    def __init__(self, streams: RedisStreams, article_id: str, coming: Callable[[], bool]) -> None:
        self._streams = streams
        self._article_id = article_id
        self._coming = coming

    async def listen(self) -> AsyncIterator[bytes]:
        """The narration's bytes from its start, until it ends, or is started again, or is no
        longer coming (its worker failed, and the job waits for another try)."""
        reader = self._streams._reader(self._article_id, self._coming)
        reader.listeners += 1
        try:
            async with contextlib.aclosing(reader.broadcast.listen()) as chunks:
                async for chunk in chunks:
                    yield chunk
        finally:
            reader.listeners -= 1
            if not reader.listeners:
                self._streams._left(self._article_id, reader)


class _Reader:
    """One narration's stream, read from Redis once for all of this process's listeners, who
    each hear it from its start (`Broadcast`)."""

    WAIT_MS = 1000

    def __init__(self, streams: RedisStreams, article_id: str, coming: Callable[[], bool]) -> None:
        self.broadcast = Broadcast()
        self.listeners = 0
        self.loop = asyncio.get_running_loop()
        self._streams = streams
        self._key = _key(article_id)
        self._coming = coming
        self._task = self.loop.create_task(self._read(), name=f"newsvoice-stream-{article_id}")

    @property
    def done(self) -> bool:
        return self._task.done()

    def stop(self) -> None:
        self._task.cancel()

    async def _read(self) -> None:
        client = self._streams._connection()
        backoff = Backoff()
        last, started = "0", False
        try:
            while True:
                try:
                    answer = await client.xread({self._key: last}, count=256, block=self.WAIT_MS)
                except UNREACHABLE as error:  # wait for Redis while the narration goes on
                    self._streams._outage.failed(error)
                    await asyncio.sleep(backoff.failed())
                    answer = None
                if not answer:
                    if not await asyncio.to_thread(self._coming):
                        return
                    continue
                backoff.succeeded()
                for entry, fields in answer[0][1]:
                    last = entry
                    if b"end" in fields or (b"start" in fields and started):
                        return
                    started = True
                    if b"data" in fields:
                        self.broadcast.write(fields[b"data"])
        finally:
            self.broadcast.close()
            await self._streams._release(client)


def _key(article_id: str) -> str:
    return f"newsvoice:stream:{article_id}"
