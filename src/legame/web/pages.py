"""The dashboard's pages: each parses its query or form, calls a view, renders a template.

========================  =========  ====================================================
page                      role       what it shows
========================  =========  ====================================================
``/``                     viewer     NPS and its trend, CLV distribution, value at risk,
                                     risk tiers, segments
``/findings``             viewer     each tested claim, its interval against the null
``/engagement``           viewer     contact pressure; gesture results by trigger and arm
``/validation``           viewer     the latest forecast check: tracking, by frequency, models
``/customers``            analyst    search and filter customer scores
``/customers/{id}``       analyst    the customer 360: profile, scores, timeline chart
``/messages/check``       analyst    the message check form and its verdict
========================  =========  ====================================================
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from legame.engage.message.check import MAX_DRAFT_CHARS
from legame.errors import InputError, NotFoundError, PageError
from legame.web import charts
from legame.web.auth import check_csrf, need
from legame.web.findings import load_findings, present
from legame.web.i18n import FAMILIES
from legame.web.paging import page_links, page_number, past_the_last
from legame.web.respond import error_page, language, page, redirect
from legame.web.sections import engagement_context, overview_context, validation_context
from legame.web.sessions import WebSession

router = APIRouter(include_in_schema=False)
Viewer = Annotated[WebSession, Depends(need("viewer"))]
Analyst = Annotated[WebSession, Depends(need("analyst"))]
PAGE_SIZE = 25
#: The longest draft and list of values the form takes, as the textareas' ``maxlength``
#: says (the draft's limit is the library's, as on the API). A browser sends each line
#: break as CR LF, two characters, so the server reads twice as many and counts after
#: making them LF.
MAX_DRAFT = MAX_DRAFT_CHARS
MAX_VALUES_TEXT = 5000
TIMELINE_ROWS = 50


def _store(request: Request) -> Any:
    return request.app.state.store


@router.get("/")
def overview_page(request: Request, session: Viewer) -> Response:
    from legame.views import overview
    from legame.web.period import page_period

    every = request.query_params.get("answers") == "every"
    with _store(request).session() as ws:
        chosen = page_period(request, ws)
        data = overview(ws, chosen.period, every_answer=every)
    return page(
        request,
        "overview.html",
        session=session,
        period=chosen,
        answers_toggle=str(
            request.url.include_query_params(answers="latest" if every else "every")
        ),
        **overview_context(data, language(request)),
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
    """Contact pressure and the gestures' results as of the end of the picker's period."""
    from legame.views import engagement
    from legame.views.experiments import trigger_mdes
    from legame.web.period import page_period

    with _store(request).session() as ws:
        chosen = page_period(request, ws)
        data = engagement(ws, period=chosen.period)
        try:  # what each trigger's holdout can detect, planned from the data up to now
            mdes = trigger_mdes(ws)
        except InputError:  # no activity to plan from yet
            mdes = {}
    return page(
        request,
        "engagement.html",
        session=session,
        period=chosen,
        trigger_mde=mdes,
        **engagement_context(data, language(request)),
    )


@router.get("/validation")
def validation_page(request: Request, session: Viewer) -> Response:
    from legame.views import validation

    with _store(request).session() as ws:
        data = validation(ws)
    return page(
        request,
        "validation.html",
        session=session,
        **validation_context(data, language(request)),
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
    from legame.views.customer_index import kept

    number = page_number(request)
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
                index=kept(request.app.state, ws),
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
    pages = result["pages"] if result else 1
    if last := past_the_last(request, number, pages):
        return redirect(last)
    links = page_links(request, number, pages) if result else {}
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


@router.get("/customers/{customer_id:path}")  # an id may hold "/"
def customer_page(request: Request, customer_id: str, session: Analyst) -> Response:
    """The customer 360; its timeline table shows ``TIMELINE_ROWS`` events a page
    (``?events=N`` is page N, the latest first), its chart every event."""
    from legame.views import customer_360
    from legame.views.customer_index import kept
    from legame.views.customers import TIMELINE_LIMIT
    from legame.web.timeline import all_events, page_links, page_of

    try:
        with _store(request).session() as ws:
            data = customer_360(ws, customer_id, kept(request.app.state, ws))
            cid = data["profile"]["customer_id"]
            events = all_events(ws, cid, data["timeline"], TIMELINE_LIMIT)
    except (NotFoundError, InputError):  # no such id, or none could be (empty, control)
        raise PageError(404, "error.no_customer") from None
    c = language(request)
    number = page_number(request, "events")
    shown = page_of(events, number, c, size=TIMELINE_ROWS)
    return page(
        request,
        "customer.html",
        session=session,
        data=data,
        timeline=shown,
        timeline_links=page_links(
            shown, lambda n: f"{request.url.include_query_params(events=n)}#timeline"
        ),
        charts={"timeline": charts.timeline(events, c) if events else None},
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
        max_draft=MAX_DRAFT,
        max_values=MAX_VALUES_TEXT,
    )


@router.post("/messages/check")
def message_check(
    request: Request,
    session: Analyst,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=2 * MAX_DRAFT)] = "",
    values: Annotated[str, Form(max_length=2 * MAX_VALUES_TEXT)] = "",
    language_code: Annotated[str, Form(alias="language", max_length=5)] = "",
) -> Response:
    from legame.engage.message import SUPPORTED_LANGUAGES, check_message

    check_csrf(session, csrf_token)
    text, values = text.replace("\r\n", "\n"), values.replace("\r\n", "\n")
    if len(text) > MAX_DRAFT:
        limit = language(request).num(MAX_DRAFT)
        return error_page(request, 422, "error.draft_too_long", session, limit=limit)
    if len(values) > MAX_VALUES_TEXT:
        raise PageError(422)
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
        max_draft=MAX_DRAFT,
        max_values=MAX_VALUES_TEXT,
        charts={
            "values": charts.value_scores(result["values"], threshold, c)
            if result["values"]
            else None
        },
    )
