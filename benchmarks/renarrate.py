"""Re-narrating an edited article with the segment cache, against narrating it in full.

    python benchmarks/renarrate.py [--rounds 1]

With a fresh cache directory, this narrates the sample article in full (filling the cache),
then edits one body paragraph (a word changed in one sentence, a sentence added) and
narrates the article again with the cache, then narrates the edited article once more
without it, as a fresh narration. Every narration normalizes its text from scratch, as a
new process would; wall times are taken after the voice and NeMo's grammars are loaded.
Printed: the wall time of each with its segments synthesized and reused, the re-narration
/ full narration ratio (target <= 0.15), and the durations of the re-narration and the
fresh narration (target: within 1%; Piper's model is stochastic, so no two syntheses of a
sentence last exactly as long).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from newsvoice.article import Article, Block
from newsvoice.cache import SegmentCache
from newsvoice.narrate import Narration, load_article, narrate
from newsvoice.normalization import Normalizer
from newsvoice.voice import Voice, load_voice

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "000_62326b8596af4b11.txt"
EDIT = ("Analyst H A Hellyer", "Middle East analyst H A Hellyer")
ADDED = " He was speaking to reporters in London on Tuesday."


def edited(article: Article) -> Article:
    """ARTICLE with one paragraph edited: a word changed in one sentence and a sentence added."""
    index = next(i for i, block in enumerate(article.blocks) if block.text.startswith(EDIT[0]))
    blocks = list(article.blocks)
    blocks[index] = Block("paragraph", blocks[index].text.replace(*EDIT) + ADDED)
    return replace(article, blocks=tuple(blocks))


def timed(
    article: Article, output: Path, voice: Voice, normalizer: Normalizer, cache: SegmentCache | None
) -> tuple[float, Narration]:
    normalizer.spoken.cache_clear()  # normalized afresh, as in a new process
    started = time.perf_counter()
    narration = narrate(article, output, voice=voice, normalizer=normalizer, cache=cache)
    return time.perf_counter() - started, narration


def one_round(work: Path, voice: Voice, normalizer: Normalizer) -> dict[str, tuple[float, Narration]]:
    cache = SegmentCache(work / "segments")
    article = load_article(str(SAMPLE))
    return {
        "full narration": timed(article, work / "full.mp3", voice, normalizer, cache),
        "re-narration": timed(edited(article), work / "edited.mp3", voice, normalizer, cache),
        "fresh narration": timed(edited(article), work / "fresh.mp3", voice, normalizer, None),
    }


def report(runs: dict[str, tuple[float, Narration]], cache_bytes: int) -> list[str]:
    full, again, fresh = (runs[name] for name in ("full narration", "re-narration", "fresh narration"))
    lines = [
        f"sample article: {len(full[1].segments)} segments, {full[1].duration:.1f} s of audio;"
        f" one paragraph edited: {len(again[1].segments)} segments"
    ]
    for name, (wall, narration) in runs.items():
        reused = f"{narration.reused} from the cache" if name != "fresh narration" else "no cache"
        lines.append(f"  {name:<16} {wall:6.2f} s wall  ({narration.synthesized} synthesized, {reused})")
    difference = abs(again[1].duration - fresh[1].duration) / fresh[1].duration
    return [
        *lines,
        f"  re-narration / full narration: time {again[0] / full[0]:.3f} (target <= 0.15)",
        f"  duration: re-narration {again[1].duration:.2f} s, fresh narration {fresh[1].duration:.2f} s,"
        f" difference {difference:.2%} (target <= 1%)",
        f"  cache after both: {cache_bytes / 1e6:.1f} MB",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds, each with a fresh cache; best kept")
    options = parser.parse_args()
    if not SAMPLE.exists():
        sys.exit(f"benchmark needs the sample article at {SAMPLE}")
    voice = load_voice("joe")  # the figures in docs/performance.md are Piper's
    normalizer = Normalizer()
    normalizer.normalize("Loaded on 12 Aug 2025.")  # grammars loaded, like the model
    # onnxruntime's arena grows to the longest text it has synthesized: grown before timing,
    # so that the first narration is not the slowest for that alone.
    voice.speak(max((block.text for block in load_article(str(SAMPLE)).blocks), key=len))
    best: dict[str, tuple[float, Narration]] = {}
    for _ in range(options.rounds):
        with tempfile.TemporaryDirectory() as directory:
            runs = one_round(Path(directory), voice, normalizer)
            size = SegmentCache(Path(directory) / "segments").stats().bytes
        best = {name: min(run, best.get(name, run), key=lambda r: r[0]) for name, run in runs.items()}
    print("\n".join(report(best, size)))


if __name__ == "__main__":
    main()
