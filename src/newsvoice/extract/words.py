"""How long a text is, and where its sentences end, in any script.

Chinese and Japanese are written without spaces between words, so a paragraph of them is a
single "word" to `str.split`, and every length rule of extraction (a caption is short, a
link is a few words, an article has at least fifty) would take a whole Chinese article for
a caption. Their characters are counted instead, at `CJK_CHARS_PER_WORD` to a word: a
Chinese word averages about 1.7 characters and a Japanese one about 2, so a rule written
in words means about the same length of text in every script.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

# Han ideographs (with extension A and the compatibility block), hiragana and katakana. Korean
# is written with spaces between words, and its words are counted as words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# ...and the punctuation and full-width forms written between them, which are not words.
_CJK_OTHER = re.compile(r"[\u3000-\u303f\uff00-\uffef]")
CJK_CHARS_PER_WORD = 2
# Where a sentence ends: Western punctuation, and the full-width stops of Chinese and
# Japanese (after which no space is written), perhaps before a closing quote or bracket.
SENTENCE_END = re.compile(r"""[.!?…。！？]["'”’)」』）]?$""")


def word_count(text: str, words: Callable[[str], list[str]] = str.split) -> int:
    """TEXT's words as WORDS finds them (by default, those between spaces), and its CJK
    characters at two to a word."""
    if text.isascii():
        return len(words(text))
    cjk = len(_CJK.findall(text))
    rest = _CJK_OTHER.sub(" ", _CJK.sub(" ", text))
    return len(words(rest)) + math.ceil(cjk / CJK_CHARS_PER_WORD)
