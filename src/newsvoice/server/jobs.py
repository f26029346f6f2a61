"""Narration jobs: the same job logic whichever queue delivers them.

A job narrates its article's stored text into the audio storage (MP3 and Opus from one
synthesis, with the transcript and word timings), streaming the MP3 while it is encoded, and
publishes it as the article's next version. Its worker leases the job and renews the lease
while it works, so a worker that dies leaves the job to another (see `store`). The voice is
one for the article's language; an article no installed voice can read, or one longer than
`max_words`, fails at once, with the reason, and is not tried again (`CannotNarrate`). The
narration's warnings are kept with the job and the version it publishes.

The `Dispatcher` hands queued jobs to the queue: threads in this process (`LocalQueue`, the
embedded default) or Redis, for `newsvoice worker` processes (`newsvoice.server.worker`).

No job stops a worker. A full disk fails the job with a reason that says so (`DiskFullError`);
when the failure cannot be recorded (the database's disk is full too), the worker tries again
until it can, and the job is retried or failed with its real cause once there is space.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import queue
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from ..errors import CannotNarrate, DiskFullError, NewsvoiceError, is_disk_full
from ..language import article_language, same_language
from ..narrate import Narration, narrate
from ..pronunciation import check_script
from ..runtime import Runtime
from ..script import Script
from ..settings import PipelineSettings, ServiceSettings
from .outage import Backoff
from .periodic import Periodic
from .store import Job, Record, Store
from .streams import RedisStreams, Streams

log = logging.getLogger(__name__)

STALE = 600.0
"""Seconds after which a job handed to the queue and not taken yet is looked for in it, and
handed over again if its message is gone. A backstop: messages lost with Redis's data (a
restart, a failover, a flush) are noticed at once (`JobQueue.forgot`)."""
RECORD_RETRY = (1.0, 30.0)
"""Seconds before trying again to record a job's failure, doubling, and the longest wait."""
AUDIO_FORMATS = ("mp3", "opus", "vtt", "json")


class QueueUnreachable(NewsvoiceError):
    """The queue cannot be reached now (Redis is restarting, or the network is down)."""


class JobQueue(Protocol):
    """Where the dispatcher hands jobs: each method raises `QueueUnreachable` while the queue
    cannot be reached."""

    def enqueue(self, job_id: str) -> None: ...

    def waiting(self, job_ids: Sequence[str]) -> set[str]:
        """Those of JOB_IDS whose messages the queue holds (not taken yet, or being run)."""
        ...

    def forgot(self) -> bool:
        """Whether messages handed to the queue may have been lost since it was last asked (it
        restarted, or was emptied): true for one caller, of all processes, each time."""
        ...


class _Stopping(Exception):
    """This process is stopping: the narration is abandoned, and its job queued again."""


class _LeaseLost(Exception):
    """The job is no longer this worker's: its article was deleted, or another worker took it
    over (this one was taken to be dead). The narration is abandoned."""


LEASE_LOST = "its article was deleted, or another worker took it over"


def job_event(
    level: int, event: str, job_id: str, text: str, *, trace: BaseException | None = None, **fields: Any
) -> None:
    """Log one event of a job as `job ID TEXT` (with TRACE's traceback if given), the event
    and its FIELDS under their names for JSON logs."""
    extra = {"event": event, "job": job_id, **fields}
    log.log(level, "job %s %s", job_id, text, exc_info=trace, extra=extra)


class Narrator:
    """Runs jobs with the runtime's voices, normalizer and segment cache, loaded once."""

    def __init__(self, runtime: Runtime, store: Store, streams: Streams | RedisStreams) -> None:
        self._runtime = runtime
        self._settings = runtime.service
        self._store = store
        self._streams = streams
        self._stopping = threading.Event()
        self.name = f"{socket.gethostname()}/{os.getpid()}"

    def prepare(self, nice: int = 0) -> None:
        """Load the voice and NeMo's grammars (seconds), so that no listener waits for them: in
        a thread with the narrations' priority lowered by NICE, which the voice's inference
        threads, started now, keep (see `give_way`)."""

        def load() -> None:
            self._runtime.voice("en")
            self._runtime.normalizer.normalize("Loaded on 12 Aug 2025.")

        with ThreadPoolExecutor(1, "newsvoice-prepare", initializer=give_way, initargs=(nice,)) as loader:
            loader.submit(load).result()

    def run(self, job_id: str) -> None:
        """Run JOB_ID if it is to be run now (it may be done, or held by a live worker)."""
        job = self._store.claim(job_id, f"{self.name}/{secrets.token_hex(4)}", self._settings.lease)
        if job is None:
            return
        started = time.monotonic()
        attempt = f"attempt {job.attempts} of {self._settings.attempts}"
        fields: dict[str, Any] = {"article": job.article_id, "attempt": job.attempts, "worker": job.worker}
        job_event(logging.INFO, "started", job.id, f"started ({attempt}) on {job.worker}", **fields)
        try:
            with self._leased(job):
                narration = self._narrate(job)
        except _Stopping:
            self._release(job)
        except _LeaseLost:
            job_event(logging.WARNING, "abandoned", job.id, f"abandoned: {LEASE_LOST}")
        except Exception as error:  # recorded on the job, which is tried again; the worker goes on
            self._failed(job, error)
        else:
            _log_done(job, narration, time.monotonic() - started)
        finally:
            self._streams.finish(job.article_id)

    def _release(self, job: Job) -> None:
        try:
            self._store.release(job)
        except Exception as error:  # its lease lapses, and a dispatcher queues it again
            reason = failure_reason(error, self._settings)
            text = f"not put back in the queue ({reason}): it is when its lease lapses"
            job_event(logging.WARNING, "released", job.id, text, error=reason)
            return
        job_event(logging.INFO, "released", job.id, "put back in the queue: this process is stopping")

    def _failed(self, job: Job, error: Exception) -> None:
        """Record ERROR on JOB and log it: the errors to expect (ours, and the system's, such as
        a full disk) in one line, others (bugs) with their traceback.

        A failure that cannot be recorded now (the database is away, or its disk is full) is
        tried again, waiting longer each time, until it is recorded or this process stops:
        the job keeps its real cause, even when its lease lapsed meanwhile (see `Store.fail`).
        """
        reason = failure_reason(error, self._settings)
        # An article refused (unreadable, too long) would be refused again: it fails now, for good.
        attempts = job.attempts if isinstance(error, CannotNarrate) else self._settings.attempts
        wait, longest = RECORD_RETRY
        while True:
            try:
                after = self._store.fail(job, reason, attempts, self._settings.backoff)
                break
            except Exception as problem:
                unrecorded = failure_reason(problem, self._settings)
                text = f"failed ({reason}), which cannot be recorded now ({unrecorded}): trying again"
                text += f" in {_seconds(wait)}"
                trace = None if _expected(problem) else problem
                job_event(logging.ERROR, "unrecorded", job.id, text, trace=trace, error=reason)
            if self._stopping.wait(wait):
                text = "left unrecorded: this process is stopping (it is handed over once its lease lapses)"
                job_event(logging.WARNING, "unrecorded", job.id, text, error=reason)
                return
            wait = min(wait * 2, longest)
        trace = None if _expected(error) and not log.isEnabledFor(logging.DEBUG) else error
        fields = {"article": job.article_id, "attempt": job.attempts, "error": reason}
        if after is None:
            job_event(logging.WARNING, "abandoned", job.id, f"abandoned: {LEASE_LOST} ({reason})")
        elif after.status == "queued":
            delay = round(max(0.0, (after.not_before or 0.0) - time.time()), 1)
            text = f"will be retried in {_seconds(delay)} (attempt {job.attempts + 1} of {attempts})"
            fields |= {"attempt": job.attempts + 1, "delay": delay}  # the attempt to come
            job_event(logging.WARNING, "retried", job.id, f"{text}: {reason}", trace=trace, **fields)
        else:
            job_event(logging.ERROR, "failed", job.id, f"failed: {reason}", trace=trace, **fields)

    def stop(self) -> None:
        """Abandon the narrations under way at their next segment (their files are not touched)."""
        self._stopping.set()

    def _narrate(self, job: Job) -> Narration:
        record = self._store.article(job.article_id)
        if record is None:  # deleted since the job was claimed
            raise _LeaseLost
        runtime, pipeline = self._runtime, self._runtime.pipeline
        said = narration_options(self._settings, pipeline, record)
        if record.options and record.options.get("voice"):  # the article's own choice
            voice = runtime.named_voice(record.options["voice"])
        else:
            voice = runtime.voice(article_language(record.article), said.voice)
        files = {ext: self._settings.audio_file(job.article_id, job.id, ext) for ext in AUDIO_FORMATS}
        files["mp3"].parent.mkdir(parents=True, exist_ok=True)
        for leftover in files["mp3"].parent.glob(".*.part"):  # of a worker that died on this article
            leftover.unlink(missing_ok=True)
        narration = narrate(
            record.article,
            files["mp3"],
            voice=voice,
            normalizer=runtime.normalizer,
            bitrate=pipeline.bitrate,
            disclosure=said.disclosure,
            intro=pipeline.intro,
            opening=said.intro,
            closing=said.outro,
            correction=said.correction,
            correction_at_end=said.correction_at_end,
            max_words=pipeline.max_words,  # one that came in without the check fails here
            progress=lambda done, total: self._progress(job, done, total),
            also=[files["opus"]] if pipeline.opus else [],
            on_bytes=self._streams.start(job.article_id).write,
            cache=runtime.cache,
        )
        segments = tuple(timed.segment for timed in narration.segments)
        # The check knows English words and names (by wordfreq's English list) alone.
        findings = []
        if same_language(voice.language, "en"):
            findings = check_script(Script(narration.article, segments), voice, runtime.lexicon)
        version = self._store.finish(
            job,
            record.article,
            [dataclasses.asdict(segment) for segment in segments],
            narration.duration,
            [dataclasses.asdict(finding) for finding in findings],
            narration.warnings,
        )
        if version is None:  # taken over meanwhile: the other worker's files are the ones published
            for path in files.values():
                path.unlink(missing_ok=True)
            raise _LeaseLost
        return narration

    def _progress(self, job: Job, done: int, total: int) -> None:
        if self._stopping.is_set():
            raise _Stopping
        if not self._store.progress(job, done, total, self._settings.lease):
            raise _LeaseLost

    @contextlib.contextmanager
    def _leased(self, job: Job) -> Iterator[None]:
        """Renew JOB's lease while the block runs, also through long segments and checks."""
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self._settings.lease / 4):
                try:
                    self._store.progress(job, None, None, self._settings.lease)
                except Exception as error:  # the narration's own writes will say, or succeed later
                    log.debug(
                        "job %s: its lease not renewed (%s)", job.id, failure_reason(error, self._settings)
                    )

        thread = threading.Thread(target=renew, name=f"newsvoice-lease-{job.id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


@dataclasses.dataclass(frozen=True)
class NarrationOptions:
    """How an article is narrated: its own choices, else its site's, else the settings'."""

    voice: str | None
    intro: str | None
    outro: str | None
    disclosure: str | None
    correction: str | None = None
    """A note that the article was updated, for a new text of an article already public."""
    correction_at_end: bool = False


def narration_options(
    settings: ServiceSettings, pipeline: PipelineSettings, record: Record
) -> NarrationOptions:
    """RECORD's narration options (see `NarrationOptions`); an empty text says nothing."""
    own = dict(record.options or {})
    found = settings.site(record.site, record.host)
    site = found[1] if found else None

    def chosen(name: str, default: str | None = None) -> str | None:
        for value in (own.get(name), getattr(site, name, None) if site else None):
            if value is not None:
                return value or None
        return default or None

    correction = None
    if site and site.corrections and record.version is not None and record.public(record.updated):
        correction = correction_note(record.updated, site.timezone)
    return NarrationOptions(
        chosen("voice"),
        chosen("intro"),
        chosen("outro"),
        chosen("disclosure", pipeline.disclosure),
        correction,
        bool(site and site.corrections == "end"),
    )


def correction_note(updated: float, zone: str = "UTC") -> str:
    """What is said of an article updated at UPDATED, in the time ZONE: "This article was
    updated on December 1 at 2:05 pm."."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    when = datetime.fromtimestamp(updated, ZoneInfo(zone))
    hour = when.hour % 12 or 12
    noon = "am" if when.hour < 12 else "pm"
    return f"This article was updated on {when:%B} {when.day} at {hour}:{when:%M} {noon}."


def failure_reason(error: BaseException, settings: ServiceSettings) -> str:
    """What went wrong, in one line: our errors as they say it, a full disk where it is full (the
    storage's, or the database's), others (bugs) with their class."""
    if isinstance(error, NewsvoiceError):
        return str(error)
    if is_disk_full(error, database=False):
        return str(DiskFullError.at(settings.audio_dir))
    if is_disk_full(error):
        return str(DiskFullError.at(settings.store_shown))
    return _one_line(error)


def _one_line(error: BaseException) -> str:
    """ERROR with its class, in one line (SQLAlchemy's go on with the statement)."""
    return f"{error.__class__.__name__}: {next(iter(str(error).splitlines()), '')}"


def _expected(error: BaseException) -> bool:
    """Whether ERROR is one to expect (ours, the system's, a full disk), logged in one line
    rather than with its traceback."""
    return isinstance(error, NewsvoiceError | OSError) or is_disk_full(error)


def _log_done(job: Job, narration: Narration, wall: float) -> None:
    duration = narration.duration
    rtf = wall / duration if duration else 0.0
    segments = len(narration.segments)
    text = f"done: {_clock(duration)} of audio in {wall:.1f} s (RTF {rtf:.3f}), {segments} segments"
    fields: dict[str, Any] = {"duration": round(duration, 2), "wall": round(wall, 2), "rtf": round(rtf, 4)}
    job_event(logging.INFO, "done", job.id, text, article=job.article_id, segments=segments, **fields)


def _clock(seconds: float) -> str:
    """SECONDS as minutes and seconds: "4:12"."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def give_way(nice: int) -> None:
    """Lower this thread's priority by NICE (the `narration_nice` setting), for good: narrating
    is batch work, sharing the cores with requests that someone waits for. On Linux a thread's
    nice value is its own, and the threads it starts inherit it (ONNX Runtime's inference
    threads among them); elsewhere nothing is done, as it would lower the whole process."""
    if nice and sys.platform == "linux":
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + nice))


class LocalQueue:
    """COUNT threads in this process, each running one job at a time until stopped, with their
    priority lowered by NICE (`give_way`).

    A thread never dies of a job: a job that could not even be started (its claim failed: the
    database is away, or its disk full) is logged and offered again after OFFER_AGAIN seconds.
    """

    OFFER_AGAIN = 10.0

    def __init__(self, run: Callable[[str], None], count: int, nice: int = 0) -> None:
        self._run = run
        self._count = count
        self._nice = nice
        self._jobs: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()

    def enqueue(self, job_id: str) -> None:
        self._jobs.put(job_id)

    @property
    def alive(self) -> int:
        """How many of the threads are running (all of them, from start to stop)."""
        return sum(thread.is_alive() for thread in self._threads)

    def waiting(self, job_ids: Sequence[str]) -> set[str]:
        return set()  # not known: a stale job is handed over again (a second message is harmless)

    def forgot(self) -> bool:
        return False  # what this process holds is lost only with it (`Service.start` hands it again)

    def start(self) -> None:
        self._stopped.clear()
        for number in range(self._count):
            thread = threading.Thread(target=self._work, name=f"newsvoice-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        """Stop taking jobs; wait up to TIMEOUT for those running."""
        self._stopped.set()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _work(self) -> None:
        give_way(self._nice)
        while (job_id := self._jobs.get()) is not None:
            try:
                self._run(job_id)
            except Exception as error:
                self._offer_again(job_id, error)

    def _offer_again(self, job_id: str, error: Exception) -> None:
        again = self.OFFER_AGAIN
        text = f"could not be run ({_one_line(error)}): offered again in {_seconds(again)}"
        job_event(logging.ERROR, "unrun", job_id, text, trace=None if _expected(error) else error)

        def offer() -> None:
            if not self._stopped.is_set():
                self.enqueue(job_id)

        timer = threading.Timer(again, offer)
        timer.daemon = True
        timer.start()


class Dispatcher(Periodic):
    """Hands queued jobs to the queue, and recovers the jobs of workers that died, every TICK
    seconds and when woken (a job was queued).

    Every server and worker runs one; the store makes sure each job is handed over once. While
    the queue cannot be reached, jobs wait in the database (a submission is accepted all the
    same), and the dispatcher tries again after 1, 2, 4, 8 s, then every `RECONNECT_CAP`; once
    it is back, what was queued meanwhile is handed to it, and if it lost the messages it held
    (Redis restarted without them), those jobs are handed to it again.
    """

    def __init__(self, store: Store, jobs: JobQueue, settings: ServiceSettings, tick: float = 1.0) -> None:
        super().__init__("dispatch", self.dispatch, tick)
        self._store = store
        self._jobs = jobs
        self._settings = settings
        self._backoff = Backoff()
        self._released_until = time.time()

    def dispatch(self) -> int:
        """Hand over what is due now; answers how many jobs. Publish the articles whose embargo
        has ended (they are public from their time on; this says so)."""
        self._release()
        self._recover()
        if not self._backoff.due():
            return 0
        try:
            handed = self._hand_over()
        except QueueUnreachable:  # logged by the queue, once an outage
            self._backoff.failed()
            return 0
        self._backoff.succeeded()
        return handed

    def _release(self) -> None:
        now = time.time()
        for article_id in self._store.released(self._released_until, now):
            log.info("article %s published: its embargo ended", article_id, extra={"event": "published"})
        self._released_until = now

    def _recover(self) -> None:
        requeued, failed = self._store.recover(self._settings.attempts)
        for job in requeued:
            text = f"handed over: its worker {job.worker} stopped (lease expired)"
            fields: dict[str, Any] = {
                "article": job.article_id,
                "worker": job.worker,
                "attempt": job.attempts + 1,
            }
            job_event(logging.WARNING, "handed_over", job.id, text, **fields)
        for job in failed:
            reason = f"its worker {job.worker} stopped (lease expired) on each of {job.attempts} tries"
            fields = {"article": job.article_id, "worker": job.worker, "attempt": job.attempts}
            job_event(logging.ERROR, "failed", job.id, f"failed: {reason}", error=reason, **fields)

    def _hand_over(self) -> int:
        if self._jobs.forgot():
            handed = self._store.handed_over()
            waiting = self._jobs.waiting(handed) if handed else set()
            lost = [job_id for job_id in handed if job_id not in waiting]
            self._store.hand_over_again(lost)
            if lost:
                log.warning(
                    "the queue lost the messages of %d queued jobs (Redis restarted, or was emptied): "
                    "handing them over again",
                    len(lost),
                    extra={"event": "messages_lost", "jobs": len(lost)},
                )
        pending: list[str] = []
        sent = 0
        try:
            pending = self._store.due(None)
            stale = self._store.stale(STALE)
            if stale:
                pending += stale
                waiting = self._jobs.waiting(stale)
                pending = [job_id for job_id in pending if job_id not in waiting]
            for job_id in pending:
                self._jobs.enqueue(job_id)
                sent += 1
                log.debug("job %s handed to the queue", job_id)
        except QueueUnreachable:
            self._store.hand_over_again(pending[sent:])
            raise
        return sent
