"""Narration jobs: queued in the store, run by a pool of threads in the server process.

A job narrates its article's stored text into the audio directory (MP3 and Opus from one
synthesis, with the transcript and word timings), streaming the MP3 while it is encoded.
Files are replaced atomically, so an article keeps its earlier audio until the new one is
complete. Jobs left running by a stopped server are queued again when it starts.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from functools import partial

from ..errors import NewsvoiceError
from ..narrate import narrate
from ..normalization import Normalizer
from ..pronunciation import check_script
from ..script import Script
from ..voice import Voice, load_voice
from .settings import Settings
from .store import Job, Store
from .streams import Streams

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
"""How often an idle worker looks for jobs it was not woken for (queued by another process)."""


class _Stopping(Exception):
    """The server is stopping: the narration is abandoned, and its job queued again."""


class Narrator:
    """Runs jobs with one voice and one normalizer, loaded by `prepare` before the first job."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        streams: Streams,
        voice: Voice | None = None,
        normalizer: Normalizer | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._streams = streams
        self._voice = voice
        self._normalizer = normalizer
        self._stopping = threading.Event()

    def prepare(self) -> None:
        """Load the voice and NeMo's grammars (seconds), so that no listener waits for them."""
        self._voice = self._voice or load_voice()
        self._normalizer = self._normalizer or Normalizer()
        self._normalizer.normalize("Loaded on 12 Aug 2025.")

    def run(self, job: Job) -> None:
        voice, normalizer = self._voice, self._normalizer
        assert voice and normalizer, "prepare() first"
        record = self._store.article(job.article_id)
        assert record is not None, "a running job's article is not deleted"
        broadcast = self._streams.start(job.article_id)
        try:
            narration = narrate(
                record.article,
                self._settings.audio_file(job.article_id, "mp3"),
                voice=voice,
                normalizer=normalizer,
                bitrate=self._settings.bitrate,
                progress=partial(self._progress, job.id),
                also=[self._settings.audio_file(job.article_id, "opus")],
                on_bytes=broadcast.write,
            )
            script = Script(narration.article, tuple(timed.segment for timed in narration.segments))
            findings = check_script(script, voice, normalizer.lexicon)
            self._store.finish(job, narration.duration, [dataclasses.asdict(f) for f in findings])
        except _Stopping:
            self._store.requeue(job.id)
        except NewsvoiceError as error:
            self._store.fail(job.id, str(error))
        except Exception as error:  # recorded on the job, which can be retried; the server goes on
            log.exception("job %s failed", job.id)
            self._store.fail(job.id, f"{error.__class__.__name__}: {error}")
        finally:
            self._streams.finish(job.article_id)

    def stop(self) -> None:
        """Abandon the narrations under way at their next segment (their files are not touched)."""
        self._stopping.set()

    def _progress(self, job_id: str, done: int, total: int) -> None:
        if self._stopping.is_set():
            raise _Stopping
        self._store.progress(job_id, done, total)


class Workers:
    """COUNT threads, each running one job at a time until stopped."""

    def __init__(self, store: Store, run: Callable[[Job], None], count: int) -> None:
        self._store = store
        self._run = run
        self._count = count
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        requeued = self._store.requeue()
        if requeued:
            log.info("resuming %d interrupted job%s", requeued, "" if requeued == 1 else "s")
        for number in range(self._count):
            thread = threading.Thread(target=self._work, name=f"newsvoice-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """A job was queued."""
        self._wake.set()

    def stop(self, timeout: float) -> None:
        """Stop taking jobs; wait up to TIMEOUT for those running (one cut short is resumed on the
        next start)."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _work(self) -> None:
        while not self._stopping.is_set():
            job = self._store.claim()
            if job is None:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()
                continue
            self._run(job)
