"""The pipeline: source -> Article -> Script -> audio per segment -> `Narration` on disk.

Three stages overlap, each on its own thread, so normalization and encoding add little to
synthesis time: the script writer normalizes segments ahead, the voice synthesizes them in
order, and the encoder masters and writes each one as soon as it is spoken. With a segment
cache, a segment already spoken (and mastered) before is taken from it instead.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np

from .article import Article, check_length
from .audio import Mastered, master
from .cache import SegmentCache, segment_key
from .encode import AudioFormat, Chapter, Encoder, Tags, format_for, open_encoder, write_tags
from .errors import DiskFullError, OutputError, is_disk_full
from .extract import extract
from .files import atomic_files
from .language import article_language, language_name, primary, scripts_read
from .normalization import Normalizer, speakable
from .script import (
    DEFAULT_DISCLOSURE,
    Segment,
    check_readable,
    disclosure_in,
    iter_segments,
    plan_segments,
)
from .sources import read_source
from .transcript import to_json, to_vtt
from .voice import Speaker, Speech, Word, load_voice, speaks, voice_for_language

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
    synthesized: int = field(default=0, compare=False)
    """Segments the voice synthesized; the others (`reused`) came from the segment cache."""
    reused: int = field(default=0, compare=False)

    @property
    def estimated_words(self) -> int:
        """Words whose timings are laid out in proportion to their length, not taken from the
        voice's alignments (see `newsvoice.alignment`)."""
        return _estimated_words(self.segments)

    @property
    def transcript_path(self) -> Path:
        return self.path.with_suffix(".vtt")

    @property
    def timings_path(self) -> Path:
        return self.path.with_suffix(".json")


def load_article(source: str, max_words: int | None = None) -> Article:
    """Read and extract the article at SOURCE (a URL, a file path, or "-" for stdin);
    `TooLongError` for one of more than MAX_WORDS words."""
    article = extract(read_source(source))
    if max_words is not None:
        check_length(article, max_words)
    return article


def narrate(
    source: str | Article,
    output: Path,
    *,
    voice: Speaker | None = None,
    normalizer: Normalizer | None = None,
    bitrate: int = 64,
    disclosure: str | None = DEFAULT_DISCLOSURE,
    progress: Progress | None = None,
    also: Sequence[Path] = (),
    on_bytes: Callable[[bytes], None] | None = None,
    cache: SegmentCache | None = None,
    intro: bool = True,
    max_words: int | None = None,
    opening: str | None = None,
    closing: str | None = None,
    correction: str | None = None,
    correction_at_end: bool = False,
) -> Narration:
    """Narrate SOURCE into OUTPUT (.mp3, .opus, .ogg or .wav), with .vtt and .json beside it.

    ALSO: more audio files of the same narration, in other formats, from the same synthesis.
    ON_BYTES: called with the MP3 OUTPUT's bytes as they are encoded (the ID3 tag is put in
    front of them at the end), so the narration can be streamed while it is made.
    CACHE: where each segment is looked up before it is synthesized, and stored after.
    INTRO: begin with the title, then the byline or site. OPENING: said first ("From The
    Coastal Herald."); CLOSING: said after the article, before the disclosure. CORRECTION: a
    note that the article was updated, said first (or, CORRECTION_AT_END, after the article).
    MAX_WORDS: `TooLongError` for a longer article (`check_length`), before any work on it.

    The article's language (or, where it is not known, the voice's) chooses the sentence
    splitter, the normalizer and the wording of the intro and of the default DISCLOSURE (a
    configured one is read as it is); and, without a VOICE, the voice: an installed one for
    the language, else `LanguageError`. A VOICE given for another language reads the article
    all the same, with a warning. `UnreadableError` when the voice can say none of the
    article's text.
    """
    try:
        formats = {path: format_for(path) for path in (output, *also)}
    except ValueError as error:
        raise OutputError(str(error)) from None
    audio_format = formats[output]
    if on_bytes and audio_format != "mp3":
        raise OutputError(f"{output}: only MP3 is streamed while it is encoded")
    article = source if isinstance(source, Article) else load_article(source)
    if max_words is not None:
        check_length(article, max_words)
    language = article_language(article)
    voice = voice or load_voice(voice_for_language(language).path)
    warnings: list[str] = list(article.warnings)
    if not speaks(voice, language):
        warnings.append(
            f"the article is in {language_name(language)}, read by {voice.name}, "
            f"a voice for {language_name(voice.language)}"
        )
    check_readable(article, voice.language)
    normalizer = normalizer or Normalizer()
    # An article of no known language is read as the voice's: its sentences, numbers, intro
    # and disclosure.
    reading = language or primary(voice.language)
    disclosure = disclosure_in(disclosure, reading)
    total = len(
        plan_segments(
            article,
            disclosure,
            reading,
            intro=intro,
            opening=opening,
            closing=closing,
            correction=correction,
            correction_at_end=correction_at_end,
        )
    )
    segments = iter_segments(
        article,
        normalizer.speaker(reading),
        disclosure,
        warnings.append,
        language=reading,
        voice_language=voice.language,
        intro=intro,
        opening=opening,
        closing=closing,
        correction=correction,
        correction_at_end=correction_at_end,
    )
    speaker = _Speaker(voice, cache, warnings.append)

    with _telling_full_disks(output), atomic_files() as files:
        handles = [files.open(path) for path in formats]
        sinks = [_Tee(handles[0], on_bytes) if on_bytes else handles[0], *handles[1:]]
        encoders = [
            open_encoder(sink, kind, voice.sample_rate, bitrate)
            for sink, kind in zip(sinks, formats.values(), strict=True)
        ]
        timeline = _Timeline(voice.sample_rate)
        with ThreadPoolExecutor(1, thread_name_prefix="newsvoice-encode") as encoding:
            pending: collections.deque[Future[None]] = collections.deque()
            for done, segment in enumerate(_ahead(segments), start=1):
                audio = speaker.audio(segment)
                pending.append(encoding.submit(_encode, encoders, timeline, segment, audio))
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
        if estimated := _estimated_words(timeline.segments):
            words = sum(len(timed.words) for timed in timeline.segments)
            warnings.append(
                f"{estimated} of {words} words are timed in proportion to their length, "
                "not from the voice's alignments (the read-along may run ahead or behind there)"
            )
        narration = Narration(
            article=article,
            path=output,
            audio_format=audio_format,
            voice=voice.name,
            duration=timeline.position,
            segments=tuple(timeline.segments),
            chapters=_chapters(timeline.segments, timeline.position),
            warnings=tuple(warnings),
            synthesized=speaker.synthesized,
            reused=speaker.reused,
        )
        tags = _tags(narration, disclosure)
        for path, kind in formats.items():
            write_tags(files.path_of(path), kind, tags)
        files.write_text(narration.transcript_path, to_vtt(narration))
        files.write_text(narration.timings_path, to_json(narration))
        files.commit()
    return narration


@contextlib.contextmanager
def _telling_full_disks(output: Path) -> Iterator[None]:
    """A full disk met while writing OUTPUT and its files said in one line: `DiskFullError`
    (the encoders, mutagen and the files raise `OSError`s of their own making)."""
    try:
        yield
    except Exception as error:
        if isinstance(error, OutputError) or not is_disk_full(error, database=False):
            raise
        raise DiskFullError.at(output.parent.absolute()) from error


class _Speaker:
    """Each segment's audio, as a function that the encoding thread calls to have it mastered.

    A segment in the cache is read here, mastered already. Any other is synthesized here and
    mastered (then stored) on the encoding thread, so that the voice goes on at once.
    """

    def __init__(self, voice: Speaker, cache: SegmentCache | None, warn: Callable[[str], None]) -> None:
        self._voice = voice
        self._cache = cache
        self._warn = warn
        self._settings = voice.settings_key if cache else ""
        self.synthesized = 0
        self.reused = 0

    def audio(self, segment: Segment) -> Callable[[], Mastered]:
        key = segment_key(self._settings, segment.spoken) if self._cache else ""
        if self._cache and (stored := self._cache.get(key)) is not None:
            self.reused += 1
            return partial(_with_pause, stored, segment.pause)
        self.synthesized += 1
        try:
            speech = self._voice.speak(segment.spoken)
        except Exception as error:  # a pronunciation failure must never stop a narration
            self._warn(f"could not say {segment.spoken!r} ({error}); read as written instead")
            # Not stored: the next narration tries the spoken text again, and warns again.
            written = speakable(segment.text, scripts=scripts_read(self._voice.language))
            return partial(master, self._voice.speak(written), segment.pause)
        store = partial(self._cache.put, key) if self._cache else None
        return partial(_master, speech, segment.pause, store)


def _master(speech: Speech, pause: float, store: Callable[[Speech], None] | None) -> Mastered:
    """SPEECH mastered, and stored without its pause, so that a pause changed by an edit does
    not make the segment a miss."""
    mastered = master(speech, pause)
    if store:
        spoken = round(mastered.speech_duration * speech.sample_rate)
        store(Speech(mastered.audio[:spoken], speech.sample_rate, mastered.words))
    return mastered


def _with_pause(stored: Speech, pause: float) -> Mastered:
    """A cached segment with its pause after it, as `master` adds it."""
    silence = np.zeros(round(pause * stored.sample_rate), dtype=np.float32)
    return Mastered(np.concatenate([stored.audio, silence]), stored.duration, stored.words)


class _Timeline:
    """Where each segment lands in the finished audio, filled in by the encoding thread."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
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


def _encode(
    encoders: list[Encoder], timeline: _Timeline, segment: Segment, audio: Callable[[], Mastered]
) -> None:
    mastered = audio()
    start = timeline.position
    for encoder in encoders:
        encoder.write(mastered.audio)
    duration = len(mastered.audio) / timeline.sample_rate
    words = tuple(
        replace(w, start=round(start + w.start, 3), end=round(start + w.end, 3)) for w in mastered.words
    )
    timeline.segments.append(TimedSegment(segment, round(start, 3), round(start + duration, 3), words))
    timeline.position = start + duration


def _estimated_words(segments: Sequence[TimedSegment]) -> int:
    return sum(word.estimated for timed in segments for word in timed.words)


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
