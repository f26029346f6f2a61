"""Which written characters each spoken word says (`newsvoice.spans`), the read-along's basis."""

from __future__ import annotations

import pytest

from newsvoice.normalization import Normalizer
from newsvoice.spans import word_spans, written_tokens
from newsvoice.voice import spoken_words

# (written, spoken, what each spoken word highlights): the spoken text as the normalizer and
# the lexicon make it, written out here so that these cases test the alignment alone.
CASES = [
    (  # money: the whole amount while any of its words is said
        "The deal, worth $4.5bn, closes today.",
        "The deal, worth four point five billion dollars, closes today.",
        ["The", "deal", "worth", *["$4.5bn"] * 5, "closes", "today"],
    ),
    (  # money as an adjective, the word order changed
        "a $7bn loan",
        "a seven billion dollar loan",
        ["a", "$7bn", "$7bn", "$7bn", "loan"],
    ),
    (  # a name the lexicon says in phonemes, and its possessive
        "Talks in Beijing and Erdogan's reply.",
        "Talks in [[bˌeɪdʒˈɪŋ]] and [[ˈɛɹdəwˌɑːnz]] reply.",
        ["Talks", "in", "Beijing", "and", "Erdogan's", "reply"],
    ),
    (  # two phoneme names in a row: one each
        "Guterres Erdogan spoke.",
        "[[ɡuːtˈɛɹɛʃ]] [[ˈɛɹdəwˌɑːn]] spoke.",
        ["Guterres", "Erdogan", "spoke"],
    ),
    (  # titles expanded, an initial's dot
        "Dr. Amara Hellyer met Gen. Sir Nick Carter.",
        "Doctor Amara Hellyer met General Sir Nick Carter.",
        ["Dr", "Amara", "Hellyer", "met", "Gen", "Sir", "Nick", "Carter"],
    ),
    (  # a date in brackets: the brackets dropped, a comma added
        "It closes on Friday (Aug 15).",
        "It closes on Friday, august fifteenth.",
        ["It", "closes", "on", "Friday", "Aug", "15"],
    ),
    (  # a date with words added ("the", "of")
        "On 12 March 2024 the vote",
        "On the twelfth of March twenty twenty-four the vote",
        ["On", "12", "12", "12", "March", "2024", "2024", "the", "vote"],
    ),
    (  # acronyms spelled out, an abbreviation with dots kept whole
        "The FBI and the U.S. agreed.",
        "The F B I and the U S agreed.",
        ["The", "FBI", "FBI", "FBI", "and", "the", "U.S.", "U.S.", "agreed"],
    ),
    (  # an acronym spelled out beside a hyphen
        "US-listed shares",
        "U S-listed shares",
        ["US-listed", "US-listed", "shares"],
    ),
    (  # ranges read with "to"
        "Rates of 60-65 per cent in March 3-5.",
        "Rates of sixty to sixty-five percent in March third to fifth.",
        ["Rates", "of", "60-65", "60-65", "60-65", "per cent", "in", "March", "3-5", "3-5", "3-5"],
    ),
    (  # a slash said as a word, and a fraction: one word each
        "he/she works 24/7",
        "he or she works twenty-four seven",
        ["he", "/", "she", "works", "24", "7"],
    ),
    (  # a number at the start and a number at the end
        "1,200 workers lost jobs in 2024",
        "one thousand two hundred workers lost jobs in twenty twenty-four",
        ["1,200"] * 4 + ["workers", "lost", "jobs", "in", "2024", "2024"],
    ),
    (  # ellipses and dashes are pauses, not words
        "She paused… then—slowly—spoke.",
        "She paused, then, slowly, spoke.",
        ["She", "paused", "then", "slowly", "spoke"],
    ),
    (  # quotes and brackets around words are not highlighted
        '"We will (probably) win," he said.',
        "We will, probably, win, he said.",
        ["We", "will", "probably", "win", "he", "said"],
    ),
    (  # politics: a party and state
        "Sen. Alex Padilla (D-Calif.) spoke.",
        "Senator Alex Padilla, Democrat of California, spoke.",
        ["Sen", "Alex", "Padilla", "D-Calif", "D-Calif", "D-Calif", "spoke"],
    ),
    (  # abbreviations expanded where they stand
        "Mt. St. Helens vs the Dept. of Energy",
        "Mount Saint Helens versus the Department of Energy",
        ["Mt", "St", "Helens", "vs", "the", "Dept", "of", "Energy"],
    ),
    (  # symbols said as words
        "AT&T and M&S",
        "A T and T and M and S",
        ["AT&T"] * 4 + ["and"] + ["M&S"] * 3,
    ),
    (  # temperatures, times, a curly apostrophe
        "Trump’s rally at 10:30am ET saw -40C.",
        "Trump's rally at ten thirty AM eastern time saw minus forty degrees Celsius.",
        ["Trump’s", "rally", "at", *["10:30am"] * 3, "ET", "ET", "saw", *["-40C"] * 4],
    ),
    (  # a shouted heading read in sentence case
        "WHAT THE TOWN STANDS TO GAIN",
        "What the town stands to gain",
        ["WHAT", "THE", "TOWN", "STANDS", "TO", "GAIN"],
    ),
    (  # words the voice adds at the end go with the last written word
        "It cost US$2 million.",
        "It cost two million US dollars.",
        ["It", "cost", "US$2", "million", "million", "million"],
    ),
    (  # numbers in a row, shared out at their commas
        "Sales of 1,200, 3,400 and 560 units",
        "Sales of one thousand two hundred, three thousand four hundred and five hundred sixty units",
        ["Sales", "of", *["1,200"] * 4, *["3,400"] * 4, "and", "560", "560", "560", "units"],
    ),
    (  # a team and a range apart at the comma
        "the 49ers, 60-65 per cent",
        "the forty-niners, sixty to sixty-five percent",
        ["the", "49ers", "60-65", "60-65", "60-65", "per cent"],
    ),
    (  # an amount and its conversion in brackets, shared out at the brackets
        "It will invest $2.5bn (£1.9bn) over 10 years.",
        "It will invest two point five billion dollars, one point nine billion pounds, over ten years.",
        ["It", "will", "invest", *["$2.5bn"] * 5, *["£1.9bn"] * 5, "over", "10", "years"],
    ),
    (  # a handle: "at" goes with the "@"
        "Mayor Theodora Vukovich (@MayorVukovich) June 18",
        "Mayor Theodora Vukovich, at MayorVukovich, June eighteenth",
        ["Mayor", "Theodora", "Vukovich", "@MayorVukovich", "@MayorVukovich", "June", "18"],
    ),
    (  # a sports score and a tie-break: commas that differ share nothing out
        "He won 6-4, 7-6(5).",
        "He won six four, seven six, five.",
        ["He", "won", *["6-4, 7-6(5"] * 5],
    ),
]


@pytest.mark.parametrize(("text", "spoken", "said"), CASES, ids=[case[0][:30] for case in CASES])
def test_word_spans(text: str, spoken: str, said: list[str]) -> None:
    words = spoken_words(spoken)
    spans = word_spans(text, words, spoken)
    assert [text[start:end] for start, end in spans] == said


def test_written_tokens() -> None:
    text = '"Well," said Dr. Smith (of the U.S.)—and 50/50… $4.5bn.'
    tokens = [text[start:end] for start, end in written_tokens(text)]
    assert tokens == ["Well", "said", "Dr", "Smith", "of", "the", "U.S.", "and", "50", "50", "$4.5bn"]


def test_pauses_only_from_the_words_own_text() -> None:
    """Without the spoken text, or with one the words are not from, a stretch is not shared out."""
    text, words = "the 49ers, 60-65 per cent", ["the", "forty", "nine", "ers", "sixty", "five", "percent"]
    for spoken in (None, "the forty nine ers, sixty five, percent and more"):
        assert [text[a:b] for a, b in word_spans(text, words, spoken)][1:6] == ["49ers, 60-65"] * 5
    spans = word_spans(text, words, "the forty nine ers, sixty five percent")
    assert [text[a:b] for a, b in spans][1:6] == ["49ers"] * 3 + ["60-65"] * 2


def test_no_words_and_no_tokens() -> None:
    assert word_spans("Anything", []) == []
    assert word_spans("…", ["pause"]) == [(0, 1)]


def test_long_segment_is_aligned_too() -> None:
    """A segment too long for the full alignment is anchored on its identical words alone."""
    text = " ".join(f"word{i} $5bn" for i in range(200))
    words = []
    for i in range(200):
        words += [f"word{i}", "five", "billion", "dollars"]
    spans = word_spans(text, words)
    assert [text[a:b] for a, b in spans[:8]] == ["word0", *["$5bn"] * 3, "word1", *["$5bn"] * 3]
    assert spans == sorted(spans)


SENTENCES = [case[0] for case in CASES] + [
    "The 100m final and a 1.5m-tall statue; 1.8m barrels and £300m.",
    "Inflation was 4.25%-4.5% in H1, says the FTSE 100 (approx.).",
    "A 7.1-magnitude quake hit at 0900 GMT on 12/25, #MeToo said.",
    "Call 0800 555 111 or 1-800-273-8255 about COVID-19 and mRNA.",
    "Shares in AT&T, M&S and R&D rose 2x in the 2025-26 season.",
    "Ph.D. students — aka Jr. staff — met in St. Louis at noon.",
]


@pytest.mark.parametrize("text", SENTENCES, ids=[s[:30] for s in SENTENCES])
def test_real_normalization_gives_ordered_spans(text: str, normalizer: Normalizer) -> None:
    """Whatever the rules say, every spoken word gets some written characters, in order."""
    spoken = normalizer.normalize(text)
    words = spoken_words(spoken)
    spans = word_spans(text, words, spoken)
    assert len(spans) == len(words)
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        assert text[start:end].strip() == text[start:end]
    starts = [start for start, _ in spans]
    assert starts == sorted(starts), spoken
