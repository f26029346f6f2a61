"""Article extraction against human ground truth: newsvoice, trafilatura and readability-lxml.

    python benchmarks/extract.py [--worst 10]

Reads the 181 pages of the article extraction benchmark (../shared/bench/aeb: html/<id>.html.gz
and ground-truth.json, from scrapinghub/article-extraction-benchmark) and scores, in one run:

- newsvoice: the body as it is read aloud, its blocks (subheads, paragraphs, the spoken
  note for a table) joined by newlines; the title, byline and date are read from metadata
  in the intro and are not part of the body, as they are not part of the ground truth;
- trafilatura with default settings (`trafilatura.extract(html)`), as the benchmark runs it;
- readability-lxml (`Document(html).summary()`), its HTML turned into text with a newline
  after every block, as the benchmark does with html-text.

The metric is the benchmark's own (evaluate.py): a text's word tokens (`\\w+`) make a multiset
of 4-token shingles; per page, shingles in both are true positives, only in the extraction
false positives, only in the truth false negatives, and the three are scaled to sum to one.
Precision and recall are the means over pages of tp/(tp+fp) and tp/(tp+fn), F1 comes from
those two means, and accuracy is the share of pages whose token sequence matches exactly. A
page with nothing on either side is a perfect match; with only one side empty it scores zero
(evaluate.py leaves such a page out of the precision mean instead; no extractor here gives
an empty extraction for a page with a ground truth, so the two agree on these pages).
Milliseconds are per page, for the extraction alone, on this machine.
Targets for newsvoice: F1 >= 0.975, precision >= 0.97.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

AEB = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "aeb"
TOKEN = re.compile(r"\w+")
BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table td th tr ul br".split()
)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    exact: bool


@dataclass(frozen=True)
class Result:
    name: str
    scores: dict[str, Score]
    milliseconds: list[float]

    @property
    def precision(self) -> float:
        return statistics.mean(score.precision for score in self.scores.values())

    @property
    def recall(self) -> float:
        return statistics.mean(score.recall for score in self.scores.values())

    @property
    def f1(self) -> float:
        return 2 * self.precision * self.recall / (self.precision + self.recall)

    @property
    def accuracy(self) -> float:
        return statistics.mean(score.exact for score in self.scores.values())


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of N-token shingles (a text shorter than N tokens is one shorter shingle)."""
    tokens = TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def score(truth: str, extracted: str) -> Score:
    true, found = shingles(truth), shingles(extracted)
    tp, fp, fn = sum((true & found).values()), sum((found - true).values()), sum((true - found).values())
    exact = TOKEN.findall(truth) == TOKEN.findall(extracted)
    if tp + fp + fn == 0:
        return Score(1.0, 1.0, exact)
    # Scaling tp, fp and fn to sum to one (as evaluate.py does) leaves these ratios as they are.
    return Score(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, exact)


def newsvoice_text(html: str) -> str:
    from newsvoice.extract.html import extract_html

    return "\n".join(block.text for block in extract_html(html).blocks)


def trafilatura_text(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def readability_text(html: str) -> str:
    import lxml.html
    from readability import Document

    summary = lxml.html.fromstring(Document(html).summary(html_partial=True))
    for element in summary.iter():
        if isinstance(element.tag, str) and element.tag in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    return summary.text_content()


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "newsvoice": newsvoice_text,
    "trafilatura": trafilatura_text,
    "readability-lxml": readability_text,
}


def run(name: str, extract: Callable[[str], str], pages: dict[str, str], truth: dict[str, str]) -> Result:
    extract(next(iter(pages.values())))  # imports and first-call set-up are not the extractor's speed
    scores: dict[str, Score] = {}
    milliseconds: list[float] = []
    for page_id, html in pages.items():
        started = time.perf_counter()
        text = extract(html)
        milliseconds.append(1000 * (time.perf_counter() - started))
        scores[page_id] = score(truth[page_id], text)
    return Result(name, scores, milliseconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worst", type=int, default=0, help="list newsvoice's N lowest-scoring pages")
    args = parser.parse_args()
    if not (AEB / "ground-truth.json").is_file():
        sys.exit(f"benchmark data not found at {AEB} (shared/ must sit beside the repository)")
    logging.disable(logging.WARNING)  # the extractors log every page they find hard to read
    ground_truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    truth = {page_id: item["articleBody"] for page_id, item in ground_truth.items()}
    pages = {
        page_id: gzip.decompress((AEB / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        for page_id in truth
    }
    results = [run(name, extract, pages, truth) for name, extract in EXTRACTORS.items()]
    print(f"{len(pages)} pages of the article extraction benchmark")
    print(f"{'':<18} {'F1':>6} {'precision':>10} {'recall':>7} {'accuracy':>9} {'ms mean':>8} {'ms max':>7}")
    for result in results:
        print(
            f"{result.name:<18} {result.f1:>6.3f} {result.precision:>10.3f} {result.recall:>7.3f} "
            f"{result.accuracy:>9.3f} {statistics.mean(result.milliseconds):>8.1f} "
            f"{max(result.milliseconds):>7.0f}"
        )
    worst = sorted(results[0].scores.items(), key=lambda item: item[1].precision + item[1].recall)
    for page_id, page in worst[: args.worst]:
        print(
            f"  {page_id[:12]}  P {page.precision:.2f}  R {page.recall:.2f}  {ground_truth[page_id]['url']}"
        )


if __name__ == "__main__":
    main()
