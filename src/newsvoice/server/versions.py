"""What changed between two versions of an article, sentence by sentence."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SAME_SENTENCE = 0.5
"""How alike two sentences in the same place must be to count as one sentence changed,
rather than one removed and another added: the share of their words in common."""
_WORD = re.compile(r"\w+")


@dataclass
class Changes:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0


def diff_sentences(before: Sequence[str], after: Sequence[str]) -> Changes:
    """The sentences added, removed and changed from BEFORE to AFTER, with their positions."""
    changes = Changes()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for operation, start, end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            changes.unchanged += end - start
            continue
        old, new = list(range(start, end)), list(range(new_start, new_end))
        while old and new and _alike(before[old[0]], after[new[0]]):
            i, j = old.pop(0), new.pop(0)
            changes.changed.append({"position": j, "before": before[i], "after": after[j]})
        changes.removed += [{"position": i, "text": before[i]} for i in old]
        changes.added += [{"position": j, "text": after[j]} for j in new]
    return changes


def _alike(one: str, other: str) -> bool:
    """Whether the sentences share most of their words (letters alone would match any two)."""
    words = difflib.SequenceMatcher(None, _WORD.findall(one.lower()), _WORD.findall(other.lower()))
    return words.ratio() >= SAME_SENTENCE


def script_sentences(script: Sequence[dict[str, Any]]) -> list[str]:
    """The text of each segment of a stored script, as written."""
    return [segment["text"] for segment in script]
