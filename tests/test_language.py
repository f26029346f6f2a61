"""An article's language: told from text pages, carried into the sentence splitter, the
normalizer and the choice of voice."""

from __future__ import annotations

import json

import pytest

from newsvoice.article import Article, Block
from newsvoice.errors import UnreadableError
from newsvoice.extract import extract
from newsvoice.language import (
    article_language,
    detect_language,
    language_name,
    language_tag,
    primary,
    region,
    same_language,
    same_variety,
)
from newsvoice.normalization import Normalizer, speakable
from newsvoice.script import check_readable, plan_segments, write_script
from newsvoice.sources import Document

FRENCH_TITLE = "Le budget des écoles augmente de 512 millions d'euros"
FRENCH_PARAGRAPHS = [
    "Le gouvernement a présenté mardi un plan de 512 millions d'euros pour rénover les écoles "
    "primaires. Selon le ministre de l'Éducation, les travaux commenceront dès la rentrée 2025 "
    "dans 1 200 communes.",
    "Les syndicats d'enseignants saluent une mesure attendue depuis longtemps, mais ils "
    "estiment que la somme reste insuffisante. Pour eux, il faudrait au moins 2,5 milliards "
    "d'euros sur cinq ans.",
    "Le plan sera débattu à l'Assemblée nationale le 14 octobre. Les maires des petites "
    "communes demandent déjà que les crédits soient versés avant la fin de l'année.",
]
FRENCH_HTML = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
    f"<title>{FRENCH_TITLE}</title></head><body>"
    '<nav><a href="/">Accueil</a> <a href="/politique">Politique</a></nav>'
    f"<article><h1>{FRENCH_TITLE}</h1><p>Par Claire Martin</p>"
    + "".join(f"<p>{paragraph}</p>" for paragraph in FRENCH_PARAGRAPHS)
    + "</article><footer>© Le Quotidien 2025</footer></body></html>"
)
FRENCH_TEXT = FRENCH_TITLE + "\n\n" + "\n\n".join(FRENCH_PARAGRAPHS) + "\n"
ARABIC_TEXT = (
    "الحكومة تعلن خطة لتجديد المدارس\n\n"
    "أعلنت الحكومة يوم الثلاثاء عن خطة بقيمة خمسمائة مليون يورو لتجديد المدارس الابتدائية. "
    "وقال وزير التربية إن الأعمال ستبدأ مع بداية العام الدراسي المقبل.\n\n"
    "ورحبت نقابات المعلمين بالقرار، لكنها قالت إن المبلغ غير كاف.\n"
)
GERMAN_TEXT = (
    "Bundestag beschließt neues Schulgesetz\n\n"
    "Die Abstimmung findet am 3. Oktober statt. Das sagte Dr. Müller am Dienstag in Berlin, "
    "und die Opposition will sich noch nicht festlegen.\n"
)
ENGLISH_TEXT = (
    "Harbour bridge reopens after repairs\n\n"
    "The harbour bridge reopened to traffic on Friday after 8 months of repairs. "
    "Commuters welcomed the news.\n"
)


def text_page(text: str) -> Article:
    return extract(Document(text, "text", name="the text"))


# --- telling the language -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [(FRENCH_TEXT, "fr"), (ARABIC_TEXT, "ar"), (GERMAN_TEXT, "de"), (ENGLISH_TEXT, "en")],
    ids=["french", "arabic", "german", "english"],
)
def test_a_text_page_gets_its_language_from_its_text(text: str, language: str) -> None:
    assert text_page(text).language == language


def test_the_sample_page_is_english(sample_article: Article) -> None:
    assert article_language(sample_article) == "en"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Правительство во вторник объявило о плане ремонта школ по всей стране.", "ru"),
        ("Уряд у вівторок оголосив про план ремонту шкіл у всіх областях країни.", "uk"),
        ("Η κυβέρνηση ανακοίνωσε την Τρίτη σχέδιο για την ανακαίνιση των σχολείων.", "el"),
        ("政府は火曜日、学校の改修計画を発表した。大臣によると、工事はまもなく始まる。", "ja"),
        ("政府周二宣布了一项学校翻新计划。部长表示，工程将很快开始，预计持续一年。", "zh"),
        ("El gobierno anunció el martes un plan para la renovación de las escuelas del país.", "es"),
        ("Il governo ha annunciato martedì un piano per la ristrutturazione delle scuole.", "it"),
        ("De regering heeft dinsdag een plan aangekondigd voor de renovatie van de scholen.", "nl"),
    ],
)
def test_languages_told_by_their_letters_and_words(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "Hello world",  # too short to tell
        "Donald Trump, Vladimir Putin, Alaska, Anchorage, Summit, Russia, Ukraine",  # names alone
        "12 345 678 — 2025 · 3,5 % · 1 200",
    ],
)
def test_unclear_text_has_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_a_declared_language_stands_unless_the_text_is_in_other_letters() -> None:
    french = Article(title=FRENCH_TITLE, blocks=tuple(Block("paragraph", p) for p in FRENCH_PARAGRAPHS))
    # A page's own declaration wins among languages of one alphabet (names, quotes)...
    assert article_language(Article(title="", blocks=french.blocks, language="en-GB")) == "en-GB"
    assert article_language(french) == "fr"
    # ...but a template's lang="en" on a page in Arabic letters is plainly wrong.
    arabic = text_page(ARABIC_TEXT)
    assert article_language(Article(title=arabic.title, blocks=arabic.blocks, language="en")) == "ar"


def test_html_pages_without_a_declaration_get_the_language_of_their_text() -> None:
    page = FRENCH_HTML.replace('<html lang="fr">', "<html>")
    assert extract(Document(page, "html", name="the page")).language == "fr"


def test_language_tags() -> None:
    assert primary("en-GB") == primary("en_US") == primary(" EN ") == "en"
    assert region("en-GB") == region("en_gb") == region("en-gb-x-rp") == region("sr-Latn-GB") == "gb"
    assert region("es-419") == "419" and region("en") is None and region("fr-x-old") is None
    assert language_tag("en_gb") == language_tag(" EN-GB ") == "en-GB" and language_tag("FR") == "fr"
    assert same_variety("en-GB", "en-gb-x-rp") and not same_variety("en-GB", "en-us")
    assert not same_variety("en", "en") and not same_variety("en-GB", "fr-gb")
    assert primary("") is None and primary(None) is None
    assert same_language("en-us", "en-GB") and same_language("nb", "no") and same_language("cmn", "zh")
    assert not same_language("en", "fr") and not same_language(None, "en")
    assert language_name("fr") == "French (fr)" and language_name("en-us") == "English (en-us)"
    assert language_name("xx-yy") == "xx-yy" and language_name(None) == "an unknown language"


# --- the splitter and the normalizer follow the language -------------------------------------


def test_sentences_are_split_by_the_rules_of_the_language() -> None:
    article = text_page(GERMAN_TEXT)
    sentences = [p.text for p in plan_segments(article, disclosure=None) if p.kind == "sentence"]
    assert sentences == [
        "Die Abstimmung findet am 3. Oktober statt.",
        "Das sagte Dr. Müller am Dienstag in Berlin, und die Opposition will sich noch nicht festlegen.",
    ]
    # English rules take "3." for the end of a sentence.
    english = [p.text for p in plan_segments(article, None, language="en") if p.kind == "sentence"]
    assert english[:2] == ["Die Abstimmung findet am 3.", "Oktober statt."]


def test_an_article_without_a_language_is_split_as_english() -> None:
    article = Article(title="", blocks=(Block("paragraph", "Dr. Smith arrived. He spoke."),))
    assert [p.text for p in plan_segments(article, None)] == ["Dr. Smith arrived.", "He spoke."]


def test_french_numbers_are_said_in_french_words(normalizer: Normalizer) -> None:
    article = text_page(FRENCH_TEXT)
    script = write_script(article, normalizer.speaker(article.language), disclosure=None)
    spoken = script.spoken_text
    said = ("cinq cent douze millions d'euros", "rentrée deux mille vingt-cinq", "mille deux cents communes")
    for french in (*said, "deux virgule cinq milliards", "le quatorze octobre"):
        assert french in spoken
    for english in ("hundred", "million ", "twelve", "thousand", "euros d'", "percent"):
        assert english not in spoken
    assert not any(char.isdigit() for char in spoken) and script.warnings == ()
    # Typography is still read as pauses, never aloud.
    quoted = normalizer.speaker("fr")("« C'est une bonne nouvelle » — a-t-il dit…")
    assert quoted.text == "C'est une bonne nouvelle, a-t-il dit" and quoted.problems == ()


def test_a_language_without_a_normalizer_leaves_numbers_to_the_voice(normalizer: Normalizer) -> None:
    # NeMo's Italian writes 512 as "cinquecento dodici"; espeak's Italian says it right
    said = normalizer.speaker("it")("Il sig. Rossi ha pagato 512 euro.")
    assert said.text == "Il signor Rossi ha pagato 512 euro."
    assert said.problems == (
        "numbers are read by the voice's own rules: newsvoice has no text normalization for Italian (it)",
    )


def test_english_is_normalized_as_before(normalizer: Normalizer) -> None:
    assert normalizer.speaker("en-GB") == normalizer.speaker(None) == normalizer.spoken
    assert "eight months" in normalizer.speaker("en")("after 8 months of repairs").text


# --- what the voice can read ----------------------------------------------------------------


def test_a_voice_reads_the_letters_of_its_language() -> None:
    from newsvoice.language import scripts_read

    russian = "Правительство объявило о плане"
    assert speakable(russian) == ""  # an English voice would say "Cyrillic letter" for each
    assert speakable(russian, scripts=scripts_read("ru")) == russian
    assert speakable("Café Zoë α-helix") == "Café Zoë α-helix"
    hindi = "सरकार ने योजना की घोषणा की"  # vowel signs are spacing marks (Mc)
    assert speakable(hindi, scripts=scripts_read("hi")) == hindi


def test_an_article_the_voice_cannot_read_is_refused_not_reduced_to_its_disclosure() -> None:
    arabic = text_page(ARABIC_TEXT)
    with pytest.raises(UnreadableError, match=r"^no text the voice can read"):
        check_readable(arabic, "en-us")
    with pytest.raises(UnreadableError, match=r"^no text the voice can read"):
        write_script(arabic, speak=str, voice_language="en-us")
    # An English title over an Arabic body is not an article to publish either.
    titled = Article(title="Schools to be renovated", blocks=arabic.blocks, language="ar")
    with pytest.raises(UnreadableError):
        write_script(titled, speak=str)
    # A voice for Arabic would read it.
    check_readable(arabic, "ar")
    assert write_script(arabic, speak=str, voice_language="ar").segments[-1].kind == "disclosure"


# --- the command line -----------------------------------------------------------------------

SHORT_FRENCH = (
    "Le pont du port rouvre\n\n"
    "Le pont a rouvert vendredi après 8 mois de travaux. Les habitants sont contents de la nouvelle.\n"
)


def test_cli_refuses_a_language_without_a_voice_in_one_line(tmp_path, piper_only) -> None:
    from click.testing import CliRunner

    from newsvoice.cli import main

    source = tmp_path / "pont.txt"
    source.write_text(SHORT_FRENCH, encoding="utf-8")
    output = tmp_path / "pont.mp3"
    result = CliRunner().invoke(main, ["narrate", str(source), "-o", str(output), "-q"])
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.stderr == (
        "newsvoice: error: the article is in French (fr), and no installed voice speaks it "
        "(the voices speak English (en-us)); install a Piper voice for it, "
        "or read it anyway with --voice NAME\n"
    )
    assert not output.exists()


def test_cli_reads_it_with_a_voice_forced_and_warns(tmp_path, voice) -> None:
    from click.testing import CliRunner

    from newsvoice.cli import main

    source = tmp_path / "pont.txt"
    source.write_text(SHORT_FRENCH, encoding="utf-8")
    output = tmp_path / "pont.mp3"
    result = CliRunner().invoke(
        main, ["narrate", str(source), "-o", str(output), "-q", "--voice", voice.name, "--no-disclosure"]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.stderr.splitlines() == [
        "newsvoice: warning: the article is in French (fr), read by en_US-joe-medium, "
        "a voice for English (en-us)",
    ]
    timings = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    spoken = [segment["spoken"] for segment in timings["segments"]]
    assert spoken[1] == "Le pont a rouvert vendredi après huit mois de travaux."  # not "eight months"


def test_piper_reads_a_british_article_with_its_american_voice(tmp_path, voice, piper_only) -> None:
    """Piper's one English voice is joe's (en-us): a page's lang="en-GB" is English, which it
    speaks, so it reads it, with no warning (Kokoro has British voices, see test_kokoro)."""
    from newsvoice.narrate import narrate
    from newsvoice.voice import voice_for_language

    article = Article(title="", blocks=(Block("paragraph", "The lorry was late."),), language="en-GB")
    assert voice_for_language(article.language).name == voice.name == "en_US-joe-medium"
    narration = narrate(article, tmp_path / "out.wav", disclosure=None, intro=False)
    assert narration.voice == voice.name and narration.warnings == ()


def test_language_voices_are_looked_up_by_tag_then_by_language() -> None:
    from newsvoice.settings import PipelineSettings

    pipeline = PipelineSettings(language_voices=("en=amy", "en-GB=george", "pt-BR=dora"))
    assert pipeline.language_voice("en-GB") == pipeline.language_voice("en_gb") == "george"
    assert pipeline.language_voice("en-US") == pipeline.language_voice("en") == "amy"
    assert pipeline.language_voice("pt") == pipeline.language_voice("pt-PT") == "dora"  # another region
    assert pipeline.language_voice("fr") is None and pipeline.language_voice(None) is None
