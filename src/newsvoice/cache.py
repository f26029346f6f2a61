"""The segment cache: each segment's audio kept on disk, so that narrating an edited article
again synthesizes only the segments whose spoken text changed.

An entry is keyed by everything that determines its audio and word timings: the voice's
settings key (engine version, model file digest, synthesis settings, the version of how word
timings are made), the mastering code and the spoken text.
It holds the segment's audio mastered (trimmed and levelled) but without the pause after
it, so a segment that only moves (a sentence now last in its paragraph, pausing longer) is
still found. Mastering is kept because it costs about 1.2 s for the sample article, as much
as the rest of a re-narration together; storing the raw speech would redo it every time.

Entries are one file each, written to a temporary file and renamed into place, so several
processes, or machines sharing the directory, can use one cache: a reader sees a whole
entry or none. A truncated or damaged entry is a miss, and is removed. Each use sets the
file's modification time, by which the least recently used entries are evicted once the
cache is over its size.

The cache never fills its disk: it leaves free the larger of `MIN_FREE_BYTES` and
`MIN_FREE_SHARE` of the filesystem, for the narrations themselves and the service's database.
Short of that, segments are not stored (with a warning, once), and narrations go on without.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from .errors import OutputError
from .files import write_atomically
from .voice import Speech, Word

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 2 * 10**9
MIN_FREE_BYTES = 64 * 10**6
"""The space the cache leaves free on its filesystem, for the narrations and the database..."""
MIN_FREE_SHARE = 0.05
"""...or this share of the filesystem's size, if that is more."""

# An entry: this header, the words as JSON, then the samples as raw little-endian float32.
# Raw samples load with one read and no parsing (np.frombuffer) and come back exactly as
# stored; the CRC-32 of everything after the header tells a torn or damaged file.
_MAGIC = b"NVS1"
_HEADER = struct.Struct("<4sIIII")  # magic, sample rate, samples, bytes of JSON, CRC-32
_ENTRY = ".seg"
# Eviction goes below the limit, so that the puts after it do not each scan the directory.
_LOW_WATER = 0.9


@dataclass(frozen=True)
class CacheStats:
    directory: Path
    entries: int
    bytes: int
    max_bytes: int
    oldest_use: float | None
    """When the least recently used entry was last used (Unix time); None if empty."""
    newest_use: float | None


@dataclass(frozen=True)
class Removed:
    """What an eviction removed."""

    entries: int
    bytes: int


def segment_key(settings_key: str, spoken: str) -> str:
    """The key of SPOKEN text said by a voice with SETTINGS_KEY (see `Voice.settings_key`)."""
    identity = "\0".join((_MAGIC.decode(), settings_key, _mastering_digest(), spoken))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


@functools.cache
def _mastering_digest() -> str:
    """The mastering code's own digest: any change to it makes every entry a miss."""
    return hashlib.sha256(files("newsvoice").joinpath("audio.py").read_bytes()).hexdigest()[:16]


class SegmentCache:
    """Mastered segment audio on disk, at most MAX_BYTES of it, least recently used evicted.

    Thread-safe; several processes may share DIRECTORY. A cache that cannot be written is
    skipped with a warning: it never stops a narration.
    """

    def __init__(self, directory: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        # The directory's size as far as this process knows: scanned once, then kept up to
        # date by its own puts. Other processes' puts show at the next scan (an eviction).
        self._size: int | None = None
        self._warned = False
        self._short = False
        """Whether the disk was found short of space at the last put."""

    def get(self, key: str) -> Speech | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:  # not there, or removed by another process meanwhile
            return None
        try:
            speech = _decode(data)
        except (ValueError, TypeError) as error:
            log.debug("%s: damaged cache entry removed (%s)", path, error)
            self._remove(path, len(data))
            return None
        _touch(path)
        return speech

    def put(self, key: str, speech: Speech) -> None:
        data = _encode(speech)
        path = self._path(key)
        if not self._room_for(len(data)):
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data)
        except (OSError, OutputError) as error:
            if not self._warned:
                log.warning("cannot write the segment cache in %s (%s)", self.directory, error)
                self._warned = True
            return
        _touch(path)
        with self._lock:
            # A first scan counts the entry just written too.
            self._size = self._scan_size() if self._size is None else self._size + len(data)
            if self._size > self.max_bytes:
                self._evict(int(self.max_bytes * _LOW_WATER))

    def _room_for(self, size: int) -> bool:
        """Whether SIZE bytes more leave the filesystem the space the cache must leave free.
        Warns when it stops storing segments for want of space, and says when it goes on."""
        try:
            disk = os.statvfs(_existing(self.directory))
        except OSError:
            return True  # writing will say what is wrong
        free, total = disk.f_bavail * disk.f_frsize, disk.f_blocks * disk.f_frsize
        keep = max(MIN_FREE_BYTES, int(total * MIN_FREE_SHARE))
        short = free - size < keep
        with self._lock:
            if short and not self._short:
                log.warning(
                    "the segment cache stops storing segments: %s has %s free, and the cache leaves "
                    "%s free for the narrations (narrating goes on, synthesizing every segment)",
                    self.directory,
                    _megabytes(free),
                    _megabytes(keep),
                )
            elif self._short and not short:
                log.info(
                    "the segment cache stores segments again: %s has %s free",
                    self.directory,
                    _megabytes(free),
                )
            self._short = short
        return not short

    def stats(self) -> CacheStats:
        entries = _entries(self.directory)
        with self._lock:
            self._size = sum(size for _, size, _ in entries)
        uses = [used for used, _, _ in entries]
        return CacheStats(
            self.directory,
            len(entries),
            self._size,
            self.max_bytes,
            min(uses) / 1e9 if uses else None,
            max(uses) / 1e9 if uses else None,
        )

    def prune(self, max_bytes: int | None = None) -> Removed:
        """Evict the least recently used entries down to MAX_BYTES (default: the limit)."""
        with self._lock:
            return self._evict(self.max_bytes if max_bytes is None else max_bytes)

    def clear(self) -> Removed:
        return self.prune(0)

    def _path(self, key: str) -> Path:
        # 256 subdirectories keep each directory small for a cache of many thousand entries.
        return self.directory / key[:2] / f"{key}{_ENTRY}"

    def _scan_size(self) -> int:
        return sum(size for _, size, _ in _entries(self.directory))

    def _evict(self, target: int) -> Removed:
        entries = sorted(_entries(self.directory))
        size = sum(size for _, size, _ in entries)
        removed = Removed(0, 0)
        for _, entry_size, path in entries:
            if size <= target:
                break
            with contextlib.suppress(FileNotFoundError):  # another process evicted it first
                path.unlink()
            size -= entry_size
            removed = Removed(removed.entries + 1, removed.bytes + entry_size)
        self._size = size
        return removed

    def _remove(self, path: Path, size: int) -> None:
        with contextlib.suppress(OSError):
            path.unlink()
        with self._lock:
            if self._size is not None:
                self._size -= size


def _entries(directory: Path) -> list[tuple[int, int, Path]]:
    """(last use in ns, bytes, path) of every file in the cache, a writer's temporary files
    included: they take space too, and one left by a writer that died is old and goes first."""
    found = []
    with contextlib.suppress(FileNotFoundError):
        for fan in os.scandir(directory):
            if not fan.is_dir(follow_symlinks=False):
                continue
            with contextlib.suppress(FileNotFoundError):
                for entry in os.scandir(fan.path):
                    with contextlib.suppress(FileNotFoundError):  # evicted meanwhile
                        stat = entry.stat(follow_symlinks=False)
                        found.append((stat.st_mtime_ns, stat.st_size, Path(entry.path)))
    return found


def _existing(directory: Path) -> Path:
    """DIRECTORY, or the nearest of its parents that exists (where it will be made)."""
    while not directory.exists() and directory.parent != directory:
        directory = directory.parent
    return directory


def _megabytes(count: int) -> str:
    return f"{count / 10**6:.1f} MB"


def _touch(path: Path) -> None:
    """Mark PATH used now. Set explicitly: the time a write sets is only as fine as the
    kernel's tick, which would leave the order of entries written together undefined."""
    now = time.time_ns()
    with contextlib.suppress(OSError):
        os.utime(path, ns=(now, now))


def _encode(speech: Speech) -> bytes:
    words = json.dumps(
        [[w.word, w.start, w.end, *([True] if w.estimated else [])] for w in speech.words], ensure_ascii=False
    ).encode("utf-8")
    samples = speech.audio.astype("<f4", copy=False).tobytes()
    checksum = zlib.crc32(samples, zlib.crc32(words))
    return _HEADER.pack(_MAGIC, speech.sample_rate, len(speech.audio), len(words), checksum) + words + samples


def _decode(data: bytes) -> Speech:
    if len(data) < _HEADER.size:
        raise ValueError("truncated")
    magic, rate, samples, words_size, checksum = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise ValueError("not a segment cache entry")
    body = memoryview(data)[_HEADER.size :]
    if len(body) != words_size + 4 * samples:
        raise ValueError("truncated")
    if zlib.crc32(body) != checksum:
        raise ValueError("checksum mismatch")
    words = tuple(Word(*word) for word in json.loads(bytes(body[:words_size])))
    audio = np.frombuffer(data, dtype="<f4", count=samples, offset=_HEADER.size + words_size)
    return Speech(audio, rate, words)
