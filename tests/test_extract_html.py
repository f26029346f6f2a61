"""HTML pages: the article and its structure, without navigation, footer or ads."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from newsvoice import voice
from newsvoice.article import Article
from newsvoice.errors import LanguageError, NoArticleError
from newsvoice.extract import DESCRIBED, SHORT, extract, read_html, too_short
from newsvoice.extract.html import TABLE_NOTE, WITNESSES, extract_html, read_page, take_json_ld_bodies
from newsvoice.extract.structure import html_pieces
from newsvoice.narrate import load_article
from newsvoice.script import write_script
from newsvoice.sources import Document
from newsvoice.voice import default_voice_path, voice_for_language

URL = "https://herald.example/news/2025/03/14/harbour-bridge-reopens"
TITLE = "Harbour bridge reopens after repairs"
PARAGRAPHS = [
    "The harbour bridge reopened to traffic on Friday morning after eight months of repairs "
    "that cost the city more than it had planned.",
    "Engineers replaced the corroded steel cables and resurfaced the entire deck, the city's "
    "transport department said in a statement.",
    "Commuters who had faced detours of up to forty minutes welcomed the reopening, with many "
    "crossing on foot to mark the occasion.",
    '"It feels like getting a part of the city back," said Tom Baker, a teacher who lives on '
    "the north shore.",
]
SUBHEAD = "Commuters relieved"

ARTICLE_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{TITLE} | The Coastal Herald</title>
<meta property="og:site_name" content="The Coastal Herald">
<meta property="og:title" content="{TITLE}">
<meta name="author" content="Maria Lopez">
<meta property="article:published_time" content="2025-03-14T08:00:00Z">
<meta name="description" content="The bridge was closed for eight months.">
</head>
<body>
<header>
<nav><ul>
<li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather forecast for the whole coastal region this weekend</a></li>
</ul></nav>
</header>
<main>
<article>
<h1>{TITLE}</h1>
<p class="byline">By Maria Lopez</p>
<p>{PARAGRAPHS[0]}</p>
<div class="ad advertisement">Advertisement: Buy the new Zephyr phone today and get a free case.</div>
<p>{PARAGRAPHS[1]}</p>
<h2>{SUBHEAD}</h2>
<p>{PARAGRAPHS[2]}</p>
<p>{PARAGRAPHS[3]}</p>
</article>
</main>
<footer>
<p>Copyright 2025 The Coastal Herald. All rights reserved. Contact us about advertising opportunities.</p>
<nav><a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a></nav>
</footer>
</body>
</html>
"""

FURNITURE = (
    "Home",
    "Sport",
    "Weather forecast",
    "Zephyr",
    "Advertisement",
    "Copyright",
    "Privacy",
    "Terms of use",
)


@pytest.fixture(scope="module")
def article() -> Article:
    return extract_html(ARTICLE_HTML, url=URL)


def test_title(article: Article) -> None:
    assert article.title == TITLE


def test_paragraphs_in_order(article: Article) -> None:
    assert article.paragraphs == PARAGRAPHS


def test_subhead_between_its_paragraphs(article: Article) -> None:
    blocks = [(block.kind, block.text) for block in article.blocks]
    position = blocks.index(("heading", SUBHEAD))
    assert blocks[position - 1] == ("paragraph", PARAGRAPHS[1])
    assert blocks[position + 1] == ("paragraph", PARAGRAPHS[2])


def test_headings_are_the_subheads_only(article: Article) -> None:
    assert article.headings == [SUBHEAD]


def test_title_is_spoken_once(article: Article) -> None:
    script = write_script(article, speak=str, disclosure=None)
    assert [segment.text for segment in script.segments].count(TITLE) == 1


def test_metadata(article: Article) -> None:
    assert article.site_name == "The Coastal Herald"
    assert article.language == "en"
    assert article.authors == ("Maria Lopez",)
    assert article.date == "2025-03-14"
    assert article.url == URL


def test_nothing_from_nav_footer_or_ads(article: Article) -> None:
    texts = [article.title, *(block.text for block in article.blocks)]
    for text in texts:
        for furniture in FURNITURE:
            assert furniture not in text, text


def test_byline_line_is_not_read_as_a_paragraph(article: Article) -> None:
    assert "By Maria Lopez" not in article.paragraphs


def test_language_from_html_lang_attribute() -> None:
    html = ARTICLE_HTML.replace('<html lang="en">', '<html lang="de-DE">')
    assert extract_html(html).language == "de-DE"


def test_lists_become_paragraphs() -> None:
    html = ARTICLE_HTML.replace(
        f"<p>{PARAGRAPHS[3]}</p>",
        f"<p>{PARAGRAPHS[3]}</p><ul><li>The toll is two dollars for cars.</li>"
        "<li>Cyclists and pedestrians cross for free.</li></ul>",
    )
    paragraphs = extract_html(html).paragraphs
    assert paragraphs[-2:] == [
        "The toll is two dollars for cars.",
        "Cyclists and pedestrians cross for free.",
    ]


def test_page_with_only_navigation_has_no_article() -> None:
    html = (
        '<html lang="en"><head><title>Home</title></head><body><nav><ul>'
        '<li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav></body></html>'
    )
    article = read_html(html)
    assert too_short(article) and not article.warnings
    with pytest.raises(NoArticleError, match="no article found"):
        extract(Document(html, "html", name="nav.html"))


def test_load_article_from_url(local_server, no_proxy) -> None:
    local_server.routes["/news/bridge"] = (200, "text/html; charset=utf-8", ARTICLE_HTML.encode("utf-8"))
    url = local_server.url("/news/bridge")
    article = load_article(url)
    assert article.title == TITLE
    assert article.paragraphs == PARAGRAPHS
    assert article.url == url


def test_load_article_from_html_file(tmp_path) -> None:
    path = tmp_path / "bridge.html"
    path.write_text(ARTICLE_HTML, encoding="utf-8")
    article = load_article(str(path))
    assert article.title == TITLE
    assert article.paragraphs == PARAGRAPHS


# --- metadata ----------------------------------------------------------------------------------

CANONICAL = "https://herald.example/news/harbour-bridge-reopens"


def with_head(extra: str) -> str:
    return ARTICLE_HTML.replace("</head>", f"{extra}\n</head>")


def test_canonical_url_and_lead_image() -> None:
    html = with_head(
        f'<link rel="canonical" href="{CANONICAL}">\n'
        '<meta property="og:image" content="https://herald.example/img/bridge.jpg">'
    )
    article = extract_html(html, url=f"{CANONICAL}?utm_source=newsletter")
    assert article.url == CANONICAL
    assert article.image == "https://herald.example/img/bridge.jpg"


def test_relative_lead_image_is_made_absolute() -> None:
    article = extract_html(with_head('<meta property="og:image" content="/img/bridge.jpg">'), url=URL)
    assert article.image == "https://herald.example/img/bridge.jpg"


def test_no_canonical_keeps_the_fetched_url() -> None:
    article = extract_html(ARTICLE_HTML, url=URL)
    assert article.url == URL
    assert article.image is None


def test_description_and_title_from_metadata(article: Article) -> None:
    assert article.description == "The bridge was closed for eight months."


@pytest.mark.parametrize(
    ("declaration", "language"),
    [
        ('<html lang="en-GB">', "en-GB"),
        ('<html lang="EN-gb">', "en-GB"),
        ('<html xml:lang="fr" xmlns="http://www.w3.org/1999/xhtml">', "fr"),
        ('<html><meta http-equiv="Content-Language" content="es-ES">', "es-ES"),
        ('<html><meta property="og:locale" content="pt_BR">', "pt-BR"),
        ("<html>", None),
    ],
)
def test_language_from_the_page(declaration: str, language: str | None) -> None:
    assert extract_html(ARTICLE_HTML.replace('<html lang="en">', declaration)).language == language


def test_language_picks_the_default_voice_for_english() -> None:
    assert voice_for_language(extract_html(ARTICLE_HTML).language).path == default_voice_path()


def test_language_without_a_voice_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path, piper_only) -> None:
    monkeypatch.setattr(voice, "voice_dirs", lambda: [tmp_path])
    article = extract_html(ARTICLE_HTML.replace('<html lang="en">', '<html lang="de-DE">'))
    with pytest.raises(LanguageError) as refused:
        voice_for_language(article.language)
    assert str(refused.value) == (
        "the article is in German (de-DE), and no installed voice speaks it "
        "(the voices speak English (en-us)); install a Piper voice for it"
    )


def test_language_picks_an_installed_voice_for_it(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    model = tmp_path / "de_DE-thorsten-medium.onnx"
    model.write_bytes(b"")
    (tmp_path / "de_DE-thorsten-medium.onnx.json").write_text('{"espeak": {"voice": "de"}}', encoding="utf-8")
    monkeypatch.setattr(voice, "voice_dirs", lambda: [tmp_path])
    assert voice_for_language("de-AT").path == model
    assert voice_for_language("en").path == default_voice_path()
    assert voice_for_language(None).path == default_voice_path()  # not known: the default voice
    # A configured voice is preferred where it speaks the language, and only there.
    assert voice_for_language("de", str(model)).path == model
    assert voice_for_language("en", str(model)).path == default_voice_path()


# --- the example page --------------------------------------------------------------------------

HTML_SAMPLE_HEADINGS = ["A long-awaited line", "Taxes go up", "Where the money goes"]
TWEET = (
    "Tonight the council voted to build the Blue Line to Northgate. "
    "Thank you to every neighbor who stayed past 10 p.m. to be heard.",
    "— Mayor Theodora Vukovich (@MayorVukovich) June 18, 2025",
)
PULL_QUOTE = "This is the vote that people in Northgate have been waiting on for two decades"
HTML_SAMPLE_FURNITURE = (
    "cookies",
    "Accept all",
    "Manage preferences",
    "Skip to main content",
    "since 1884",
    "Subscribe",
    "Log in",
    "Obituaries",
    "e-Edition",
    "thunderstorm",
    "Advertisement",
    "Lakeview Honda",
    "Riders board a Blue Line train",
    "Photo:",
    "Castellanos",
    "9:40 p.m. CDT",
    "Updated",
    "Facebook",
    "Email",
    "Copy link",
    "Read more",
    "got back on track",
    "Morning Ledger",
    "newsletter",
    "inbox",
    "Sign up",
    "Terms of Use",
    "General fund spending",
    "$584",
    "23.9%",
    "Source:",
    "Oyelowo, council member",  # the pull quote's attribution
    "covers City Hall",
    "mferreira@",
    "@MarisolFH",
    "Topics:",
    "Join the conversation",
    "View comments",
    "Related",
    "ridership hits a record",
    "press the council",
    "Editorial:",
    "Most read",
    "Storm knocks out power",
    "walk-off",
    "About us",
    "Do Not Sell",
    "All rights reserved",
    "Harborview Media",
    "pic.twitter.com",
    "https://",
)


def expected_blocks(html: str) -> list[tuple[str, str]]:
    """The story as the page's markup has it: the story body's own paragraphs (those without a
    class) and subheads, the table as its notice and the embedded tweet as its text. The body's
    pull quote, ads, promos and sign-up box are not the story."""
    body = lxml_html.fromstring(html).find_class("story-body")[0]
    blocks: list[tuple[str, str]] = []
    for element in body:
        if element.tag == "p" and not element.get("class"):
            blocks.append(("paragraph", " ".join(element.text_content().split())))
        elif element.tag == "h2":
            blocks.append(("heading", element.text_content().strip()))
        elif element.tag == "table":
            blocks.append(("paragraph", TABLE_NOTE))
        elif element.get("class") == "twitter-tweet":
            blocks += [("paragraph", line) for line in TWEET]
    return blocks


def block_pairs(article: Article) -> list[tuple[str, str]]:
    return [(block.kind, block.text) for block in article.blocks]


def test_html_sample_expected_blocks_are_derived_from_the_file(html_sample_text: str) -> None:
    # Guards the derivation itself: 17 paragraphs, the table, the tweet's two lines, 3 subheads.
    blocks = expected_blocks(html_sample_text)
    assert [kind for kind, _ in blocks].count("paragraph") == 20
    assert [text for kind, text in blocks if kind == "heading"] == HTML_SAMPLE_HEADINGS
    assert blocks[0][1].startswith("PORT ELLERY — The City Council approved")
    assert blocks[-1][1].startswith("The budget takes effect July 1.")


def test_html_sample_metadata(html_sample_article: Article) -> None:
    article = html_sample_article
    assert article.title == "Port Ellery council passes $2.1bn budget, raising taxes to extend the Blue Line"
    assert article.authors == ("Marisol Ferreira-Haight",)
    assert article.date == "2025-06-18"
    assert article.site_name == "The Lakeshore Ledger"
    assert article.language == "en-US"
    assert article.url == "https://www.lakeshoreledger.example/news/2025/06/18/port-ellery-budget-blue-line"
    assert article.image == (
        "https://www.lakeshoreledger.example/images/2025/06/blue-line-harbor-street-1200x630.jpg"
    )
    assert article.description is not None and article.description.startswith("The spending plan raises")


def test_html_sample_every_body_paragraph_appears_exactly_once_in_order(
    html_sample_article: Article, html_sample_text: str
) -> None:
    expected = [text for kind, text in expected_blocks(html_sample_text) if kind == "paragraph"]
    paragraphs = html_sample_article.paragraphs
    for paragraph in expected:
        assert paragraphs.count(paragraph) == 1, paragraph
    assert [paragraph for paragraph in paragraphs if paragraph in expected] == expected


def test_html_sample_is_the_story_and_nothing_else(
    html_sample_article: Article, html_sample_text: str
) -> None:
    assert block_pairs(html_sample_article) == expected_blocks(html_sample_text)


def test_html_sample_subheads_sit_between_the_right_paragraphs(html_sample_article: Article) -> None:
    assert html_sample_article.headings == HTML_SAMPLE_HEADINGS
    blocks = [(kind, text[:30]) for kind, text in block_pairs(html_sample_article)]
    first, second, third = (blocks.index(("heading", heading)) for heading in HTML_SAMPLE_HEADINGS)
    assert blocks[first - 1][1].startswith("The budget for fiscal 2026")
    assert blocks[first + 1][1].startswith("The centerpiece is $340m")
    assert blocks[second - 1][1] == TWEET[1][:30]
    assert blocks[second + 1][1].startswith("To pay for it")
    assert blocks[third - 1][1].startswith("“I support the train.")
    assert blocks[third + 1][1].startswith("Public safety remains")


def test_html_sample_table_is_a_notice_in_its_place(html_sample_article: Article) -> None:
    paragraphs = html_sample_article.paragraphs
    assert paragraphs.count(TABLE_NOTE) == 1
    at = paragraphs.index(TABLE_NOTE)
    assert paragraphs[at - 1].startswith("Public safety remains")
    assert paragraphs[at + 1].startswith("Spending on parks and libraries")


def test_html_sample_pull_quote_is_read_once(html_sample_article: Article) -> None:
    assert sum(PULL_QUOTE in text for _, text in block_pairs(html_sample_article)) == 1


def test_html_sample_embedded_tweet_is_read_once_after_its_paragraph(html_sample_article: Article) -> None:
    paragraphs = html_sample_article.paragraphs
    at = paragraphs.index(TWEET[0])
    assert paragraphs[at - 1].startswith("Mayor Theodora Vukovich, who made the extension")
    assert paragraphs[at : at + 2] == list(TWEET)
    assert sum("Tonight the council voted" in paragraph for paragraph in paragraphs) == 1


@pytest.mark.parametrize("phrase", HTML_SAMPLE_FURNITURE)
def test_html_sample_has_no_boilerplate(html_sample_article: Article, phrase: str) -> None:
    for text in [html_sample_article.title, *(block.text for block in html_sample_article.blocks)]:
        assert phrase.lower() not in text.lower(), text


# --- witnesses, and the article when they agree on too little --------------------------------

LONG_PARAGRAPHS = [f"{text} {text}" for text in PARAGRAPHS]


def shell_page(head: str = "", body: str = "") -> str:
    """A page whose article JavaScript would build: only a menu in its markup."""
    return f"""<!DOCTYPE html><html lang="en"><head><title>{TITLE}</title>
<meta property="og:title" content="{TITLE}">{head}</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>{body}
<div id="app"></div><script src="/app.js"></script></body></html>"""


def test_each_witness_left_out_still_finds_the_article() -> None:
    for witness in WITNESSES:
        assert extract_html(ARTICLE_HTML, witnesses=WITNESSES - {witness}).paragraphs == PARAGRAPHS


def test_an_unknown_witness_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown witnesses"):
        extract_html(ARTICLE_HTML, witnesses={"precision", "guesswork"})


def test_json_ld_article_body_is_the_article_when_the_markup_has_none() -> None:
    body = json.dumps(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "name": TITLE},
                {"@type": "NewsArticle", "headline": TITLE, "articleBody": "\n".join(LONG_PARAGRAPHS)},
            ],
        }
    )
    html = shell_page(head=f'<script type="application/ld+json">{body}</script>')
    article = read_html(html)
    assert " ".join(article.paragraphs) == " ".join(LONG_PARAGRAPHS)
    assert article.warnings == ()
    blocks = next(read_page(html)[1])
    assert [block.text for block in blocks] == LONG_PARAGRAPHS


def test_broken_json_ld_is_passed_over() -> None:
    article = read_html(shell_page(head='<script type="application/ld+json">{"articleBody": </script>'))
    assert too_short(article) and not article.warnings


def test_the_longest_paragraphs_column_is_the_article_when_the_extractors_agree_on_too_little() -> None:
    column = "".join(f"<p>{text}</p>" for text in LONG_PARAGRAPHS)
    article = read_html(shell_page(body=f'<div class="story">{column}</div>'))
    assert LONG_PARAGRAPHS[0] in article.paragraphs[0]


def script_data_page(field: str, text: str, nested: bool = False) -> str:
    """A page JavaScript builds, whose scripts are handed the article in their data: a state
    pushed to a global, or (NESTED) one more JSON text inside a string, as Next.js sends it."""
    data = json.dumps({"queries": [{"state": {"data": {"title": TITLE, field: text, "id": 7}}}]})
    code = f"self.__next_f.push([1, {json.dumps(data)}])" if nested else f"window.__STATE__.push({data})"
    return shell_page(body=f"<script>{code}</script>")


@pytest.mark.parametrize("nested", [False, True])
def test_the_article_in_the_pages_script_data_is_read_when_the_markup_has_none(nested: bool) -> None:
    html_body = "".join(f"<p>{text}</p>" for text in LONG_PARAGRAPHS)
    article = read_html(script_data_page("contentHtml", html_body, nested))
    assert article.paragraphs == LONG_PARAGRAPHS and article.warnings == ()
    plain = read_html(script_data_page("body", "\n\n".join(LONG_PARAGRAPHS), nested))
    assert plain.paragraphs == LONG_PARAGRAPHS


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("content", ".article-btn-group { display: flex; } " * 40),  # a style sheet
        ("bodyText", " ".join(f"Menu item {number}" for number in range(200))),  # labels, not sentences
        ("title", " ".join(LONG_PARAGRAPHS)),  # not a field for a body
    ],
)
def test_script_data_that_is_not_an_articles_prose_is_not_read(field: str, text: str) -> None:
    article = read_html(script_data_page(field, text))
    assert too_short(article) and not article.warnings


def test_the_description_is_read_with_a_warning_as_a_last_resort() -> None:
    description = "The harbour bridge reopened on Friday after eight months of repairs."
    article = read_html(shell_page(head=f'<meta property="og:description" content="{description}">'))
    assert article.paragraphs == [description]
    assert article.warnings == (DESCRIBED,)
    assert extract(Document(shell_page(head=f'<meta name="description" content="{description}">'), "html"))


def test_readabilitys_column_is_read_as_it_is() -> None:
    column = lxml_html.fromstring(
        "<div><h2>Repairs</h2><p>The deck was <b>resurfaced</b>.<br>Cables were replaced."
        "<script>track()</script></p><ul><li>Cost: more</li></ul><!-- ad --></div>"
    )
    assert [(piece.kind, piece.text) for piece in html_pieces(column)] == [
        ("heading", "Repairs"),
        ("paragraph", "The deck was resurfaced."),
        ("paragraph", "Cables were replaced."),
        ("item", "Cost: more"),
    ]


def test_a_short_article_that_says_more_than_the_description_is_read_with_a_warning() -> None:
    teaser = f"<article><p>{PARAGRAPHS[0]}</p></article>"
    article = read_html(shell_page(head='<meta name="description" content="Bridge news.">', body=teaser))
    assert article.paragraphs == [PARAGRAPHS[0]]
    assert article.warnings == (SHORT,)


def test_a_page_with_markup_before_its_html_tag_is_read() -> None:
    """A saved page that opens with a script before its doctype and <html> is read from its
    <html> tag on: with a CMS's unclosed tag in its head, the parser put the whole page there."""
    page = ARTICLE_HTML.replace("<head>", "<head>\n<cms-include><link href=/site.css rel=stylesheet>")
    article = extract_html("<script>\nfunction checkName() { return true; }\n</script>\n" + page)
    assert [block.text for block in article.blocks if block.kind == "paragraph"] == PARAGRAPHS


def test_a_date_only_in_the_text_is_found() -> None:
    """A page whose metadata, address and markup name no date is searched for one in its text
    (the slow search, asked only then)."""
    page = (
        "<html><head><title>Harbour bridge reopens</title></head><body><article>"
        "<p>Posted on March 14, 2025 by the harbour desk</p>"
        + "".join(f"<p>{text}</p>" for text in PARAGRAPHS)
        + "</article></body></html>"
    )
    assert extract_html(page, url="https://herald.example/news/bridge").date == "2025-03-14"


def _page_with_comments(stamp: str, comments: int, lang: str = "en") -> str:
    """A post whose only date is a time stamp in its text, followed by COMMENTS reader comments,
    each with a stamp that has no year (as a comment thread's often have)."""
    thread = "".join(
        f'<div class="comment"><span>on Monday July {1 + n % 28}, @08:{n % 60:02d}PM</span>'
        f"<p>Reader {n} agrees with the engineers about the cables.</p></div>"
        for n in range(comments)
    )
    return (
        f'<html lang="{lang}"><head><title>{TITLE}</title></head><body><article>'
        f"<h1>{TITLE}</h1><div><span>{stamp}</span></div>"
        + "".join(f"<p>{text}</p>" for text in PARAGRAPHS)
        + f'</article><section id="thread">{thread}</section></body></html>'
    )


def test_a_page_with_dated_comments_gets_its_date_and_article() -> None:
    """The date in the text is found among the stamps of a comment thread, and the article is
    the post's, not its comments."""
    article = read_html(_page_with_comments("Nov. 6, 2012", comments=30))
    assert article.date == "2012-11-06"
    assert article.paragraphs[: len(PARAGRAPHS)] == PARAGRAPHS


def test_trafilatura_reads_the_json_ld_without_the_article_bodies() -> None:
    """A live blog's JSON-LD carries every update's text (840 KB on one page): the article bodies
    are taken out for the structure witness, and trafilatura reads the page's metadata from the rest."""
    updates = [
        {
            "@type": "BlogPosting",
            "headline": f"Update {n}",
            "author": {"@type": "Person", "name": "Maria Lopez"},
            "articleBody": f"The &quot;bridge&quot; update {n}.",
        }
        for n in range(200)
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": TITLE,
        "datePublished": "2025-03-14T08:00:00Z",
        "articleBody": "\n".join(LONG_PARAGRAPHS),
        "liveBlogUpdate": updates,
    }
    page = lxml_html.fromstring(
        shell_page(head=f'<script type="application/ld+json">{json.dumps(data)}</script>')
    )
    assert take_json_ld_bodies(page) == ["\n".join(LONG_PARAGRAPHS)] + [
        update["articleBody"] for update in updates
    ]
    (script,) = page.xpath("//script[@type='application/ld+json']")
    assert "articleBody" not in script.text and "Update 199" in script.text
    html = shell_page(head=f'<script type="application/ld+json">{json.dumps(data)}</script>')
    article = read_html(html)
    assert (article.title, article.authors, article.date) == (TITLE, ("Maria Lopez",), "2025-03-14")
    assert LONG_PARAGRAPHS[0] in article.paragraphs
