"""Page furniture found by its markup, taken out of the page before any extractor reads it.

A page says what some of its parts are: an `<aside>` is beside the article, a `<figcaption>`
is a picture's, ARIA roles name the navigation, the banner and the page's footer, and
templates name their share bars, related-story boxes and newsletter sign-ups in their
classes. Outside the main text, a block made almost all of links (a tag cloud, a row of
story links) is a menu whatever its name; inside it, a list of links is the article's own
("five wallpapers to buy", a blog's links of the week). Both extractors drop much of this by
their own means, but not always the same parts, and what both keep is read aloud; taken out
here, it is gone for both.

A part is never taken out when it holds the page's main text (the element with the most
paragraph text of its own, and every element around it), nor when it holds a large share of
the page's text: a template that names the article's own container "post-share-style2", or
classes it "tag-share" for its tag "share", loses nothing.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

# Landmark roles that are not the article (the article's own is "main" or "article").
_ROLES = frozenset(
    "banner complementary contentinfo navigation search dialog alertdialog menu menubar toolbar".split()
)
_TAGS = frozenset({"aside", "figcaption", "nav"})
# Template names of share bars, related-story boxes and newsletter sign-ups.
_NAMES = re.compile(r"share|sharing|related|newsletter", re.I)
# Where a run of links is a menu: these containers, with at least this many links making
# at least this share of their text. (A sentence with links in it is far below the share.)
_LINK_CONTAINERS = frozenset({"ul", "ol", "dl", "div", "section", "nav", "p", "table", "footer"})
_MENU_LINKS = 3
_MENU_LINK_SHARE = 0.8
_CODE = frozenset({"script", "style", "noscript", "template"})
# A part holding more than this share of the page's text is not furniture, whatever its markup.
_MAX_SHARE = 0.2


def drop_furniture(tree: lxml_html.HtmlElement) -> None:
    """Take out of TREE the parts its markup says are furniture (their tails stay)."""
    sizes = _Sizes(tree)
    limit = _MAX_SHARE * sizes.text[tree]
    main = max(sizes.prose, key=sizes.prose.__getitem__, default=tree)
    holding = {main, *main.iterancestors()}
    inside = set(main.iter())
    found = [
        element
        for element in tree.iter()
        if sizes.text[element] <= limit
        and isinstance(element.tag, str)
        and element not in holding
        and (_named_furniture(element) or (element not in inside and sizes.is_menu(element)))
    ]
    for element in found:  # (one inside another goes with it; dropping it again does nothing)
        element.drop_tree()


def _named_furniture(element: lxml_html.HtmlElement) -> bool:
    return (
        element.tag in _TAGS
        or element.get("role", "").strip().lower() in _ROLES
        or bool(_NAMES.search(f"{element.get('class', '')} {element.get('id', '')}"))
    )


class _Sizes:
    """The length of each element's text, of the text of its links, and its number of links,
    and its prose (its own text and its paragraphs', not its other descendants': where the
    article's paragraphs sit side by side), counted in one pass from the leaves up: asking
    each element for its text would read a deep page's text once for every level of it."""

    def __init__(self, tree: lxml_html.HtmlElement) -> None:
        self.text: dict[lxml_html.HtmlElement, int] = {}
        self.prose: dict[lxml_html.HtmlElement, int] = {}
        self._linked: dict[lxml_html.HtmlElement, int] = {}
        self._links: dict[lxml_html.HtmlElement, int] = {}
        for element in reversed(list(tree.iter())):
            tag = element.tag
            # (a comment's text, a script's or a style sheet's is not the page's)
            own = element.text if isinstance(tag, str) and tag not in _CODE else None
            direct = len(own.strip()) if own else 0
            nested = paragraphs = linked = links = 0
            for child in element:  # one loop for every sum: this runs for every element of the page
                if child.tail:
                    direct += len(child.tail.strip())
                size = self.text[child]
                nested += size
                paragraphs += size if child.tag == "p" else 0
                linked += self._linked[child]
                links += self._links[child]
            self.text[element] = direct + nested
            self.prose[element] = direct + paragraphs
            if tag == "a" and not element.get("href", "#").startswith("#"):
                linked, links = direct + nested, 1
            self._linked[element], self._links[element] = linked, links

    def is_menu(self, element: lxml_html.HtmlElement) -> bool:
        """A container of links to other pages, and little else."""
        text = self.text[element]
        return (
            element.tag in _LINK_CONTAINERS
            and self._links[element] >= _MENU_LINKS
            and text > 0
            and self._linked[element] >= _MENU_LINK_SHARE * text
        )
