"""Text normalization, table-driven from tests/cases/normalize*.tsv (written -> spoken).

A case's spoken column may list every acceptable reading, separated by " | ".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import newsvoice
from newsvoice.article import Article, Block
from newsvoice.lexicon import Lexicon
from newsvoice.normalization import Normalizer
from newsvoice.script import write_script

CASES = sorted((Path(__file__).parent / "cases").glob("normalize*.tsv"))
# British spellings compare equal to the American ones NeMo writes ("metres", "per cent").
_SPELLINGS = [
    (re.compile(r"\b(\w*?)(met|lit)re(s?)\b"), r"\1\2er\3"),
    (re.compile(r"\bper cent\b"), "percent"),
]


def read_cases() -> list[tuple[str, str, str]]:
    rows = []
    for path in CASES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                category, written, spoken = line.split("\t")
                rows.append((category, written, spoken))
    return rows


def canonical(text: str) -> str:
    """Lower case, punctuation dropped, hyphens as spaces; Piper phoneme escapes kept whole."""
    parts = re.split(r"(\[\[.*?\]\])", text)
    words = []
    for part in parts:
        if part.startswith("[["):
            words.append(part)
        else:
            words += re.sub(r"[^\w\s']", " ", part.lower().replace("-", " ")).split()
    said = " ".join(words)
    for pattern, replacement in _SPELLINGS:
        said = pattern.sub(replacement, said)
    return said


def readings(spoken: str) -> list[str]:
    """Every acceptable reading of a case, canonical."""
    return [canonical(reading) for reading in spoken.split(" | ")]


@pytest.mark.parametrize(("category", "written", "spoken"), read_cases(), ids=lambda value: str(value)[:40])
def test_case(normalizer: Normalizer, category: str, written: str, spoken: str) -> None:
    said = canonical(normalizer.normalize(written))
    assert said in readings(spoken), f"{category}: {said!r} is none of {readings(spoken)}"


def test_cases_cover_every_category() -> None:
    categories = {category.split()[0] for category, _, _ in read_cases()}
    assert categories >= {
        "year", "decade", "date", "money", "quantity", "percent", "unit", "time", "ordinal", "century",
        "title", "saint", "street", "number", "abbreviation", "roman", "special", "score", "age",
        "acronym", "headline", "bracket", "punctuation", "initials",
        # numbers in news shorthand (numerals.py)
        "range", "temperature", "fraction", "compound", "phone", "sport",
    }  # fmt: skip


def test_public_function_is_what_narration_uses() -> None:
    assert newsvoice.normalize("It cost $4.5bn in 2022.") == Normalizer().normalize("It cost $4.5bn in 2022.")


def test_no_digits_or_symbols_survive(normalizer: Normalizer) -> None:
    for _, written, _ in read_cases():
        assert not re.search(r"[\d$£€%°/]", normalizer.normalize(written)), written


def test_punctuation_marks_are_pauses_not_words(normalizer: Normalizer) -> None:
    spoken = normalizer.normalize("“Yes” – he said … (quietly) – “no.”")
    assert not re.search(r"[“”…–—()]", spoken)
    assert "," in spoken


class Broken(Normalizer):
    def _load(self):
        raise RuntimeError("grammar missing")


def test_failure_reads_the_text_as_written() -> None:
    broken = Broken(lexicon=Lexicon())
    assert broken.normalize("It rose 5% in 2022.") == "It rose 5% in 2022."
    spoken = broken.spoken("It rose 5% in 2022.")
    assert spoken.text == "It rose 5% in 2022."
    assert len(spoken.problems) == 1 and "grammar missing" in spoken.problems[0]


def test_a_text_that_failed_reports_its_problem_every_time() -> None:
    broken = Broken(lexicon=Lexicon())
    first, again = broken.spoken("It rose 5% in 2022."), broken.spoken("It rose 5% in 2022.")
    assert again == first and again.problems == first.problems != ()
    article = Article(title="It rose 5% in 2022.", blocks=(Block("paragraph", "Nothing else changed."),))
    for _ in range(2):
        warnings = write_script(article, broken.spoken, disclosure=None).warnings
        assert warnings == first.problems


def test_unspeakable_characters_are_dropped(normalizer: Normalizer) -> None:
    assert normalizer.normalize("He told 鶹’s programme.") == "He told programme."


def test_word_cases_cover_every_word_category() -> None:
    categories = {category.split()[0] for category, _, _ in read_cases()}
    assert categories >= {"politics", "abbreviation", "title", "saint", "street", "symbol", "tech", "market"}


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ('"He [the minister] said no," she said.', "He, the minister, said no, she said."),
        ('"I met him [the minister]."', "I met him, the minister."),
        ('"We will win [the election]."', "We will win the election."),
        ('"I told him [to] go home."', "I told him to go home."),
        ('"It was [laughs] fun."', "It was, fun."),
        ('"Thank you [applause]. Thank you."', "Thank you. Thank you."),
        ('He called it "a disaster [...] for us".', "He called it a disaster, for us."),
        ('They "was [sic] wrong".', "They was wrong."),
    ],
)
def test_editorial_brackets_pause_where_a_newsreader_does(
    normalizer: Normalizer, written: str, spoken: str
) -> None:
    """Pauses are commas, which the cases compare without: an aside after a pronoun has one
    either side, a noted sound or a cut one where it stood, and added words none."""
    assert normalizer.normalize(written) == spoken


def test_a_date_written_with_points_is_no_version(normalizer: Normalizer) -> None:
    """ "17.4.1" is a version, "12.03.24" a date (NeMo's reading of it is its own)."""
    assert "point" in normalizer.normalize("The fix is in 17.4.1.")
    assert "point" not in normalizer.normalize("The court met on 12.03.24.")
