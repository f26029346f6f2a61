"""Listening figures, self-hosted and private: the player's events checked, counted in memory
and kept as aggregates only (see docs/analytics.md for what is collected and what is kept).

The player sends a batch of events for one article's version (`parse_batch` checks it
strictly: anything a player never sends is refused, `BadBatch`, with a 4xx status). What a
batch adds is counted at once in memory (`Tally`, per article, version and UTC day) and
written to the database every few seconds (`Analytics.flush`), so that taking an event costs
no database write. Nothing of a listener is kept:

- the client's address is used twice, never stored: to rate-limit (a token bucket keyed by a
  salted hash whose salt is replaced every hour, with the buckets) and to estimate how many
  people listened (a hash with a salt of the day sets one of the day's HyperLogLog registers:
  the registers, 256 small numbers, are all that is stored of it, and no listener can be
  found in them);
- the salt of the day is random, and one for every process on the database (`DaySalt`), so
  that a listener counts once a day whichever server, worker or restart took their batches: the
  store makes it for the first process to ask and hands the same to the others, each keeps it
  in memory for the day, and the past days' are deleted as a day begins, after which no one
  can tell whose hash set a register;
- the user agent only filters out robots (crawlers, HTTP libraries, headless browsers);
- the page's host name is kept per article and day, counted.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import NewsvoiceError

KINDS = ("load", "play", "progress", "complete", "seek", "speed", "error")
"""The events the player sends."""
MAX_EVENTS = 50
"""Events a batch holds at most (the player sends 20)."""
MAX_BATCH = 8 * 1024
"""Bytes a batch's body holds at most."""
MAX_SECONDS = 86_400.0
BUCKETS = tuple(range(0, 101, 10))
"""The 10% steps of the audio reached: 0 (played), 10 ... 90, and 100 (the end)."""
SPEEDS = (0.25, 4.0)
TOLERANCE = 1.5
"""Seconds a position may be past the duration (players round it)."""
BATCH_KEYS = frozenset({"article", "version", "host", "played", "listened", "events"})
EVENT_KEYS = frozenset({"kind", "position", "speed"})
ARTICLE = re.compile(r"[A-Za-z0-9_-]{1,32}")
HOST = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?|\[?[0-9a-f:.]{2,45}\]?|")
BOTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetcher|scraper|headless|phantom|lighthouse|pingdom|uptime|"
    r"monitor|preview|curl|wget|python|httpx|aiohttp|go-http|java/|okhttp|libwww|node-fetch|axios|"
    r"facebookexternalhit|embedly|quora link|whatsapp|^mozilla/[0-4]\.|^$",
    re.IGNORECASE,
)
REGISTERS = 256
"""HyperLogLog registers a day and article version (a standard error of about 6.5%)."""
SALT_BYTES = 16
"""The random salt of a day (blake2b's keys are at most 64 bytes)."""


class BadBatch(NewsvoiceError):
    """A batch of events no player sends: refused with STATUS (400, 404, 413 or 422)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Event:
    kind: str
    position: float
    speed: float


@dataclass(frozen=True)
class Batch:
    """One player's events for one version of an article."""

    article: str
    version: int
    host: str
    played: bool
    """Whether it played before this batch (a full batch is sent while it plays)."""
    listened: float
    """Seconds of audio heard since the last batch."""
    events: tuple[Event, ...]


def parse_batch(body: bytes) -> Batch:
    """The batch in BODY (JSON), checked strictly; `BadBatch` (413 too large, 400 not JSON,
    422 anything else) for one no player sends."""
    if len(body) > MAX_BATCH:
        raise BadBatch(f"a batch holds at most {MAX_BATCH} bytes", 413)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadBatch("not JSON", 400) from None
    if not isinstance(data, dict):
        raise BadBatch("a batch is a JSON object")
    if unknown := set(data) - BATCH_KEYS:
        raise BadBatch(f"unknown fields: {', '.join(sorted(map(str, unknown)))}")
    article = data.get("article")
    if not isinstance(article, str) or not ARTICLE.fullmatch(article):
        raise BadBatch("article: an article's id")
    version = data.get("version")
    if type(version) is not int or not 1 <= version <= 1_000_000:
        raise BadBatch("version: a version's number")
    host = data.get("host", "")
    if not isinstance(host, str) or not HOST.fullmatch(host):
        raise BadBatch("host: the page's host name, lowercase")
    played = data.get("played", False)
    if not isinstance(played, bool):
        raise BadBatch("played: true or false")
    listened = _number(data.get("listened", 0), "listened", 0, MAX_SECONDS)
    events = data.get("events")
    if not isinstance(events, list) or not events:
        raise BadBatch("events: a list of events")
    if len(events) > MAX_EVENTS:
        raise BadBatch(f"a batch holds at most {MAX_EVENTS} events")
    return Batch(article, version, host, played, listened, tuple(_event(event) for event in events))


def _event(data: Any) -> Event:
    if not isinstance(data, dict) or set(data) - EVENT_KEYS:
        raise BadBatch(f"an event is an object of {', '.join(sorted(EVENT_KEYS))}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise BadBatch(f"kind: one of {', '.join(KINDS)}")
    position = _number(data.get("position", 0), "position", 0, MAX_SECONDS)
    speed = _number(data.get("speed", 1), "speed", *SPEEDS)
    return Event(kind, position, speed)


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadBatch(f"{name}: a number")
    if not low <= value <= high:
        raise BadBatch(f"{name}: from {low:g} to {high:g}")
    return float(value)


def check_batch(batch: Batch, duration: float) -> None:
    """Refuse (422) what cannot happen in a player of audio DURATION seconds long: a position
    past the end, more heard than the audio holds, progress or the end without a play."""
    if any(event.position > duration + TOLERANCE for event in batch.events):
        raise BadBatch(f"a position past the end of the audio ({duration:.1f} s)")
    if batch.listened > 4 * duration + 60:
        raise BadBatch("listened: more than the audio holds")
    kinds = [event.kind for event in batch.events]
    if not batch.played:
        first = kinds.index("play") if "play" in kinds else len(kinds)
        if any(kind in ("progress", "complete") for kind in kinds[:first]):
            raise BadBatch("progress or complete before any play")
        if batch.listened and first == len(kinds):
            raise BadBatch("listened without any play")


@functools.lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    """Whether USER_AGENT is a robot's, an HTTP library's or a headless browser's (or none)."""
    return bool(BOTS.search(user_agent.strip()))


def bucket_of(position: float, duration: float) -> int:
    """The 10% step (0 ... 90) POSITION is in."""
    return min(90, int(10 * position / duration + 1e-9) * 10) if duration > 0 else 0


def today(now: float | None = None) -> str:
    """The UTC day, YYYY-MM-DD."""
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() if now is None else now))


# --- counting ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one article version's listeners did on one day (added to the stored row)."""

    loads: int = 0
    plays: int = 0
    completes: int = 0
    seeks: int = 0
    speed_changes: int = 0
    errors: int = 0
    speed_sum: float = 0.0
    speed_count: int = 0
    listened: float = 0.0
    buckets: dict[int, int] = field(default_factory=dict)
    registers: bytearray | None = None

    def add(self, other: Tally) -> None:
        for name in ("loads", "plays", "completes", "seeks", "speed_changes", "errors", "speed_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.speed_sum += other.speed_sum
        self.listened += other.listened
        for bucket, reached in other.buckets.items():
            self.buckets[bucket] = self.buckets.get(bucket, 0) + reached
        if other.registers is not None:
            self.registers = merge_registers(self.registers, other.registers)


TallyKey = tuple[str, int, str]
"""(article id, version, day)"""
HostKey = tuple[str, str, str]
"""(article id, day, host)"""


def hll_add(registers: bytearray, value: int) -> None:
    """Add a 64-bit hash VALUE to the HyperLogLog REGISTERS."""
    index = value & (REGISTERS - 1)
    rest = value >> 8  # 56 bits
    rank = 57 - rest.bit_length()
    if rank > registers[index]:
        registers[index] = rank


def merge_registers(one: bytes | bytearray | None, other: bytes | bytearray | None) -> bytearray:
    if not one:
        return bytearray(other or bytes(REGISTERS))
    if not other:
        return bytearray(one)
    return bytearray(max(a, b) for a, b in zip(one, other, strict=True))


def hll_count(registers: bytes | bytearray | None) -> int:
    """The number of distinct values added to REGISTERS, estimated."""
    if not registers:
        return 0
    m = len(registers)
    estimate = (0.7213 / (1 + 1.079 / m)) * m * m / sum(2.0**-r for r in registers)
    zeros = registers.count(0)
    if estimate <= 2.5 * m and zeros:
        estimate = m * math.log(m / zeros)
    return round(estimate)


class RateLimit:
    """Token buckets per client address, keyed by a salted hash (the salt and the buckets are
    replaced every hour): RATE batches a minute, BURST at once. RATE 0: no limit."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate / 60
        self.burst = burst
        self._buckets: dict[bytes, tuple[float, float]] = {}
        self._salt = b""
        self._hour = -1

    def allow(self, address: str, now: float | None = None) -> bool:
        if not self.rate:
            return True
        now = time.monotonic() if now is None else now
        hour = int(time.time() // 3600)
        if hour != self._hour or len(self._buckets) > 100_000:
            self._buckets, self._salt, self._hour = {}, secrets.token_bytes(16), hour
        key = hashlib.blake2b(address.encode(), key=self._salt, digest_size=8).digest()
        tokens, then = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


class DaySalt:
    """The salt listeners are hashed with on a UTC day, the same in every process on one store:
    SHARED(day) is the day's salt (made by the first process to ask, the past days' deleted).
    It is asked once a day, and held in memory until the next."""

    def __init__(self, shared: Callable[[str], bytes]) -> None:
        self._shared = shared
        self._held = ("", b"")
        """(day, salt) in one attribute: a thread never pairs a day with another day's salt."""

    def known(self, day: str) -> bool:
        """Whether DAY's salt is held (else `of` asks the store: do it off the event loop)."""
        return self._held[0] == day

    def of(self, day: str) -> bytes:
        """DAY's salt, asked of the store unless held."""
        held_day, salt = self._held
        if held_day != day:
            salt = self._shared(day)
            self._held = (day, salt)
        return salt


class Counter:
    """Batches counted in memory until taken (`take`) to be written; listeners are hashed with
    SALT's salt of the day."""

    def __init__(self, salt: DaySalt) -> None:
        self._lock = threading.Lock()
        self.tallies: dict[TallyKey, Tally] = {}
        self.hosts: dict[HostKey, list[int]] = {}
        self._salt = salt

    def count(self, batch: Batch, duration: float, listener: str, now: float | None = None) -> None:
        """Count BATCH of an audio DURATION long; LISTENER (address and user agent) is hashed
        with the day's salt into the day's HyperLogLog registers, and forgotten."""
        day = today(now)
        tally = Tally(listened=batch.listened)
        reached: set[int] = set()
        for event in batch.events:
            kind = event.kind
            if kind == "load":
                tally.loads += 1
            elif kind == "play":
                tally.plays += 1
                reached.add(0)
            elif kind == "progress":
                reached.add(bucket_of(event.position, duration))
            elif kind == "complete":
                tally.completes += 1
                reached.add(100)
            elif kind == "seek":
                tally.seeks += 1
            elif kind == "speed":
                tally.speed_changes += 1
            else:
                tally.errors += 1
            if kind in ("play", "progress", "complete", "speed"):
                tally.speed_sum += event.speed
                tally.speed_count += 1
        tally.buckets = dict.fromkeys(reached, 1)
        # Hashed before the lock is taken: the salt is asked of the store once a day.
        digest = self._hash(listener, day) if tally.plays else None
        with self._lock:
            key = (batch.article, batch.version, day)
            if (stored := self.tallies.get(key)) is None:
                stored = self.tallies[key] = tally
            else:
                stored.add(tally)
            if digest is not None:
                if stored.registers is None:
                    stored.registers = bytearray(REGISTERS)
                hll_add(stored.registers, digest)
            if tally.loads or tally.plays:
                counts = self.hosts.setdefault((batch.article, day, batch.host), [0, 0])
                counts[0] += tally.loads
                counts[1] += tally.plays

    def _hash(self, listener: str, day: str) -> int:
        digest = hashlib.blake2b(listener.encode(), key=self._salt.of(day), digest_size=8).digest()
        return int.from_bytes(digest, "big")

    def take(self) -> tuple[dict[TallyKey, Tally], dict[HostKey, list[int]]]:
        """What was counted since the last take."""
        with self._lock:
            taken = self.tallies, self.hosts
            self.tallies, self.hosts = {}, {}
            return taken

    def give_back(self, tallies: Mapping[TallyKey, Tally], hosts: Mapping[HostKey, list[int]]) -> None:
        """Counts that could not be written, to be written with the next."""
        with self._lock:
            for key, tally in tallies.items():
                if (stored := self.tallies.get(key)) is None:
                    self.tallies[key] = tally
                else:
                    stored.add(tally)
            for host_key, (loads, plays) in hosts.items():
                counts = self.hosts.setdefault(host_key, [0, 0])
                counts[0] += loads
                counts[1] += plays


# --- reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A stored day of an article version's listening (what reports are made of)."""

    article_id: str
    version: int
    day: str
    loads: int
    plays: int
    completes: int
    seeks: int
    speed_changes: int
    errors: int
    speed_sum: float
    speed_count: int
    listened: float
    listeners: bytes | None
    buckets: Mapping[int, int]


FIGURES = ("loads", "plays", "completes", "seeks", "speed_changes", "errors", "listened")


def figures(rows: Iterable[Row]) -> dict[str, Any]:
    """Totals of ROWS: loads, plays, engagement (plays / loads), average % completed, the
    drop-off curve, average speed, seconds heard, and listeners (the days' unique listeners,
    estimated, added up)."""
    rows = list(rows)
    totals: dict[str, Any] = {name: sum(getattr(row, name) for row in rows) for name in FIGURES}
    totals["listened"] = round(totals["listened"], 1)
    reached = {bucket: sum(row.buckets.get(bucket, 0) for row in rows) for bucket in BUCKETS}
    plays = totals["plays"]
    speed_count = sum(row.speed_count for row in rows)
    totals["engagement"] = round(plays / totals["loads"], 4) if totals["loads"] else None
    totals["average_completed"] = (
        round(10 * sum(reached[bucket] for bucket in BUCKETS[1:]) / plays, 1) if plays else None
    )
    totals["average_speed"] = (
        round(sum(row.speed_sum for row in rows) / speed_count, 3) if speed_count else None
    )
    totals["listeners"] = sum(hll_count(registers) for registers in _day_registers(rows).values())
    totals["dropoff"] = [
        {
            "bucket": bucket,
            "reached": reached[bucket],
            "share": round(reached[bucket] / plays, 4) if plays else None,
        }
        for bucket in BUCKETS
    ]
    return totals


def _day_registers(rows: Sequence[Row]) -> dict[tuple[str, str], bytearray]:
    merged: dict[tuple[str, str], bytearray] = {}
    for row in rows:
        if row.listeners:
            key = (row.article_id, row.day)
            merged[key] = merge_registers(merged.get(key), row.listeners)
    return merged


def daily(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """A day a line: loads, plays, completes, seconds heard, listeners."""
    days: dict[str, list[Row]] = {}
    for row in rows:
        days.setdefault(row.day, []).append(row)
    series = []
    for day in sorted(days):
        totals = figures(days[day])
        series.append(
            {"day": day}
            | {name: totals[name] for name in ("loads", "plays", "completes", "listened", "listeners")}
        )
    return series


# --- the service's side ---------------------------------------------------------------------

UNKNOWN: dict[int, float] = {}
DURATIONS_TTL = 60.0
"""Seconds an article's versions (and whether it is public) are remembered."""


class Audience:
    """Takes the players' batches (checked, rate-limited, robots left out) and counts them in
    memory; `flush` hands the counts to WRITE. LISTENABLE(article id) is the durations of a
    public article's versions, by number (None: no such public article); it is asked once a
    minute an article at most. SALT(day) is the store's salt of the day (see `DaySalt`)."""

    def __init__(
        self,
        listenable: Callable[[str], dict[int, float] | None],
        write: Callable[[Mapping[TallyKey, Tally], Mapping[HostKey, list[int]]], None],
        salt: Callable[[str], bytes],
        rate: float,
        burst: int = 30,
    ) -> None:
        self._listenable = listenable
        self._write = write
        self.limit = RateLimit(rate, burst)
        self.salt = DaySalt(salt)
        self.counter = Counter(self.salt)
        self._durations: dict[str, tuple[float, dict[int, float] | None]] = {}
        self._flushing = threading.Lock()

    def admit(self, address: str) -> None:
        """`BadBatch` (429) when ADDRESS has sent too many batches."""
        if not self.limit.allow(address):
            raise BadBatch("too many batches from this address: try again in a minute", 429)

    def known(self, article_id: str) -> dict[int, float] | None:
        """The article's versions' durations, if remembered: else UNKNOWN (ask `durations`)."""
        found = self._durations.get(article_id)
        if found is None or found[0] < time.monotonic():
            return UNKNOWN
        return found[1]

    def durations(self, article_id: str) -> dict[int, float] | None:
        """The article's versions' durations, asked of the store (and remembered)."""
        found = self._listenable(article_id)
        if len(self._durations) > 100_000:
            self._durations = {}
        self._durations[article_id] = (time.monotonic() + DURATIONS_TTL, found)
        return found

    def count(self, batch: Batch, durations: dict[int, float] | None, listener: str, user_agent: str) -> bool:
        """Count BATCH (the versions of its article last DURATIONS); False for a robot's,
        which is dropped. `BadBatch` (404) for an article or version not public, (422) for
        events that cannot happen."""
        if durations is None:
            raise BadBatch(f"no public article {batch.article}", 404)
        duration = durations.get(batch.version)
        if duration is None:
            raise BadBatch(f"article {batch.article} has no version {batch.version}", 404)
        check_batch(batch, duration)
        if is_bot(user_agent):
            return False
        self.counter.count(batch, duration, f"{listener}\0{user_agent}")
        return True

    def flush(self, now: float | None = None) -> None:
        """Write what was counted (kept, to be written next time, if the database fails), and
        take the day's salt as the day begins: the past day's is then deleted from the store
        even if no one plays, and the first listener of the day waits for no database."""
        with self._flushing:
            tallies, hosts = self.counter.take()
            try:
                self._write(tallies, hosts)
            except BaseException:
                self.counter.give_back(tallies, hosts)
                raise
        self.salt.of(today(now))
