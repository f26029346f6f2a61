"""The voice model, patched with alignment outputs once and kept in the user cache; word
timings from its alignments, for every word."""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import platformdirs
import pytest
from piper.voice import AudioChunk

import newsvoice.voice as voice_module
from newsvoice import alignment
from newsvoice.alignment import Said, align_words
from newsvoice.article import Article, Block
from newsvoice.cache import SegmentCache
from newsvoice.lexicon import Lexicon
from newsvoice.narrate import narrate
from newsvoice.normalization import Normalizer
from newsvoice.voice import Voice, _aligned_model, _said, spoken_words


def test_workers_starting_at_once_patch_the_model_without_racing(
    voice: Voice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda name: str(tmp_path / name))
    start = threading.Barrier(3)
    patched: list[Path] = []
    errors: list[Exception] = []

    def load() -> None:
        start.wait()
        try:
            patched.append(_aligned_model(voice.path))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=load) for _ in range(start.parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    (model,) = set(patched)
    assert [path.name for path in model.parent.iterdir()] == [model.name]  # no temporary file left
    assert onnx.load(str(model)).graph.node


# --- word timings ---------------------------------------------------------------------------

TIMED = {
    "initialism": "The U S said on Monday that the U K agreed.",
    "curly apostrophes": "Ukraine’s leader said it don’t matter, and Putin’s aides agreed.",
    "straight apostrophes": "That's not Bob's car, and it isn't mine.",
    "lexicon phonemes": "It would be very destabilising to [[kˈiːv]], said Orr, and to [[kˈiːvz]] allies.",
    "phonemes first and last": "[[hˈɛljɚ]] met Orr in [[kˈiːv]]",
    "several sentences": "Orr said no. Then he left! Why did he go? Nobody knows.",
    "numbers as words": "It cost eighty five million pounds in twenty thirty two, up six point eight.",
    "hyphenated words": "A well-known, long-term plan for rules-based order, ring-fenced in twenty-six.",
    "initials": "J. R. R. Tolkien met C. S. Lewis at six PM.",
    "quotes": 'He called it “a farce” and said ‘never’ to the "plan".',
    "function words run together": "At the top of the agenda is the war, and many of the men are in it.",
}


@pytest.mark.parametrize("text", TIMED.values(), ids=TIMED.keys())
def test_every_word_is_timed_from_the_model(voice: Voice, text: str) -> None:
    speech = voice.speak(text)
    words = speech.words
    assert [w.word for w in words] == spoken_words(text)
    assert [w.word for w in words if w.estimated] == []
    for word, following in itertools.pairwise(words):
        assert word.end <= following.start + 0.001, (word, following)
    for word in words:
        assert 0 <= word.start < word.end <= speech.duration + 0.001, word


def test_words_are_where_they_are_said(voice: Voice) -> None:
    """A word's timing is its own, not a share of the segment: the pauses of the punctuation
    fall between the words around them, and are longer than any gap between other words."""
    words = voice.speak("Orr said no. Then the people of the town, all of them, left.").words
    gaps = [(word.word, following.start - word.end) for word, following in itertools.pairwise(words)]
    pauses = [gap for word, gap in gaps if word in ("no", "town", "them")]
    others = [gap for word, gap in gaps if word not in ("no", "town", "them")]
    assert min(pauses) > 0.1
    assert min(pauses) > max(others) + 0.03


def test_a_word_that_cannot_be_aligned_is_estimated_in_its_own_gap() -> None:
    words = ["one", "two", "three"]
    said = Said(list("^wʌn tuː θɹiː$"), [100] * 14, 1400)
    timings = align_words(words, ["wʌn", "", "θɹiː"], [said], 1000)
    assert [t.estimated for t in timings] == [False, True, False]
    assert (timings[0].start, timings[0].end) == (0.1, 0.4)
    assert (timings[1].start, timings[1].end) == (0.4, 0.8)  # the gap "two" was said in
    assert (timings[2].start, timings[2].end) == (0.8, 1.3)  # from the word space before it


def test_a_chunk_without_alignments_estimates_only_its_own_words() -> None:
    first = Said(list("^wʌn tuː.$"), [100] * 10, 1000)
    second = Said(list("θɹiː fɔːɹ."), None, 1000)
    timings = align_words(
        ["one", "two", "three", "four"], ["wʌn", "tuː", "θɹiː", "fɔːɹ"], [first, second], 1000
    )
    assert [t.estimated for t in timings] == [False, False, True, True]
    assert [round(t.start, 1) for t in timings] == [0.1, 0.4, 1.0, 1.4]


def test_estimated_words_are_counted_and_warned_of(
    voice: Voice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said_alone = voice._word_phonemes
    monkeypatch.setattr(voice, "_word_phonemes", lambda word: "" if word == "Monday" else said_alone(word))
    article = Article(title="Ferry news", blocks=(Block("paragraph", "Fares change on Monday."),))
    cache = SegmentCache(tmp_path / "cache")
    for name in ("first", "again"):
        narration = narrate(
            article,
            tmp_path / f"{name}.mp3",
            voice=voice,
            normalizer=Normalizer(lexicon=Lexicon()),
            disclosure=None,
            cache=cache,
        )
        assert narration.estimated_words == 1
        assert narration.warnings == (
            "1 of 6 words are timed in proportion to their length, not from the voice's alignments "
            "(the read-along may run ahead or behind there)",
        )
        timings = json.loads(narration.timings_path.read_text(encoding="utf-8"))
        assert timings["estimated_words"] == 1
    assert narration.reused == 2  # the estimate is kept with the cached segment


def test_changed_timings_are_not_taken_from_the_cache(voice: Voice, monkeypatch: pytest.MonkeyPatch) -> None:
    before = voice.settings_key
    monkeypatch.setattr(voice_module, "WORD_TIMINGS", voice_module.WORD_TIMINGS + 1)
    assert voice.settings_key != before


def test_alignments_are_summed_here_where_piper_gives_up(voice: Voice) -> None:
    """Piper drops a chunk's alignments when a phoneme is missing from the voice (it skips the
    phoneme); the samples per phoneme id still time the rest."""
    phonemes = ["a", "§", "b"]  # "§" is no phoneme of the voice
    ids = voice._piper.phonemes_to_ids(phonemes)
    chunk = AudioChunk(
        22050, 2, 1, np.zeros(10 * len(ids), np.float32), phonemes, ids, np.full(len(ids), 10), None
    )
    said = _said(chunk, voice._piper.config.phoneme_id_map)
    assert list(said.phonemes) == ["^", "a", "§", "b", "$"]
    assert said.samples == [20, 20, 0, 20, 10]


def test_a_long_text_is_aligned_in_windows_as_it_would_be_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sounds = "ptkbdgmnslɹwaeiouæɪʊʌə"
    random = np.random.default_rng(7)
    phonemes = ["".join(random.choice(list(sounds), int(random.integers(2, 7)))) for _ in range(400)]
    stream = list("^" + " ".join(phonemes) + ".$")
    said = Said(stream, [100] * len(stream), 100 * len(stream))
    words = [f"w{index}" for index in range(len(phonemes))]
    # What the voice says differs from the words said alone here and there.
    alone = [p.replace("a", "ə") if index % 7 == 0 else p for index, p in enumerate(phonemes)]
    at_once = align_words(words, alone, [said], 1000)
    monkeypatch.setattr(alignment, "_MAX_CELLS", 10_000)
    monkeypatch.setattr(alignment, "_WINDOW", 80)
    assert align_words(words, alone, [said], 1000) == at_once
    assert not any(t.estimated for t in at_once)


# --- how each word is said alone, for the alignment ----------------------------------------

WORDS_OF_EACH_LANGUAGE = {
    "en-us": "The U S said Ukraine’s don’t O'Brien well-known rock'n'roll COVID-19 3D A I NATO Mr St "
    "fourteen nineteen 1990 twenty-six to of the x Zabzab Anchorage",
    "en-gb-x-rp": "The Prime Minister's aides said a well-known figure would be there at half past ten",
    "de": "Der Bundeskanzler sagte am Montag, dass die Straße in Österreichs Hauptstadt 1990 gebaut wurde",
    "fr": "L'Élysée a dit aujourd'hui qu'il y aura quatre-vingt-dix délégués à Paris",
    "es": "El señor Núñez dijo que mañana habrá veintiún candidatos en Cádiz",
}


@pytest.mark.parametrize("language", WORDS_OF_EACH_LANGUAGE)
def test_words_phonemized_together_are_each_said_as_alone(
    voice: Voice, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    piper = voice_module._Piper(
        session=voice._piper.session, config=replace(voice._piper.config, espeak_voice=language)
    )
    monkeypatch.setattr(voice, "_piper", piper)
    monkeypatch.setattr(voice, "_words", {})
    words = list(dict.fromkeys(spoken_words(WORDS_OF_EACH_LANGUAGE[language])))
    voice._learn(words)
    assert voice._words == {word: "".join("".join(s) for s in piper.phonemize(word)) for word in words}


def test_the_new_words_of_a_segment_are_phonemized_in_one_call(
    voice: Voice, monkeypatch: pytest.MonkeyPatch
) -> None:
    """espeak loads its voice again on each call: one call a word was half the time that word
    timings took."""
    phonemized: list[str] = []
    phonemize = voice_module._Piper.phonemize

    def counted(piper: voice_module._Piper, text: str) -> list[list[str]]:
        phonemized.append(text)
        return phonemize(piper, text)

    monkeypatch.setattr(voice_module._Piper, "phonemize", counted)
    monkeypatch.setattr(voice, "_words", {})
    voice.speak("Orr met the envoys in Anchorage on Friday, and they talked.")
    assert len(phonemized) == 2  # the segment, then its words
    voice.speak("Then Orr met the envoys again.")
    assert phonemized[-1] == "Then\n\nagain"  # only the words not met before


@pytest.mark.parametrize(
    "text", ["They asked us— then left.", "Oregon— where else", "They met in the U.K.’s capital, then."]
)
def test_a_word_with_punctuation_in_it_is_phonemized_alone(
    voice: Voice, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """Punctuation in a word may end espeak's clause, or take in the text after it: "us—" is
    "ˌʌs; " alone, and "ˌʌs" a blank line before other words."""
    monkeypatch.setattr(voice, "_words", {})
    words = spoken_words(text)
    voice._word_timings(text, list(voice._piper.synthesize(text, include_alignments=True)))
    assert voice._words == {word: "".join("".join(s) for s in voice._piper.phonemize(word)) for word in words}


def test_words_that_do_not_come_back_one_sentence_each_are_not_kept(
    voice: Voice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(voice, "_words", {})
    voice._learn(["one", "٣"])  # an Arabic-Indic digit espeak does not say: no sentence last
    assert voice._words == {}


def test_word_timings_are_those_of_each_word_phonemized_alone(
    voice: Voice, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = " ".join(TIMED.values())
    chunks = list(voice._piper.synthesize(text, include_alignments=True))
    monkeypatch.setattr(voice, "_words", {})
    together = voice._word_timings(text, chunks)
    monkeypatch.setattr(voice, "_words", {})
    monkeypatch.setattr(voice, "_learn", lambda words: None)
    assert voice._word_timings(text, chunks) == together


# --- punctuation around phoneme escapes -----------------------------------------------------


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("destabilising to [[kˈiːv]], said Orr.", "destabilising to Kyiv, said Orr."),
        ("They met in [[kˈiːv]]. Then he left.", "They met in Kyiv. Then he left."),
        ("He went to [[kˈiːv]]; then home.", "He went to Kyiv; then home."),
        ("Was it [[kˈiːv]]?", "Was it Kyiv?"),
        ("Not [[kˈiːv]]!", "Not Kyiv!"),
    ],
)
def test_punctuation_after_an_escape_is_said_as_after_a_word(voice: Voice, spoken: str, written: str) -> None:
    """Piper phonemizes the text after an escape on its own, and espeak drops the punctuation
    that opens it (the comma's pause, the full stop and the space after it) or reads it out
    ("exclamation"). The escape's neighbours are said as a word's would be."""
    said = voice._piper.phonemize(spoken)
    as_written = voice._piper.phonemize(written)
    punctuation = [[p for p in sentence if p in ",.;:!? "] for sentence in said]
    assert punctuation == [[p for p in sentence if p in ",.;:!? "] for sentence in as_written]
    assert len(said) == len(as_written)  # a sentence each, as espeak's
    assert "ɛkskləm" not in voice.phonemes(spoken)


@pytest.mark.parametrize(
    "spoken",
    [
        "It would be very destabilising to [[kiːjˈɛv]], said Orr.",
        "Talks in [[kiːjˈɛv]] if Friday goes well: [[kiːjˈɛv]]. Then home.",
    ],
)
def test_the_words_around_an_escape_are_said_as_around_a_name(voice: Voice, spoken: str) -> None:
    """Phonemized apart, the text before an escape ended a clause ("to" before it was a
    stressed "tuː", not "tə"). In its sentence, the words around it are said as around any name."""
    name = "Paris"
    said = voice.phonemes(spoken).replace("kiːjˈɛv", "")
    assert said == voice.phonemes(spoken.replace("[[kiːjˈɛv]]", name)).replace(voice.phonemes(name), "")
    assert " tə " in voice.phonemes(spoken) or "to" not in spoken.split()


def test_escapes_in_a_row_are_one_word_space_apart(voice: Voice) -> None:
    assert "  " not in voice.phonemes("Analyst H [[ˈeɪ]] [[hˈɛljɚ]] said")
    assert voice.phonemes("[[ˈeɪ]] [[hˈɛljɚ]]") == "ˈeɪ hˈɛljɚ"


def test_the_pause_after_an_escape_is_heard(voice: Voice) -> None:
    words = voice.speak("It would be very destabilising to [[kˈiːv]], said Orr.").words
    gap = words[-2].start - words[-3].end
    assert gap > 0.1, words


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("fourteen metres", "fˈɔːɹtˌiːn"),
        ("eighteen percent", "ˈeɪtˌiːn"),
        ("nineteen eighty seven", "nˈaɪntˌiːn"),
        ("on August fifteenth.", "fˈɪftˌiːnθ"),
        ("thirteen, sixteen", "θˈɜːtˌiːn, sˈɪkstˌiːn"),
    ],
)
def test_teen_keeps_its_stress(voice: Voice, text: str, said: str) -> None:
    """espeak says "fourteen" as "FOUR-tin", heard as "forty"; "teen" keeps a stress of its own."""
    assert said in voice.phonemes(text)
    assert "ɹuːtˈiːn" in voice.phonemes("routine")  # other words as espeak says them
