"""Kokoro, the engine of the default voice, on its real model, with short texts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from click.testing import CliRunner

from newsvoice import kokoro
from newsvoice.article import Article, Block
from newsvoice.cache import SegmentCache, segment_key
from newsvoice.cli import main
from newsvoice.errors import VoiceError
from newsvoice.language import article_language
from newsvoice.lexicon import Lexicon, LexiconError, validate_entry
from newsvoice.narrate import narrate
from newsvoice.normalization import Normalizer
from newsvoice.script import DISCLOSURES
from newsvoice.voice import (
    Speaker,
    list_voices,
    load_voice,
    resolve_voice,
    voice_for_language,
    voice_phonemes,
)

SHIPPED = {
    "af_heart": "en-us",
    "am_michael": "en-us",
    "bf_emma": "en-gb",
    "bm_george": "en-gb",
    "ef_dora": "es",
    "em_alex": "es",
    "ff_siwis": "fr-fr",
    "if_sara": "it",
    "im_nicola": "it",
    "pf_dora": "pt-br",
    "pm_alex": "pt-br",
}


@pytest.fixture(scope="module")
def heart() -> Speaker:
    return load_voice("kokoro:af_heart", threads=2)


def check_timings(speech, words: int) -> None:
    assert len(speech.words) == words
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts)
    assert all(w.start < w.end for w in speech.words)
    assert all(a.end <= b.start + 1e-6 for a, b in zip(speech.words, speech.words[1:], strict=False))
    assert speech.words[0].start < 0.3  # covering the audio: from its start...
    assert speech.duration - 0.6 < speech.words[-1].end <= speech.duration + 1e-3  # ...to its end


def test_speaks_with_word_timings_from_its_durations(heart: Speaker) -> None:
    speech = heart.speak("The minister met reporters in London on Tuesday.")
    assert speech.sample_rate == 24000
    assert 1.5 < speech.duration < 6
    assert np.abs(speech.audio).max() > 0.1
    check_timings(speech, 8)


def test_words_espeak_joins_still_get_their_own_timings(heart: Speaker) -> None:
    # espeak says "of the" as one group (ʌvðə): each word is aligned to the sounds said
    assert "ʌvðə" in heart.phonemes("Of the U S officials")
    speech = heart.speak("Of the U S officials, most agreed.")
    check_timings(speech, 7)
    assert not any(word.estimated for word in speech.words)
    of, the = speech.words[:2]
    assert of.end == the.start and the.end - the.start < of.end - of.start + 0.1


def test_a_word_after_a_pause_starts_after_it(heart: Speaker) -> None:
    # kokoro-onnx lengthens the pause after a full stop: the word after starts past it
    speech = heart.speak("Prices rose sharply. Then, on Tuesday, the minister resigned.")
    check_timings(speech, 9)
    assert not any(word.estimated for word in speech.words)
    sharply, then, on = speech.words[2:5]
    assert then.start - sharply.end > 0.1 and on.start > then.end


def test_the_pauses_kokoro_onnx_adds_are_runs_of_their_own() -> None:
    from kokoro_onnx.sliding import Timing

    sounds = [Timing("a", 0.1, 0.2), Timing(".", 0.2, 0.2), Timing("b", 0.5, 0.6)]
    runs = kokoro._said(sounds, 24000)
    lag = 1200  # the sound runs two frames ahead of the durations
    assert [(list(r.phonemes), list(r.samples or ()), r.length) for r in runs] == [
        ([], [], 2400 - lag),
        (["a", "."], [2400, 0], 2400),
        ([], [], 7200),
        (["b"], [2400], 2400),
        ([], [], 9600 + lag),
    ]


def test_a_pause_between_words_leads_into_the_word_after() -> None:
    """Words joined by a plain space: a silence between them ends the word before where its
    sound does, and starts the word after there."""
    from newsvoice.alignment import Timing

    audio = np.zeros(24000, np.float32)
    audio[2400:9600] = audio[14400:21600] = 0.5  # sound, 0.2 s of silence, sound
    joined = [Timing(0.1, 0.55, False), Timing(0.55, 0.9, False)]
    assert kokoro._pauses_lead_in(joined, audio) == [Timing(0.1, 0.4, False), Timing(0.4, 0.9, False)]
    parted = [Timing(0.1, 0.4, False), Timing(0.6, 0.9, False)]  # by a mark: the word after follows it
    assert kokoro._pauses_lead_in(parted, audio) == parted


def test_the_model_reports_durations_and_is_checked_against_its_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = kokoro.model_path()
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["audio", "duration"]
    monkeypatch.setattr(kokoro, "MODEL_SHA256", "0" * 64)
    with pytest.raises(VoiceError, match="damaged") as error:
        kokoro.model_path()
    assert "\n" not in str(error.value)


def test_a_lexicon_entry_is_said_as_its_phonemes(heart: Speaker) -> None:
    spoken = Lexicon({"Hellyer": "[[hˈɛljɚ]]"}).apply("Minister Hellyer spoke.")
    assert spoken == "Minister [[hˈɛljɚ]] spoke."
    assert heart.phonemes(spoken).split() == [heart.phonemes("Minister"), "hˈɛljɚ", heart.phonemes("spoke.")]
    assert heart.phonemes("Hellyer") != "hˈɛljɚ"  # what espeak would have said
    speech = heart.speak(spoken)
    check_timings(speech, 3)
    assert speech.words[1].word == "[[hˈɛljɚ]]"


def test_lexicon_phonemes_must_be_the_voices() -> None:
    phonemes = voice_phonemes("kokoro:af_heart")
    validate_entry("Hellyer", "[[hˈɛljɚ]]", phonemes)
    with pytest.raises(LexiconError, match="no phoneme ǂ"):
        validate_entry("Hellyer", "[[hˈɛǂjɚ]]", phonemes)


def test_the_cache_key_changes_with_the_voice(heart: Speaker) -> None:
    michael = load_voice("kokoro:am_michael", threads=2)
    assert heart.settings_key != michael.settings_key
    assert segment_key(heart.settings_key, "Hello.") != segment_key(michael.settings_key, "Hello.")
    assert heart.settings_key == load_voice("kokoro:af_heart", threads=2).settings_key
    assert "kokoro" in heart.settings_key and kokoro.MODEL_SHA256[:16] in heart.settings_key
    assert segment_key(heart.settings_key, "Hello.") != segment_key(load_voice("joe").settings_key, "Hello.")


def test_both_engines_voices_are_listed_with_language_engine_and_rate() -> None:
    listed = {info.name: info for info in list_voices()}
    for name, language in SHIPPED.items():
        info = listed[f"kokoro:{name}"]
        assert (info.language, info.engine, info.sample_rate) == (language, "kokoro", 24000)
    assert listed["en_US-joe-medium"].engine == "piper"
    out = CliRunner().invoke(main, ["voices"]).output
    assert "kokoro:ff_siwis\tfr-fr\tkokoro\t24000 Hz" in out
    assert "en_US-joe-medium\ten-us\tpiper\t22050 Hz" in out


@pytest.mark.parametrize("name", ["kokoro:nobody", "kokoro:"])
def test_an_unknown_voice_is_one_clear_line(name: str, tmp_path: Path) -> None:
    with pytest.raises(VoiceError) as error:
        resolve_voice(name)
    assert str(error.value) == f"unknown voice: {name} (see `newsvoice voices`)"
    result = CliRunner().invoke(
        main, ["narrate", "-", "-o", str(tmp_path / "out.mp3"), "--voice", name], input="Hi."
    )
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        f"newsvoice: error: unknown voice: {name} (see `newsvoice voices`)"
    ]


def test_voices_by_name_short_name_and_path() -> None:
    assert resolve_voice("joe") == resolve_voice("en_US-joe-medium")
    heart = resolve_voice("kokoro:af_heart")
    assert resolve_voice(None) == heart  # the default voice
    assert heart.name == "af_heart.bin" and load_voice(heart, threads=2).name == "kokoro:af_heart"


def test_a_voice_file_by_path(tmp_path: Path) -> None:
    bad = tmp_path / "af_broken.bin"
    bad.write_bytes(b"\0" * 100)
    with pytest.raises(VoiceError, match="not a Kokoro voice"):
        load_voice(bad)


@pytest.mark.parametrize(
    ("language", "voice", "text", "words"),
    [
        ("fr", "kokoro:ff_siwis", "Le président a parlé aux journalistes à Paris.", 8),
        ("es", "kokoro:ef_dora", "El presidente habló con los periodistas en Madrid.", 8),
    ],
)
def test_french_and_spanish_are_read_by_a_voice_of_their_own(
    language: str, voice: str, text: str, words: int, tmp_path: Path
) -> None:
    info = voice_for_language(language)
    assert info.name == voice
    speaker = load_voice(info.path, threads=2)
    check_timings(speaker.speak(text), words)
    article = Article(title="", blocks=(Block("paragraph", text),), language=language)
    narration = narrate(article, tmp_path / "out.wav", voice=speaker, disclosure=None, intro=False)
    assert narration.voice == voice
    assert not [w for w in narration.warnings if "read by" in w]
    assert [w.word for s in narration.segments for w in s.words][:2] == text.split()[:2]


@pytest.mark.parametrize(
    ("language", "voice", "text", "said", "intro"),
    [
        ("fr", "kokoro:ff_siwis", "M. Dupont a payé 12 millions d'euros pour 250 bus.",
         "Monsieur Dupont a payé douze millions d'euros pour deux cent cinquante bus.",
         "Un article de El Faro."),
        ("es", "kokoro:ef_dora", "La Sra. López pagó 12 millones de euros por 250 autobuses.",
         "La señora López pagó doce millones de euros por doscientos cincuenta autobuses.",
         "Un artículo de El Faro."),
    ],
)  # fmt: skip
def test_french_and_spanish_are_narrated_with_their_voice_normalizer_and_disclosure(
    language: str, voice: str, text: str, said: str, intro: str, normalizer: Normalizer, tmp_path: Path
) -> None:
    article = Article(title="", blocks=(Block("paragraph", text),), site_name="El Faro", language=language)
    narration = narrate(article, tmp_path / "out.wav", normalizer=normalizer)  # the voice for its language
    assert narration.voice == voice
    byline, sentence, disclosure = (timed.segment for timed in narration.segments)
    assert (byline.text, sentence.text, disclosure.text) == (intro, text, DISCLOSURES[language])
    assert sentence.spoken == said  # its numbers in words, by NeMo's grammars for the language
    assert not [w for w in narration.warnings if "numbers are read" in w], narration.warnings
    assert all(timed.words for timed in narration.segments)


def test_narrations_reuse_the_segment_cache_per_voice(heart: Speaker, tmp_path: Path) -> None:
    article = Article(title="", blocks=(Block("paragraph", "The bridge reopened on Friday."),), language="en")
    cache = SegmentCache(tmp_path / "segments")
    first = narrate(article, tmp_path / "a.wav", voice=heart, disclosure=None, intro=False, cache=cache)
    again = narrate(article, tmp_path / "b.wav", voice=heart, disclosure=None, intro=False, cache=cache)
    assert (first.synthesized, again.synthesized, again.reused) == (1, 0, 1)
    assert again.segments[0].words == first.segments[0].words
    michael = load_voice("kokoro:am_michael", threads=2)
    other = narrate(article, tmp_path / "c.wav", voice=michael, disclosure=None, intro=False, cache=cache)
    assert (other.synthesized, other.reused) == (1, 0)


def test_a_british_article_is_read_by_a_british_voice() -> None:
    british = Article(title="", blocks=(Block("paragraph", "The car is red."),), language="en_gb")
    assert article_language(british) == "en-GB"  # as the page declares it (see test_extract_html)
    assert voice_for_language("en-GB", "kokoro:af_heart").name == "kokoro:bf_emma"  # of the same sex
    assert voice_for_language("en-GB", "kokoro:am_michael").name == "kokoro:bm_george"
    assert voice_for_language("en-US", "kokoro:bm_george").name == "kokoro:am_michael"
    assert voice_for_language("en", "kokoro:bf_emma").name == "kokoro:bf_emma"  # no region: as it is
    assert voice_for_language("en-GB").name == "kokoro:bf_emma"  # the default's British variety
    # Piper's only English voice is joe's, American: it reads British articles too
    assert voice_for_language("en-GB", "joe").name == "en_US-joe-medium"
    emma = load_voice("kokoro:bf_emma", threads=2)  # and British voices say British phonemes
    assert emma.phonemes("Better water") == "bˈɛtə wˈɔːtə"
    assert load_voice("kokoro:af_heart", threads=2).phonemes("Better water") == "bˈɛɾɚ wˈɔːɾɚ"


def test_a_british_article_is_narrated_by_the_deployments_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsvoice.runtime import build_runtime
    from newsvoice.settings import load_settings

    monkeypatch.setenv("NEWSVOICE_VOICE", "kokoro:af_heart")
    runtime = build_runtime(load_settings(), threads=2)
    assert runtime.voice("en-GB").name == "kokoro:bf_emma"
    assert runtime.voice("en").name == runtime.voice("en-US").name == "kokoro:af_heart"
    assert runtime.voice("en-GB", "kokoro:am_michael").name == "kokoro:am_michael"  # a site's voice, as named
    monkeypatch.setenv("NEWSVOICE_LANGUAGE_VOICES", "en=kokoro:am_michael")  # the setting says otherwise
    assert build_runtime(load_settings(), threads=2).voice("en-GB").name == "kokoro:am_michael"
    monkeypatch.setenv("NEWSVOICE_LANGUAGE_VOICES", "en=kokoro:am_michael,en-gb=kokoro:bm_george")
    runtime = build_runtime(load_settings(), threads=2)
    assert runtime.voice("en-GB").name == "kokoro:bm_george"
    assert runtime.voice("en-US").name == "kokoro:am_michael"


def test_a_voice_per_language_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsvoice.runtime import build_runtime
    from newsvoice.settings import ConfigError, load_settings

    monkeypatch.setenv("NEWSVOICE_LANGUAGE_VOICES", "en-GB=kokoro:bf_emma, es=kokoro:em_alex")
    runtime = build_runtime(load_settings(), threads=2)
    assert runtime.voice("en").name == "kokoro:bf_emma"  # a British deployment's English
    assert runtime.voice("es").name == "kokoro:em_alex"
    assert runtime.voice("fr").name == "kokoro:ff_siwis"  # not named: the first that speaks it
    assert runtime.voice(None).name == "en_US-joe-medium"  # the deployment's voice
    monkeypatch.setenv("NEWSVOICE_LANGUAGE_VOICES", "kokoro:bf_emma")
    with pytest.raises(ConfigError, match="invalid language_voices"):
        load_settings()
