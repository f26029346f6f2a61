"""The default voice: Kokoro's af_heart for English (it met issue 15's bars: docs/narration.md),
another installed voice for a language Kokoro has none for, and Piper's joe where Kokoro's
packages are missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import install_piper_voice

from newsvoice import voice
from newsvoice.cli import main
from newsvoice.errors import VoiceError
from newsvoice.runtime import build_runtime
from newsvoice.settings import load_settings
from newsvoice.voice import (
    default_voice_path,
    list_voices,
    load_voice,
    piper_voice_path,
    resolve_voice,
    voice_for_language,
)


@pytest.fixture(autouse=True)
def no_configured_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings as a new install has them: no voice configured (conftest sets joe for speed)."""
    monkeypatch.delenv("NEWSVOICE_VOICE", raising=False)


@pytest.fixture
def german_piper_voice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A Piper voice for German installed in the user's voices (joe's model, its espeak voice German)."""
    model = install_piper_voice(tmp_path / "de_DE-test-medium.onnx", "de")
    monkeypatch.setattr(voice, "voice_dirs", lambda: [tmp_path])
    return model


def test_the_default_voice_is_kokoro_af_heart() -> None:
    assert default_voice_path() == resolve_voice(None) == resolve_voice("kokoro:af_heart")
    assert load_settings().pipeline.voice is None
    assert voice_for_language("en").name == voice_for_language(None).name == "kokoro:af_heart"
    assert build_runtime(load_settings(), threads=2).voice("en-US").name == "kokoro:af_heart"
    assert load_voice(None, threads=2).name == "kokoro:af_heart"


def test_voices_lists_the_default_first_and_marks_it() -> None:
    assert list_voices()[0].name == "kokoro:af_heart"
    lines = CliRunner().invoke(main, ["voices"]).output.splitlines()
    assert lines[0].startswith("kokoro:af_heart\ten-us\tkokoro\t24000 Hz") and lines[0].endswith("(default)")
    assert [line for line in lines if line.endswith("(default)")] == [lines[0]]
    assert any(line.startswith("en_US-joe-medium\ten-us\tpiper\t22050 Hz") for line in lines)


def test_joe_is_still_there_by_name() -> None:
    assert resolve_voice("joe") == piper_voice_path()
    assert load_voice("joe").name == "en_US-joe-medium"


def test_a_language_kokoro_has_no_voice_for_is_read_by_one_that_speaks_it(german_piper_voice: Path) -> None:
    assert voice_for_language("de-DE").path == german_piper_voice
    assert build_runtime(load_settings(), threads=2).voice("de").name == "de_DE-test-medium"
    assert voice_for_language("fr").name == "kokoro:ff_siwis"  # Kokoro's own, where it has one
    assert voice_for_language("en").name == "kokoro:af_heart"


def test_without_kokoro_joe_is_the_default(piper_only: None) -> None:
    assert default_voice_path() == resolve_voice(None) == piper_voice_path()
    assert {info.engine for info in list_voices()} == {"piper"}
    assert voice_for_language("en").name == "en_US-joe-medium"
    first = CliRunner().invoke(main, ["voices"]).output.splitlines()[0]
    assert first.startswith("en_US-joe-medium\t") and first.endswith("(default)")
    with pytest.raises(
        VoiceError, match=r"kokoro:af_heart: Kokoro voices need Kokoro's packages \(pip install"
    ):
        resolve_voice("kokoro:af_heart")
