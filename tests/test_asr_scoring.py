"""The word comparison that benchmarks/timings.py scores narrations with (benchmarks/asr.py):
what the recognizer writes differently from the script, but hears right, is no error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import asr


@pytest.mark.parametrize(
    ("said", "heard"),
    [
        ("the U S leader", "the U.S. leader"),
        ("Analyst H A Hellyer said", "Analyst H.A. Hellyer said"),
        ("a deal on A I chips", "a deal on AI chips"),
        ("Russia’s hardline demands", "Russia's hard line demands"),
        ("a three-way summit", "a three way summit"),
        ("the time table slipped", "the timetable slipped"),
        ("a defence think tank, fourteen metres", "a defense think tank, fourteen meters"),
        ("twenty per cent in Kyiv", "twenty percent in Kiev"),
    ],
)
def test_the_same_words_written_differently_are_no_error(said: str, heard: str) -> None:
    assert asr.word_error_rate(asr.tokens(said), asr.tokens(heard)) == (0.0, [])


def test_a_lone_a_is_a_word_not_a_letter_of_the_next() -> None:
    said = ["between", "putin", "and", "a", "us", "president"]
    assert asr.tokens("between Putin and a U S president") == said
    assert asr.tokens("to the U S. A spokesman") == ["to", "the", "us", "a", "spokesman"]


def test_errors_are_counted_against_the_words_said() -> None:
    rate, errors = asr.word_error_rate(asr.tokens("may sell Kyiv out"), asr.tokens("macelle keep out"))
    assert len(errors) == 3 and ("kyiv", "keep") in errors
    assert rate == 3 / 4
    assert asr.word_error_rate(asr.tokens("a b c"), asr.tokens("a x b c d"))[1] == [("", "x"), ("", "d")]
