"""End to end with the real voice: the sample narrated once to MP3, short texts to Opus and WAV."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_HEADINGS, SAMPLE_TITLE
from mutagen.id3 import ID3
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE

from newsvoice.article import Article, Block
from newsvoice.audio import loudness, true_peak_db
from newsvoice.cli import main
from newsvoice.lexicon import Lexicon
from newsvoice.narrate import Narration, narrate
from newsvoice.normalization import Normalizer
from newsvoice.script import DEFAULT_DISCLOSURE
from newsvoice.voice import spoken_words

CHAPTER_TITLES = [
    SAMPLE_TITLE,
    "What the town stands to gain",
    "A race against the grid",
    "What happens next",
]
CUE_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)$")

SHORT_TITLE = "Harbour bridge reopens after repairs"
SHORT_TEXT = (
    f"{SHORT_TITLE}\n\n"
    "The harbour bridge reopened to traffic on Friday after eight months of repairs. "
    "Commuters welcomed the news.\n"
)


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue."""
    cues = []
    for block in text.split("\n\n")[1:]:
        lines = block.strip("\n").split("\n")
        if not lines or not lines[0]:
            continue
        timing = CUE_TIME.match(lines[1])
        assert timing, block
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, timing.groups())
        start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
        end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        cues.append((start, end, "\n".join(lines[2:])))
    return cues


@pytest.fixture(scope="module")
def sample_json(sample_narration: Narration) -> dict:
    return json.loads(sample_narration.timings_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_vtt(sample_narration: Narration) -> str:
    return sample_narration.transcript_path.read_text(encoding="utf-8")


# --- the sample, narrated to MP3 -----------------------------------------------------------


def test_mp3_files_written(sample_narration: Narration) -> None:
    assert sample_narration.path.suffix == ".mp3"
    assert sample_narration.audio_format == "mp3"
    for path in (sample_narration.path, sample_narration.transcript_path, sample_narration.timings_path):
        assert path.is_file() and path.stat().st_size > 0, path
    assert sample_narration.path.read_bytes()[:3] == b"ID3"
    # Nothing temporary is left beside the files.
    assert sorted(p.name for p in sample_narration.path.parent.iterdir()) == [
        "sample.json",
        "sample.mp3",
        "sample.vtt",
    ]


def test_mp3_duration(sample_narration: Narration, sample_audio) -> None:
    audio, rate = sample_audio
    duration = len(audio) / rate
    assert rate == 22050
    assert abs(duration - sample_narration.duration) <= 0.02 * sample_narration.duration
    assert 4 * 60 <= duration <= 8 * 60


def test_mp3_is_not_silent(sample_audio) -> None:
    audio, rate = sample_audio
    rms = np.sqrt(np.mean(audio**2))
    assert rms > 0.01
    # Speech throughout: no 10-second stretch of near silence.
    window = 10 * rate
    for start in range(0, len(audio) - window, window):
        assert np.max(np.abs(audio[start : start + window])) > 0.1, start / rate


def test_mp3_loudness_on_target(sample_audio) -> None:
    audio, rate = sample_audio
    assert abs(loudness(audio, rate) - (-16.0)) <= 1.0


def test_mp3_does_not_clip(sample_audio) -> None:
    # Decoded samples stay below full scale. (True peak, measured between samples, is the
    # stricter limit: see the next test.)
    audio, _ = sample_audio
    assert np.max(np.abs(audio)) < 1.0


def test_mp3_true_peak_below_minus_one_dbtp(sample_audio) -> None:
    audio, _ = sample_audio
    assert true_peak_db(audio) < -1.0


def test_vtt_cues(sample_narration: Narration, sample_vtt: str, sample_audio) -> None:
    assert sample_vtt.startswith("WEBVTT\n\n")
    cues = parse_vtt(sample_vtt)
    assert len(cues) == len(sample_narration.segments)
    assert cues[0][0] == 0.0
    previous_end = 0.0
    for start, end, _ in cues:
        assert start < end
        assert start >= previous_end - 1e-9
        previous_end = end
    audio, rate = sample_audio
    assert abs(cues[-1][1] - len(audio) / rate) <= 0.1


def test_vtt_cues_show_the_article_text(sample_narration: Narration, sample_vtt: str) -> None:
    cues = parse_vtt(sample_vtt)
    texts = [text for _, _, text in cues]
    assert texts == [timed.segment.text for timed in sample_narration.segments]
    assert texts[0] == SAMPLE_TITLE
    assert texts[-1] == DEFAULT_DISCLOSURE
    assert texts[1] == "By Tamsin Hollow."
    assert SAMPLE_HEADINGS[0] in texts
    assert any("on Friday (Aug 15)." in text for text in texts)
    assert any("M A Trevorrow" in text for text in texts)


def test_json_segments(sample_narration: Narration, sample_json: dict) -> None:
    assert sample_json["title"] == SAMPLE_TITLE
    assert sample_json["voice"] == sample_narration.voice == "en_US-joe-medium"
    assert sample_json["duration"] == pytest.approx(sample_narration.duration, abs=0.001)
    segments = sample_json["segments"]
    assert len(segments) == len(sample_narration.segments)
    assert segments[0]["start"] == 0.0
    assert segments[-1]["end"] == pytest.approx(sample_narration.duration, abs=0.002)
    previous_end = 0.0
    for segment in segments:
        assert set(segment) == {"kind", "text", "spoken", "start", "end", "words"}
        assert segment["start"] < segment["end"]
        assert segment["start"] >= previous_end - 1e-9
        previous_end = segment["end"]
    assert segments[0]["kind"] == "title"
    assert segments[-1]["kind"] == "disclosure"


def test_json_words(sample_json: dict) -> None:
    for segment in sample_json["segments"]:
        words = segment["words"]
        assert [w["word"] for w in words] == spoken_words(segment["spoken"]), segment["spoken"]
        assert words, segment["spoken"]
        previous = segment["start"]
        for word in words:
            assert segment["start"] <= word["start"] <= word["end"] <= segment["end"], (
                segment["spoken"],
                word,
            )
            assert word["start"] >= previous - 1e-9, (segment["spoken"], word)
            previous = word["end"]
        # The words take up most of the segment: the rest is pause and a little air.
        assert words[-1]["end"] - words[0]["start"] > 0.3 * (segment["end"] - segment["start"])


def test_json_words_say_written_characters(sample_json: dict) -> None:
    """Each spoken word names the characters of the written text it says, in order."""
    for segment in sample_json["segments"]:
        text, previous = segment["text"], 0
        for word in segment["words"]:
            start, end = word["chars"]
            assert previous <= start < end <= len(text), (text, word)
            previous = start
    segment = next(s for s in sample_json["segments"] if "(Aug 15)" in s["text"])
    said = {w["word"].lower(): segment["text"][slice(*w["chars"])] for w in segment["words"]}
    assert (said["august"], said["fifteenth"]) == ("Aug", "15")


def test_json_spoken_date(sample_json: dict) -> None:
    segment = next(s for s in sample_json["segments"] if "(Aug 15)" in s["text"])
    assert "august fifteenth" in segment["spoken"].lower()
    words = [w["word"].lower() for w in segment["words"]]
    assert words[-2:] == ["august", "fifteenth"]


def test_pauses_are_heard(sample_narration: Narration, sample_json: dict) -> None:
    """The silence from a segment's last word to the next one's first word is its pause:
    longest before a subhead, shorter after a paragraph, shortest between sentences."""
    segments = sample_json["segments"]
    pauses = [timed.segment.pause for timed in sample_narration.segments]
    gaps: dict[float, list[float]] = {}
    for segment, following, pause in zip(segments, segments[1:], pauses, strict=False):
        gap = following["words"][0]["start"] - segment["words"][-1]["end"]
        assert gap >= pause - 0.05, (segment["text"], gap, pause)
        gaps.setdefault(pause, []).append(gap)
    before_heading, paragraph, sentence = (np.mean(gaps[p]) for p in (1.1, 0.7, 0.35))
    assert before_heading > paragraph > sentence


def test_chapters(sample_narration: Narration, sample_json: dict) -> None:
    chapters = sample_narration.chapters
    assert [c.title for c in chapters] == CHAPTER_TITLES
    assert chapters[0].start == 0.0
    assert chapters[-1].end == pytest.approx(sample_narration.duration, abs=0.002)
    for chapter, following in itertools.pairwise(chapters):
        assert chapter.end == following.start
    headings = [s for s in sample_json["segments"] if s["kind"] == "heading"]
    assert [c.start for c in chapters[1:]] == [s["start"] for s in headings]
    assert sample_json["chapters"] == [{"title": c.title, "start": c.start, "end": c.end} for c in chapters]


def test_id3_tags(sample_narration: Narration) -> None:
    tags = ID3(sample_narration.path)
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == SAMPLE_TITLE
    assert str(tags["TCON"]) == "Speech"
    comments = tags.getall("COMM")
    assert [c.text[0] for c in comments] == [DEFAULT_DISCLOSURE]


def test_id3_chapters(sample_narration: Narration) -> None:
    tags = ID3(sample_narration.path)
    chaps = sorted(tags.getall("CHAP"), key=lambda chap: chap.start_time)
    assert len(chaps) == len(CHAPTER_TITLES)
    assert [str(chap.sub_frames["TIT2"]) for chap in chaps] == CHAPTER_TITLES
    for chap, chapter in zip(chaps, sample_narration.chapters, strict=True):
        assert chap.start_time == round(chapter.start * 1000)
        assert chap.end_time == round(chapter.end * 1000)
    tocs = tags.getall("CTOC")
    assert len(tocs) == 1
    assert list(tocs[0].child_element_ids) == [chap.element_id for chap in chaps]


def test_narration_warnings_name_the_dropped_character(sample_narration: Narration) -> None:
    assert any("🌊" in warning for warning in sample_narration.warnings)


# --- short texts with the real voice -------------------------------------------------------


class GrammarMissing(Normalizer):
    """Every text that needs NeMo fails, and is a problem to report."""

    def _load(self):
        raise RuntimeError("grammar missing")


def test_narrations_at_once_each_warn_of_their_own_problems(tmp_path: Path, voice) -> None:
    shared = GrammarMissing(lexicon=Lexicon())
    titles = {"ferry": "Ferry fares rise 7%", "bus": "Bus fares fall 3%"}
    # Both titles fail before either narration ends: each waits for the other after its title.
    both_titled = threading.Barrier(len(titles), timeout=60)
    narrations: dict[str, Narration] = {}

    def run(name: str) -> None:
        article = Article(title=titles[name], blocks=(Block("paragraph", "Fares change on Monday."),))
        narrations[name] = narrate(
            article,
            tmp_path / f"{name}.mp3",
            voice=voice,
            normalizer=shared,
            disclosure=None,
            progress=lambda done, total: both_titled.wait() if done == 1 else None,
        )

    threads = [threading.Thread(target=run, args=(name,)) for name in titles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, title in titles.items():
        (warning,) = narrations[name].warnings
        assert warning == f"normalization failed, read as written: {title!r} (grammar missing)"


@pytest.fixture
def short_source(tmp_path: Path) -> Path:
    path = tmp_path / "bridge.txt"
    path.write_text(SHORT_TEXT, encoding="utf-8")
    return path


def check_short_narration(narration: Narration, decode, rate: int) -> None:
    audio, decoded_rate = decode(narration.path)
    assert decoded_rate == rate
    assert abs(len(audio) / rate - narration.duration) < 0.1
    assert 3.0 < narration.duration < 20.0
    assert np.max(np.abs(audio)) > 0.1
    assert [t.segment.kind for t in narration.segments] == ["title", "sentence", "sentence", "disclosure"]
    assert narration.transcript_path.read_text(encoding="utf-8").startswith("WEBVTT")
    timings = json.loads(narration.timings_path.read_text(encoding="utf-8"))
    assert timings["title"] == SHORT_TITLE
    assert len(timings["segments"]) == 4


@pytest.mark.parametrize("suffix", [".opus", ".ogg"])
def test_short_text_to_opus(
    short_source: Path, tmp_path: Path, voice, normalizer, decode, suffix: str
) -> None:
    output = tmp_path / f"bridge{suffix}"
    narration = narrate(str(short_source), output, voice=voice, normalizer=normalizer)
    assert narration.audio_format == "opus"
    check_short_narration(narration, decode, 48000)
    tags = OggOpus(output)
    assert tags["title"] == [SHORT_TITLE]
    assert tags["comment"] == [DEFAULT_DISCLOSURE]
    assert tags["genre"] == ["Speech"]


def test_short_text_to_wav(short_source: Path, tmp_path: Path, voice, normalizer, decode) -> None:
    output = tmp_path / "bridge.wav"
    narration = narrate(str(short_source), output, voice=voice, normalizer=normalizer)
    assert narration.audio_format == "wav"
    check_short_narration(narration, decode, 22050)
    tags = WAVE(output).tags
    assert str(tags["TIT2"]) == SHORT_TITLE
    assert tags.getall("COMM")[0].text[0] == DEFAULT_DISCLOSURE
    # Lossless, so the mastering's ceiling is what the file has.
    audio, _ = decode(output)
    assert true_peak_db(audio) < -1.0
    assert abs(loudness(audio, 22050) - (-16.0)) <= 1.5


def test_custom_disclosure_and_no_disclosure(short_source: Path, tmp_path: Path, voice, normalizer) -> None:
    custom = narrate(
        str(short_source),
        tmp_path / "custom.mp3",
        voice=voice,
        normalizer=normalizer,
        disclosure="Read by a robot.",
    )
    assert custom.segments[-1].segment.text == "Read by a robot."
    assert [c.text[0] for c in ID3(custom.path).getall("COMM")] == ["Read by a robot."]
    silent = narrate(
        str(short_source), tmp_path / "none.mp3", voice=voice, normalizer=normalizer, disclosure=None
    )
    assert all(t.segment.kind != "disclosure" for t in silent.segments)
    assert ID3(silent.path).getall("COMM") == []
    # One chapter only: no chapter frames.
    assert ID3(silent.path).getall("CHAP") == []


def test_progress_is_reported(short_source: Path, tmp_path: Path, voice, normalizer) -> None:
    calls: list[tuple[int, int]] = []
    narration = narrate(
        str(short_source),
        tmp_path / "progress.mp3",
        voice=voice,
        normalizer=normalizer,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(n, 4) for n in range(1, 5)]
    assert len(narration.segments) == 4


def test_cli_narrates_stdin(tmp_path: Path, voice) -> None:
    output = tmp_path / "stdin.mp3"
    result = CliRunner().invoke(main, ["narrate", "-", "-o", str(output), "-q"], input=SHORT_TEXT)
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.stderr == ""
    assert output.is_file()
    assert str(ID3(output)["TIT2"]) == SHORT_TITLE
    timings = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    assert [s["kind"] for s in timings["segments"]] == ["title", "sentence", "sentence", "disclosure"]
    assert output.with_suffix(".vtt").is_file()


def test_cli_summary(tmp_path: Path, short_source: Path, voice) -> None:
    output = tmp_path / "summary.mp3"
    result = CliRunner().invoke(main, ["narrate", str(short_source), "-o", str(output), "--no-disclosure"])
    assert result.exit_code == 0, (result.output, result.exception)
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"{re.escape(str(output))} \(0:\d\d, 3 segments, 1 chapters?\)", lines[0])
    assert lines[1:] == [str(output.with_suffix(".vtt")), str(output.with_suffix(".json"))]
    assert ID3(output).getall("COMM") == []


def test_a_text_file_is_narrated_without_the_libraries_of_other_sources(short_source: Path) -> None:
    """Each library is memory the narrating process keeps (docs/performance.md): httpx to fetch
    a page, lxml and trafilatura to read HTML, chardet to guess an encoding, soundfile to
    write Opus or WAV, onnx to patch a voice model once."""
    code = (
        "import sys\n"
        "from newsvoice.narrate import load_article\n"
        f"load_article({str(short_source)!r})\n"
        "print(sorted({'httpx', 'lxml', 'trafilatura', 'chardet', 'soundfile', 'onnx'} & set(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
