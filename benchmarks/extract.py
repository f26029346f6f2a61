"""Article extraction against human ground truth: newsvoice, trafilatura and readability-lxml.

    python benchmarks/extract.py [--set aeb|multi] [--only newsvoice,trafilatura] [--worst 10] [--misses]

Reads a set of saved pages with their human ground truth (../shared/bench/SET: html/<id>.html.gz
and ground-truth.json): `aeb`, the 181 pages of scrapinghub's article extraction benchmark,
or `multi`, 1,704 pages in 25 languages from three public sets. It scores, in one run:

- newsvoice: the body as it is read aloud, its blocks (subheads, paragraphs, the spoken
  note for a table) joined by newlines; the title, byline and date are read from metadata
  in the intro and are not part of the body, as they are not part of the ground truth;
- trafilatura with default settings but comments left out
  (`trafilatura.extract(html, include_comments=False)`), as newsvoice would be compared;
- readability-lxml (`Document(html).summary()`), its HTML turned into text with a newline
  after every block, as the benchmark does with html-text.

The metric is the benchmark's own (evaluate.py), on texts in Unicode's composed form (NFC,
which changes nothing on all but three pages of multi): a text's word tokens (`\\w+`) make a multiset
of 4-token shingles; per page, shingles in both are true positives, only in the extraction
false positives, only in the truth false negatives, and the three are scaled to sum to one.
Precision and recall are the means over pages of tp/(tp+fp) and tp/(tp+fn), F1 comes from
those two means, and accuracy is the share of pages whose token sequence matches exactly. A
page with nothing on either side is a perfect match; with only one side empty it scores zero
(evaluate.py leaves such a page out of the precision mean instead; no extractor here gives
an empty extraction for a page with a ground truth, so the two agree on these pages).
Milliseconds are per page, for the extraction alone, on this machine, after each extractor
has read one page of the set and a page whose date is only in its text (`WARM_UP`: imports
and one-time set-up, dateparser's locales among them, are not a page's time). On `multi` the
figures are also given by source and by language, and the pages newsvoice would refuse as
"no article found" (`newsvoice.extract.too_short`) are listed. `--misses` splits the recall
newsvoice loses into reference text another extractor here found and text none found.
Targets for newsvoice: on aeb, F1 >= 0.975; on multi, F1 >= trafilatura's + 0.02, with
precision and recall >= 0.92; a mean under 60 ms a page and a maximum under 500 ms.
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
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench"
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
    milliseconds: dict[str, float]
    texts: dict[str, str]

    def only(self, ids: list[str]) -> Result:
        return Result(
            self.name,
            {i: self.scores[i] for i in ids},
            {i: self.milliseconds[i] for i in ids},
            {i: self.texts[i] for i in ids},
        )

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


def tokens(text: str) -> list[str]:
    r"""The word tokens of TEXT in Unicode's composed form: the two forms of an accented letter are
    one text (NFC composes it, as newsvoice reads it), and `\w+` would cut a decomposed "ü" in
    two on one side only."""
    return TOKEN.findall(unicodedata.normalize("NFC", text))


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The multiset of N-token shingles (a text shorter than N tokens is one shorter shingle)."""
    words = tokens(text)
    return Counter(tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1)) if words[i : i + n])


def score(truth: str, extracted: str) -> Score:
    true, found = shingles(truth), shingles(extracted)
    tp, fp, fn = sum((true & found).values()), sum((found - true).values()), sum((true - found).values())
    exact = tokens(truth) == tokens(extracted)
    if tp + fp + fn == 0:
        return Score(1.0, 1.0, exact)
    # Scaling tp, fp and fn to sum to one (as evaluate.py does) leaves these ratios as they are.
    return Score(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0, exact)


class Newsvoice:
    """newsvoice's body text (`read_html`), noting the pages it would refuse as having no
    article and those it would read with a warning (a short article, or the description)."""

    def __init__(self) -> None:
        self.refused: set[str] = set()
        self.described: set[str] = set()

    def __call__(self, html: str) -> str:
        from newsvoice.extract import read_html, too_short

        article = read_html(html)
        if article.warnings:
            self.described.add(html)
        elif too_short(article):
            self.refused.add(html)  # and scored on the little the extractors found
        return "\n".join(block.text for block in article.blocks)


def without(witness: str) -> Callable[[str], str]:
    """newsvoice's agreed article with one witness fewer (`extract_html`'s `witnesses`)."""

    def extract(html: str) -> str:
        from newsvoice.extract.html import WITNESSES, extract_html

        return "\n".join(block.text for block in extract_html(html, witnesses=WITNESSES - {witness}).blocks)

    return extract


def trafilatura_text(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def readability_text(html: str) -> str:
    import lxml.html
    from readability import Document

    try:
        summary = lxml.html.fromstring(Document(html).summary(html_partial=True))
    except Exception:  # readability raises its own errors, and lxml's, on pages it cannot read
        return ""
    for element in summary.iter():
        if isinstance(element.tag, str) and element.tag in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    return summary.text_content()


def extractors() -> dict[str, Callable[[str], str]]:
    return {"newsvoice": Newsvoice(), "trafilatura": trafilatura_text, "readability-lxml": readability_text}


# A page whose only date is a stamp in its text, read before the timed pages: the date search
# then hands the stamp to dateparser, which loads its 200 locales once a process (1.4 s), as
# trafilatura's default extraction does too. Set-up, like the imports, not a page's time.
WARM_UP = (
    "<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    "<div><span>on Monday July 23, @08:24PM</span></div>"
    + "<p>The harbour bridge reopened after eight months of repairs, and buses crossed it.</p>" * 8
    + "</article></body></html>"
)


def run(name: str, extract: Callable[[str], str], pages: dict[str, str], truth: dict[str, str]) -> Result:
    for page in (next(iter(pages.values())), WARM_UP):  # imports and first-call set-up
        extract(page)
    scores: dict[str, Score] = {}
    milliseconds: dict[str, float] = {}
    texts: dict[str, str] = {}
    for page_id, html in pages.items():
        started = time.perf_counter()
        texts[page_id] = extract(html)
        milliseconds[page_id] = 1000 * (time.perf_counter() - started)
        scores[page_id] = score(truth[page_id], texts[page_id])
    return Result(name, scores, milliseconds, texts)


def misses(results: list[Result], truth: dict[str, str]) -> None:
    """Where the reference text the first extractor misses is: in another's extraction (text
    it dropped or never chose) or in none (what no extractor here takes for article text: a
    headline, a byline, reader comments the reference kept). Shares of the mean recall."""
    first, others = results[0], results[1:]
    elsewhere = nowhere = 0.0
    for page_id, reference in truth.items():
        true = shingles(reference)
        missed = true - shingles(first.texts[page_id])
        found = Counter[tuple[str, ...]]()
        for other in others:
            found |= shingles(other.texts[page_id])
        total = sum(true.values()) or 1
        elsewhere += sum((missed & found).values()) / total
        nowhere += sum((missed - found).values()) / total
    names = ", ".join(other.name for other in others)
    print(f"\n{first.name} misses {(elsewhere + nowhere) / len(truth):.3f} of recall:")
    print(f"  {elsewhere / len(truth):.3f} that {names} found, {nowhere / len(truth):.3f} that none found")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("aeb", "multi"), default="aeb", help="the page set (default aeb)")
    parser.add_argument("--only", help="a comma-separated list of the extractors to run (default all)")
    parser.add_argument(
        "--ablation", action="store_true", help="also run newsvoice with each of its witnesses left out"
    )
    parser.add_argument("--worst", type=int, default=0, help="list newsvoice's N lowest-scoring pages")
    parser.add_argument(
        "--misses", action="store_true", help="say where the reference text newsvoice misses is"
    )
    args = parser.parse_args()
    folder = BENCH / args.set
    if not (folder / "ground-truth.json").is_file():
        sys.exit(f"benchmark data not found at {folder} (shared/ must sit beside the repository)")
    chosen = extractors()
    names = args.only.split(",") if args.only else list(chosen)
    if unknown := set(names) - set(chosen):
        sys.exit(f"unknown extractor {', '.join(sorted(unknown))}; choose from {', '.join(chosen)}")
    logging.disable(logging.WARNING)  # the extractors log every page they find hard to read
    ground_truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    truth = {page_id: item["articleBody"] for page_id, item in ground_truth.items()}
    pages = {
        page_id: gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        for page_id in truth
    }
    if args.ablation:
        from newsvoice.extract.html import WITNESSES

        for witness in sorted(WITNESSES):
            chosen[f"nv -{witness}"] = without(witness)
            names.append(f"nv -{witness}")
    results = [run(name, chosen[name], pages, truth) for name in names]
    print(f"{len(pages)} pages of {args.set}")
    report(results, list(pages))
    for field in ("source", "lang"):
        groups: dict[str, list[str]] = {}
        for page_id, item in ground_truth.items():
            if field in item:
                groups.setdefault(item[field], []).append(page_id)
        for group, ids in sorted(groups.items(), key=lambda item: -len(item[1])):
            print(f"\n{field} {group}: {len(ids)} pages")
            report(results, ids)
    newsvoice = chosen["newsvoice"]
    if isinstance(newsvoice, Newsvoice) and "newsvoice" in names:
        for pages_of, what in (
            (newsvoice.refused, "refuse as having no article"),
            (newsvoice.described, "read with a warning, too short or its description"),
        ):
            listed = [page_id for page_id, html in pages.items() if html in pages_of]
            print(f"\nnewsvoice would {what} ({len(listed)} pages):")
            for page_id in listed:
                item = ground_truth[page_id]
                print(f"  {page_id[:12]}  {item.get('lang', '')}  {item['url']}")
    if args.misses and names[0] == "newsvoice" and len(results) > 1:
        misses([result for result in results if not result.name.startswith("nv -")], truth)
    if names[0] == "newsvoice":
        worst = sorted(results[0].scores.items(), key=lambda item: item[1].precision + item[1].recall)
        for page_id, page in worst[: args.worst]:
            url = ground_truth[page_id]["url"]
            print(f"  {page_id[:12]}  P {page.precision:.2f}  R {page.recall:.2f}  {url}")


def report(results: list[Result], ids: list[str]) -> None:
    """A line per extractor: its scores and speed over the pages IDS."""
    print(f"{'':<18} {'F1':>6} {'precision':>10} {'recall':>7} {'accuracy':>9} {'ms mean':>8} {'ms max':>7}")
    for whole in results:
        result = whole.only(ids)
        print(
            f"{result.name:<18} {result.f1:>6.3f} {result.precision:>10.3f} {result.recall:>7.3f} "
            f"{result.accuracy:>9.3f} {statistics.mean(result.milliseconds.values()):>8.1f} "
            f"{max(result.milliseconds.values()):>7.0f}"
        )


if __name__ == "__main__":
    main()
