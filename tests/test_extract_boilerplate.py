"""Boilerplate found by what it is, in several languages, beside the article text each rule must
keep: phrase lists in English, German, French, Spanish, Chinese and Japanese; markup (`aside`,
`figcaption`, share/related/newsletter boxes, ARIA roles, blocks of links); structural rules
that keep a lead set as a heading, a subhead after a "Read more" line and a linked sentence;
lengths and sentences in Chinese and Japanese; and what a site repeats on its pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsvoice.article import Article, Block
from newsvoice.errors import NoArticleError
from newsvoice.extract import extract, too_short
from newsvoice.extract.cleanup import byline_authors, clean, is_furniture, is_related_label, key
from newsvoice.extract.html import extract_html
from newsvoice.extract.structure import Piece
from newsvoice.extract.words import word_count
from newsvoice.script import split_sentences_in
from newsvoice.sites import MIN_PAGES, SiteMemory
from newsvoice.sources import Document

BODIES = {
    "en": [
        "The city council voted on Tuesday to open a ferry line between the old harbour and the "
        "northern suburbs, the first new public transport route in the city for a decade.",
        "The line will run every twenty minutes at peak hours and every forty minutes in the "
        "evening, using two electric boats that the city bought from a shipyard in the south.",
        "Council members argued for three hours before the vote, which passed by nine votes to "
        "four, with two members absent because of illness.",
        "The first boats are expected to sail in the spring, once the new landing stages at both "
        "ends of the line have been built and inspected by the port authority.",
    ],
    "de": [
        "Der Stadtrat hat am Dienstag beschlossen, eine neue Fährlinie zwischen dem alten Hafen und "
        "den nördlichen Vororten einzurichten, die erste neue Verbindung seit zehn Jahren.",
        "Die Fähren sollen zu Stoßzeiten alle zwanzig Minuten und am Abend alle vierzig Minuten "
        "fahren, mit zwei elektrischen Booten aus einer Werft im Süden.",
        "Die Ratsmitglieder stritten drei Stunden lang, bevor die Abstimmung mit neun zu vier "
        "Stimmen ausging; zwei Mitglieder fehlten wegen Krankheit.",
        "Die ersten Boote sollen im Frühjahr ablegen, sobald die neuen Anleger an beiden Enden der "
        "Linie gebaut und von der Hafenbehörde geprüft worden sind.",
    ],
    "fr": [
        "Le conseil municipal a voté mardi l'ouverture d'une ligne de ferry entre le vieux port et "
        "les quartiers nord, la première nouvelle ligne de transport public depuis dix ans.",
        "La ligne fonctionnera toutes les vingt minutes aux heures de pointe et toutes les quarante "
        "minutes le soir, avec deux bateaux électriques achetés à un chantier naval du sud.",
        "Les élus ont débattu pendant trois heures avant le vote, adopté par neuf voix contre "
        "quatre, deux membres étant absents pour cause de maladie.",
        "Les premiers bateaux devraient naviguer au printemps, une fois que les nouveaux pontons "
        "auront été construits aux deux extrémités de la ligne et inspectés.",
    ],
    "es": [
        "El ayuntamiento aprobó el martes abrir una línea de ferry entre el puerto viejo y los "
        "barrios del norte, la primera ruta nueva de transporte público de la ciudad en una década.",
        "La línea funcionará cada veinte minutos en horas punta y cada cuarenta minutos por la "
        "tarde, con dos barcos eléctricos que la ciudad compró a un astillero del sur.",
        "Los concejales discutieron durante tres horas antes de la votación, que se aprobó por "
        "nueve votos contra cuatro, con dos miembros ausentes por enfermedad.",
        "Se espera que los primeros barcos zarpen en primavera, una vez que se hayan construido e "
        "inspeccionado los nuevos embarcaderos en ambos extremos de la línea.",
    ],
    "zh": [
        "市议会周二投票决定开通一条连接老港口和北部郊区的渡轮航线，这是该市十年来第一条新的公共交通线路。",
        "该航线在高峰时段每二十分钟一班，晚间每四十分钟一班，使用市政府从南部一家船厂购买的两艘电动船。",
        "议员们在投票前争论了三个小时，最终以九票对四票通过，另有两名议员因病缺席。",
        "首批渡轮预计将于春季启航，届时航线两端的新码头将完成建设并通过港务局的检查。",
    ],
    "ja": [
        "市議会は火曜日、旧港と北部郊外を結ぶフェリー航路の開設を可決した。市にとって十年ぶりの新しい公共交通路線となる。",
        "航路はラッシュ時には二十分ごと、夕方には四十分ごとに運航し、市が南部の造船所から購入した電動船二隻を使用する。",
        "議員らは採決の前に三時間にわたって議論し、賛成九、反対四で可決された。二人の議員は病気のため欠席した。",
        "最初の船は春に就航する予定で、それまでに航路の両端に新しい桟橋が建設され、港湾当局の検査を受ける。",
    ],
}
TITLES = {
    "en": "Council approves harbour ferry line",
    "de": "Stadtrat beschließt Fährlinie",
    "fr": "Le conseil approuve une ligne de ferry",
    "es": "El ayuntamiento aprueba una línea de ferry",
    "zh": "市议会批准渡轮航线",
    "ja": "市議会がフェリー航路を可決",
}
# A heading of each language, a subhead of the article.
SUBHEADS = {
    "en": "A close vote",
    "de": "Knappe Abstimmung",
    "fr": "Un vote serré",
    "es": "Una votación ajustada",
}


def page(language: str, *body: str, before: str = "", after: str = "") -> str:
    """A news page in LANGUAGE around BODY (markup), with BEFORE and AFTER beside the article."""
    return f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8"><title>{TITLES[language]}</title>
<meta property="og:title" content="{TITLES[language]}"></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main>{before}<article><h1>{TITLES[language]}</h1>
{"".join(body)}
</article>{after}</main>
<footer><p>© 2025 The Coastal Herald</p></footer>
</body></html>"""


def paragraphs(language: str, after: dict[int, str] | None = None) -> list[str]:
    """The body of LANGUAGE as <p> elements, with AFTER[i] inserted after paragraph i."""
    return [f"<p>{text}</p>{(after or {}).get(index, '')}" for index, text in enumerate(BODIES[language])]


def read(html: str, url: str = "https://herald.example/news/ferry") -> Article:
    return extract_html(html, url=url)


def spoken(article: Article) -> str:
    return "\n".join(block.text for block in article.blocks)


def assert_article_without(article: Article, language: str, *furniture: str) -> None:
    assert article.paragraphs == BODIES[language]
    for fragment in furniture:
        assert fragment not in spoken(article)


# --- phrase lists, by language -------------------------------------------------------------------

FURNITURE = {
    "de": (
        {
            0: '<p>Auch interessant: <a href="/bruecke">Neue Brücke eröffnet</a></p>',
            1: "<p>Foto: dpa</p>",
            2: "<p>Jetzt abonnieren und unseren Newsletter lesen.</p>",
        },
        ("Auch interessant", "Brücke", "dpa", "abonnieren"),
    ),
    "fr": (
        {
            0: "<p>Crédits photos : AFP</p>",
            1: '<p>Lire aussi : <a href="/pont">Le pont rouvre</a></p>',
            2: "<p>Abonnez-vous à notre newsletter pour recevoir l'essentiel.</p>",
        },
        ("Crédits", "Lire aussi", "pont rouvre", "Abonnez-vous"),
    ),
    "es": (
        {
            0: "<p>Síguenos en Telegram para no perderte ninguna noticia.</p>",
            1: '<p>Lea también: <a href="/puente">Reabre el puente</a></p>',
            2: "<p>Foto: EFE</p>",
        },
        ("Síguenos", "Lea también", "Reabre", "EFE"),
    ),
    "zh": (
        {
            0: "<p>图片来源：新华社</p>",
            1: "<p>页面功能 【我来说两句】【推荐】【字体：大 中 小】【打印】 【关闭】</p>",
            2: '<p>相关阅读：<a href="/bridge">大桥重新开放</a></p>',
        },
        ("图片来源", "新华社", "页面功能", "打印", "相关阅读", "大桥"),
    ),
    "ja": (
        {0: "<p>写真：共同通信</p>", 2: '<p>関連記事：<a href="/bridge">橋が再開通</a></p>'},
        ("共同通信", "関連記事", "再開通"),
    ),
}


@pytest.mark.parametrize("language", sorted(FURNITURE))
def test_furniture_phrased_in_each_language_is_not_read(language: str) -> None:
    inserted, fragments = FURNITURE[language]
    assert_article_without(read(page(language, *paragraphs(language, inserted))), language, *fragments)


@pytest.mark.parametrize(
    "furniture",
    [
        "This entry was posted on Saturday, August 25th, 2012 at 12:23 am and is filed under Ferries.",
        "Opinions expressed in this column are solely those of the author.",
        "Did you enjoy this article?",
        "Übersetzung: Tristan Kast, Redaktion: Theresa Bauer",
        "[图片说明1：漫画/冷洁]",
        "Loading Slideshow",
        "HIDE CAPTION",
        "View all 12 comments",
        "334 comments | Add comment | 0 recs",
        "Lesedauer: 4 Minuten",
        "Mit Agenturmaterial.",
        "mit dpa",
        "Aus dem Englischen von Jan Doolan",
        "Externer Inhalt nicht verfügbar",
        "Fehler gefunden? Jetzt melden.",
        "Wie hat Ihnen dieser Artikel gefallen?",
        "Unabhängiger Journalismus braucht deine Unterstützung.",
        "Il vous reste 57 % de cet article à lire. La suite est réservée aux abonnés.",
        "记者：张三 李四",
    ],
)
def test_footers_disclaimers_and_credits_are_furniture(furniture: str) -> None:
    assert is_furniture(furniture)


@pytest.mark.parametrize(
    "prose",
    [
        "Mehr als zweihundert Menschen kamen zur Sitzung, um die Abstimmung zu verfolgen.",
        "Les abonnés du réseau de bus pourront utiliser le ferry sans payer de supplément.",
        "Los usuarios podrán suscribirse a un abono mensual que incluye el ferry y el autobús.",
        "The photo shows the mayor on the first boat: a smiling woman in a yellow coat.",
        "The opinions expressed by residents were mixed, and not necessarily hostile.",
        "Loading the ferry took an hour.",
        "记者们在码头采访了等待渡轮的市民。",
        "记者：请问你怎样看待渡轮航线的开通？",  # an interview's question, not a credit
        "Der Stand der Arbeiten am 22.04.2024 um 10 Uhr war gut, sagte der Bürgermeister.",
    ],
)
def test_prose_using_the_phrase_lists_words_is_not_furniture(prose: str) -> None:
    assert not is_furniture(prose) and not is_related_label(prose)


# --- structural rules that keep article text ------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_a_lead_set_as_a_heading_is_read_and_a_kicker_is_not(language: str) -> None:
    lead, *rest = BODIES[language]
    html = page(language, f"<h3>Transport</h3><h2>{lead}</h2>", *(f"<p>{text}</p>" for text in rest))
    article = read(html)
    assert article.paragraphs == BODIES[language]
    assert "Transport" not in spoken(article)


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Read more:"), ("de", "Lesen Sie auch:"), ("fr", "À lire aussi :"), ("es", "Lea también:")],
)
def test_a_subhead_after_a_read_more_line_is_read(language: str, label: str) -> None:
    read_more = f'<p>{label} <a href="/news/bridge">Harbour bridge reopens</a></p>'
    body = paragraphs(language, {1: f"{read_more}<h2>{SUBHEADS[language]}</h2>"})
    article = read(page(language, *body))
    assert article.paragraphs == BODIES[language]
    assert article.headings == [SUBHEADS[language]]
    assert "bridge reopens" not in spoken(article)


def test_a_related_label_on_its_own_heads_a_list_until_the_next_subhead() -> None:
    related = (
        '<p>Related</p><p><a href="/a">Harbour bridge reopens</a></p>'
        '<p><a href="/b">Night buses return</a></p>'
    )
    body = paragraphs("en", {1: f"{related}<h2>{SUBHEADS['en']}</h2>"})
    article = read(page("en", *body))
    assert article.paragraphs == BODIES["en"] and article.headings == [SUBHEADS["en"]]
    assert "Night buses" not in spoken(article)


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "zh"])
def test_a_sentence_that_is_all_link_is_read_and_a_linked_headline_is_not(language: str) -> None:
    # (Both extractors drop most such paragraphs before cleanup sees them; cleanup must not.)
    sentence, *rest = BODIES[language]
    update = "Update: The council has since approved the budget."
    headline = "Harbour bridge reopens after repairs"
    found = [Piece("paragraph", text) for text in [update, sentence, headline, *rest]]
    links = {key(sentence), key("The council has since approved the budget."), key(headline)}
    assert [piece.text for piece in clean(found, TITLES[language], (), links)] == [update, *BODIES[language]]


# An ask put to the reader, beside sentences that say the same verbs of someone: after a subject,
# an auxiliary or "to", a verb is not asking the reader anything.
PROMPTS = [
    "Follow us on Twitter for updates.",
    "Be sure to follow us on Twitter and Facebook.",
    "Feel free to leave a comment below.",
    "Sign up for our newsletter to get the top stories every morning.",
    "Use code SAVE20 at checkout.",
]
NOT_PROMPTS = [
    "If you follow me on Twitter (which you should), you'll see me tweet out a lot of new polls.",
    "Under the rules of the prize, teams have until next May to register for the competition.",
    "When you leave a comment, the author reads it and answers within a day or two.",
    "It is also easier to share photos, view comments and edit captions on the go.",
    "We created a repository for developers to see, fork and use the code in our posts.",
    "What would you do if you received hundreds of pitches in your inbox every week?",
    "Just because I follow you on Twitter, it does not mean you can sell me something.",
    "Most readers don’t leave a comment, but they do read the ones others leave.",
]


# The site's notices: on consent to cookies and to other sites' content, on the reader's browser,
# on a subscription shared between devices.
NOTICES = {
    "en": [
        "Thank you for visiting our site, where some features may not work in your browser.",
        "You are using a browser with limited support for modern web standards.",
        "Your browser is out of date, so parts of this page may look wrong.",
        "Your privacy settings prevent this video from being shown here.",
        "This content is provided by a third party and may set its own cookies.",
        "Please accept all cookies to watch this clip.",
    ],
    "de": [
        "Abonniere unseren Kanal und erhalte jeden Morgen die wichtigsten Nachrichten.",
        "Ihre Privatsphäre-Einstellungen verhindern das Anzeigen dieser Grafik.",
        "Ein Klick für den Datenschutz",
        "Hier steht ein von der Redaktion ausgewählten externen Inhalt, der den Artikel ergänzt.",
        "Ich bin einverstanden, dass mir externe Inhalte angezeigt werden.",
    ],
    "fr": [
        "Pour voir cette vidéo, vous devez accepter les cookies de la plateforme.",
        "Le contenu externe est bloqué par vos réglages.",
        "Modifiez vos paramètres de confidentialité pour afficher ce contenu.",
    ],
    "es": [
        "Tu suscripción se está usando en otro dispositivo.",
        "Si quieres seguir compartiendo tu cuenta, cambia de modalidad.",
        "¿Quieres añadir otro usuario a tu cuenta?",
        "Para ver este vídeo debes aceptar las cookies.",
    ],
}
# Prose on the same subjects, which a story about them says of someone else.
NOT_NOTICES = {
    "en": "The regulator said websites must explain why users are asked to accept cookies at all.",
    "de": "Die Zeitung will ihre Leser künftig fragen, bevor sie externe Dienste auf der Seite einbindet.",
    "fr": "La CNIL a rappelé que refuser les traceurs doit être aussi simple que de les accepter.",
    "es": "El periódico permitirá que varios lectores de una misma familia lean con una sola suscripción.",
}


@pytest.mark.parametrize(
    ("language", "notice"), [(lang, text) for lang, found in NOTICES.items() for text in found]
)
def test_a_sites_notice_alone_or_closing_a_paragraph_is_not_read(language: str, notice: str) -> None:
    first, second, *rest = BODIES[language]
    title = TITLES[language]
    # (a paragraph closed by a notice is long: a short one with a prompt in it is a promo, whole)
    closing = pieces_of([f"{first} {second} {notice}", *rest])
    assert texts(clean(closing, title, ())) == [f"{first} {second}", *rest]
    alone = pieces_of([first, notice, second, *rest])
    assert texts(clean(alone, title, ())) == BODIES[language]


@pytest.mark.parametrize("language", sorted(NOT_NOTICES))
def test_a_story_about_cookies_and_subscriptions_is_read(language: str) -> None:
    first, *rest = BODIES[language]
    found = [first, NOT_NOTICES[language], *rest]
    assert texts(clean(pieces_of(found), TITLES[language], ())) == found


TEASERS = {
    "en": "Harbour works begin next week, with two cranes already on site. Read more…",
    "de": "Die Bauarbeiten am Hafen beginnen nächste Woche. Weiterlesen »",
    "fr": "Les travaux du port commencent la semaine prochaine. Lire la suite",
    "es": "Las obras del puerto empiezan la semana que viene. Leer más",
}


@pytest.mark.parametrize("language", sorted(TEASERS))
def test_a_list_item_ending_with_read_more_is_a_teaser_and_a_quoted_excerpt_is_read(language: str) -> None:
    body = BODIES[language]
    teaser = TEASERS[language]
    found = [*pieces_of(body), Piece("item", teaser)]
    assert texts(clean(found, TITLES[language], ())) == body
    excerpt = [*body[:2], teaser, *body[2:]]  # an excerpt of another post the article quotes, as a paragraph
    assert texts(clean(pieces_of(excerpt), TITLES[language], ())) == excerpt


@pytest.mark.parametrize("prompt", PROMPTS)
def test_a_prompt_alone_or_closing_a_paragraph_is_not_read(prompt: str) -> None:
    first, *rest = BODIES["en"]
    closing = pieces_of([f"{first} {prompt}", *rest])
    alone = pieces_of([first, prompt, *rest])
    assert texts(clean(closing, TITLES["en"], ())) == texts(clean(alone, TITLES["en"], ())) == BODIES["en"]


@pytest.mark.parametrize("sentence", NOT_PROMPTS)
def test_a_sentence_using_a_prompts_verbs_of_someone_is_read(sentence: str) -> None:
    first, *rest = BODIES["en"]
    for found in ([f"{first} {sentence}", *rest], [first, sentence, *rest]):
        assert texts(clean(pieces_of(found), TITLES["en"], ())) == found


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "More reasons to unschool:"),
        ("de", "Lesen Sie auch:"),
        ("fr", "À lire aussi :"),
        ("es", "Lea también:"),
    ],
)
def test_a_related_label_does_not_take_the_articles_own_list_with_it(language: str, label: str) -> None:
    first, *reasons = BODIES[language]
    headlines = [Piece("item", "Harbour bridge reopens after repairs"), Piece("item", "Night buses return")]
    opening = [Piece("paragraph", first), Piece("paragraph", label)]
    own_list = [*opening, *(Piece("item", text) for text in reasons)]
    assert texts(clean(own_list, TITLES[language], ())) == BODIES[language]
    related = [*opening, *headlines]
    assert texts(clean(related, TITLES[language], ())) == [first]


LEADS_OF_TWO_SENTENCES = {
    "en": "The council voted for a new ferry line on Tuesday. The first boats sail in the spring",
    "de": "Der Stadtrat hat am Dienstag eine neue Fährlinie beschlossen. Die ersten Boote fahren im Frühjahr",
    "fr": "Le conseil a voté mardi une nouvelle ligne de ferry. Les premiers bateaux partiront au printemps",
    "es": "El ayuntamiento aprobó el martes una nueva línea de ferry. Los barcos zarparán en primavera",
}


@pytest.mark.parametrize("language", sorted(LEADS_OF_TWO_SENTENCES))
def test_a_lead_of_two_sentences_set_as_a_heading_is_read(language: str) -> None:
    lead = LEADS_OF_TWO_SENTENCES[language]
    # headlines of one sentence, with an abbreviation or an ordinal in them
    headlines = [
        Piece("heading", "Ferry line to open when the new landing stages are ready on Nov. 18"),
        Piece("heading", "Die ganze Stadt feiert am kommenden 1. Mai die neue Fähre zum Hafen"),
    ]
    found = [*headlines, Piece("heading", lead), *pieces_of(BODIES[language])]
    assert texts(clean(found, TITLES[language], ())) == [lead, *BODIES[language]]


@pytest.mark.parametrize(
    ("language", "particulars"),
    [
        ("en", "Posted by Maria Lopez on Nov. 4, 2012 in Travel, Photography"),
        ("en", "Published on 03/09/2012 by Sam Reed in Reviews, Podcasts"),
        ("en", "posted March 2nd, 2012 4:10 PM EST by Lee Park in News, Upcoming Games"),
        ("en", "Filed under Politics, Elections on 12 May 2019 at 8:15 am"),
        ("zh", "发布时间：2023-05-14 09:30:12 来源：新华网"),
        ("zh", "由小雨张贴 @ 2006-01-08 22:10:05 (120) 共 4 篇评论 发表评论 >>>"),
    ],
)
def test_a_posts_line_of_particulars_is_not_read(language: str, particulars: str) -> None:
    body = BODIES[language]
    assert texts(clean(pieces_of([particulars, *body]), TITLES[language], ())) == body


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Posted in Berlin since May 3, 2012, the soldiers wait in their barracks for news of home."),
        ("en", "Published in the journal Nature on March 8, the study found the lake had warmed."),
        ("zh", "2023-05-14 09:30，记者在码头看到，等待发布会的市民排起了长队，来源不同的消息让人担忧。"),
    ],
)
def test_a_sentence_with_a_date_and_a_posts_words_is_read(language: str, sentence: str) -> None:
    body = [*BODIES[language][:2], sentence, *BODIES[language][2:]]
    assert texts(clean(pieces_of(body), TITLES[language], ())) == body


@pytest.mark.parametrize(
    "stamp",
    [
        "Stand: 22.04.2024, 06:00 Uhr",
        "Freitag, 28.04.2023, 19:25",
        "Publié le 12/03/2024 à 10h30",
        "Actualizado el 12/03/2024 a las 10:30",
    ],
)
def test_a_date_stamp_in_german_french_or_spanish_is_not_read(stamp: str) -> None:
    found = [Piece("paragraph", stamp), *pieces_of(BODIES["en"])]
    assert texts(clean(found, TITLES["en"], ())) == BODIES["en"]


# What a closing paragraph adds to the lead it says again.
RECAPS = {
    "en": "Until then, passengers will have to take the bus over the old bridge, as they have done "
    "for the last forty years.",
    "de": "Bis dahin müssen die Fahrgäste weiter mit dem Bus über die alte Brücke fahren, wie schon "
    "in den letzten vierzig Jahren.",
    "es": "Hasta entonces, los pasajeros tendrán que tomar el autobús por el puente viejo, como han "
    "hecho durante los últimos cuarenta años.",
    "fr": "D'ici là, les passagers devront prendre le bus sur le vieux pont, comme ils le font "
    "depuis quarante ans.",
}


@pytest.mark.parametrize("language", sorted(RECAPS))
def test_a_lead_said_again_in_a_longer_paragraph_is_read_where_it_first_stands(language: str) -> None:
    lead, *rest = BODIES[language]
    recap = f"{lead} {RECAPS[language]}"
    found = pieces_of([lead, *rest, recap])
    assert texts(clean(found, TITLES[language], ())) == [lead, *rest, recap]


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_the_body_saying_a_sentence_of_the_lead_again_is_read_and_the_lead_said_again_is_not(
    language: str,
) -> None:
    first, second, *rest = BODIES[language]
    lead = f"{first} {second}"  # a lead that sums up what the body then says
    assert texts(clean(pieces_of([lead, second, *rest]), TITLES[language], ())) == [lead, second, *rest]
    assert texts(clean(pieces_of([lead, *rest, lead]), TITLES[language], ())) == [lead, *rest]


def test_a_click_to_tweet_box_is_read_as_its_sentence_once_without_its_button() -> None:
    first, second, *rest = BODIES["en"]
    quote = "The ferry is the first new public transport route in the city for a decade."
    box = Piece("paragraph", f"{quote}Click To Tweet")  # the whole box is one link
    links = {key(box.text)}
    alone = [Piece("paragraph", first), box, *pieces_of([second, *rest])]
    assert texts(clean(alone, TITLES["en"], (), links)) == [first, quote, second, *rest]
    said_in_the_body = [
        Piece("paragraph", first),
        Piece("paragraph", f"{second} {quote}"),
        box,
        *pieces_of(rest),
    ]
    assert texts(clean(said_in_the_body, TITLES["en"], (), links)) == [first, f"{second} {quote}", *rest]


def pieces_of(texts: list[str]) -> list[Piece]:
    return [Piece("paragraph", text) for text in texts]


def texts(found: list[Piece]) -> list[str]:
    return [piece.text for piece in found]


# --- markup -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_furniture_marked_up_as_such_is_not_read(language: str) -> None:
    marked = {
        0: "<aside><p>The harbour in numbers: twelve ferries a day carry more than four thousand "
        "passengers across the bay.</p></aside>",
        1: '<div class="social-share"><p>Share on Facebook, Twitter or by email with your friends '
        "and family today.</p></div>",
        2: '<section class="related-stories"><h3>Elsewhere</h3><p>The mayor opened a new library in '
        "the western district on Monday afternoon.</p></section>",
        3: '<div role="complementary"><p>Weather for the coast: sunny spells with a light breeze '
        "from the west, rising to moderate.</p></div>",
    }
    article = read(page(language, *paragraphs(language, marked)))
    assert_article_without(article, language, "four thousand", "Facebook", "library", "breeze")


def test_a_figure_caption_and_a_list_of_links_are_not_read_and_linked_prose_is() -> None:
    caption = (
        '<figure><img src="/ferry.jpg" alt=""><figcaption>The ferry in May at the yard.</figcaption></figure>'
    )
    tags = "".join(
        f'<li><a href="/t/{tag.lower()}">{tag}</a></li>' for tag in ("Harbour", "Ferry", "Council")
    )
    tags = f"<ul>{tags}</ul>"
    body = paragraphs("en", {0: caption, 3: tags})
    body[1] = body[1].replace("two electric boats", '<a href="/boats">two electric boats</a>')
    assert_article_without(read(page("en", *body)), "en", "at the yard", "Harbour\n")


def test_an_article_in_a_container_named_for_sharing_is_read_whole() -> None:
    html = page("en", f'<div class="post-body has-share-buttons">{"".join(paragraphs("en"))}</div>')
    assert read(html).paragraphs == BODIES["en"]


# --- Chinese and Japanese -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "ja"])
def test_chinese_and_japanese_pages_are_read_whole(language: str) -> None:
    article = extract(
        Document(page(language, *paragraphs(language)), "html", url="https://x.example/a", name="p")
    )
    assert article.paragraphs == BODIES[language] and article.language == language


def test_a_chinese_page_laid_out_with_a_table_is_read() -> None:
    # Each cell is one "word" to str.split: counted so, the article was taken for a data table.
    layout = f"<table><tr><td>{''.join(paragraphs('zh'))}</td></tr></table>"
    assert read(page("zh", layout)).paragraphs == BODIES["zh"]


def test_characters_count_as_words_in_chinese_and_japanese() -> None:
    assert word_count("The ferry sails.") == 3
    assert word_count("市议会周二投票。") == 4  # seven characters at two a word, rounded up; the stop is none
    assert word_count("iPhone 15发布了") == 4


def test_the_minimum_length_counts_characters_in_chinese() -> None:
    short = Article(title="渡轮", blocks=(Block("paragraph", BODIES["zh"][0]),))
    whole = Article(title="渡轮", blocks=tuple(Block("paragraph", text) for text in BODIES["zh"]))
    assert too_short(short) and not too_short(whole)
    with pytest.raises(NoArticleError):
        extract(Document(page("zh", f"<p>{BODIES['zh'][0]}</p>"), "html", url=None, name="p"))


@pytest.mark.parametrize("language", ["zh", "ja"])
def test_chinese_and_japanese_sentences_are_split_at_their_full_stops(language: str) -> None:
    text = "".join(BODIES[language])
    sentences = split_sentences_in(language, text)
    assert len(sentences) == text.count("。") and "".join(sentences) == text


# --- what a site repeats --------------------------------------------------------------------------


BIO = (
    "Maria Lopez covers transport and the harbour for the Herald, and has reported from the coast since 2009."
)


def story(number: int) -> Article:
    """A story of one site: its own paragraphs, then the bio every story of the site ends with."""
    own = [f"Story {number}: {text}" for text in BODIES["en"]]
    return Article(
        title=f"Story {number}",
        blocks=tuple(Block("paragraph", text) for text in [*own, BIO]),
        url=f"https://www.herald.example/news/{number}",
    )


def test_a_paragraph_the_site_said_on_several_other_pages_is_dropped(tmp_path: Path) -> None:
    memory = SiteMemory(tmp_path)
    seen = [memory.clean(story(number)) for number in range(MIN_PAGES + 1)]
    assert all(BIO in article.paragraphs for article in seen[:MIN_PAGES])
    assert seen[-1].paragraphs == [f"Story {MIN_PAGES}: {text}" for text in BODIES["en"]]
    # another site's memory is its own
    other = Article(title="x", blocks=story(9).blocks, url="https://other.example/9")
    assert BIO in memory.clean(other).paragraphs


def test_the_same_story_on_other_pages_of_the_site_is_kept(tmp_path: Path) -> None:
    memory = SiteMemory(tmp_path)
    wire = Article(title="t", blocks=tuple(Block("paragraph", text) for text in BODIES["en"]))
    for number in range(MIN_PAGES + 1):
        kept = memory.clean(wire, url=f"https://herald.example/wire/{number}")
    assert kept.paragraphs == BODIES["en"]


def test_a_page_read_again_is_not_counted_twice(tmp_path: Path) -> None:
    memory = SiteMemory(tmp_path)
    for _ in range(MIN_PAGES + 1):
        again = memory.clean(story(1))
    assert BIO in again.paragraphs


def test_a_damaged_memory_costs_the_memory_not_the_article(tmp_path: Path) -> None:
    (tmp_path / "herald.example.json").write_text("{not json", encoding="utf-8")
    assert SiteMemory(tmp_path).clean(story(1)).paragraphs[-1] == BIO


# --- position: the readers' comments after the post ---------------------------------------------


def test_the_comments_after_a_blog_post_are_not_read() -> None:
    comments = "".join(
        f"<p>{said}</p><p>Posted by: {name} | Mar 26, 2007 2:0{number}:18 PM</p>"
        for number, (name, said) in enumerate(
            [
                ("Andrew", "Wow, that is quite a ferry. I would take it every day."),
                ("Robby", "Not cool at all."),
            ]
        )
    )
    stamp = "<p>Posted by Kathy on April 6, 2007 | Permalink</p>"
    article = read(page("en", *paragraphs("en"), stamp, f'<div id="feedback">{comments}</div>'))
    assert_article_without(article, "en", "Wow", "Not cool", "Posted by")


def test_a_blog_post_stamp_with_its_comment_count_is_not_read() -> None:
    stamp = "<p>Posted on November 8, 2012 at 1:24 PM • 14 Comments</p>"
    assert_article_without(read(page("en", *paragraphs("en"), stamp)), "en", "14 Comments")


def test_a_post_quoting_one_signed_comment_is_read_whole() -> None:
    quoted = "<p>Posted by: Andrew | Mar 26, 2007 2:00:18 PM</p>"
    html = page("en", *paragraphs("en", {1: quoted}))
    assert read(html).paragraphs[:2] == BODIES["en"][:2] and BODIES["en"][3] in read(html).paragraphs


@pytest.mark.parametrize("language", ["zh", "ja"])
def test_chinese_and_japanese_text_pages_are_read_whole(language: str) -> None:
    text = "\n\n".join([TITLES[language], *BODIES[language]])
    article = extract(Document(text, "text", url=None, name="p"))
    assert article.title == TITLES[language] and article.paragraphs == BODIES[language]


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("Von Anna Schmidt und Jan Weber", ("Anna Schmidt", "Jan Weber")),
        ("Par Jean Dupont", ("Jean Dupont",)),
        ("Por María López y Juan Pérez", ("María López", "Juan Pérez")),
        ("Von Berlin nach Hamburg", ()),
        ("Par exemple, le maire a dit non.", ()),
    ],
)
def test_bylines_in_german_french_and_spanish(byline: str, authors: tuple[str, ...]) -> None:
    assert byline_authors(byline) == authors


@pytest.mark.parametrize("language", ["de", "fr", "es"])
def test_the_byline_of_a_german_french_or_spanish_page_is_not_read_as_text(language: str) -> None:
    byline = {"de": "Von Anna Schmidt", "fr": "Par Anna Schmidt", "es": "Por Anna Schmidt"}[language]
    article = read(page(language, f'<p class="byline">{byline}</p>', *paragraphs(language)))
    assert_article_without(article, language, byline)
