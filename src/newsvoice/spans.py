"""Which written characters each spoken word says, for a read-along that follows the text.

The voice says "four point five billion dollars" where the article has "$4.5bn", "Doctor"
for "Dr.", and phonemes ("[[bˌeɪdʒˈɪŋ]]") for "Beijing". No normalization rule keeps track
of offsets; instead the spoken words are aligned to the written tokens afterwards, for any
rule alike:

1. The segment's text is cut into written tokens at spaces, dashes, slashes and ellipses,
   without the punctuation around them ("(Aug" is "Aug", "said," is "said").
2. A monotonic alignment (a dynamic programme, as for an edit distance) pairs spoken words
   with written tokens they equal (letters and digits, any case: "Trump’s" is "Trump's") or
   expand ("Doctor" for "Dr", "September" for "Sept", "versus" for "vs"). Those pairs are
   anchors.
3. The spoken words between two anchors say the written tokens between them: one to one
   where there are as many of each ("Aug 15" is "August fifteenth"), else each of them the
   whole written stretch ("$4.5bn" for all of "four point five billion dollars"). A spoken
   word with no written token between its anchors ("slash" in "he/she") says the characters
   there, else it goes with the written token before it.

Offsets are Python string indices (Unicode code points) into the segment's `text`, end
exclusive; every spoken word gets a span, and spans never go backwards.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from difflib import SequenceMatcher

Span = tuple[int, int]

_TOKEN = re.compile(r"[^\s—–/…]+")
"""A written token: what lies between spaces, em and en dashes, slashes and ellipses."""
_EDGES = ",;:!?.()[]{}<>\"'“”‘’«»„*_"
"""Punctuation around a word, which no one hears as a word."""
_PAUSES = ",;:"
"""Punctuation that the voice pauses at, in the spoken text."""
_WRITTEN_PAUSES = _PAUSES + "()[]—–…"
"""And in the written text, where brackets and dashes are said as commas."""
_UNSAID = _EDGES + "—–…-"
"""What a spoken word between two tokens does not say: pauses."""
_DOTTED = re.compile(r"(?:[A-Za-z]{1,3}\.){2,}")
"""An abbreviation with its dots ("U.S.", "Ph.D.", "a.m."), which keeps its last one."""
_MAX_CELLS = 60_000
"""Past this many token × word pairs, only identical words are anchors (found faster)."""

_SAME = 3.0
_EXPANDS = 2.0
_DISTANCE = 0.25
"""What a match loses for lying far from its token (the whole length of the text away)."""


def written_tokens(text: str) -> list[Span]:
    """The spans of TEXT's written tokens, without the punctuation around them."""
    tokens: list[Span] = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        while start < end and text[start] in _EDGES:
            start += 1
        while end > start and text[end - 1] in _EDGES:
            if text[end - 1] == "." and _DOTTED.fullmatch(text[start:end]):
                break
            end -= 1
        if start < end:
            tokens.append((start, end))
    return tokens


def word_spans(text: str, words: Sequence[str], spoken_text: str | None = None) -> list[Span]:
    """For each spoken word of WORDS (in order, as the voice says them), the span of TEXT
    that it says: (start, end) offsets, end exclusive. SPOKEN_TEXT, the text WORDS were taken
    from, tells where the voice pauses between them (its commas), to share out a stretch
    of several written tokens said in more or fewer words ("the 49ers, 60-65")."""
    if not words:
        return []
    tokens = written_tokens(text)
    if not tokens:
        return [(0, len(text))] * len(words)
    written = [_key(text[start:end]) for start, end in tokens]
    spoken = [_key(word) for word in words]
    where_written = [(start + end) / 2 / len(text) for start, end in tokens]
    where_spoken = _centres(words)
    anchors = _joined(_anchors(written, spoken, where_written, where_spoken), written, spoken)
    pauses = _pauses_after(spoken_text, words)
    spans: list[Span | None] = [None] * len(words)
    for first, last, word in anchors:
        spans[word] = (tokens[first][0], tokens[last][1])
    # Fill each stretch between anchors, and before the first and after the last one.
    bounds = [(-1, -1, -1), *anchors, (len(tokens), len(tokens), len(words))]
    for (_, token_before, word_before), (token_after, _, word_after) in itertools.pairwise(bounds):
        between_words = list(range(word_before + 1, word_after))
        if not between_words:
            continue
        if token_after > token_before + 1:
            stretches = _shared_out(text, tokens, range(token_before + 1, token_after), between_words, pauses)
            for stretch_tokens, stretch_words in stretches:
                _fill(spans, tokens, stretch_tokens, stretch_words)
            continue
        left = tokens[token_before][1] if token_before >= 0 else 0
        right = tokens[token_after][0] if token_after < len(tokens) else len(text)
        before = spans[word_before] if word_before >= 0 else None
        after = spans[word_after] if word_after < len(words) else None
        if after and not text[after[0]].isalnum():  # a symbol said first: "at" for "@Name"
            before = None
        span = _said_between(text, left, right) or before or after or (0, len(text))
        for word in between_words:
            spans[word] = span
    return [span or (0, len(text)) for span in spans]


def _fill(spans: list[Span | None], tokens: list[Span], between: range, words: list[int]) -> None:
    """Written tokens BETWEEN said by spoken WORDS: one each where there are as many of
    both, else each word the whole stretch."""
    if len(between) == len(words):
        for word, token in zip(words, between, strict=True):
            spans[word] = tokens[token]
        return
    for word in words:
        spans[word] = (tokens[between[0]][0], tokens[between[-1]][1])


def _shared_out(
    text: str, tokens: list[Span], between: range, words: list[int], pauses: list[bool] | None
) -> list[tuple[range, list[int]]]:
    """The written tokens BETWEEN and the spoken WORDS that say them, in stretches cut where
    both pause alike: as many commas (semicolons, colons) between the tokens as after the
    words. One stretch where they differ."""
    whole = [(between, words)]
    if pauses is None or len(between) < 2 or len(between) == len(words):
        return whole
    written = [
        t for t in between[:-1] if any(c in _WRITTEN_PAUSES for c in text[tokens[t][1] : tokens[t + 1][0]])
    ]
    said = [w for w in words[:-1] if pauses[w]]
    if not written or len(written) != len(said):
        return whole
    stretches = []
    token_from, word_from = between[0], words[0]
    for token, word in [*zip(written, said, strict=True), (between[-1], words[-1])]:
        stretches.append((range(token_from, token + 1), list(range(word_from, word + 1))))
        token_from, word_from = token + 1, word + 1
    return stretches


def _pauses_after(spoken_text: str | None, words: Sequence[str]) -> list[bool] | None:
    """For each word, whether the voice pauses after it (a comma, semicolon or colon); None
    where WORDS are not those of SPOKEN_TEXT."""
    if spoken_text is None:
        return None
    said = [t for t in spoken_text.split() if any(c.isalnum() for c in t) or t.startswith("[[")]
    if len(said) != len(words) or any(word not in token for word, token in zip(words, said, strict=True)):
        return None
    return [token.rstrip('"”’)]')[-1:] in _PAUSES for token in said]


def _key(word: str) -> str:
    """A word's letters and digits, case folded; nothing for phonemes, which match no text."""
    if word.startswith("[["):
        return ""
    return "".join(char for char in word.casefold() if char.isalnum())


def _similarity(written: str, spoken: str) -> float:
    if not written or not spoken:
        return 0.0
    if written == spoken:
        return _SAME
    if (
        len(written) >= 2
        and len(spoken) > len(written)
        and written[0] == spoken[0]
        and written.isalpha()
        and spoken.isalpha()
        and _is_subsequence(written, spoken)
    ):
        return _EXPANDS  # "dr" for "doctor", "sept" for "september", "att" for "atandt"
    return 0.0


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(char in letters for char in short)


def _centres(words: Sequence[str]) -> list[float]:
    """Where each word's middle is in the words said one after another, from 0 to 1."""
    total = sum(len(word) + 1 for word in words)
    centres: list[float] = []
    position = 0
    for word in words:
        centres.append((position + len(word) / 2) / total)
        position += len(word) + 1
    return centres


def _anchors(
    written: list[str], spoken: list[str], where_written: list[float], where_spoken: list[float]
) -> list[tuple[int, int]]:
    """(token, word) pairs of the best monotonic alignment: the most (and best) matches; of
    equally good ones, those whose words lie where their tokens lie ("and" in "AT&T and M&S",
    said "A T and T and M and S", is the second "and")."""
    n, m = len(written), len(spoken)
    if n * m > _MAX_CELLS:
        matcher = SequenceMatcher(None, written, spoken, autojunk=False)
        return [
            (block.a + k, block.b + k)
            for block in matcher.get_matching_blocks()
            for k in range(block.size)
            if written[block.a + k]
        ]
    similar = [
        [
            (score - _DISTANCE * abs(where - there)) if (score := _similarity(w, s)) else 0.0
            for s, there in zip(spoken, where_spoken, strict=True)
        ]
        for w, where in zip(written, where_written, strict=True)
    ]
    # best[i][j]: the best score of aligning written[i:] with spoken[j:].
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below, here = best[i], best[i + 1], similar[i]
        for j in range(m - 1, -1, -1):
            score = max(below[j], row[j + 1])
            if here[j]:
                score = max(score, here[j] + below[j + 1])
            row[j] = score
    anchors: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if similar[i][j] and abs(best[i][j] - similar[i][j] - best[i + 1][j + 1]) < 1e-9:
            anchors.append((i, j))
            i, j = i + 1, j + 1
        elif abs(best[i][j] - best[i + 1][j]) < 1e-9:
            i += 1
        else:
            j += 1
    return anchors


def _joined(
    anchors: list[tuple[int, int]], written: list[str], spoken: list[str]
) -> list[tuple[int, int, int]]:
    """ANCHORS as (first token, last token, word): a word that says several written tokens
    at once ("percent" for "per cent") takes them all."""
    joined: list[tuple[int, int, int]] = []
    anchored = {token for token, _ in anchors}
    for token, word in anchors:
        last, said = token, written[token]
        while said != spoken[word] and last + 1 < len(written) and last + 1 not in anchored:
            said += written[last + 1]
            if not spoken[word].startswith(said):
                break
            last += 1
        joined.append((token, last if said == spoken[word] else token, word))
    return joined


def _said_between(text: str, left: int, right: int) -> Span | None:
    """The characters between two tokens that a word may say ("/" as "slash", "&" as
    "and"), without spaces and the punctuation around words; None if there are none."""
    while left < right and (text[left].isspace() or text[left] in _UNSAID):
        left += 1
    while right > left and (text[right - 1].isspace() or text[right - 1] in _UNSAID):
        right -= 1
    return (left, right) if left < right else None
