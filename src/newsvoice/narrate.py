"""The pipeline: source -> Article -> Script -> audio per segment -> `Narration` on disk.

Three stages overlap, each on its own thread, so normalization and encoding add little to
synthesis time: the script writer normalizes segments ahead, the voice synthesizes them in
order, and the encoder masters and writes each one as soon as it is spoken.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

from .article import Article
from .audio import master
from .encode import AudioFormat, Chapter, Encoder, Tags, format_for, open_encoder, write_tags
from .errors import OutputError
from .extract import extract
from .files import atomic_files
from .normalization import Normalizer, speakable
from .script import DEFAULT_DISCLOSURE, Segment, iter_segments, plan_segments
from .sources import read_source
from .transcript import to_json, to_vtt
from .voice import Speech, Voice, Word, load_voice

log = logging.getLogger(__name__)
T = TypeVar("T")

_ENCODE_BACKLOG = 4
Progress = Callable[[int, int], None]
"""Called with (segments done, segments in all)."""


@dataclass(frozen=True)
class TimedSegment:
    segment: Segment
    start: float
    end: float
    """When the next segment starts: cues cover the audio without gaps."""
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Narration:
    """A narrated article: where its files are, and when each segment and word is heard."""

    article: Article
    path: Path
    audio_format: AudioFormat
    voice: str
    duration: float
    segments: tuple[TimedSegment, ...]
    chapters: tuple[Chapter, ...]
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def transcript_path(self) -> Path:
        return self.path.with_suffix(".vtt")

    @property
    def timings_path(self) -> Path:
        return self.path.with_suffix(".json")


def load_article(source: str) -> Article:
    """Read and extract the article at SOURCE (a URL, a file path, or "-" for stdin)."""
    return extract(read_source(source))


def narrate(
    source: str | Article,
    output: Path,
    *,
    voice: Voice | None = None,
    normalizer: Normalizer | None = None,
    bitrate: int = 64,
    disclosure: str | None = DEFAULT_DISCLOSURE,
    progress: Progress | None = None,
    also: Sequence[Path] = (),
    on_bytes: Callable[[bytes], None] | None = None,
) -> Narration:
    """Narrate SOURCE into OUTPUT (.mp3, .opus, .ogg or .wav), with .vtt and .json beside it.

    ALSO: more audio files of the same narration, in other formats, from the same synthesis.
    ON_BYTES: called with the MP3 OUTPUT's bytes as they are encoded (the ID3 tag is put in
    front of them at the end), so the narration can be streamed while it is made.
    """
    try:
        formats = {path: format_for(path) for path in (output, *also)}
    except ValueError as error:
        raise OutputError(str(error)) from None
    audio_format = formats[output]
    if on_bytes and audio_format != "mp3":
        raise OutputError(f"{output}: only MP3 is streamed while it is encoded")
    article = source if isinstance(source, Article) else load_article(source)
    voice = voice or load_voice()
    normalizer = normalizer or Normalizer()
    total = len(plan_segments(article, disclosure))
    known_problems = len(normalizer.problems)
    warnings: list[str] = list(article.warnings)
    segments = iter_segments(article, normalizer.normalize, disclosure, warnings.append)

    with atomic_files() as files:
        handles = [files.open(path) for path in formats]
        sinks = [_Tee(handles[0], on_bytes) if on_bytes else handles[0], *handles[1:]]
        encoders = [
            open_encoder(sink, kind, voice.sample_rate, bitrate)
            for sink, kind in zip(sinks, formats.values(), strict=True)
        ]
        timeline = _Timeline()
        with ThreadPoolExecutor(1, thread_name_prefix="newsvoice-encode") as encoding:
            pending: collections.deque[Future[None]] = collections.deque()
            for done, segment in enumerate(_ahead(segments), start=1):
                speech = _speak(voice, segment, warnings.append)
                pending.append(encoding.submit(_encode, encoders, timeline, segment, speech))
                # Surface encoding errors early, and never let speech pile up unencoded.
                while pending and (pending[0].done() or len(pending) > _ENCODE_BACKLOG):
                    pending.popleft().result()
                if progress:
                    progress(done, total)
            for future in pending:
                future.result()
        for encoder, handle in zip(encoders, handles, strict=True):
            encoder.close()
            handle.close()
        narration = Narration(
            article=article,
            path=output,
            audio_format=audio_format,
            voice=voice.name,
            duration=timeline.position,
            segments=tuple(timeline.segments),
            chapters=_chapters(timeline.segments, timeline.position),
            warnings=tuple(warnings + normalizer.problems[known_problems:]),
        )
        tags = _tags(narration, disclosure)
        for path, kind in formats.items():
            write_tags(files.path_of(path), kind, tags)
        files.write_text(narration.transcript_path, to_vtt(narration))
        files.write_text(narration.timings_path, to_json(narration))
        files.commit()
    return narration


def _speak(voice: Voice, segment: Segment, warn: Callable[[str], None]) -> Speech:
    """The segment's spoken text; if the voice fails on it, the text as written."""
    try:
        return voice.speak(segment.spoken)
    except Exception as error:  # a pronunciation failure must never stop a narration
        warn(f"could not say {segment.spoken!r} ({error}); read as written instead")
        return voice.speak(speakable(segment.text))


class _Timeline:
    """Where each segment lands in the finished audio, filled in by the encoding thread."""

    def __init__(self) -> None:
        self.position = 0.0
        self.segments: list[TimedSegment] = []


class _Tee:
    """The file an encoder writes to, also handing each write to SINK."""

    def __init__(self, file: BinaryIO, sink: Callable[[bytes], None]) -> None:
        self._file = file
        self._sink = sink

    def write(self, data: bytes) -> int:
        self._sink(data)
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()


def _encode(encoders: list[Encoder], timeline: _Timeline, segment: Segment, speech) -> None:
    mastered = master(speech, segment.pause)
    start = timeline.position
    for encoder in encoders:
        encoder.write(mastered.audio)
    duration = len(mastered.audio) / speech.sample_rate
    words = tuple(Word(w.word, round(start + w.start, 3), round(start + w.end, 3)) for w in mastered.words)
    timeline.segments.append(TimedSegment(segment, round(start, 3), round(start + duration, 3), words))
    timeline.position = start + duration


def _chapters(timed: list[TimedSegment], duration: float) -> tuple[Chapter, ...]:
    starts = [(t.segment.chapter, t.start) for t in timed if t.segment.chapter]
    ends = [start for _, start in starts[1:]] + [duration] if starts else []
    return tuple(
        Chapter(title, round(start, 3), round(end, 3))
        for (title, start), end in zip(starts, ends, strict=True)
    )


def _tags(narration: Narration, disclosure: str | None) -> Tags:
    article = narration.article
    title = article.title or narration.segments[0].segment.text[:80]
    return Tags(
        title=title,
        artist=article.site_name or article.byline,
        album=article.site_name,
        date=article.date,
        url=article.url,
        comment=disclosure,
        chapters=narration.chapters if len(narration.chapters) > 1 else (),
    )


def _ahead(items: Iterator[T], size: int = 8) -> Iterator[T]:
    """Run ITEMS on a background thread, up to SIZE ahead of the consumer."""
    buffer: queue.Queue = queue.Queue(size)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
            buffer.put(done)
        except BaseException as error:  # handed to the consumer, which re-raises it
            buffer.put(error)

    thread = threading.Thread(target=produce, name="newsvoice-script", daemon=True)
    thread.start()
    try:
        while (item := buffer.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full buffer
            with contextlib.suppress(queue.Empty):
                buffer.get_nowait()
            thread.join(0.01)
