"""Encoding and tagging: MP3 (lameenc, mutagen ID3 with chapters), Opus/Ogg and WAV (soundfile).

Encoders take audio a segment at a time, so a narration is written while it is synthesized
and memory does not grow with the length of the article.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import lameenc
import numpy as np
from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TSSE, WOAS, CTOCFlags
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE
from scipy.signal import resample_poly

from . import __version__

AudioFormat = Literal["mp3", "opus", "wav"]
FORMATS: dict[str, AudioFormat] = {".mp3": "mp3", ".opus": "opus", ".ogg": "opus", ".wav": "wav"}
T = TypeVar("T")
OPUS_RATE = 48000  # Opus runs at 48 kHz; Piper voices at 16 or 22.05 kHz are resampled


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str | None = None
    album: str | None = None
    date: str | None = None
    url: str | None = None
    comment: str | None = None
    chapters: tuple[Chapter, ...] = ()


class ByteSink(Protocol):
    """What an encoder writes to: a binary file (Opus and WAV seek in it too), or for MP3 any
    writer, such as one that also streams what is written."""

    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...


class Encoder(Protocol):
    def write(self, audio: np.ndarray) -> None: ...
    def close(self) -> None: ...


def format_for(path: Path) -> AudioFormat:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(FORMATS)
        raise ValueError(f"{path}: unknown audio format {path.suffix!r} (use {known})") from None


def open_encoder(file: ByteSink, audio_format: AudioFormat, sample_rate: int, bitrate: int) -> Encoder:
    if audio_format == "mp3":
        return Mp3Encoder(file, sample_rate, bitrate)
    if audio_format == "opus":
        return SoundFileEncoder(file, sample_rate, "OGG", "OPUS", OPUS_RATE)
    return SoundFileEncoder(file, sample_rate, "WAV", "PCM_16", sample_rate)


class Mp3Encoder:
    def __init__(self, file: ByteSink, sample_rate: int, bitrate: int) -> None:
        self._file = file
        self._lame = lameenc.Encoder()
        self._lame.set_bit_rate(bitrate)
        self._lame.set_in_sample_rate(sample_rate)
        self._lame.set_channels(1)
        self._lame.set_quality(5)  # LAME's own default: transparent for speech, 2x faster than 2

    def write(self, audio: np.ndarray) -> None:
        self._file.write(self._lame.encode(_int16(audio).tobytes()))

    def close(self) -> None:
        self._file.write(self._lame.flush())
        self._file.flush()


class SoundFileEncoder:
    def __init__(self, file: ByteSink, sample_rate: int, container: str, subtype: str, out_rate: int) -> None:
        import soundfile  # libsndfile, loaded only for these formats: MP3 is the common one

        self._rates = (sample_rate, out_rate)
        self._file = _Reporting(file)
        self._sound = self._file.check(
            soundfile.SoundFile,
            self._file,
            mode="w",
            samplerate=out_rate,
            channels=1,
            format=container,
            subtype=subtype,
        )

    def write(self, audio: np.ndarray) -> None:
        rate, out_rate = self._rates
        if rate != out_rate:
            # Segments end in silence, so resampling them one by one leaves no seams.
            divisor = np.gcd(rate, out_rate)
            audio = resample_poly(audio, out_rate // divisor, rate // divisor)
        self._file.check(self._sound.write, np.clip(audio, -1.0, 1.0).astype(np.float32))

    def close(self) -> None:
        self._file.check(self._sound.close)


class _Reporting:
    """The file libsndfile writes to, through soundfile, which calls it from C: there an
    exception (a full disk's OSError) is printed on stderr and lost, and libsndfile goes on
    after a short write or fails with an error of its own. This keeps the file's error, and
    `check` raises it."""

    def __init__(self, file: ByteSink) -> None:
        self._file: Any = file
        self.error: Exception | None = None

    def check(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """CALL(ARGS), raising the file's error if it met one (rather than libsndfile's)."""
        try:
            result = call(*args, **kwargs)
        except Exception:
            self._raise()
            raise
        self._raise()
        return result

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _call(self, method: str, failed: Any, *args: Any) -> Any:
        if self.error is not None:
            return failed
        try:
            return getattr(self._file, method)(*args)
        except Exception as error:
            self.error = error
            return failed

    def write(self, data: bytes) -> int:
        return self._call("write", 0, data)

    def read(self, size: int) -> bytes:
        return self._call("read", b"", size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._call("seek", -1, offset, whence)

    def tell(self) -> int:
        return self._call("tell", -1)

    def flush(self) -> None:
        self._call("flush", None)


def write_tags(path: Path, audio_format: AudioFormat, tags: Tags) -> None:
    """Tag a finished file: ID3 (with chapters) for MP3 and WAV, Vorbis comments for Opus."""
    if audio_format == "opus":
        _tag_opus(path, tags)
        return
    if audio_format == "wav":
        wave = WAVE(str(path))
        wave.add_tags()
        assert wave.tags is not None, "add_tags made them"
        _fill_id3(wave.tags, tags)
        wave.save()
        return
    id3 = ID3()
    _fill_id3(id3, tags)
    id3.save(str(path), v2_version=4)


def _fill_id3(id3: ID3, tags: Tags) -> None:
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TCON(encoding=3, text="Speech"))
    id3.add(TSSE(encoding=3, text=f"newsvoice {__version__}"))
    if tags.artist:
        id3.add(TPE1(encoding=3, text=tags.artist))
    if tags.album:
        id3.add(TALB(encoding=3, text=tags.album))
    if tags.date:
        id3.add(TDRC(encoding=3, text=tags.date))
    if tags.url:
        id3.add(WOAS(url=tags.url))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    if tags.chapters:
        ids = [f"chp{index}" for index in range(len(tags.chapters))]
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=tags.title)],
            )
        )
        for element_id, chapter in zip(ids, tags.chapters, strict=True):
            id3.add(
                CHAP(
                    element_id=element_id,
                    start_time=round(chapter.start * 1000),
                    end_time=round(chapter.end * 1000),
                    sub_frames=[TIT2(encoding=3, text=chapter.title)],
                )
            )


def _tag_opus(path: Path, tags: Tags) -> None:
    opus = OggOpus(str(path))
    fields = {
        "title": tags.title,
        "artist": tags.artist,
        "album": tags.album,
        "date": tags.date,
        "contact": tags.url,
        "comment": tags.comment,
        "genre": "Speech",
        "encoder": f"newsvoice {__version__}",
    }
    for key, value in fields.items():
        if value:
            opus[key] = value
    # Chapters as Vorbis comments (CHAPTERxxx / CHAPTERxxxNAME), read by most podcast players.
    for index, chapter in enumerate(tags.chapters, start=1):
        opus[f"CHAPTER{index:03d}"] = _clock(chapter.start)
        opus[f"CHAPTER{index:03d}NAME"] = chapter.title
    opus.save()


def _clock(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{rest:06.3f}"


def _int16(audio: np.ndarray) -> np.ndarray:
    return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
