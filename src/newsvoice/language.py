"""An article's language: declared by its page, or told from its text.

The language chooses the voice, the sentence splitter and the text normalizer, so it must be
right where it matters and never guessed wildly. The writing system settles most languages
at once (Arabic, Cyrillic, Greek, Chinese, ...); text in Latin letters is told by its most
common short words ("the", "de", "und"), which every news text is full of. Where neither is
clear the language is left unknown (None), and the narration takes it to be its voice's.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from functools import lru_cache

from .article import Article

_SAMPLE = 20_000
"""Letters looked at: a long article says no more about its language than its first pages."""
_MIN_LETTERS = 20
_DOMINANT = 0.5
"""A writing system with at least this share of the letters is the text's."""
_KANA = 0.1
_MIN_WORDS = 3
_MIN_SHARE = 0.08
_MARGIN = 1.25
"""The most likely language needs this many times the function words of the next one."""

# The most frequent short words of news text in each language. Words shared by languages
# count for each of them; what tells close languages apart is the words they do not share.
_FUNCTION_WORDS = {
    "en": "the of and to in is that for on with as was by it at from are be has have this an said "
    "he his she her they their were will would not but which who its after been had",
    "fr": "le la les des du de et est un une pour dans que qui sur au aux par pas ne se ce il elle "
    "avec son sa ses plus été ont l d qu n selon mais cette leur",
    "de": "der die das und ist nicht mit von den zu im sich auf dem ein eine des für auch es sie "
    "wird werden hat sind bei nach wie aus einer über noch",
    "es": "el la de que y en los del las por un una con para es se al lo como más fue ha su sus "
    "pero este esta según sobre ya",
    "it": "il la di che e è per un una del della le nel con non si sono ha gli al alla dei da "
    "anche ma questo più delle degli",
    "pt": "o a de que e do da em um uma para com não os as no na dos por mais se ao é foi "
    "das ele seu sua pelo pela também",
    "nl": "de het een en van in is dat op te met voor niet zijn er aan ook als bij door om "
    "maar nog naar werd wordt",
    "sv": "och att det som en är på för av med till den har inte om var ett de jag men också efter vid sig",
    "da": "og i at det er en til på som med for af den ikke har de et var men også efter blev været hvor mig",
    "no": "og i at det er en til på som med for av den ikke har de et var men også etter ble vært hvor meg",
    "pl": "i w na z się nie do że to jest o jak po przez dla są od za który które także",
    "cs": "a v se na je že s z do to o jako by ve pro jsou které který také",
    "ro": "și în de la a cu pe este din care că o un nu pentru mai sunt fost",
    "tr": "ve bir bu da de için ile olarak çok daha gibi en ama olan değil",
    "fi": "ja on ei että se oli hän kun ovat myös mutta tai joka",
    "hu": "a az és hogy nem is egy meg van volt de már ez",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada adalah",
}
_WORDS = {language: frozenset(words.split()) for language, words in _FUNCTION_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+")
_REGION = re.compile(r"[a-z]{2,3}(?:[-_][a-z]{4})?[-_]([a-z]{2}|\d{3})(?:$|[-_])")
"""A tag's region: after its language and any script subtag, two letters or three digits."""

# Writing systems (the first word of a letter's Unicode name) used by one language above all.
_SCRIPT_LANGUAGE = {
    "GREEK": "el", "HEBREW": "he", "HANGUL": "ko", "HIRAGANA": "ja", "KATAKANA": "ja", "CJK": "zh",
    "THAI": "th", "DEVANAGARI": "hi", "BENGALI": "bn", "TAMIL": "ta", "TELUGU": "te",
    "GUJARATI": "gu", "GURMUKHI": "pa", "KANNADA": "kn", "MALAYALAM": "ml", "GEORGIAN": "ka",
    "ARMENIAN": "hy", "ETHIOPIC": "am", "KHMER": "km", "LAO": "lo", "MYANMAR": "my",
    "SINHALA": "si",
}  # fmt: skip
# Letters that tell apart languages sharing a writing system.
_MARKED = {
    "ARABIC": (("ur", "ٹڈڑںے"), ("fa", "پچژگکی")),
    "CYRILLIC": (("uk", "іїєґ"), ("be", "ў"), ("sr", "ђћџјљњ"), ("mk", "ѓќѕ"), ("kk", "әғқңөұүһ")),
}
_DEFAULT_FOR_SCRIPT = {"ARABIC": "ar", "CYRILLIC": "ru"}

# The writing systems a voice of a language reads, besides Latin letters (which every espeak
# voice spells out) and Greek ones (said as letter names, as in "α-helix").
_LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **{language: frozenset({"ARABIC"}) for language in ("ar", "fa", "ur", "ps")},
    **{language: frozenset({"CYRILLIC"}) for language in ("ru", "uk", "be", "bg", "sr", "mk", "kk")},
    **{language: frozenset({script}) for script, language in _SCRIPT_LANGUAGE.items()},
    "ja": frozenset({"HIRAGANA", "KATAKANA", "CJK"}),
    "zh": frozenset({"CJK"}),
    "ne": frozenset({"DEVANAGARI"}),
    "mr": frozenset({"DEVANAGARI"}),
}
ALWAYS_READ = frozenset({"LATIN", "GREEK", "COMBINING"})

_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "cy": "Welsh",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "hy": "Armenian",
    "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian",
    "kk": "Kazakh", "ko": "Korean", "lb": "Luxembourgish", "lv": "Latvian", "ml": "Malayalam",
    "ne": "Nepali", "nl": "Dutch", "no": "Norwegian", "nb": "Norwegian Bokmål", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai",
    "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


def primary(language: str | None) -> str | None:
    """The primary subtag of a language tag or espeak voice, lower case: "en" for "en-GB",
    "en_US" or "en-us"; "cmn" for "cmn-latn-pinyin"; None for none."""
    subtag = re.split(r"[-_]", (language or "").strip().lower())[0]
    return subtag or None


def region(language: str | None) -> str | None:
    """The region subtag of a language tag or espeak voice, lower case: "gb" for "en-GB",
    "en_gb" or espeak's "en-gb-x-rp", "419" for "es-419"; None for "en" (a script subtag,
    "sr-Latn-RS", is passed over)."""
    match = _REGION.match((language or "").strip().lower())
    return match.group(1) if match else None


def language_tag(language: str | None) -> str | None:
    """A language tag as newsvoice keeps it: its language, and its region where it has one,
    in the usual case ("en-GB" for "en_gb" or "EN-GB", "pt-BR", "fr"); None for none."""
    code = primary(language)
    if code is None:
        return None
    area = region(language)
    return f"{code}-{area.upper()}" if area else code


def same_variety(one: str | None, other: str | None) -> bool:
    """Whether two language tags name the same language as spoken in the same region ("en-GB"
    and espeak's "en-gb-x-rp"); a tag without a region is no regional variety."""
    return same_language(one, other) and region(one) is not None and region(one) == region(other)


def same_language(one: str | None, other: str | None) -> bool:
    """Whether two language tags name the same language (by their primary subtags; the
    Norwegians "no" and "nb" are one, as are Chinese "zh" and espeak's "cmn")."""
    aliases = {"nb": "no", "nn": "no", "cmn": "zh", "yue": "zh"}
    first, second = primary(one), primary(other)
    return first is not None and aliases.get(first, first) == aliases.get(second or "", second)


def language_name(language: str | None) -> str:
    """The language for people: "French (fr)", or the tag alone where its name is not known."""
    code = primary(language)
    if code is None:
        return "an unknown language"
    name = _NAMES.get(code)
    return f"{name} ({language})" if name else str(language)


def scripts_read(language: str | None) -> frozenset[str]:
    """The writing systems a voice of LANGUAGE reads (names as Unicode's first word: "LATIN",
    "CYRILLIC"): Latin and Greek letters by any voice, and its language's own."""
    code = primary(language)
    return ALWAYS_READ | _LANGUAGE_SCRIPTS.get(code or "", frozenset())


def detect_language(text: str) -> str | None:
    """The language TEXT is written in, as a primary subtag, or None where it is unclear."""
    scripts: Counter[str] = Counter()
    letters: list[str] = []
    for char in text:
        if char.isalpha():
            scripts[script_of(char)] += 1
            letters.append(char)
            if len(letters) >= _SAMPLE:
                break
    total = sum(scripts.values())
    if total < _MIN_LETTERS:
        return None
    kana = scripts["HIRAGANA"] + scripts["KATAKANA"]
    if kana >= _KANA * total and kana + scripts["CJK"] >= _DOMINANT * total:
        return "ja"  # Japanese writes Chinese characters too, but never without kana
    script, count = scripts.most_common(1)[0]
    if count < _DOMINANT * total:
        return None
    if script == "LATIN":
        return _by_function_words(text[: _SAMPLE * 2])
    if script in _MARKED:
        found = "".join(letters)
        for language, marks in _MARKED[script]:
            if sum(found.count(mark) for mark in marks) >= max(2, count // 200):
                return language
        return _DEFAULT_FOR_SCRIPT[script]
    return _SCRIPT_LANGUAGE.get(script)


def _by_function_words(text: str) -> str | None:
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return None
    counts = Counter(word for word in words if any(word in vocabulary for vocabulary in _WORDS.values()))
    scores = sorted(
        ((sum(n for word, n in counts.items() if word in vocabulary), language)
         for language, vocabulary in _WORDS.items()),
        reverse=True,
    )  # fmt: skip
    (best, language), (second, _) = scores[0], scores[1]
    if best < _MIN_WORDS or best < _MIN_SHARE * len(words) or best < _MARGIN * second:
        return None
    return language


@lru_cache(maxsize=4096)
def script_of(char: str) -> str:
    """The writing system of a letter: the first word of its Unicode name ("LATIN", "ARABIC",
    "CJK"); "" for a character without a name."""
    if char.isascii():
        return "LATIN" if char.isalpha() else ""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""


def article_language(article: Article) -> str | None:
    """The language ARTICLE is written in: the one its page declares, with its region ("en-GB":
    British English is read by a British voice where one is installed), unless its text is
    plainly in another writing system (a template's lang="en" on an Arabic page); else the
    one its text shows."""
    detected = detect_language(_text(article))
    declared = language_tag(article.language)
    if declared is None:
        return detected
    if detected is not None and not same_language(declared, detected):
        detected_script = _main_script(detected)
        if detected_script not in scripts_read(declared):
            return detected
    return declared


def with_language(article: Article) -> Article:
    """ARTICLE with its `language` set as `article_language` finds it."""
    language = article_language(article)
    return article if language == article.language else replace(article, language=language)


def _main_script(language: str) -> str:
    own = _LANGUAGE_SCRIPTS.get(language)
    return next(iter(sorted(own))) if own else "LATIN"


def _text(article: Article) -> str:
    return "\n".join([article.title, *(block.text for block in article.blocks)])
