"""Listening figures over HTTP: the players' events in (no key: the player is public), the
reports out (JSON or CSV, with an API key), and the dashboard's page with its charts."""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime
import io
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from ..analytics import MAX_BATCH, UNKNOWN, BadBatch, parse_batch, today
from .api import ArticleId
from .charts import bars_chart, dropoff_chart
from .http import NewsroomDep, require_key

router = APIRouter()
log = logging.getLogger(__name__)
Day = Annotated[
    str | None,
    Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="A UTC day, YYYY-MM-DD (included)."),
]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv to export.")]
Name = Annotated[str | None, Query(max_length=200)]


@router.post("/api/listens", status_code=204, tags=["listening"])
async def listens(request: Request, newsroom: NewsroomDep) -> Response:
    """A player's batch of listening events (no API key: the player is public). Answered 204
    (a robot's too, which is dropped); refused 4xx when it is not what a player sends. See
    docs/analytics.md for its shape and for what is kept of it."""
    if not newsroom.settings.analytics:
        raise HTTPException(404, "listening figures are off (the analytics setting)")
    address = request.client.host if request.client else ""
    try:
        newsroom.audience.admit(address)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BATCH:
            raise BadBatch(f"a batch holds at most {MAX_BATCH} bytes", 413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BATCH:
                raise BadBatch(f"a batch holds at most {MAX_BATCH} bytes", 413)
        batch = parse_batch(bytes(body))
        durations = newsroom.audience.known(batch.article)
        if durations is UNKNOWN:
            durations = await run_in_threadpool(newsroom.audience.durations, batch.article)
        day = today()
        if not newsroom.audience.salt.known(day):  # once a day, asked of the database
            await run_in_threadpool(newsroom.audience.salt.of, day)
        user_agent = request.headers.get("user-agent", "")
        if not newsroom.take_listening(batch, durations, address, user_agent):
            log.debug("a batch of article %s dropped: a robot's user agent", batch.article)
    except BadBatch as error:
        return JSONResponse({"detail": str(error)}, error.status)
    return Response(status_code=204)


def _answer(
    data: dict[str, Any] | list[dict[str, Any]], rows: list[dict[str, Any]], format: str, name: str
) -> Response:
    if format == "json":
        return JSONResponse(data)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/api/listening/articles/{article_id}", dependencies=[Depends(require_key)], tags=["listening"])
def article_listening(
    article_id: ArticleId,
    newsroom: NewsroomDep,
    start: Annotated[Day, Query(alias="from")] = None,
    end: Annotated[Day, Query(alias="to")] = None,
    format: Format = "json",
) -> Response:
    """An article's listening: loads, plays, engagement (plays / loads), average % completed,
    the drop-off curve (listens that reached each 10%), average speed, seconds heard, daily
    listeners (estimated), a daily series and the pages' hosts. CSV: the daily series."""
    report = newsroom.listening_report(article_id, start, end)
    return _answer(report, report["days"], format, f"listening-{article_id}")


@router.get("/api/listening", dependencies=[Depends(require_key)], tags=["listening"])
def listening_summary(
    newsroom: NewsroomDep,
    site: Name = None,
    tag: Name = None,
    start: Annotated[Day, Query(alias="from")] = None,
    end: Annotated[Day, Query(alias="to")] = None,
    format: Format = "json",
) -> Response:
    """Listening of all articles, a site's (name or host name) or a tag's: totals and a daily
    series. CSV: the daily series."""
    summary = newsroom.listening_summary(site=site, tag=tag, start=start, end=end)
    return _answer(summary, summary["days"], format, "listening")


@router.get("/api/listening/top", dependencies=[Depends(require_key)], tags=["listening"])
def top_articles(
    newsroom: NewsroomDep,
    site: Name = None,
    tag: Name = None,
    start: Annotated[Day, Query(alias="from")] = None,
    end: Annotated[Day, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    format: Format = "json",
) -> Response:
    """The most played articles, with their figures."""
    top = newsroom.top_articles(site=site, tag=tag, start=start, end=end, limit=limit)
    return _answer({"articles": top}, top, format, "top-articles")


# --- the dashboard's page --------------------------------------------------------------------


def _require_basic_key(newsroom: Any, request: Request) -> None:
    """The page's figures are the publisher's: an API key is asked for, as the password of the
    browser's own sign-in (HTTP Basic; any user name), or sent as a Bearer token."""
    kind, _, credentials = request.headers.get("authorization", "").partition(" ")
    token = ""
    if kind.lower() == "bearer":
        token = credentials.strip()
    elif kind.lower() == "basic":
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            token = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")[2]
    if not token or not newsroom.check_key(token):
        raise HTTPException(
            401,
            "the listening figures need an API key: give it as the password",
            {"WWW-Authenticate": 'Basic realm="newsvoice listening figures", charset="UTF-8"'},
        )


def _days_back(days: int) -> str:
    return (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=days - 1)).isoformat()


@router.get("/listening", response_class=HTMLResponse, include_in_schema=False)
def listening_page(
    request: Request,
    newsroom: NewsroomDep,
    site: Name = None,
    article: Annotated[str | None, Query(max_length=32)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> Response:
    """Listening figures on the dashboard: totals, daily plays (of a site), top articles, and
    an article's drop-off curve; charts drawn here as inline SVG."""
    from .http import base_url
    from .pages import templates

    _require_basic_key(newsroom, request)
    start = _days_back(days)
    summary = newsroom.listening_summary(site=site or None, start=start)
    top = newsroom.top_articles(site=site or None, start=start, limit=20)
    chosen = article or (top[0]["article"] if top else None)
    report = None
    if chosen:
        try:
            report = newsroom.listening_report(chosen, start)
        except Exception:  # deleted meanwhile
            report = None
    context = {
        "base": base_url(newsroom, request),
        "here": "listening",
        "site": site or "",
        "days": days,
        "start": start,
        "summary": summary,
        "top": top,
        "report": report,
        "plays_chart": bars_chart([(day["day"], day["plays"]) for day in summary["days"]], "Plays a day"),
        "dropoff_chart": dropoff_chart(report["dropoff"]) if report else "",
        "sites": sorted(newsroom.settings.sites),
    }
    return templates.TemplateResponse(request, "listening.html", context)
