"""Narration jobs: the same job logic whichever queue delivers them.

A job narrates its article's stored text into the audio storage (MP3 and Opus from one
synthesis, with the transcript and word timings), streaming the MP3 while it is encoded, and
publishes it as the article's next version. Its worker leases the job and renews the lease
while it works, so a worker that dies leaves the job to another (see `store`). The voice is
one for the article's language; an article no installed voice can read, or one longer than
`max_words`, fails at once, with the reason, and is not tried again (`Refused`). The
narration's warnings are kept with the job and the version it publishes.

The `Dispatcher` hands queued jobs to the queue: threads in this process (`LocalQueue`, the
embedded default) or Redis, for `newsvoice worker` processes (`newsvoice.server.worker`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ..errors import NewsvoiceError, Refused
from ..language import article_language, same_language
from ..narrate import Narration, narrate
from ..pronunciation import check_script
from ..runtime import Runtime
from ..script import Script
from ..settings import ServiceSettings
from .periodic import Periodic
from .store import Job, Store
from .streams import RedisStreams, Streams

log = logging.getLogger(__name__)

STALE = 600.0
"""Seconds after which a job handed to the queue but not taken is handed over again."""
AUDIO_FORMATS = ("mp3", "opus", "vtt", "json")


class JobQueue(Protocol):
    def enqueue(self, job_id: str) -> None: ...


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

    def prepare(self) -> None:
        """Load the voice and NeMo's grammars (seconds), so that no listener waits for them."""
        self._runtime.voice("en")
        self._runtime.normalizer.normalize("Loaded on 12 Aug 2025.")

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
            self._store.release(job)
            job_event(logging.INFO, "released", job.id, "put back in the queue: this process is stopping")
        except _LeaseLost:
            job_event(logging.WARNING, "abandoned", job.id, f"abandoned: {LEASE_LOST}")
        except Exception as error:  # recorded on the job, which is tried again; the worker goes on
            self._failed(job, error)
        else:
            _log_done(job, narration, time.monotonic() - started)
        finally:
            self._streams.finish(job.article_id)

    def _failed(self, job: Job, error: Exception) -> None:
        """Record ERROR on JOB and log it: the errors to expect (ours, and the system's, such as
        a full disk) in one line, others (bugs) with their traceback."""
        ours = isinstance(error, NewsvoiceError)
        reason = str(error) if ours else f"{error.__class__.__name__}: {error}"
        # An article refused (unreadable, too long) would be refused again: it fails now, for good.
        attempts = job.attempts if isinstance(error, Refused) else self._settings.attempts
        after = self._store.fail(job, reason, attempts, self._settings.backoff)
        expected = ours or isinstance(error, OSError)
        trace = None if expected and not log.isEnabledFor(logging.DEBUG) else error
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
        voice = runtime.voice(article_language(record.article))
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
            disclosure=pipeline.disclosure or None,
            intro=pipeline.intro,
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
                self._store.progress(job, None, None, self._settings.lease)

        thread = threading.Thread(target=renew, name=f"newsvoice-lease-{job.id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


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


class LocalQueue:
    """COUNT threads in this process, each running one job at a time until stopped."""

    def __init__(self, run: Callable[[str], None], count: int) -> None:
        self._run = run
        self._count = count
        self._jobs: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def enqueue(self, job_id: str) -> None:
        self._jobs.put(job_id)

    def start(self) -> None:
        for number in range(self._count):
            thread = threading.Thread(target=self._work, name=f"newsvoice-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        """Stop taking jobs; wait up to TIMEOUT for those running."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _work(self) -> None:
        while (job_id := self._jobs.get()) is not None:
            self._run(job_id)


class Dispatcher(Periodic):
    """Hands queued jobs to the queue, and recovers the jobs of workers that died, every TICK
    seconds and when woken (a job was queued).

    Every server and worker runs one; the store makes sure each job is handed over once.
    """

    def __init__(self, store: Store, jobs: JobQueue, settings: ServiceSettings, tick: float = 1.0) -> None:
        super().__init__("dispatch", self.dispatch, tick)
        self._store = store
        self._jobs = jobs
        self._settings = settings

    def dispatch(self) -> int:
        """Hand over what is due now; answers how many jobs."""
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
        due = self._store.due(STALE)
        for job_id in due:
            log.debug("job %s handed to the queue", job_id)
            self._jobs.enqueue(job_id)
        return len(due)
