"""The dashboard's pages: each parses its query or form, calls a view, renders a template.

========================  =========  ====================================================
page                      role       what it shows
========================  =========  ====================================================
``/``                     viewer     NPS and its trend, CLV distribution, value at risk,
                                     risk tiers, segments
``/findings``             viewer     each tested claim, its interval against the null
``/engagement``           viewer     contact pressure; gesture results by trigger and arm
``/customers``            analyst    search and filter customer scores
``/customers/{id}``       analyst    the customer 360: profile, scores, timeline chart
``/messages/check``       analyst    the message check form and its verdict
========================  =========  ====================================================
"""

from __future__ import annotations

import inspect
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from legame.errors import NotFoundError, PageError
from legame.web import charts
from legame.web.auth import check_csrf, need
from legame.web.findings import load_findings, present
from legame.web.i18n import FAMILIES
from legame.web.respond import language, page
from legame.web.sections import engagement_context, overview_context
from legame.web.sessions import WebSession

router = APIRouter(include_in_schema=False)
Viewer = Annotated[WebSession, Depends(need("viewer"))]
Analyst = Annotated[WebSession, Depends(need("analyst"))]
PAGE_SIZE = 25
MAX_DRAFT = 20_000
TIMELINE_ROWS = 50


def _store(request: Request) -> Any:
    return request.app.state.store


@router.get("/")
def overview_page(request: Request, session: Viewer) -> Response:
    from legame.views import overview

    with _store(request).session() as ws:
        data = overview(ws)
    return page(
        request, "overview.html", session=session, **overview_context(data, language(request))
    )


@router.get("/findings")
def findings_page(request: Request, session: Viewer) -> Response:
    with _store(request).session() as ws:
        found = load_findings(ws)
    return page(
        request, "findings.html", session=session, findings=present(found, language(request))
    )


@router.get("/engagement")
def engagement_page(request: Request, session: Viewer) -> Response:
    from legame.views import engagement

    with _store(request).session() as ws:
        data = engagement(ws)
    return page(
        request, "engagement.html", session=session, **engagement_context(data, language(request))
    )


def _choice(value: str | None, family: str) -> str | None:
    return value if value in FAMILIES[family] else None


@router.get("/customers")
def customers_page(
    request: Request,
    session: Analyst,
    q: str | None = None,
    segment: str | None = None,
    churn_risk: str | None = None,
    nps_category: str | None = None,
    sort: str | None = None,
    order: str | None = None,
) -> Response:
    from legame.store.bookkeeping import has_table
    from legame.views import list_customers

    number = _page_number(request.query_params.get("page"))
    filters = {
        "q": (q or "").strip()[:200] or None,
        "segment": _choice(segment, "segment"),
        "churn_risk": _choice(churn_risk, "risk"),
        "nps_category": _choice(nps_category, "nps_category"),
    }
    chosen_sort = _choice(sort, "sort") or "clv"
    descending = order != "asc"
    with _store(request).session() as ws:
        result = (
            list_customers(
                ws,
                q=filters["q"],
                segment=filters["segment"],
                churn_risk=filters["churn_risk"],
                nps_category=filters["nps_category"],
                sort=chosen_sort,
                descending=descending,
                page=number,
                page_size=PAGE_SIZE,
            )
            if has_table(ws, "customer_scores")
            else None
        )
    pages = max(1, math.ceil(result["total"] / PAGE_SIZE)) if result else 1
    links = {}
    if result and number > 1:
        links["prev"] = str(request.url.include_query_params(page=number - 1))
    if result and number < pages:
        links["next"] = str(request.url.include_query_params(page=number + 1))
    return page(
        request,
        "customers.html",
        session=session,
        result=result,
        filters=filters,
        sort=chosen_sort,
        descending=descending,
        page_number=number,
        pages=pages,
        links=links,
    )


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return min(max(number, 1), 1_000_000)


@router.get("/customers/{customer_id}")
def customer_page(request: Request, customer_id: str, session: Analyst) -> Response:
    from legame.views import customer_360

    try:
        with _store(request).session() as ws:
            data = customer_360(ws, customer_id)
    except NotFoundError:
        raise PageError(404, "error.no_customer") from None
    c = language(request)
    timeline = data["timeline"]
    return page(
        request,
        "customer.html",
        session=session,
        data=data,
        timeline_rows=timeline[:TIMELINE_ROWS],
        timeline_total=len(timeline),
        charts={"timeline": charts.timeline(timeline, c) if timeline else None},
    )


def _threshold() -> float:
    from legame.engage.message import check_message

    return float(inspect.signature(check_message).parameters["min_alignment"].default)


def _policy_values(request: Request) -> list[str]:
    from legame.policy import load_policy, policy_path_for

    return list(load_policy(policy_path_for(_store(request).path)).values)


@router.get("/messages/check")
def message_form(request: Request, session: Analyst) -> Response:
    return page(
        request,
        "message.html",
        session=session,
        draft="",
        values="\n".join(_policy_values(request)),
        draft_language="",
        result=None,
        charts={},
    )


@router.post("/messages/check")
def message_check(
    request: Request,
    session: Analyst,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=MAX_DRAFT)] = "",
    values: Annotated[str, Form(max_length=5000)] = "",
    language_code: Annotated[str, Form(alias="language", max_length=5)] = "",
) -> Response:
    from legame.engage.message import SUPPORTED_LANGUAGES, check_message

    check_csrf(session, csrf_token)
    declared = [v.strip() for v in values.splitlines() if v.strip()]
    forced = language_code if language_code in SUPPORTED_LANGUAGES else None
    result = check_message(text, declared, language=forced).to_dict()
    c = language(request)
    threshold = _threshold()
    return page(
        request,
        "message.html",
        session=session,
        draft=text,
        values=values,
        draft_language=forced or "",
        result=result,
        threshold=threshold,
        charts={
            "values": charts.value_scores(result["values"], threshold, c)
            if result["values"]
            else None
        },
    )
