"""Voice quality, both engines side by side: how well each shipped English voice is understood,
and how clean it sounds.

    python benchmarks/voices.py [--limit N] [--voices joe,kokoro:af_heart,...] [--keep DIR]

Each voice narrates the sample article's body (no intro or disclosure; the first N paragraphs
with `--limit`) from the very same normalized text. For each it prints:
- WER: the word error rate of an offline speech recognizer's round trip (benchmarks/asr.py:
  faster-whisper, Whisper base from PyPI, in a venv of its own), against the spoken text
  written without the lexicon (names as the article has them);
- DNSMOS overall, signal and background (Microsoft's DNSMOS P.835, 1 to 5; the ONNX models ship
  in the `speechmos` wheel), and P.808, on the audio at 16 kHz;
- RTF (wall / audio seconds) and CPU seconds per audio second of the narration.

DNSMOS runs in a venv of its own too (`NEWSVOICE_MOS_PYTHON`, default /work/bench-venv/bin/python):

    python -m venv /work/bench-venv
    /work/bench-venv/bin/pip install speechmos librosa onnxruntime requests soundfile
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
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "000_62326b8596af4b11.txt"
VOICES = ("joe", "kokoro:af_heart", "kokoro:am_michael", "kokoro:bf_emma", "kokoro:bm_george")
MOS_PYTHON = os.environ.get("NEWSVOICE_MOS_PYTHON", "/work/bench-venv/bin/python")


def dnsmos(audio: Path) -> dict[str, float]:
    """DNSMOS of AUDIO (any rate), in the venv that has speechmos."""
    python = MOS_PYTHON if Path(MOS_PYTHON).exists() else sys.executable
    result = subprocess.run(
        [python, __file__, "--dnsmos", str(audio)], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(f"DNSMOS failed ({python}):\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def _dnsmos(audio: str) -> None:
    import librosa
    import numpy as np
    import soundfile
    from speechmos import dnsmos as model

    samples, rate = soundfile.read(audio, dtype="float32", always_2d=True)
    samples = librosa.resample(samples[:, 0], orig_sr=rate, target_sr=16000)
    scores = model.run(np.clip(samples, -1, 1), sr=16000)
    keys = {"ovrl_mos": "overall", "sig_mos": "signal", "bak_mos": "background", "p808_mos": "p808"}
    print(json.dumps({name: round(float(scores[key]), 3) for key, name in keys.items()}))


def measure(name: str, article, normalizer, reference: list[str], directory: Path, threads: int) -> dict:
    import asr

    from newsvoice.narrate import narrate
    from newsvoice.voice import load_voice

    voice = load_voice(name, threads=threads)
    voice.speak("Loaded.")  # the model warm, like the grammars
    output = directory / f"{name.replace(':', '-')}.wav"
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    narration = narrate(article, output, voice=voice, normalizer=normalizer, disclosure=None, intro=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_seconds = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    heard = asr.heard(output, [(segment.start, segment.end) for segment in narration.segments])
    wer, errors = asr.word_error_rate(reference, asr.tokens(" ".join(h.word for h in heard)))
    return {
        "voice": name,
        "engine": getattr(voice, "engine", "?"),
        "language": voice.language,
        "audio": round(narration.duration, 1),
        "rtf": round(wall / narration.duration, 3),
        "cpu": round(cpu_seconds / narration.duration, 3),
        "wer": round(wer, 4),
        "errors": errors[:12],
        **dnsmos(output),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--voices", default=",".join(VOICES), help="comma-separated voice names")
    parser.add_argument("--limit", type=int, help="only the first N paragraphs of the body")
    parser.add_argument("--threads", type=int, default=2, help="inference threads of each voice")
    parser.add_argument("--keep", type=Path, help="keep the narrations (WAV, VTT, JSON) in this folder")
    parser.add_argument("--json", type=Path, help="write the results here as JSON too")
    parser.add_argument("--dnsmos", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dnsmos:
        _dnsmos(args.dnsmos)
        return
    sys.path.insert(0, str(Path(__file__).parent))
    import asr

    from newsvoice.lexicon import Lexicon
    from newsvoice.narrate import load_article
    from newsvoice.normalization import Normalizer
    from newsvoice.script import write_script

    article = load_article(str(args.sample))
    if args.limit:
        paragraphs = [i for i, block in enumerate(article.blocks) if block.kind != "heading"]
        cut = paragraphs[args.limit - 1] + 1 if len(paragraphs) >= args.limit else len(article.blocks)
        article = replace(article, blocks=article.blocks[:cut])
    normalizer, plain = Normalizer(), Normalizer(lexicon=Lexicon())
    normalizer.normalize("Loaded on 12 Aug 2025.")
    script = write_script(article, speak=plain.spoken, disclosure=None, intro=False)
    reference = asr.tokens(" ".join(segment.spoken for segment in script.segments))
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        for name in args.voices.split(","):
            started = time.perf_counter()
            results.append(measure(name.strip(), article, normalizer, reference, directory, args.threads))
            print(f"{name}: measured in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    words = len(reference)
    scope = f"first {args.limit} paragraphs" if args.limit else "whole body"
    print(f"{args.sample.name}, {scope}: {words} words, {args.threads} inference threads")
    header = (
        "voice",
        "engine",
        "lang",
        "audio s",
        "WER",
        "DNSMOS ovrl",
        "sig",
        "bak",
        "P.808",
        "RTF",
        "CPU s/s",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        row = (r["voice"], r["engine"], r["language"], r["audio"], f"{r['wer']:.3f}", f"{r['overall']:.2f}",
               f"{r['signal']:.2f}", f"{r['background']:.2f}", f"{r['p808']:.2f}", f"{r['rtf']:.2f}",
               f"{r['cpu']:.2f}")  # fmt: skip
        print("| " + " | ".join(map(str, row)) + " |")
    for r in results:
        print(f"{r['voice']} errors (said, heard): {r['errors']}")
    if args.json:
        args.json.write_text(json.dumps({"sample": args.sample.name, "scope": scope, "words": words,
                                         "results": results}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
