"""The segment cache: re-narrating an edited article synthesizes only what changed.

Narrations use the real voice on five paragraphs of the sample article; the cache's own
behaviour (keys, eviction, damaged entries) is tested on small synthetic entries.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from piper.config import SynthesisConfig

from newsvoice import cache as cache_module
from newsvoice import voice as voice_module
from newsvoice.article import Article, Block
from newsvoice.cache import SegmentCache, segment_key
from newsvoice.cli import main
from newsvoice.narrate import Narration, narrate
from newsvoice.normalization import Normalizer
from newsvoice.runtime import build_runtime
from newsvoice.settings import ConfigError, load_settings, parse_size
from newsvoice.voice import Speech, Voice, Word

EDITED_SENTENCE = "The government has offered a further £300m towards the new breakwater."
EDIT = (EDITED_SENTENCE, "The government has offered a further £350m towards the new breakwater.")
ADDED = " The Treasury confirmed the offer on Monday."
# The excerpt is read as the title, the byline, the standfirst's two sentences, two one-sentence
# paragraphs, the edited paragraph's sentences, one more paragraph and the disclosure.
EDITED_AT = 7
"""The segment the edit changes; the edited narration has one more after it."""


class CountingVoice:
    """The real voice, recording every text it is asked to say."""

    def __init__(self, voice: Voice) -> None:
        self._voice = voice
        self.said: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self._voice, name)

    def speak(self, spoken: str) -> Speech:
        self.said.append(spoken)
        return self._voice.speak(spoken)


@dataclass(frozen=True)
class Renarrated:
    first: Narration
    edited: Narration
    again: Narration
    said_for_edit: list[str]
    said_again: list[str]


@pytest.fixture(scope="module")
def excerpt(sample_article: Article) -> Article:
    """Five paragraphs of the sample; the fourth has two sentences, the second of which the
    edit changes, and the edit adds a third."""
    blocks = sample_article.blocks[:5]
    assert EDITED_SENTENCE in blocks[3].text
    return replace(sample_article, blocks=blocks)


def edit(article: Article) -> Article:
    blocks = list(article.blocks)
    blocks[3] = Block("paragraph", blocks[3].text.replace(*EDIT) + ADDED)
    return replace(article, blocks=tuple(blocks))


@pytest.fixture(scope="module")
def renarrated(
    excerpt: Article, voice: Voice, normalizer: Normalizer, tmp_path_factory: pytest.TempPathFactory
) -> Renarrated:
    """The excerpt narrated with an empty cache, then edited and narrated twice more."""
    work = tmp_path_factory.mktemp("renarrate")
    segments = SegmentCache(work / "segments")

    def run(article: Article, name: str, speaker: Voice | CountingVoice) -> Narration:
        return narrate(article, work / name, voice=speaker, normalizer=normalizer, cache=segments)

    first = run(excerpt, "first.mp3", voice)
    for_edit, again = CountingVoice(voice), CountingVoice(voice)
    edited, repeated = run(edit(excerpt), "edited.mp3", for_edit), run(edit(excerpt), "again.mp3", again)
    return Renarrated(first, edited, repeated, for_edit.said, again.said)


def test_first_narration_synthesizes_everything(renarrated: Renarrated) -> None:
    first = renarrated.first
    assert (first.synthesized, first.reused) == (len(first.segments), 0) == (10, 0)


def test_edit_synthesizes_only_the_changed_sentences(renarrated: Renarrated) -> None:
    first, edited = renarrated.first, renarrated.edited
    changed = edited.segments[EDITED_AT : EDITED_AT + 2]
    new = [timed.segment.spoken for timed in changed]
    assert [timed.segment.text for timed in changed] == [EDIT[1], ADDED.strip()]
    assert renarrated.said_for_edit == new
    assert (edited.synthesized, edited.reused) == (2, len(edited.segments) - 2)
    # The sentence before the edit, in the edited paragraph, is reused though its neighbours changed.
    assert edited.segments[EDITED_AT - 1].segment.spoken in [t.segment.spoken for t in first.segments]


def test_reused_segments_are_the_same_audio(renarrated: Renarrated, decode) -> None:
    first, edited = renarrated.first, renarrated.edited
    assert edited.segments[:EDITED_AT] == first.segments[:EDITED_AT]  # same times, same words
    before, rate = decode(first.path)
    after, _ = decode(edited.path)
    # Identical samples up to the edit, short of the MP3 encoder's look-ahead.
    end = int((edited.segments[EDITED_AT].start - 0.5) * rate)
    assert np.array_equal(before[:end], after[:end])
    moved = [(t.end - t.start, t.words[-1].end - t.start) for t in (first.segments[-1], edited.segments[-1])]
    assert moved[0] == pytest.approx(moved[1], abs=0.002)


def test_repeated_narration_synthesizes_nothing(renarrated: Renarrated) -> None:
    again = renarrated.again
    assert renarrated.said_again == []
    assert (again.synthesized, again.reused) == (0, len(again.segments))
    assert again.path.read_bytes() == renarrated.edited.path.read_bytes()


def test_narration_without_cache_counts_synthesis(sample_narration: Narration) -> None:
    assert (sample_narration.synthesized, sample_narration.reused) == (len(sample_narration.segments), 0)


# --- keys -----------------------------------------------------------------------------------


def test_key_depends_on_the_text(voice: Voice) -> None:
    assert segment_key(voice.settings_key, "Hello there.") != segment_key(voice.settings_key, "Hello there!")
    assert segment_key(voice.settings_key, "Hello there.") == segment_key(voice.settings_key, "Hello there.")


@pytest.mark.parametrize(
    "change", ["model file", "voice config", "synthesis settings", "engine version", "mastering"]
)
def test_key_changes_with_what_makes_the_audio(
    change: str, voice: Voice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = segment_key(voice.settings_key, "Hello there.")
    other = copy.copy(voice)
    if change == "model file":
        other.path = tmp_path / "other.onnx"
        other.path.write_bytes(voice.path.read_bytes()[:-1] + b"\0")
    elif change == "voice config":  # one model shipped as two voices, phonemized by two espeak voices
        other._config_digest = "another"
    elif change == "synthesis settings":
        other._settings = SynthesisConfig(normalize_audio=False, length_scale=1.1)
    elif change == "engine version":
        monkeypatch.setattr(voice_module, "ENGINE", "piper-tts 99.0")
    else:
        monkeypatch.setattr(cache_module, "_mastering_digest", lambda: "changed")
    assert segment_key(other.settings_key, "Hello there.") != before


def test_changed_settings_miss_the_cache(voice: Voice, normalizer: Normalizer, tmp_path: Path) -> None:
    article = Article("Harbour bridge reopens", (Block("paragraph", "Commuters welcomed the news."),))
    segments = SegmentCache(tmp_path / "segments")
    slower = copy.copy(voice)
    slower._settings = SynthesisConfig(normalize_audio=False, length_scale=1.5)
    runs = [
        narrate(article, tmp_path / f"{n}.mp3", voice=v, normalizer=normalizer, cache=segments)
        for n, v in enumerate([voice, slower, voice])
    ]
    assert [(run.synthesized, run.reused) for run in runs] == [(3, 0), (3, 0), (0, 3)]
    assert runs[1].duration > runs[0].duration * 1.2


# --- the store ------------------------------------------------------------------------------


def speech(seconds: float = 0.1, rate: int = 10_000, seed: int = 0) -> Speech:
    audio = np.random.default_rng(seed).uniform(-0.5, 0.5, int(seconds * rate)).astype(np.float32)
    return Speech(audio, rate, (Word("Hello", 0.01, 0.04), Word("Zelenskyy’s", 0.05, 0.09)))


def entry_size(tmp_path: Path) -> int:
    probe = SegmentCache(tmp_path / "probe")
    probe.put("0" * 64, speech())
    return probe.stats().bytes


def test_round_trip_is_exact(tmp_path: Path) -> None:
    segments = SegmentCache(tmp_path)
    stored = speech()
    segments.put("ab" * 32, stored)
    found = segments.get("ab" * 32)
    assert found is not None
    assert found.audio.dtype == np.float32 and np.array_equal(found.audio, stored.audio)
    assert (found.sample_rate, found.words) == (stored.sample_rate, stored.words)
    assert segments.get("cd" * 32) is None


def test_least_recently_used_is_evicted(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    segments = SegmentCache(tmp_path / "segments", max_bytes=int(3.5 * size))
    for name in "abc":
        segments.put(name * 64, speech(seed=ord(name)))
    assert segments.get("a" * 64) is not None  # a is now used after b and c
    segments.put("d" * 64, speech(seed=4))
    left = {key[0] for key in keys(segments)}
    assert left == set("acd")
    assert segments.stats().bytes == 3 * size <= segments.max_bytes


def test_eviction_sees_other_processes_entries(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    one = SegmentCache(tmp_path / "shared", max_bytes=int(2.5 * size))
    other = SegmentCache(tmp_path / "shared", max_bytes=int(2.5 * size))
    one.put("a" * 64, speech())
    other.put("b" * 64, speech())
    assert one.get("b" * 64) is not None
    one.put("c" * 64, speech())  # a process counts its own puts between scans
    assert len(keys(one)) == 3
    one.put("d" * 64, speech())  # over the limit: the scan finds the other's entry too
    assert {key[0] for key in keys(one)} == set("cd")


def test_prune_and_clear(tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    segments = SegmentCache(tmp_path / "segments", max_bytes=10 * size)
    for name in "abcd":
        segments.put(name * 64, speech())
    assert segments.prune().entries == 0
    removed = segments.prune(2 * size)
    assert (removed.entries, removed.bytes) == (2, 2 * size)
    assert {key[0] for key in keys(segments)} == set("cd")
    stats = segments.stats()
    assert (stats.entries, stats.bytes, stats.max_bytes) == (2, 2 * size, 10 * size)
    assert stats.oldest_use is not None and stats.newest_use is not None
    assert stats.oldest_use <= stats.newest_use
    assert segments.clear().entries == 2
    assert segments.stats().entries == 0 and segments.stats().oldest_use is None


@pytest.mark.parametrize("damage", ["truncated", "flipped sample", "empty", "other file"])
def test_damaged_entry_is_a_miss_and_removed(damage: str, tmp_path: Path) -> None:
    segments = SegmentCache(tmp_path)
    segments.put("ab" * 32, speech())
    path = next(tmp_path.glob("*/*.seg"))
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped sample":
        data[-3] ^= 0x40
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"ID3" + bytes(len(data) - 3))
    path.write_bytes(bytes(data))
    assert segments.get("ab" * 32) is None
    assert not path.exists()
    segments.put("ab" * 32, speech())
    assert segments.get("ab" * 32) is not None


def test_unwritable_cache_warns_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    segments = SegmentCache(blocked)
    with caplog.at_level(logging.WARNING, logger="newsvoice"):
        segments.put("ab" * 32, speech())
        segments.put("cd" * 32, speech())
    assert segments.get("ab" * 32) is None
    warnings = [r.message for r in caplog.records if "segment cache" in r.message]
    assert len(warnings) == 1 and warnings[0].startswith(f"cannot write the segment cache in {blocked} (")


def test_the_cache_leaves_its_disk_room(
    small_disk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """On a real filesystem of 2 MB, of which the cache must leave 512 kB free: it stores
    segments until one more would leave less, says so once, and stores again once there is room."""
    disk = small_disk("2m")
    monkeypatch.setattr(cache_module, "MIN_FREE_BYTES", 512_000)
    monkeypatch.setattr(cache_module, "MIN_FREE_SHARE", 0.0)
    segments = SegmentCache(disk / "segments")
    caplog.set_level(logging.INFO, logger="newsvoice")
    for seed in range(12):  # 200 kB each: 2.4 MB in all
        segments.put(f"{seed:02d}" * 32, speech(seconds=1, rate=50_000, seed=seed))
    stored = keys(segments)
    assert 4 <= len(stored) < 10
    assert all(segments.get(key) is not None for key in stored)
    disk_free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    assert disk_free >= 512_000 - 8192  # (each file takes whole pages)
    [message] = [record.getMessage() for record in caplog.records]  # said once
    assert message.startswith(f"the segment cache stops storing segments: {disk / 'segments'} has ")
    assert message.endswith(", and the cache leaves 0.5 MB free for the narrations (narrating goes on, "
                            "synthesizing every segment)")  # fmt: skip
    segments.clear()
    caplog.clear()
    segments.put("ff" * 32, speech(seconds=1, rate=50_000))
    assert keys(segments) == ["ff" * 32]
    assert [record.getMessage().split(":")[0] for record in caplog.records] == [
        "the segment cache stores segments again"
    ]


def test_the_cache_stores_nothing_on_a_disk_smaller_than_its_margin(
    small_disk, caplog: pytest.LogCaptureFixture
) -> None:
    disk = small_disk("8m")  # less than the 64 MB the cache leaves free
    segments = SegmentCache(disk / "segments")
    with caplog.at_level(logging.WARNING, logger="newsvoice"):
        segments.put("ab" * 32, speech())
        segments.put("cd" * 32, speech())
    assert segments.get("ab" * 32) is None and keys(segments) == []
    assert ["stops storing" in record.getMessage() for record in caplog.records] == [True]
    assert "the cache leaves 64.0 MB free" in caplog.records[0].getMessage()


def keys(segments: SegmentCache) -> list[str]:
    return sorted(path.stem for path in segments.directory.glob("*/*.seg"))


# --- configuration and the command line -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [("2GB", 2 * 10**9), ("500 MB", 5 * 10**8), ("1.5GiB", 3 * 2**29), ("64k", 64_000), ("1000", 1000)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["2XB", "", "-1GB", "GB", "1.2.3"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ConfigError, match="not a size"):
        parse_size(text)


def test_where_the_cache_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[pipeline]\ncache_dir = "segments"\ncache_size = "500MB"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSVOICE_CONFIG", str(config_file))
    monkeypatch.delenv("NEWSVOICE_CACHE_DIR", raising=False)
    configured = build_runtime().cache
    assert (configured.directory, configured.max_bytes) == (tmp_path / "segments", 5 * 10**8)
    monkeypatch.setenv("NEWSVOICE_CACHE_DIR", str(tmp_path / "env"))
    assert build_runtime().cache.directory == tmp_path / "env"
    config_file.write_text("", encoding="utf-8")
    monkeypatch.delenv("NEWSVOICE_CACHE_DIR")
    service = build_runtime(load_settings(data_dir=tmp_path / "server"), service=True).cache
    assert service.directory == tmp_path / "server" / "segments"  # the service's storage
    assert build_runtime().cache.max_bytes == 2 * 10**9


def test_config_refuses_bad_cache_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_file = tmp_path / "config.toml"
    monkeypatch.setenv("NEWSVOICE_CONFIG", str(config_file))
    config_file.write_text('[pipeline]\ncache_size = "lots"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config \[pipeline\]: invalid cache_size 'lots'"):
        load_settings()
    config_file.write_text('[pipeline]\nsize = "2GB"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown \[pipeline\] settings: size"):
        load_settings()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSVOICE_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("NEWSVOICE_CACHE_DIR", str(tmp_path / "segments"))
    return tmp_path / "segments"


def test_cli_stats_prune_clear(cache_dir: Path, tmp_path: Path) -> None:
    size = entry_size(tmp_path)
    segments = SegmentCache(cache_dir)
    for name in "abc":
        segments.put(name * 64, speech())
    runner = CliRunner()
    stats = runner.invoke(main, ["cache", "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    figures = json.loads(stats.stdout)
    assert figures["directory"] == str(cache_dir)
    assert (figures["entries"], figures["bytes"], figures["max_bytes"]) == (3, 3 * size, 2 * 10**9)
    assert figures["oldest_use"].endswith("+00:00")  # in UTC, as the API shows times
    human = runner.invoke(main, ["cache", "stats"]).stdout.splitlines()
    assert human[:2] == [str(cache_dir), f"3 segments, {3 * size / 1000:.1f} kB of 2.0 GB (0%)"]
    assert human[2].startswith("used from ")
    pruned = runner.invoke(main, ["cache", "prune", "--max-size", str(size)])
    assert pruned.exit_code == 0
    kb = size / 1000
    assert pruned.stdout == f"removed 2 segments ({2 * kb:.1f} kB); 1 segment, {kb:.1f} kB left\n"
    assert keys(segments) == ["c" * 64]
    cleared = runner.invoke(main, ["cache", "clear"])
    assert cleared.stdout == f"removed 1 segment ({kb:.1f} kB)\n"
    assert keys(segments) == []


def assert_one_line_error(result, expected: str) -> None:
    assert result.exit_code == 1
    assert result.stderr.startswith("newsvoice: error: ") and expected in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_cli_refuses_a_bad_size(cache_dir: Path) -> None:
    result = CliRunner().invoke(main, ["cache", "prune", "--max-size", "2XB"])
    assert_one_line_error(result, "not a size: '2XB'")


def test_cli_refuses_a_bad_configured_size(cache_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[pipeline]\ncache_size = "2 gigs"\n', encoding="utf-8")
    for command in (["cache", "stats"], ["narrate", "-", "-o", str(tmp_path / "out.mp3")]):
        result = CliRunner().invoke(main, command, input="Text.")
        assert_one_line_error(result, "config [pipeline]: invalid cache_size '2 gigs'")


def test_cli_narrate_uses_the_cache(cache_dir: Path, tmp_path: Path, voice: Voice) -> None:
    source = tmp_path / "story.txt"
    source.write_text("Harbour bridge reopens\n\nCommuters welcomed the news on Friday.\n", encoding="utf-8")
    runner = CliRunner()

    def run(name: str, *options: str):
        result = runner.invoke(main, ["narrate", str(source), "-o", str(tmp_path / name), *options])
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    assert run("uncached.mp3", "--no-cache").stderr == ""
    assert not cache_dir.exists()
    assert run("first.mp3").stderr == ""
    assert run("second.mp3").stderr == "newsvoice: 3 of 3 segments from the segment cache\n"
    assert run("quiet.mp3", "-q").stderr == ""
