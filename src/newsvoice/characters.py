"""The characters text may hold in newsvoice: cleaned once, where text enters the pipeline.

Text comes from pages fetched from anywhere, from API clients, CMS webhooks and feed items,
and it is written back out into XML (the podcast feeds), WebVTT and JSON. XML 1.0 cannot
hold most control characters at all, nor surrogates, nor U+FFFE and U+FFFF: one such
character in one article would make a feed that no podcast app can read. So `clean_text`
takes them out of every text that becomes part of an `Article` (see `newsvoice.article`):

- line breaks (CR LF, CR, and the other controls that `str.splitlines` takes for a line
  break: vertical tab, form feed, the file, group and record separators U+001C-U+001E,
  next line U+0085) become LF;
- every other control character, C0 (U+0000-U+001F) and C1 (U+007F-U+009F), is removed,
  except tab and LF;
- surrogates (U+D800-U+DFFF, which a Python string holds only from broken input) and the
  noncharacters (U+FDD0-U+FDEF, and U+FFFE and U+FFFF of every plane) are removed;
- the text is normalized to NFC, so that the same words are the same characters (and the
  same text is the same narration).
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85]")
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
_REMOVED = re.compile(f"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff{_NONCHARACTERS}]")
_UNCLEAN = re.compile(f"{_LINE_BREAKS.pattern}|{_REMOVED.pattern}")


def clean_text(text: str) -> str:
    """TEXT with line breaks as LF, without the characters XML cannot hold (and the other
    control characters, but tab), in NFC."""
    if _UNCLEAN.search(text):
        text = _REMOVED.sub("", _LINE_BREAKS.sub("\n", text))
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def invalid_characters(text: str) -> list[str]:
    """The characters of TEXT that `clean_text` replaces or removes, as code points ("U+0000"),
    for a message that names them; none in a clean text (or one only not in NFC)."""
    return sorted({f"U+{ord(found[0]):04X}" for found in _UNCLEAN.findall(text)})


def unsafe_characters(text: str) -> list[str]:
    """The characters of TEXT no request may hold (`clean_text` removes them): control
    characters but tab and line breaks, surrogates, noncharacters; as code points ("U+0000")."""
    return sorted({f"U+{ord(found):04X}" for found in _REMOVED.findall(text)})
