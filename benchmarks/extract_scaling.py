"""Extraction time against the number of paragraphs: text pages and HTML pages, side by side.

    python benchmarks/extract_scaling.py [--sizes 1000,2000,4000,8000,16000] [--rounds 1]

Each page is a headline, a byline and N short paragraphs: one sentence of 8 to 14 words
each, about 47 bytes a paragraph as in issue 13's 753 KiB page of 16,000 paragraphs. Every
paragraph ends a sentence and has at least eight words, so each is a candidate pull quote:
the shape that made `pull_quotes` compare every paragraph with every other. The text page
is the same article saved as plain text. For each size and kind the script prints the time
`extract` takes (the best of ROUNDS) and that time per 1,000 paragraphs: flat from 1k to 16k
paragraphs is linear extraction; a quadratic step would double it with every doubling.

Also timed, once each at the largest size, the shapes that defeat a cleverer index: every
paragraph the same sentence but one word (`--shapes`), and one paragraph of all the words.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from newsvoice.extract import extract
from newsvoice.sources import Document

_SIZES = (1000, 2000, 4000, 8000, 16000)
_SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "pe", "da", "go", "bu")
_COMMON = ("the", "a", "of", "and", "to", "in", "that", "said", "on", "for", "was", "with")


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words = {"".join(rng.choices(_SYLLABLES, k=rng.randint(1, 3))) for _ in range(size * 2)}
    return sorted(words)[:size]


def sentences(count: int, seed: int = 13) -> list[str]:
    """COUNT sentences of 8 to 14 words: half common words, half from a made-up vocabulary."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    found = []
    for _ in range(count):
        words = [rng.choice(_COMMON if rng.random() < 0.5 else vocabulary) for _ in range(rng.randint(8, 14))]
        found.append(" ".join(words).capitalize() + ".")
    return found


TITLE = "Council opens the ferry line to the northern suburbs"


def text_page(paragraphs: list[str]) -> str:
    return "\n\n".join([TITLE, "By Maria Lopez", *paragraphs])


def html_page(paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{TITLE}</title></head><body><article><h1>{TITLE}</h1>"
        f'<p class="byline">By Maria Lopez</p>{body}</article></body></html>'
    )


def timed(function: Callable[[], object], rounds: int) -> float:
    """The best of ROUNDS runs of FUNCTION, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, _SIZES)), help="Paragraph counts.")
    parser.add_argument("--rounds", type=int, default=1, help="Runs of each, the best one counted.")
    parser.add_argument("--shapes", action="store_true", help="Also time the adversarial shapes.")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    pool = sentences(max(sizes))
    print(f"{'paragraphs':>10} {'KiB':>6}  {'text: s':>8} {'ms/1k par':>9}  {'html: s':>8} {'ms/1k par':>9}")
    for size in sizes:
        paragraphs = pool[:size]
        text = Document(text_page(paragraphs), "text", name="text")
        html = Document(html_page(paragraphs), "html", name="html")
        kib = len(text.content.encode()) / 1024
        text_seconds = timed(lambda text=text: extract(text), args.rounds)
        html_seconds = timed(lambda html=html: extract(html), args.rounds)
        print(
            f"{size:>10} {kib:>6.0f}  {text_seconds:>8.3f} {text_seconds / size * 1e6:>9.1f}"
            f"  {html_seconds:>8.3f} {html_seconds / size * 1e6:>9.1f}"
        )
    if args.shapes:
        size = max(sizes)
        same = [f"{pool[0][:-1]} number{n}." for n in range(size)]
        shapes = {
            "one sentence but a word": same,
            "one paragraph of it all": [" ".join(pool[:size])],
        }
        for name, paragraphs in shapes.items():
            text = Document(text_page(paragraphs), "text", name="text")
            html = Document(html_page(paragraphs), "html", name="html")
            text_seconds = timed(lambda text=text: extract(text), args.rounds)
            html_seconds = timed(lambda html=html: extract(html), args.rounds)
            print(f"{name} ({size} sentences): text {text_seconds:.3f} s, html {html_seconds:.3f} s")


if __name__ == "__main__":
    main()
