"""Audio cleanup on HTML pages: one small page per rule, marked up the way news sites mark it up.

Every page is the same short article (`BODY`) with one kind of furniture set into it; the
article must come through whole and the furniture must not be read.
"""

from __future__ import annotations

import pytest

from newsvoice.article import Article
from newsvoice.extract.cleanup import byline_authors, pull_quotes
from newsvoice.extract.consensus import Witnesses, agree
from newsvoice.extract.html import TABLE_NOTE, extract_html
from newsvoice.extract.structure import Piece
from newsvoice.script import write_script

TITLE = "City council approves new harbour ferry line"
BODY = [
    "The city council voted on Tuesday to open a ferry line between the old harbour and the "
    "northern suburbs, the first new public transport route in the city for a decade.",
    "The line will run every twenty minutes at peak hours and every forty minutes in the "
    "evening, using two electric boats that the city bought from a shipyard in the south.",
    "Council members argued for three hours before the vote, which passed by nine votes to "
    "four, with two members absent because of illness.",
    "Residents of the northern suburbs have asked for a faster route to the centre for years, "
    "since the only bridge is often blocked by traffic in the mornings.",
    "The first boats are expected to sail in the spring, once the new landing stages at both "
    "ends of the line have been built and inspected by the port authority.",
]


def page(*body: str, head: str = "", article_start: str = "") -> str:
    """An article page around BODY (markup), with HEAD's extra metadata and ARTICLE_START
    between the headline and the body."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{TITLE} | The Coastal Herald</title>
<meta property="og:title" content="{TITLE}">
<meta property="og:site_name" content="The Coastal Herald">
{head}
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article>
<h1>{TITLE}</h1>
{article_start}
{"".join(body)}
</article></main>
<footer><p>© 2025 The Coastal Herald. All rights reserved.</p></footer>
</body></html>"""


def paragraphs(after: dict[int, str] | None = None) -> list[str]:
    """BODY as <p> elements, with AFTER[i] inserted after paragraph i."""
    after = after or {}
    return [f"<p>{text}</p>{after.get(index, '')}" for index, text in enumerate(BODY)]


def read(html: str) -> Article:
    return extract_html(html, url="https://herald.example/news/ferry")


def spoken_text(article: Article) -> str:
    return "\n".join([article.title, *(block.text for block in article.blocks)])


def assert_whole_article_and_none_of(article: Article, *furniture: str) -> None:
    assert article.paragraphs == BODY
    text = spoken_text(article)
    for fragment in furniture:
        assert fragment not in text


# --- captions and credits --------------------------------------------------------------------


def test_figure_caption_and_photo_credit_are_not_read() -> None:
    figure = (
        '<figure class="article-image"><img src="/img/ferry.jpg" alt="The new electric ferry">'
        "<figcaption>The new electric ferry at the shipyard in May. "
        '<span class="credit">Photo: Jane Smith/Reuters</span></figcaption></figure>'
    )
    article = read(page(*paragraphs({1: figure})))
    assert_whole_article_and_none_of(article, "shipyard in May", "Jane Smith", "Reuters")


def test_credit_lines_set_as_paragraphs_are_not_read() -> None:
    credits = {
        0: '<p class="image-credit">(AP Photo/Evan Vucci)</p>',
        2: "<p>Image credit: Getty Images</p>",
        4: "<p>(Reporting by Tom Baker; Editing by Ann Lee)</p>",
    }
    article = read(page(*paragraphs(credits)))
    assert_whole_article_and_none_of(article, "Evan Vucci", "Getty", "Reporting by", "Editing by")


# --- links to other stories --------------------------------------------------------------------


def test_read_more_link_inside_the_article_is_not_read() -> None:
    read_more = (
        '<p><strong>READ MORE:</strong> <a href="/news/bridge-tolls">Bridge tolls to rise in January</a></p>'
    )
    article = read(page(*paragraphs({1: read_more})))
    assert_whole_article_and_none_of(article, "READ MORE", "Bridge tolls")


def test_related_list_with_its_heading_is_not_read() -> None:
    related = (
        "<h3>Related</h3><ul>"
        '<li><a href="/news/bridge">Harbour bridge reopens after repairs</a></li>'
        '<li><a href="/news/buses">Night buses return to the northern suburbs</a></li></ul>'
    )
    article = read(page(*paragraphs({2: related})))
    assert_whole_article_and_none_of(article, "Related", "Harbour bridge", "Night buses")
    assert article.headings == []


def test_also_worth_reading_list_at_the_end_is_not_read() -> None:
    worth = (
        "<p><strong>Also worth reading</strong></p><ul>"
        '<li><a href="/a">Why the port authority wants a second landing stage</a></li>'
        '<li><a href="/b">The shipyard that builds electric boats</a></li></ul>'
    )
    article = read(page(*paragraphs({4: worth})))
    assert_whole_article_and_none_of(article, "Also worth reading", "second landing stage", "builds electric")


def test_a_paragraph_with_a_link_in_it_is_read() -> None:
    linked = BODY[2].replace("the vote", '<a href="/council/votes">the vote</a>')
    body = paragraphs()
    body[2] = f"<p>{linked}</p>"
    assert read(page(*body)).paragraphs == BODY


# --- prompts ------------------------------------------------------------------------------------


def test_newsletter_and_subscription_prompts_are_not_read() -> None:
    prompts = {
        1: '<div class="newsletter-signup"><p>Sign up for our morning newsletter to get the '
        "day's top stories delivered to your inbox.</p></div>",
        3: '<p class="subscribe">Subscribe now for unlimited access. Already a subscriber? Log in.</p>',
    }
    article = read(page(*paragraphs(prompts)))
    assert_whole_article_and_none_of(article, "newsletter", "Subscribe", "Log in")


def test_share_and_comment_prompts_are_not_read() -> None:
    prompts = {
        0: '<div class="share-bar"><a href="#">Facebook</a> <a href="#">Twitter</a> '
        '<a href="#">Email</a></div>',
        2: "<p>Like this story? Share it with a friend!</p>",
        4: "<p>Leave a comment below and tell us what you think.</p><p>12 comments</p>",
    }
    article = read(page(*paragraphs(prompts)))
    assert_whole_article_and_none_of(article, "Facebook", "Share it", "Leave a comment", "12 comments")


def test_a_prompt_closing_a_paragraph_is_cut_from_it() -> None:
    body = paragraphs()
    body[4] = f"<p>{BODY[4]} Follow us on Twitter for updates.</p>"
    assert read(page(*body)).paragraphs == BODY


def test_listen_to_this_article_and_ai_audio_promos_are_not_read() -> None:
    promo = (
        '<div class="audio-player"><button>Listen to this article</button> <span>4 min</span></div>'
        "<p>This audio is generated by an AI voice.</p>"
    )
    article = read(page(*paragraphs(), article_start=promo))
    assert_whole_article_and_none_of(article, "Listen to this article", "AI voice")


def test_advertisement_label_and_advert_are_not_read() -> None:
    advert = '<div class="ad-slot"><p>Advertisement</p><p>Advertisement: Ferry tickets half price.</p></div>'
    article = read(page(*paragraphs({2: advert})))
    assert_whole_article_and_none_of(article, "Advertisement", "half price")


# --- repeats -------------------------------------------------------------------------------------


def test_pull_quote_repeating_the_body_is_read_once() -> None:
    quote = "The line will run every twenty minutes at peak hours and every forty minutes in the evening."
    pull = f'<aside class="pullquote"><blockquote><p>{quote}</p></blockquote></aside>'
    article = read(page(*paragraphs({2: pull})))
    assert article.paragraphs == BODY
    assert spoken_text(article).count("every twenty minutes") == 1


def test_pull_quotes_are_lifted_sentences_and_repeated_paragraphs_not_refrains() -> None:
    texts = [
        "The mayor said the ferry would change the city. It will open in the spring, she said.",
        "The ferry would change the city.",  # short: not a quote
        "It will open in the spring, she said, and it will be free for a month.",  # new sentence
        "What did you think of the first crossing on the new line?",
        "The mayor said the ferry would change the city. It will open in the spring, she said.",
        "What did you think of the first crossing on the new line?",
        "What did you think of the first crossing on the new line?",  # a refrain, said three times
    ]
    assert pull_quotes(texts) == {4}


# --- bylines, datelines, dates ----------------------------------------------------------------------


def test_dateline_is_kept_and_byline_is_read_once() -> None:
    body = paragraphs()
    body[0] = f"<p>HARBOURTON (AP) — {BODY[0]}</p>"
    html = page(
        *body,
        head='<meta name="author" content="Maria Lopez">',
        article_start='<p class="byline">By Maria Lopez</p>'
        '<p class="date">Updated 5:42 p.m. ET, Nov. 19, 2019</p>',
    )
    article = read(html)
    assert article.paragraphs[0] == f"HARBOURTON (AP) — {BODY[0]}"
    assert article.paragraphs[1:] == BODY[1:]
    assert article.authors == ("Maria Lopez",)
    script = write_script(article, speak=str, disclosure=None)
    assert sum("Maria Lopez" in segment.text for segment in script.segments) == 1
    assert "5:42" not in spoken_text(article)


def test_byline_in_the_page_names_the_authors_when_metadata_does_not() -> None:
    article = read(page(*paragraphs(), article_start="<p>By Jane Doe and John Roe, Staff Writers</p>"))
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.paragraphs == BODY


def test_a_sentence_starting_with_by_is_not_a_byline() -> None:
    assert byline_authors("By Monday, the council had changed its mind.") == ()
    assert byline_authors("BY JANE DOE | CNN") == ("JANE DOE",)


@pytest.mark.parametrize(
    "byline", ["By Jane Doe, Political Editor", "By Jane Doe, Senior Business Correspondent"]
)
def test_the_role_after_a_byline_is_not_an_author(byline: str) -> None:
    assert byline_authors(byline) == ("Jane Doe",)


def test_a_byline_naming_only_a_role_is_still_a_byline() -> None:
    assert byline_authors("By Our Political Correspondent") == ("Our Political Correspondent",)


# --- tables -----------------------------------------------------------------------------------------


def test_data_table_is_replaced_by_a_spoken_note() -> None:
    table = (
        "<table><thead><tr><th>Stop</th><th>Peak</th><th>Evening</th></tr></thead><tbody>"
        "<tr><td>Old harbour</td><td>20 min</td><td>40 min</td></tr>"
        "<tr><td>North quay</td><td>20 min</td><td>40 min</td></tr></tbody></table>"
    )
    article = read(page(*paragraphs({1: table})))
    texts = [block.text for block in article.blocks]
    assert texts == [*BODY[:2], TABLE_NOTE, *BODY[2:]]
    assert "North quay" not in spoken_text(article)


def test_a_page_laid_out_with_a_table_is_read() -> None:
    layout = f"<table><tr><td>{''.join(paragraphs())}</td></tr></table>"
    article = read(page(layout))
    assert article.paragraphs == BODY


# --- embedded posts ------------------------------------------------------------------------------------


def test_embedded_tweet_is_read_after_its_paragraph_without_links() -> None:
    tweet = (
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Nine to four: the harbour ferry '
        'is coming. <a href="https://t.co/abc123">pic.twitter.com/abc123</a></p>— Coastal Council '
        '(@CoastalCouncil) <a href="https://twitter.com/CoastalCouncil/status/1">March 4, 2025</a>'
        '</blockquote><script async src="https://platform.twitter.com/widgets.js"></script>'
    )
    article = read(page(*paragraphs({2: tweet})))
    texts = [block.text for block in article.blocks]
    assert texts == [
        *BODY[:3],
        "Nine to four: the harbour ferry is coming.",
        "— Coastal Council (@CoastalCouncil) March 4, 2025",
        *BODY[3:],
    ]


# --- agreement between the extractors --------------------------------------------------------------


def pieces_of(*texts: str) -> list[Piece]:
    return [Piece("paragraph", text) for text in texts]


def agreed(**found: list[str]) -> list[str]:
    """The texts `agree` keeps of the witnesses' FOUND texts (the structure's as they are)."""
    structure, column = found.pop("structure", []), found.pop("column", [])
    witnesses = Witnesses(
        **{name: pieces_of(*texts) for name, texts in found.items()},
        structure=lambda: structure,
        column=lambda: column,
    )
    return [piece.text for piece in agree(witnesses)]


ABOUT_US = (
    "The Coastal Herald has covered the harbour towns since 1887 and is owned by a trust that "
    "keeps it independent of any party, company or church."
)
STANDFIRST = "A new ferry line will link the old harbour with the northern suburbs from the spring onwards."


def test_agreement_keeps_a_lead_that_only_trafilatura_keeps_in_both_its_modes() -> None:
    assert agreed(precision=BODY, default=BODY, readability=BODY[1:]) == BODY


def test_agreement_keeps_a_paragraph_both_trafilatura_modes_keep_inside_the_article() -> None:
    missed = [text for text in BODY if text != BODY[2]]
    assert agreed(precision=BODY, default=BODY, readability=missed) == BODY


def test_agreement_drops_what_one_trafilatura_mode_alone_keeps() -> None:
    assert agreed(precision=BODY, default=[*BODY[:2], ABOUT_US, *BODY[2:]], readability=BODY) == BODY


def test_agreement_keeps_trafilaturas_blocks_below_the_article_only_where_the_page_vouches() -> None:
    both_modes = [*BODY, ABOUT_US]
    assert agreed(precision=both_modes, default=both_modes, readability=BODY) == BODY
    vouched = agreed(precision=both_modes, default=both_modes, readability=BODY, structure=[ABOUT_US])
    assert vouched == both_modes
    in_its_column = agreed(precision=both_modes, default=both_modes, readability=BODY, column=[ABOUT_US])
    assert in_its_column == BODY  # a site's blurb often shares the article's column


def test_agreement_keeps_a_short_line_both_trafilatura_modes_keep_below_the_article() -> None:
    correction = "Correction: the line opens in April, not in March."
    both_modes = [*BODY, correction]
    assert agreed(precision=both_modes, default=both_modes, readability=BODY) == both_modes


def test_agreement_keeps_the_rest_of_an_article_trafilatura_cut_short_where_the_page_vouches() -> None:
    assert agreed(precision=BODY[:2], default=BODY[:2], readability=BODY, structure=BODY) == BODY
    assert agreed(precision=BODY[:2], default=BODY[:2], readability=BODY, column=BODY) == BODY
    assert agreed(precision=BODY[:2], default=BODY[:2], readability=BODY) == BODY[:2]


def test_agreement_drops_what_only_readability_keeps_above_the_article() -> None:
    found = agreed(precision=BODY, default=BODY, readability=[STANDFIRST, *BODY], structure=[STANDFIRST])
    assert found == BODY


def test_agreement_without_agreement_is_trafilaturas_precision_mode_else_its_default() -> None:
    assert agreed(precision=BODY[:3], default=BODY) == BODY[:3]
    # what the default mode adds, where the page's structure vouches for it
    assert agreed(precision=BODY[:1], default=BODY, readability=[STANDFIRST], structure=BODY) == BODY
    assert agreed(precision=BODY[:1], default=[*BODY, ABOUT_US], column=BODY) == BODY
    assert agreed(default=BODY, readability=[STANDFIRST]) == BODY
    assert agreed(readability=BODY) == []
