"""The pronunciation lexicon: case and possessive rules, precedence, files and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsvoice.cli import main
from newsvoice.lexicon import Lexicon, LexiconError, default_lexicon, load_lexicon, read_lexicon
from newsvoice.normalization import Normalizer
from newsvoice.voice import Voice

HELLYER = "[[hˈɛljɚ]]"


def test_capitalized_entry_matches_itself_and_all_caps() -> None:
    lexicon = Lexicon({"Hellyer": HELLYER})
    assert lexicon.apply("Hellyer said") == f"{HELLYER} said"
    assert lexicon.apply("HELLYER SAID") == f"{HELLYER} SAID"
    assert lexicon.apply("hellyer said") == "hellyer said"


def test_lower_case_entry_matches_any_case() -> None:
    lexicon = Lexicon({"tsunami": "soo-nah-mee"})
    assert lexicon.apply("Tsunami and TSUNAMI and tsunami") == "soo-nah-mee and soo-nah-mee and soo-nah-mee"


def test_acronym_entry_matches_only_itself() -> None:
    lexicon = Lexicon({"US": "you ess"})
    assert lexicon.apply("the US told us") == "the you ess told us"


@pytest.mark.parametrize(
    ("says", "expected"),
    [
        ("Hell-yer", "Hell-yer's view"),
        ("[[hˈɛljɚ]]", "[[hˈɛljɚz]] view"),
        ("[[ɹˈʌs]]", "[[ɹˈʌsɪz]] view"),
        ("[[bˈɛk]]", "[[bˈɛks]] view"),
    ],
)
def test_possessive_follows_its_word(says: str, expected: str) -> None:
    lexicon = Lexicon({"Name": says})
    assert lexicon.apply("Name's view") == expected
    assert lexicon.apply("Name’s view") == expected


def test_phoneme_escapes_are_left_alone() -> None:
    assert Lexicon({"kiv": "nope"}).apply("[[kiv]] kiv") == "[[kiv]] nope"


def test_user_lexicon_overrides_default(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text('Kyiv = "Keev"\nHellyer = "Hell-yer"\n', encoding="utf-8")
    publisher = tmp_path / "publisher.toml"
    publisher.write_text('Hellyer = "[[hˈɛljɚ]]"\n', encoding="utf-8")
    assert default_lexicon().lookup("Kyiv") == "[[kiːjˈɛv]]"
    lexicon = load_lexicon([user, publisher])
    assert lexicon.lookup("Kyiv") == "Keev"
    assert lexicon.lookup("Hellyer") == HELLYER
    assert lexicon.lookup("Zelenskyy") == default_lexicon().lookup("Zelenskyy")


def test_normalizer_applies_the_lexicon() -> None:
    normalizer = Normalizer(lexicon=Lexicon({"Hellyer": HELLYER}).over(default_lexicon()))
    assert normalizer.normalize("Hellyer's view on Kyiv.") == f"{HELLYER[:-2]}z]] view on [[kiːjˈɛv]]."


def test_default_lexicon_phonemes_are_in_the_voice(voice: Voice) -> None:
    symbols = set(voice._piper.config.phoneme_id_map)
    for word, says in default_lexicon().entries.items():
        if says.startswith("[["):
            assert set(says[2:-2]) <= symbols, word


def test_default_lexicon_changes_what_the_voice_says(voice: Voice) -> None:
    # Every entry is a word espeak gets wrong on its own: the lexicon says something else.
    entries = default_lexicon().entries
    assert len(entries) >= 250
    same = [word for word, says in entries.items() if says == f"[[{voice.phonemes(word)}]]"]
    assert not same


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Kyiv = [1, 2]\n", "entries must be"),
        ("Kyiv = \n", "not a valid TOML"),
        ('Kyiv = ""\n', "entries must be"),
    ],
)
def test_bad_lexicon_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=message):
        read_lexicon(path)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lexicon = tmp_path / "lexicon.toml"
    config = tmp_path / "config.toml"
    config.write_text(f'[pipeline]\nlexicon = "{lexicon}"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSVOICE_CONFIG", str(config))
    return lexicon


def test_cli_add_list_remove(config: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(main, ["lexicon", "add", "Hellyer", HELLYER])
    assert added.exit_code == 0, added.output
    assert read_lexicon(config).lookup("Hellyer") == HELLYER
    listed = runner.invoke(main, ["lexicon", "list"])
    assert f"Hellyer\t{HELLYER}\t{config}" in listed.output
    assert "Kyiv\t[[kiːjˈɛv]]\tdefault" in listed.output
    removed = runner.invoke(main, ["lexicon", "remove", "Hellyer"])
    assert removed.exit_code == 0
    assert "Hellyer" not in read_lexicon(config).entries


@pytest.mark.parametrize(
    "arguments",
    [
        ["lexicon", "remove", "Nobody"],
        ["lexicon", "add", "two words", "x"],
        ["lexicon", "add", "Kyiv", "[[kiv"],
    ],
)
def test_cli_lexicon_errors(config: Path, arguments: list[str]) -> None:
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1
    assert result.stderr.startswith("newsvoice: error:")
    assert "Traceback" not in result.output + result.stderr


def test_cli_refuses_phonemes_the_voice_lacks(config: Path) -> None:
    result = CliRunner().invoke(main, ["lexicon", "add", "Snow", "[[sn☃]]"])
    assert result.exit_code == 1
    assert "no phoneme ☃" in result.stderr
    assert not config.exists()
