"""HTML pages (the dashboard, an article's page, its player alone to embed), the favicon and the
podcast feeds."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from ..characters import clean_text, invalid_characters
from ..errors import NotFound
from ..newsroom import Newsroom
from ..settings import Site
from .api import ArticleId
from .feed import Episode, Podcast, build_feed
from .http import NewsroomDep, base_url, file_response, fresh
from .shapes import article_json, feed_json, version_json

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
FAVICON = Path(__file__).parent / "static" / "favicon.svg"
PLAYER = Path(__file__).parent / "static" / "player.js"
FEED_ITEMS = 100
FEED_CACHE = "public, max-age=60"
ARTWORK_CACHE = "public, max-age=3600"
DEFAULT_ARTWORK = Path(__file__).parent / "static" / "artwork.png"
"""newsvoice's own podcast artwork (1400 px square), where no `feed_image` is set."""


PAGE_SIZE = 20


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    newsroom: NewsroomDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    q = clean_text(q).strip() if q and not invalid_characters(q) else None
    found = newsroom.articles(
        q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, public=True
    )  # drafts: a key's
    base = base_url(newsroom, request)
    articles = [article_json(record, base) for record in found.records]
    running = [a["id"] for a in articles if a["status"] in ("queued", "running")]
    watches = [feed_json(feed, base) for feed in newsroom.feeds()]
    context = {
        "articles": articles,
        "total": found.total,
        "watches": watches,
        "base": base,
        "q": q,
        "page": page,
        "pages": max(1, -(-found.total // PAGE_SIZE)),
        "running": running,
    }
    return templates.TemplateResponse(request, "index.html", context)


def _not_found(request: Request, newsroom: Newsroom, error: NotFound) -> Response:
    """An article that is not there (unknown, or deleted): a page saying so, 404."""
    context = {"base": base_url(newsroom, request), "message": str(error).capitalize() + "."}
    return templates.TemplateResponse(request, "not_found.html", context, status_code=404)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(article_id: ArticleId, request: Request, newsroom: NewsroomDep) -> Response:
    try:
        record = newsroom.article(article_id, private=False)
        versions = newsroom.versions(article_id)
    except NotFound as error:
        return _not_found(request, newsroom, error)
    base = base_url(newsroom, request)
    # What the latest version changed, as GET /api/articles/{id}/changes.
    changes = newsroom.changes(article_id).changes if len(versions) > 1 else None
    article = article_json(record, base)
    context = {
        "article": article,
        "blocks": record.article.blocks,
        "script": (newsroom.timings(record) or {}).get("segments", []),
        "findings": record.findings,
        "versions": [version_json(version, base) for version in versions],
        "changes": changes,
        "base": base,
        "jsonld": audio_jsonld(article, base, f"{base}/articles/{record.id}"),
    }
    return templates.TemplateResponse(request, "article.html", context)


def audio_jsonld(article: dict[str, Any], base: str, page: str) -> str | None:
    """schema.org: the page, what on it is speakable, and its narration as an AudioObject
    (as the embed adds it to a publisher's page), for search engines; None before any audio."""
    if not article["published"]:
        return None
    seconds = round(article["duration"] or 0)
    audio = {
        "@type": "AudioObject",
        "name": article["title"],
        "contentUrl": article["links"]["mp3"],
        "embedUrl": f"{base}/embed/{article['id']}",
        "encodingFormat": "audio/mpeg",
        "duration": f"PT{seconds // 60}M{seconds % 60}S",
        "transcript": article["links"]["transcript"],
        "uploadDate": article["narrated"],
        "inLanguage": article["language"],
        "isAccessibleForFree": True,
    }
    data = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "url": page,
        "name": article["title"],
        "speakable": {"@type": "SpeakableSpecification", "cssSelector": ["h1", "#article-text p"]},
        "associatedMedia": {key: value for key, value in audio.items() if value is not None},
    }
    # In a <script>: "</" is written "<\/", so no text of the article can end the element.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


@router.get("/embed/{article_id}", response_class=HTMLResponse)
def embed_page(article_id: ArticleId, request: Request, newsroom: NewsroomDep) -> Response:
    """The article's player alone, for an <iframe> on a page that cannot load scripts."""
    try:
        record = newsroom.article(article_id, private=False)
    except NotFound as error:
        return _not_found(request, newsroom, error)
    base = base_url(newsroom, request)
    return templates.TemplateResponse(
        request, "embed.html", {"article": article_json(record, base), "base": base}
    )


@router.get("/publish", response_class=HTMLResponse)
def publish_page(request: Request, newsroom: NewsroomDep) -> Response:
    """For publishers: the one-tag embed's snippet, its options and a live preview."""
    found = newsroom.articles(published=True, limit=1)
    base = base_url(newsroom, request)
    example = article_json(found.records[0], base) if found.records else None
    return templates.TemplateResponse(
        request,
        "publish.html",
        {"base": base, "example": example, "here": "embed", "analytics": newsroom.settings.analytics},
    )


SCRIPT_CACHE = "public, max-age=300"


@functools.cache
def player_script() -> tuple[bytes, str]:
    """player.js as served, and its ETag: without its comments and indentation (the file in
    static/ keeps them, to be read), about a third smaller gzipped; no build step."""
    source = PLAYER.read_text(encoding="utf-8")
    source = re.sub(r"\A/\*.*?\*/\n", "", source, flags=re.S)  # the header
    lines = []
    for line in source.splitlines():
        line = re.sub(r"\s{2,}// .*$", "", line).strip()  # a comment after code: two spaces first
        if line and not line.startswith("//"):
            lines.append(line)
    body = (
        "/* newsvoice player (GPL-3.0-or-later): see docs/player.md */\n" + "\n".join(lines) + "\n"
    ).encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


@router.get("/static/player.js")
@router.get("/embed.js")
def script(request: Request) -> Response:
    """The player; as /embed.js, the one-tag embed, which finds the page's article by the
    page's address (its canonical URL, else og:url, else where it is), with no article id."""
    body, etag = player_script()
    headers = {"ETag": etag, "Cache-Control": SCRIPT_CACHE}
    if fresh(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Where browsers look for an icon when a page names none (JSON, feeds): the SVG one."""
    return FileResponse(FAVICON, media_type="image/svg+xml")


@router.get("/feed.xml")
def feed(request: Request, newsroom: NewsroomDep) -> Response:
    """Every narrated article, newest published first."""
    return _feed(request, newsroom, newsroom.settings.title)


@router.get("/sites/{site}/feed.xml")
def site_feed(site: str, request: Request, newsroom: NewsroomDep) -> Response:
    """The articles of one site: its name, or its host name, in any case. 404 for a site that
    is neither configured (`sites`) nor has any public article."""
    site = _name(site, "site")
    settings = newsroom.settings
    configured = settings.site(site)
    names = [configured[0], *configured[1].hosts] if configured else [site]
    if configured is None:
        found = newsroom.articles(site=site, public=True, published=True, limit=1).records
        if not found:
            raise NotFound(
                f"no site {site}: no article of it is published, and no site of that name is configured"
            )
        if found[0].site and found[0].site.lower() != site.lower():
            names.append(found[0].site)  # its articles by name, when it was asked for by host
        site = found[0].site or site
    else:
        site = configured[0]
    options = configured[1] if configured else None
    title = (options.title if options else None) or f"{settings.title}: {site}"
    podcast = _podcast(newsroom, request, site, options)
    return _feed(
        request, newsroom, title, site=names, podcast=podcast, about=options.description if options else None
    )


@router.get("/tags/{tag}/feed.xml")
def tag_feed(tag: str, request: Request, newsroom: NewsroomDep) -> Response:
    """The articles with one tag. 404 for a tag no public article has."""
    tag = _name(tag, "tag")
    if not newsroom.articles(tag=tag, public=True, published=True, limit=1).total:
        raise NotFound(f"no tag {tag}: no published article has it")
    return _feed(request, newsroom, f"{newsroom.settings.title}: {tag}", tag=tag)


@router.get("/artwork/{name}")
def artwork(name: str, request: Request, newsroom: NewsroomDep) -> Response:
    """The podcast artwork of the feeds (`feed.png`, or the `feed_image` file) or of a site."""
    for key, image in _artworks(newsroom).items():
        path = Path(image) if image else DEFAULT_ARTWORK
        if name == f"{key}.{_extension(path)}":
            media_type = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
            return file_response(request, path, media_type, ARTWORK_CACHE)
    raise NotFound(f"no artwork {name}")


def _artworks(newsroom: Newsroom) -> dict[str, str | None]:
    """The artwork files served, by key: the feeds' (None: newsvoice's own), each site's."""
    settings = newsroom.settings
    found: dict[str, str | None] = {"feed": settings.feed_image}
    for site_name, site in settings.sites.items():
        if site.image:
            found[_site_key(site_name)] = site.image
    return {key: image for key, image in found.items() if not image or not _is_url(image)}


def _site_key(site: str) -> str:
    return "site-" + hashlib.sha256(site.encode("utf-8")).hexdigest()[:12]


def _is_url(image: str) -> bool:
    return image.startswith(("https://", "http://"))


def _extension(path: Path) -> str:
    return "png" if path.suffix.lower() == ".png" else "jpg"


def _podcast(
    newsroom: Newsroom, request: Request, site: str | None = None, options: Site | None = None
) -> Podcast:
    """How a feed presents its show: the settings, the site's laid over them."""
    settings, base = newsroom.settings, base_url(newsroom, request)
    image, key = settings.feed_image, "feed"
    if options and options.image:
        image, key = options.image, _site_key(site or "")
    url = (
        image
        if image and _is_url(image)
        else f"{base}/artwork/{key}.{_extension(Path(image or DEFAULT_ARTWORK))}"
    )
    given = options or Site()
    return Podcast(
        image=url,
        owner=given.owner or settings.feed_owner,
        email=given.email or settings.feed_email,
        category=given.category or settings.feed_category,
        subcategory=given.subcategory if given.category else settings.feed_subcategory,
        copyright=given.copyright or settings.copyright,
        language=given.language,
    )


def _name(name: str, kind: str) -> str:
    """A site's or tag's NAME from a feed's path, in NFC as names are stored; 404 for one with
    a character no name holds (a control character: tags with one are refused, and articles
    hold none), which could be written into no feed."""
    if invalid := invalid_characters(name):
        raise NotFound(f"no {kind} has such a name: it holds {', '.join(invalid)}")
    return clean_text(name)


def _feed(
    request: Request,
    newsroom: Newsroom,
    title: str,
    site: list[str] | None = None,
    tag: str | None = None,
    podcast: Podcast | None = None,
    about: str | None = None,
) -> Response:
    base = base_url(newsroom, request)
    podcast = podcast or _podcast(newsroom, request)

    def build() -> bytes:
        found = newsroom.articles(
            tag=tag, site=site, published=True, public=True, by_publication=True, limit=FEED_ITEMS
        )
        episodes = []
        for record in found.records:
            with contextlib.suppress(FileNotFoundError, NotFound):  # deleted just now
                size = newsroom.audio_file(record, "mp3").stat().st_size
                url = f"{base}/api/articles/{record.id}/audio.mp3"
                episodes.append(Episode(record, url, size, f"{base}/articles/{record.id}"))
        description = about or f"Articles read aloud by an AI voice ({title})."
        return build_feed(title, description, f"{base}/", f"{base}{request.url.path}", episodes, podcast)

    body = newsroom.cached((request.url.path, base), build)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": FEED_CACHE}
    if fresh(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/rss+xml; charset=utf-8", headers=headers)
