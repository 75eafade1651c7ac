"""The comments page: what customers wrote in their survey answers, in their language,
with a literal search and filters by NPS group, language and period (``/comments``,
analyst; :mod:`legame.voices` does the work)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from legame.web.auth import need
from legame.web.paging import page_links, page_number, past_the_last
from legame.web.period import page_period
from legame.web.respond import page, redirect
from legame.web.sessions import WebSession

router = APIRouter(include_in_schema=False)
Analyst = Annotated[WebSession, Depends(need("analyst"))]
PAGE_SIZE = 25
NPS_GROUPS = ("promoter", "passive", "detractor")
#: The languages the filter offers: those the comments are detected in most.
LANGUAGES = ("it", "es", "en", "fr", "de", "pt", "ca", "nl")


@router.get("/comments")
def comments_page(
    request: Request,
    session: Analyst,
    q: str | None = None,
    nps_group: str | None = None,
    language: str | None = None,
) -> Response:
    from legame.voices import list_comments

    number = page_number(request)
    filters = {
        "q": (q or "").strip()[:200] or None,
        "nps_group": nps_group if nps_group in NPS_GROUPS else None,
        "language": language if language in LANGUAGES else None,
    }
    with request.app.state.store.session() as ws:
        chosen = page_period(request, ws)
        result = list_comments(
            ws, **filters, period=chosen.period, page=number, page_size=PAGE_SIZE
        )
    if last := past_the_last(request, number, result["pages"]):
        return redirect(last)
    return page(
        request,
        "comments.html",
        session=session,
        period=chosen,
        result=result,
        filters=filters,
        nps_groups=NPS_GROUPS,
        languages=LANGUAGES,
        page_number=number,
        links=page_links(request, number, result["pages"]),
    )
