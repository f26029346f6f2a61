"""Issue 13 (hardening), the text's part: extraction takes time in proportion to the page
(however many paragraphs, however long one is)."""

from __future__ import annotations

import random
import time

from newsvoice.extract import extract
from newsvoice.extract.cleanup import byline_authors, clean, pull_quotes
from newsvoice.extract.consensus import agree
from newsvoice.extract.embeds import Post, insert_posts
from newsvoice.extract.structure import Piece
from newsvoice.sources import Document

# --- 4. extraction in time proportional to the page -------------------------------------------------


def sentences(count: int, seed: int = 13) -> list[str]:
    """COUNT distinct sentences of 8 to 14 words: every one a candidate pull quote."""
    rng = random.Random(seed)
    vocabulary = [
        f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "su", "ta") for b in ("ri", "pe", "da", "go", "bu")
    ]
    common = ["the", "a", "of", "and", "to", "in", "said", "on"]
    return [
        " ".join(
            rng.choice(common if rng.random() < 0.5 else vocabulary) for _ in range(rng.randint(8, 14))
        ).capitalize()
        + "."
        for _ in range(count)
    ]


def seconds(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


# Comparing every paragraph with every other, 16,000 paragraphs took minutes; in proportion to
# the page, well under a second. The bounds are generous (a busy machine), and still fail for
# quadratic time by two orders of magnitude; benchmarks/extract_scaling.py has the figures.


def test_pull_quotes_of_16000_paragraphs_take_well_under_a_few_seconds() -> None:
    texts = sentences(16_000)
    texts[9_000] = texts[100]  # a paragraph said again
    texts[200] = "The mayor said the ferry would change the city for good, and soon."
    texts[12_000] = "The ferry would change the city for good."  # lifted out of it
    assert seconds(pull_quotes, texts) < 5
    assert pull_quotes(texts) >= {9_000, 12_000}


def test_pull_quotes_of_the_shapes_that_defeat_an_index_are_quick() -> None:
    same = [f"The council said on Tuesday that the ferry would run number {n}." for n in range(16_000)]
    assert seconds(pull_quotes, same) < 5
    rng = random.Random(4)  # every run of words said thousands of times
    tiny = [" ".join(rng.choice("ab") for _ in range(rng.randint(8, 14))) + "." for _ in range(16_000)]
    assert seconds(pull_quotes, tiny) < 5
    one = [" ".join(sentences(16_000)), *sentences(2_000, seed=1)]  # one huge paragraph and more
    assert seconds(pull_quotes, one) < 5


def test_a_text_page_of_16000_paragraphs_extracts_in_seconds() -> None:
    page = "Council opens the ferry line\n\nBy Maria Lopez\n\n" + "\n\n".join(sentences(16_000))
    assert seconds(extract, Document(page, "text")) < 20
    wrapped = "Council opens the ferry line\n\n" + "\n".join(
        line for sentence in sentences(16_000) for line in [sentence[:60], sentence[60:]] if line
    )  # one paragraph, hard-wrapped: joined once, not line by line
    assert seconds(extract, Document(wrapped, "text")) < 20


def test_the_regular_expressions_are_quick_on_any_text() -> None:
    # "By" and names that could split anywhere ("Aand" is "A" and "and"): no backtracking.
    assert seconds(byline_authors, "By " + "Aand " * 40 + "!") < 0.5
    # A last sentence of thousands of words with "audio" in it, read for a prompt.
    piece = Piece("paragraph", "First sentence here. " + "audio " * 20_000)
    assert seconds(clean, [piece] * 2, "Title", ()) < 2


def test_agreement_and_embeds_of_many_short_blocks_are_quick() -> None:
    primary = [Piece("paragraph", f"Short {n} line") for n in range(8_000)]
    secondary = [Piece("paragraph", f"Other {n} text") for n in range(8_000)]
    assert seconds(agree, primary, secondary) < 5
    posts = [Post(f"short {n} line", (f"Tweet number {n} here", "— Name (@name)")) for n in range(4_000)]
    assert seconds(insert_posts, primary, posts) < 5
    inserted = insert_posts(primary[:3], posts[:2])
    assert [piece.text for piece in inserted] == [
        "Short 0 line", "Tweet number 0 here", "— Name (@name)",
        "Short 1 line", "Tweet number 1 here", "— Name (@name)", "Short 2 line",
    ]  # fmt: skip
