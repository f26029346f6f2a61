"""Plain-text pages: the sample news page saved as text, and one small page per extraction rule."""

from __future__ import annotations

import pytest
from conftest import SAMPLE_BOILERPLATE, SAMPLE_HEADINGS, SAMPLE_TITLE

from newsvoice.article import Article
from newsvoice.extract import extract_text

FIRST_BODY_LINE = "Plans to turn Carrick Haven into a base"
LAST_BODY_LINE = "Mr. Pengelly said he would be there."
STANDFIRST = "An American fund wants to spend $2.5bn"
PULL_QUOTE = "This is about adding something to the town, not taking something away."
# Lines set between the body's paragraphs that are not the article.
BODY_FURNITURE = (
    "Advertisement",
    PULL_QUOTE,
    "Sign up for our free Morning Briefing newsletter",
    "Read more: Cornwall’s wind ambitions",
)


def expected_paragraphs(sample_text: str) -> list[str]:
    """The body paragraphs as the sample file has them: the standfirst, then every non-empty
    line from the first body line through the last, less the subheads and the furniture."""
    lines = [line.strip() for line in sample_text.splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.startswith(FIRST_BODY_LINE))
    last = next(i for i, line in enumerate(lines) if line.startswith(LAST_BODY_LINE))
    standfirst = next(line for line in lines if line.startswith(STANDFIRST))
    body = [
        line
        for line in lines[first : last + 1]
        if line not in SAMPLE_HEADINGS and not line.startswith(BODY_FURNITURE)
    ]
    return [standfirst, *body]


def all_text(article: Article) -> list[str]:
    return [article.title, *(block.text for block in article.blocks)]


# --- the sample page ------------------------------------------------------------------------


def test_sample_title(sample_article: Article) -> None:
    assert sample_article.title == SAMPLE_TITLE


def test_sample_headings(sample_article: Article) -> None:
    assert sample_article.headings == SAMPLE_HEADINGS


def test_sample_byline_and_date(sample_article: Article) -> None:
    assert sample_article.authors == ("Tamsin Hollow",)
    assert sample_article.date == "Published 14 Aug 2025, 6:05am"


def test_sample_expected_paragraphs_are_derived_from_the_file(sample_text: str) -> None:
    # Guards the derivation itself: 25 body lines plus the standfirst.
    paragraphs = expected_paragraphs(sample_text)
    assert len(paragraphs) == 26
    assert paragraphs[0].startswith(STANDFIRST)
    assert paragraphs[-1].startswith(LAST_BODY_LINE)
    assert not any(paragraph.startswith(BODY_FURNITURE) for paragraph in paragraphs)


def test_sample_every_body_paragraph_appears_exactly_once(sample_article: Article, sample_text: str) -> None:
    paragraphs = sample_article.paragraphs
    for expected in expected_paragraphs(sample_text):
        assert paragraphs.count(expected) == 1, expected


def test_sample_body_paragraphs_keep_their_order(sample_article: Article, sample_text: str) -> None:
    expected = expected_paragraphs(sample_text)
    found = [p for p in sample_article.paragraphs if p in expected]
    assert found == expected


def test_sample_has_nothing_but_the_body(sample_article: Article, sample_text: str) -> None:
    assert sample_article.paragraphs == expected_paragraphs(sample_text)


def test_sample_subheads_sit_between_the_right_paragraphs(sample_article: Article) -> None:
    kinds = [(block.kind, block.text[:30]) for block in sample_article.blocks]
    first, second, third = (kinds.index(("heading", heading)) for heading in SAMPLE_HEADINGS)
    assert kinds[first - 1][1].startswith("“We have ring-fenced")
    assert kinds[first + 1][1].startswith("The council’s own assessment")
    assert kinds[second - 1][1].startswith("Brightwater has promised")
    assert kinds[second + 1][1].startswith("The port is one of four")
    assert kinds[third - 1][1].startswith("The council’s leader")
    assert kinds[third + 1][1].startswith("If councillors approve")


def test_sample_pull_quote_is_read_once(sample_article: Article) -> None:
    assert PULL_QUOTE not in sample_article.paragraphs
    assert sum(PULL_QUOTE in paragraph for paragraph in sample_article.paragraphs) == 1


@pytest.mark.parametrize("phrase", SAMPLE_BOILERPLATE)
def test_sample_has_no_boilerplate(sample_article: Article, phrase: str) -> None:
    for text in all_text(sample_article):
        assert phrase.lower() not in text.lower(), text


def test_sample_section_label_is_not_a_paragraph(sample_article: Article) -> None:
    assert "Business" not in sample_article.paragraphs
    assert "Business" not in sample_article.headings


def test_sample_title_appears_only_once(sample_article: Article) -> None:
    texts = all_text(sample_article)
    assert texts.count(SAMPLE_TITLE) == 1
    assert sample_article.blocks[0].text != SAMPLE_TITLE


def test_sample_article_ends_with_the_last_body_paragraph(sample_article: Article) -> None:
    assert sample_article.blocks[-1].kind == "paragraph"
    assert sample_article.blocks[-1].text.startswith(LAST_BODY_LINE)


# --- one rule at a time, on small pages -----------------------------------------------------

LEAD = (
    "The city council approved a new budget on Tuesday after a debate that lasted "
    "well into the night, ending months of disagreement."
)
SECOND = "Council members said the plan would fund two new libraries and a bus line."
THIRD = "Residents will be able to comment on the details at a public meeting next month."


def page(*lines: str) -> str:
    return "\n\n".join(lines) + "\n"


def test_plain_page_title_and_paragraphs() -> None:
    article = extract_text(page("City approves budget after long debate", LEAD, SECOND))
    assert article.title == "City approves budget after long debate"
    assert article.paragraphs == [LEAD, SECOND]
    assert article.headings == []


def test_byline_becomes_authors() -> None:
    article = extract_text(page("City approves budget after long debate", "By Jane Doe", LEAD, SECOND))
    assert article.authors == ("Jane Doe",)
    assert article.byline == "Jane Doe"
    assert "By Jane Doe" not in article.paragraphs
    assert article.paragraphs == [LEAD, SECOND]


def test_byline_with_two_authors() -> None:
    article = extract_text(page("City approves budget after long debate", "By Jane Doe and John Smith", LEAD))
    assert article.authors == ("Jane Doe", "John Smith")
    assert article.byline == "Jane Doe and John Smith"


def test_byline_under_the_standfirst() -> None:
    standfirst = "The vote ends months of disagreement over two new libraries and a bus line."
    article = extract_text(
        page(
            "City approves budget after long debate",
            standfirst,
            "By Jane Doe, City Hall Reporter",
            "Published Aug 14, 2025",
            LEAD,
            SECOND,
        )
    )
    assert article.authors == ("Jane Doe",)
    assert article.date == "Published Aug 14, 2025"
    assert article.paragraphs == [standfirst, LEAD, SECOND]


def test_byline_shaped_subhead_in_the_body_is_a_subhead() -> None:
    article = extract_text(
        page("City approves budget after long debate", LEAD, SECOND, "By The Numbers", THIRD)
    )
    assert article.authors == ()
    assert article.headings == ["By The Numbers"]


def test_first_paragraph_starting_with_by_is_not_a_byline() -> None:
    lead = "By Monday, the talks had collapsed."
    article = extract_text(page("Trade talks collapse in Geneva", lead, SECOND))
    assert article.authors == ()
    assert article.paragraphs == [lead, SECOND]


def test_dateline_becomes_date() -> None:
    article = extract_text(page("City approves budget after long debate", "Published Aug 14, 2025", LEAD))
    assert article.date == "Published Aug 14, 2025"
    assert article.paragraphs == [LEAD]


def test_hard_wrapped_lines_are_joined() -> None:
    wrapped = (
        "The city council approved a new budget on Tuesday after a debate\n"
        "that lasted well into the night, ending months of\n"
        "disagreement."
    )
    article = extract_text(page("City approves budget after long debate", wrapped, SECOND))
    assert article.paragraphs == [LEAD, SECOND]


def test_hard_wrapped_lines_starting_with_a_capital_are_joined() -> None:
    wrapped = (
        "United States President Donald Trump will meet his Russian counterpart\n"
        "Vladimir Putin in a high-stakes summit in Alaska on Friday."
    )
    article = extract_text(page("Trump and Putin to meet in Alaska", LEAD, wrapped, SECOND))
    assert article.headings == []
    assert article.paragraphs == [LEAD, " ".join(wrapped.split()), SECOND]


def test_pull_quote_repeating_body_text_is_dropped() -> None:
    quote = "“We finally have a plan that pays for itself,” the mayor said."
    paragraph = f"{quote} She thanked the council for its patience during the long debate."
    article = extract_text(page("City approves budget after long debate", LEAD, quote, SECOND, paragraph))
    assert article.paragraphs == [LEAD, SECOND, paragraph]


def test_repeated_paragraph_is_read_once() -> None:
    article = extract_text(page("City approves budget after long debate", LEAD, SECOND, LEAD, THIRD))
    assert article.paragraphs == [LEAD, SECOND, THIRD]


@pytest.mark.parametrize(
    "marker", ["Read more", "Read more:", "Related", "Related stories", "Also worth reading"]
)
def test_lines_after_end_marker_are_dropped(marker: str) -> None:
    teaser = "Mayor announces a new plan to repave every road in the city by the end of next year."
    article = extract_text(
        page("City approves budget after long debate", LEAD, SECOND, marker, teaser, THIRD)
    )
    assert article.paragraphs == [LEAD, SECOND]
    assert all(marker not in text for text in all_text(article))


@pytest.mark.parametrize("label", ["Read more:", "READ MORE:", "Related:", "See also:"])
def test_link_to_another_story_inside_the_article_is_dropped(label: str) -> None:
    link = f"{label} Council votes to keep the harbour ferry running through the winter months"
    article = extract_text(
        page("City approves budget after long debate", LEAD, SECOND, link, "What happens next", THIRD)
    )
    assert article.paragraphs == [LEAD, SECOND, THIRD]
    assert article.headings == ["What happens next"]


@pytest.mark.parametrize(
    "button",
    [
        "Share",
        "Share this article",
        "Share on Facebook",
        "Share on WhatsApp",
        "Copy link",
        "Facebook",
        "X",
        "Email",
    ],
)
def test_share_button_lines_are_dropped(button: str) -> None:
    article = extract_text(page("City approves budget after long debate", LEAD, button, SECOND, THIRD))
    assert article.paragraphs == [LEAD, SECOND, THIRD]
    assert article.headings == []


def test_page_furniture_lines_are_dropped() -> None:
    article = extract_text(
        page(
            "Skip to main content",
            "Menu",
            "Advertisement",
            "Local",
            "City approves budget after long debate",
            "Listen to this article",
            LEAD,
            "Advertisement",
            SECOND,
            "Photo: John Smith/Reuters",
            THIRD,
            "Copyright 2025 The Daily Example",
        )
    )
    assert article.title == "City approves budget after long debate"
    assert article.paragraphs == [LEAD, SECOND, THIRD]
    assert article.headings == []


def test_subhead_between_paragraphs() -> None:
    article = extract_text(page("City approves budget after long debate", LEAD, "What happens next", THIRD))
    assert [(b.kind, b.text) for b in article.blocks] == [
        ("paragraph", LEAD),
        ("heading", "What happens next"),
        ("paragraph", THIRD),
    ]


def test_trailing_heading_is_dropped() -> None:
    article = extract_text(
        page("City approves budget after long debate", LEAD, SECOND, "MORE FROM THE CITY DESK")
    )
    assert article.headings == []
    assert article.paragraphs == [LEAD, SECOND]


def test_page_without_title_line() -> None:
    article = extract_text(page(LEAD, SECOND))
    assert article.title == ""
    assert article.paragraphs == [LEAD, SECOND]


def test_url_is_kept() -> None:
    article = extract_text(page("City approves budget after long debate", LEAD), url="https://example.com/a")
    assert article.url == "https://example.com/a"


def test_a_long_hard_wrapped_text_is_joined_in_linear_time() -> None:
    """10 MB wrapped at 80 columns without a blank line: one paragraph, joined in seconds (joining
    it a line at a time onto a string took minutes)."""
    import time

    line = "commuters welcomed the news of the bridge that reopened to traffic on friday after"
    text = "Harbour bridge reopens\n\n" + "\n".join([line] * (10**7 // (len(line) + 1))) + " repairs.\n"
    started = time.monotonic()
    article = extract_text(text)
    assert time.monotonic() - started < 30  # seconds, where joining onto a string took 70
    assert article.title == "Harbour bridge reopens"
    [paragraph] = article.paragraphs
    assert paragraph == " ".join([line] * (10**7 // (len(line) + 1))) + " repairs."
