"""Transcripts beside the audio: WebVTT (one cue a segment, as written) and word timings (JSON)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .spans import word_spans

if TYPE_CHECKING:
    from .narrate import Narration, TimedSegment


def to_vtt(narration: Narration) -> str:
    """WebVTT with the article's own text, each cue lasting until the next one starts."""
    cues = ["WEBVTT", ""]
    for index, timed in enumerate(narration.segments, start=1):
        text = vtt_text(timed.segment.text)
        cues += [str(index), f"{_vtt_time(timed.start)} --> {_vtt_time(timed.end)}", text, ""]
    return "\n".join(cues)


def vtt_text(text: str) -> str:
    """TEXT as a cue's text, as the WebVTT standard has it: one line, since a blank line ends a
    cue; `&`, `<` and `>` as character references, since a cue's text is markup (`<b>`,
    `<v Name>`); and so no `-->`, which a cue's text must not hold."""
    line = " ".join(text.split())
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_json(narration: Narration) -> str:
    return json.dumps(timings(narration), ensure_ascii=False, indent=1) + "\n"


def timings(narration: Narration) -> dict[str, Any]:
    """Segments with kind, display text, spoken text, start/end and per-word start/end (seconds),
    each word with the characters of the display text it says (`chars`: [start, end), code
    point offsets; see `newsvoice.spans`); `estimated_words`: how many words are timed in
    proportion, not from the voice's alignments."""
    article = narration.article
    return {
        "title": article.title,
        "url": article.url,
        "voice": narration.voice,
        "duration": round(narration.duration, 3),
        "estimated_words": narration.estimated_words,
        "chapters": [{"title": c.title, "start": c.start, "end": c.end} for c in narration.chapters],
        "segments": [
            {
                "kind": timed.segment.kind,
                "text": timed.segment.text,
                "spoken": timed.segment.spoken,
                "start": timed.start,
                "end": timed.end,
                "words": _words(timed),
            }
            for timed in narration.segments
        ],
    }


def _words(timed: TimedSegment) -> list[dict[str, Any]]:
    spans = word_spans(timed.segment.text, [w.word for w in timed.words], timed.segment.spoken)
    return [
        {"word": w.word, "start": w.start, "end": w.end, "chars": list(span)}
        for w, span in zip(timed.words, spans, strict=True)
    ]


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
