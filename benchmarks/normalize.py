"""Text normalization accuracy on GoogleTN, newsvoice beside NeMo alone, and its cost.

    python benchmarks/normalize.py [--limit N]

Accuracy: the share of sentences whose normalized text equals the reference, compared
after lower-casing and dropping punctuation, apostrophes and hyphens too (see
../shared/bench/README.md), over all sentences and over those that normalization changes.
newsvoice runs without its pronunciation lexicon here, since the reference has words, not
phonemes. Speed: sentences per second of each. Cost: normalizing the sample article
(grammars loaded, nothing cached) as a share of synthesizing it. Targets: newsvoice above
NeMo alone; the sample's normalization under 10% of its synthesis time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOGLE_TN = ROOT.parent / "shared" / "bench" / "googletn" / "GoogleTN.json"
SAMPLE = ROOT.parent / "shared" / "samples" / "000_62326b8596af4b11.txt"


def canonical(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.lower()).split())


def score(name: str, normalize: Callable[[str], str], rows: list[dict]) -> str:
    started = time.perf_counter()
    right = changed = right_changed = 0
    for row in rows:
        expected = canonical(row["gt_normalized"])
        correct = canonical(normalize(row["text"])) == expected
        right += correct
        if canonical(row["text"]) != expected:
            changed += 1
            right_changed += correct
    elapsed = time.perf_counter() - started
    return (
        f"  {name:<24} accuracy {right / len(rows):.4f}  on changed sentences {right_changed / changed:.4f}"
        f"  ({changed} of {len(rows)})  {len(rows) / elapsed:7.1f} sentences/s"
    )


def sample_cost() -> str:
    from newsvoice.lexicon import load_lexicon
    from newsvoice.narrate import load_article
    from newsvoice.normalization import Normalizer
    from newsvoice.script import write_script
    from newsvoice.voice import load_voice

    article = load_article(str(SAMPLE))
    warm = Normalizer(lexicon=load_lexicon())
    warm.normalize("Grammars loaded on 12 Aug 2025.")
    fresh = Normalizer(lexicon=warm.lexicon)
    fresh._nemos = warm._nemos  # the same loaded grammars, an empty cache
    started = time.perf_counter()
    script = write_script(article, fresh.normalize)
    normalizing = time.perf_counter() - started
    voice = load_voice("joe")  # the figures in docs/performance.md are Piper's
    voice.speak("Warm up.")
    started = time.perf_counter()
    for segment in script.segments:
        voice.speak(segment.spoken)
    synthesis = time.perf_counter() - started
    return (
        f"sample article: normalization {normalizing:.2f} s, synthesis {synthesis:.2f} s: "
        f"{normalizing / synthesis:.1%} of synthesis time (target < 10%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences (0: all)")
    options = parser.parse_args()
    if not GOOGLE_TN.exists():
        sys.exit(f"benchmark needs {GOOGLE_TN}")
    from newsvoice.lexicon import Lexicon
    from newsvoice.normalization import Normalizer

    lines = GOOGLE_TN.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    rows = rows[: options.limit] if options.limit else rows
    newsvoice = Normalizer(lexicon=Lexicon())
    newsvoice.normalize("Grammars loaded on 12 Aug 2025.")
    nemo = Normalizer(lexicon=Lexicon())
    nemo._nemos = newsvoice._nemos
    print(f"GoogleTN ({len(rows)} sentences), lower-cased, punctuation dropped:")
    print(score("NeMo text processing", lambda text: nemo.run_nemo(text).text, rows))
    print(score("newsvoice", lambda text: newsvoice._spoken(text).text, rows))
    if SAMPLE.exists():
        print(sample_cost())


if __name__ == "__main__":
    main()
