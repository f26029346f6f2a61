"""Word timings against an offline speech recognizer's, and the recognizer's word error rate.

    python benchmarks/timings.py [--engine piper|kokoro] [--errors N] [--keep DIR] [ARTICLE ...]

Narrates each article (by default the sample article and both examples) to WAV, with Piper's
joe or a Kokoro voice (`--engine kokoro`, af_heart unless `--kokoro-voice`), has an
offline recognizer transcribe it with word timestamps (see benchmarks/asr.py, which runs it
in a virtual environment of its own), aligns the words it hears to the narration's words,
and prints, for each article:

- estimated: the words whose timings newsvoice laid out in proportion to their length
  instead of taking them from the voice's alignments (`Word.estimated`);
- within 0.25 s: of the words heard as said (the same word, aligned by least edit distance;
  a lexicon phoneme escape matches whatever is heard for it), the share whose start in the
  timings is within 0.25 s of where the recognizer hears it start. Goal: >= 97% each;
- WER: the recognizer's word error rate against the spoken text written without the
  pronunciation lexicon (names as written, "Kyiv", not phonemes), the narration transcribed
  whole, as a listener hears it (Whisper's defaults: each 30 s window in the context of the
  words heard before it). Goal: <= 0.05 on the sample. Beside it, the rate of the sentence
  clips the timings are compared on, each transcribed without the others' context.

The recognizer's own timestamps are not exact either (Whisper places a word's start early,
at the end of the word before, more often than late), so 100% is not to be expected.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import asr

from newsvoice.lexicon import Lexicon
from newsvoice.narrate import Narration, narrate
from newsvoice.normalization import Normalizer
from newsvoice.script import write_script
from newsvoice.spans import word_spans
from newsvoice.voice import Speaker, load_voice, spoken_words

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = [
    ROOT.parent / "shared" / "samples" / "000_62326b8596af4b11.txt",
    ROOT / "examples" / "wind-port.txt",
    ROOT / "examples" / "city-budget.html",
]
TOLERANCE = 0.25


@dataclass
class Result:
    name: str
    words: int
    estimated: int
    compared: int
    within: int
    compared_estimated: int
    within_estimated: int
    offsets: list[float]
    wer: float
    errors: list[tuple[str, str]]
    wer_by_sentence: float


def measure(
    source: Path, voice: Speaker, normalizer: Normalizer, plain: Normalizer, directory: Path
) -> Result:
    output = directory / f"{source.stem}.wav"
    narration = narrate(str(source), output, voice=voice, normalizer=normalizer)
    heard = asr.heard(output, [(segment.start, segment.end) for segment in narration.segments])
    heard_path = directory / f"{source.stem}.heard.json"
    heard_path.write_text(json.dumps([vars(h) for h in heard], ensure_ascii=False), encoding="utf-8")
    timed = [word for segment in narration.segments for word in segment.words]
    said = asr.tokens_of([w.word for w in timed])
    hearing = asr.tokens_of([h.word for h in heard])
    pairs = asr.align([t for t, _, _ in said], [t for t, _, _ in hearing], wildcard=asr.PHONEMES)
    compared = within = compared_estimated = within_estimated = 0
    offsets: list[float] = []
    for i, j in pairs:
        token, index, first = said[i]
        heard_token, heard_index, heard_first = hearing[j]
        if not (first and heard_first and (token == heard_token or token == asr.PHONEMES)):
            continue
        offset = timed[index].start - heard[heard_index].start
        close = abs(offset) <= TOLERANCE
        offsets.append(offset)
        compared += 1
        within += close
        if getattr(timed[index], "estimated", False):
            compared_estimated += 1
            within_estimated += close
    reference = _reference(narration, plain)
    by_sentence, _ = asr.word_error_rate(reference, asr.tokens(" ".join(h.word for h in heard)))
    whole = asr.heard(output)
    wer, errors = asr.word_error_rate(reference, asr.tokens(" ".join(h.word for h in whole)))
    return Result(
        source.name,
        len(timed),
        sum(getattr(word, "estimated", False) for word in timed),
        compared,
        within,
        compared_estimated,
        within_estimated,
        offsets,
        wer,
        errors,
        by_sentence,
    )


def _reference(narration: Narration, plain: Normalizer) -> list[str]:
    """The narration's spoken words, written without the lexicon: names as the article has
    them. A phoneme escape that normalization itself writes (a lone letter "A" is "[[ˈeɪ]]")
    is the written word it says (see `newsvoice.spans`)."""
    script = write_script(narration.article, speak=plain.spoken)
    words: list[str] = []
    for segment in script.segments:
        spoken = spoken_words(segment.spoken)
        spans = word_spans(segment.text, spoken, segment.spoken)
        words += [
            segment.text[start:end] if "[[" in word else word
            for word, (start, end) in zip(spoken, spans, strict=True)
        ]
    return asr.tokens(" ".join(words))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("articles", nargs="*", type=Path, default=ARTICLES)
    parser.add_argument("--errors", type=int, default=12, help="show the N most frequent recognition errors")
    parser.add_argument(
        "--keep", type=Path, help="keep the narrations (WAV, VTT, JSON) and the words heard in this folder"
    )
    parser.add_argument("--engine", choices=("piper", "kokoro"), default="piper", help="the engine measured")
    parser.add_argument("--kokoro-voice", default="kokoro:af_heart", help="the Kokoro voice measured")
    args = parser.parse_args()
    voice = load_voice(args.kokoro_voice if args.engine == "kokoro" else "joe")
    normalizer, plain = Normalizer(), Normalizer(lexicon=Lexicon())
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        for source in args.articles:
            started = time.perf_counter()
            results.append(result := measure(source, voice, normalizer, plain, directory))
            print(f"{result.name}: measured in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    heard_by = "an offline recognizer (Whisper base)"
    print(f"{voice.name}: word starts within {TOLERANCE} s of where {heard_by} hears them:")
    for r in results:
        median = statistics.median(r.offsets) if r.offsets else 0.0
        estimated = f"{r.within_estimated / r.compared_estimated:.1%}" if r.compared_estimated else "-"
        print(
            f"  {r.name:28} {r.words:5} words  estimated {r.estimated:4} ({_share(r.estimated, r.words)})  "
            f"compared {r.compared:5} ({_share(r.compared, r.words)})  "
            f"within {_share(r.within, r.compared)} (target >= 97%; of estimated words {estimated})  "
            f"median offset {median:+.3f} s  WER {r.wer:.3f} (sentence by sentence {r.wer_by_sentence:.3f})"
        )
    for r in results[:1]:
        common = Counter(r.errors).most_common(args.errors)
        listed = [
            f"{said or '-'} -> {heard or '-'}" + (f" x{n}" if n > 1 else "") for (said, heard), n in common
        ]
        print(f"{r.name}: most frequent recognition errors (said -> heard): {', '.join(listed)}")


def _share(part: int, whole: int) -> str:
    return f"{part / max(whole, 1):.1%}"


if __name__ == "__main__":
    main()
