"""The dashboard's case pages: the queue, one case and its changes, the measured loop.

========================  =========  ====================================================
page                      role       what it shows
========================  =========  ====================================================
``/cases``                viewer     how many cases there are (by status and kind, open,
                                     overdue): counts only; an analyst also gets the
                                     queue, filtered, sorted and paginated
``/cases.csv``            analyst    the queue with the filters on screen, every page
``/cases/loop``           analyst    the hours to the first contact and to resolution;
                                     the call-back's effect against the randomized holdout
``/cases/{case_id}``      analyst    one case: customer, scores at opening and now,
                                     comment, due date, owner, status, history; its forms
========================  =========  ====================================================

The case page posts four forms (``/cases/{case_id}/assign``, ``/note``, ``/contact``,
``/close``), each with the session's CSRF token and the version of the case it was shown
at. A change made from an older version is the library's conflict: the page says so (409)
and nothing changes. A change made is redirected to the case page (303), so reloading it
repeats nothing. A call-back blocked by the contact governor shows the governor's reasons
and changes nothing.

The queue, its counts, ``/cases.csv`` and the loop page are about the cases whose answer or
ticket is in the page's period: the period picker's, kept in the same cookie as the overview's
(:mod:`legame.web.period`), so a period chosen on one page holds on the others.

Everything here parses the request, calls :mod:`legame.engage.cases` and renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from legame.errors import InputError, NotFoundError, PageError
from legame.web.auth import check_csrf, need
from legame.web.downloads import attachment, csv_text, file_name
from legame.web.i18n import Catalogue
from legame.web.paging import page_links, page_number, past_the_last
from legame.web.period import page_period
from legame.web.respond import language, page, redirect
from legame.web.sessions import WebSession

router = APIRouter(include_in_schema=False)
Viewer = Annotated[WebSession, Depends(need("viewer"))]
Analyst = Annotated[WebSession, Depends(need("analyst"))]
PAGE_SIZE = 25
#: The longest owner name and note the library takes; a form may send twice as many
#: characters for a note (a browser sends each line break as CR LF).
MAX_NAME = 100
MAX_NOTE = 4000
#: What a change made says on the case page it redirects to (``?done=``).
DONE = ("assigned", "note", "contacted", "closed")
#: The columns of ``/cases.csv``; each header is ``csv.cases.<column>`` in the catalogues.
CSV_COLUMNS = (
    "case_id",
    "kind",
    "status",
    "owner",
    "customer_id",
    "opened_at",
    "due_at",
    "overdue",
    "clv",
    "churn_risk",
    "clv_at_open",
    "churn_risk_at_open",
    "arm",
    "nps",
    "comment",
    "detail",
    "first_contact_at",
    "closed_at",
)


def _store(request: Request) -> Any:
    return request.app.state.store


def _actor(session: WebSession) -> str:
    """Who makes a change, in the case's history: the session's key's name (its id if the
    name is not a usable one), as on the API."""
    name = " ".join(session.key.name.split())[:MAX_NAME]
    return name if name and name.isprintable() else f"key {session.key.key_id}"


# --- the queue -----------------------------------------------------------------------------


def _filters(
    status: str | None,
    owner: str | None,
    kind: str | None,
    overdue: str | None,
    sort: str | None,
    holdout: str | None,
) -> dict[str, Any]:
    """The queue's filters from the query string; a value the library does not know is
    no filter (a stale link, a hand-made URL)."""
    from legame.engage.cases.queue import KINDS, SORTS, STATUSES

    return {
        "status": status if status in STATUSES else None,
        "owner": " ".join((owner or "").split())[:MAX_NAME] or None,
        "kind": kind if kind in KINDS else None,
        "overdue": {"yes": True, "no": False}.get(overdue or ""),
        "sort": sort if sort in SORTS else "due",
        "include_holdout": holdout == "1",
    }


def _query(filters: dict[str, Any]) -> dict[str, str]:
    """The filters as the query string that asks for them."""
    overdue = filters["overdue"]
    return {
        "status": filters["status"] or "",
        "owner": filters["owner"] or "",
        "kind": filters["kind"] or "",
        "overdue": "" if overdue is None else ("yes" if overdue else "no"),
        "sort": filters["sort"],
        "holdout": "1" if filters["include_holdout"] else "",
    }


@router.get("/cases")
def cases_page(
    request: Request,
    session: Viewer,
    status: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
    overdue: str | None = None,
    sort: str | None = None,
    holdout: str | None = None,
) -> Response:
    """The counts for everyone; the queue for an analyst: of the cases whose answer or
    ticket is in the page's period."""
    from legame.engage.cases import case_counts, list_cases
    from legame.views.customer_index import kept_scores

    analyst = session.key.allows("analyst")
    filters = _filters(status, owner, kind, overdue, sort, holdout)
    number = page_number(request)
    with _store(request).session() as ws:
        chosen = page_period(request, ws)
        counts = case_counts(ws, period=chosen.period)
        result = (
            list_cases(
                ws,
                **filters,
                period=chosen.period,
                page=number,
                page_size=PAGE_SIZE,
                scores_of=kept_scores(request.app.state, ws),
            )
            if analyst
            else None
        )
    if result is None:  # a viewer: counts only, not one customer's data
        return page(
            request, "cases.html", session=session, period=chosen, counts=counts, result=None
        )
    if last := past_the_last(request, number, result["pages"]):
        return redirect(last)
    links = page_links(request, number, result["pages"])
    return page(
        request,
        "cases.html",
        session=session,
        period=chosen,
        counts=counts,
        result=result,
        filters=filters,
        query={**_query(filters), "period": chosen.period.spec},
        links=links,
        choices=_choices(),
    )


def _choices() -> dict[str, tuple[str, ...]]:
    from legame.engage.cases.queue import KINDS, SORTS, STATUSES

    return {"status": STATUSES, "kind": KINDS, "sort": SORTS}


@router.get("/cases.csv")
def cases_csv(
    request: Request,
    session: Analyst,
    status: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
    overdue: str | None = None,
    sort: str | None = None,
    holdout: str | None = None,
) -> Response:
    """The queue with its filters and order, every page of it, of the cases whose answer or
    ticket is in the period (the link's, else the picker's cookie)."""
    c = language(request)
    filters = _filters(status, owner, kind, overdue, sort, holdout)
    rows = [_csv_row(case, c) for case in _every_case(request, filters)]
    body = "".join(csv_text(rows, [f"cases.{column}" for column in CSV_COLUMNS], c.lang))
    headers = attachment(file_name("cases", "csv"), "text/csv; charset=utf-8")
    return Response(body.encode("utf-8"), headers=headers)


def _every_case(request: Request, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every case of the queue with ``filters``, page after page, read in one snapshot."""
    from legame.engage.cases import list_cases
    from legame.engage.cases.queue import MAX_PAGE_SIZE
    from legame.views.customer_index import kept_scores

    with _store(request).session() as ws:
        chosen = page_period(request, ws).period
        ws.con.execute("BEGIN TRANSACTION")  # every page sees the same cases
        try:
            scores_of = kept_scores(request.app.state, ws)  # one copy for every page
            number, pages = 1, 1
            while number <= pages:
                found = list_cases(
                    ws,
                    **filters,
                    period=chosen,
                    page=number,
                    page_size=MAX_PAGE_SIZE,
                    scores_of=scores_of,
                )
                pages = found["pages"]
                yield from found["cases"]
                number += 1
        finally:
            ws.con.execute("ROLLBACK")  # it read only


def _csv_row(case: dict[str, Any], c: Catalogue) -> dict[str, Any]:
    """A case as ``/cases.csv`` writes it: its labels and what opened it in the page's
    language."""
    from legame.web.reasons import say_case_detail

    labelled = {
        "kind": c.label("cases.kind", case["kind"]),
        "status": c.label("cases.status", case["status"]),
        "churn_risk": None if case["churn_risk"] is None else c.label("risk", case["churn_risk"]),
        "churn_risk_at_open": None
        if case["churn_risk_at_open"] is None
        else c.label("risk", case["churn_risk_at_open"]),
        "arm": None if case["arm"] is None else c.label("arm", case["arm"]),
        "detail": say_case_detail(c, case).striptags(),  # what opened it, in c's language
    }
    return {f"cases.{column}": labelled.get(column, case.get(column)) for column in CSV_COLUMNS}


# --- the measured loop ---------------------------------------------------------------------


@router.get("/cases/loop")
def loop_page(request: Request, session: Analyst) -> Response:
    """How fast cases are handled, and what the call-back does: the cases whose answer or
    ticket is in the page's period."""
    from legame.views.cases import kept_case_stats

    with _store(request).session() as ws:
        chosen = page_period(request, ws)
        stats = kept_case_stats(ws, period=chosen.period)
    effect = stats["callback_effect"]
    return page(
        request,
        "cases_loop.html",
        session=session,
        period=chosen,
        stats=stats,
        effect=effect,
        measures=_measures(effect),
    )


def _measures(effect: dict[str, Any]) -> list[dict[str, Any]]:
    """The call-back's four measured differences, each with what it counts and its unit:
    ``points`` (on the 0-10 scale) or ``pp`` (percentage points, the shares times 100)."""
    out = []
    for name, unit, counted in (
        ("repurchase", "pp", "cases"),
        ("mean_nps", "points", "next_answers"),
        ("promoter_share", "pp", "next_answers"),
        ("detractor_share", "pp", "next_answers"),
    ):
        diff = effect[f"{name}_diff"]
        scale = 100.0 if unit == "pp" else 1.0
        out.append(
            {
                "name": name,
                "unit": unit,
                "estimate": None if diff["estimate"] is None else diff["estimate"] * scale,
                "ci_low": None if diff["ci_low"] is None else diff["ci_low"] * scale,
                "ci_high": None if diff["ci_high"] is None else diff["ci_high"] * scale,
                "counted": counted,
                "treatment": effect["treatment"][counted],
                "holdout": effect["holdout"][counted],
            }
        )
    return out


# --- one case ------------------------------------------------------------------------------


def _case_number(raw: str) -> int:
    """The case number of a path; the HTML 404 when it cannot be one."""
    if not raw.isdigit() or not 1 <= int(raw) < 2**63:
        raise PageError(404, "cases.not_found")
    return int(raw)


def _version(raw: str) -> int:
    """The version a form was shown at; the HTML 422 when the form has none."""
    if not raw.isdigit() or not 1 <= int(raw) < 2**31:
        raise PageError(422)
    return int(raw)


def _load(request: Request, case_id: int) -> dict[str, Any]:
    from legame.engage.cases import get_case
    from legame.views.customer_index import kept_scores

    try:
        with _store(request).session() as ws:
            found: dict[str, Any] = get_case(
                ws, case_id, scores_of=kept_scores(request.app.state, ws)
            )
    except NotFoundError:
        raise PageError(404, "cases.not_found") from None
    return found


def _channels(request: Request) -> tuple[str, ...]:
    from legame.policy import load_policy, policy_path_for

    return load_policy(policy_path_for(_store(request).path)).contact.channels


def _case_page(
    request: Request,
    session: WebSession,
    case: dict[str, Any],
    *,
    status: int = 200,
    **outcome: Any,
) -> Response:
    """The case page; ``outcome``: what a form did (``done``, ``conflict``, ``refused``,
    ``blocked``)."""
    from legame.engage.cases.queue import CLOSED

    return page(
        request,
        "case.html",
        session=session,
        status=status,
        case=case,
        closed=case["status"] in CLOSED,
        channels=_channels(request),
        me=_actor(session),
        max_name=MAX_NAME,
        max_note=MAX_NOTE,
        outcome={"done": None, "conflict": None, "refused": None, "blocked": None, **outcome},
    )


@router.get("/cases/{case_id}")
def case_page(
    request: Request, case_id: str, session: Analyst, done: str | None = None
) -> Response:
    """One case, with its history and the forms that change it."""
    case = _load(request, _case_number(case_id))
    return _case_page(request, session, case, done=done if done in DONE else None)


def _after(request: Request, session: WebSession, case_id: int, change: Any, done: str) -> Response:
    """What a change made (``Change`` or ``Contact``) leads to: back to the case page
    (303), or the case as someone else left it with the conflict (409)."""
    if change.conflict:
        return _case_page(request, session, change.case, status=409, conflict=change.case)
    return redirect(f"/cases/{case_id}?done={done}")


def _refused(request: Request, session: WebSession, case_id: int, error: InputError) -> Response:
    """A change the library refuses (a closed case's owner, no-answer before a contact):
    the case as it is, with the library's reason (422)."""
    return _case_page(request, session, _load(request, case_id), status=422, refused=str(error))


def _note(text: str) -> str | None:
    """A note from a form: line breaks as LF, nothing when blank."""
    text = text.replace("\r\n", "\n")
    return text if text.strip() else None


Csrf = Annotated[str, Form(max_length=200)]
VersionField = Annotated[str, Form(max_length=20)]
NoteField = Annotated[str, Form(max_length=2 * MAX_NOTE)]


@router.post("/cases/{case_id}/assign")
def post_assign(
    request: Request,
    case_id: str,
    session: Analyst,
    csrf_token: Csrf = "",
    version: VersionField = "",
    owner: Annotated[str, Form(max_length=2 * MAX_NAME)] = "",
    to_me: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Make ``owner`` (or, with ``to_me``, the session's key's name) the case's owner."""
    check_csrf(session, csrf_token)
    owner = _actor(session) if to_me else owner
    return _update(request, session, case_id, version, "assigned", owner=owner)


@router.post("/cases/{case_id}/note")
def post_note(
    request: Request,
    case_id: str,
    session: Analyst,
    csrf_token: Csrf = "",
    version: VersionField = "",
    note: NoteField = "",
) -> Response:
    """Add a note to the case's history."""
    check_csrf(session, csrf_token)
    return _update(request, session, case_id, version, "note", note=note.replace("\r\n", "\n"))


@router.post("/cases/{case_id}/contact")
def post_contact(
    request: Request,
    case_id: str,
    session: Analyst,
    csrf_token: Csrf = "",
    version: VersionField = "",
    channel: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    """Call the customer back on ``channel`` now, if the contact governor allows it."""
    from legame.engage.cases import contact_case

    check_csrf(session, csrf_token)
    number, expected = _case_number(case_id), _version(version)
    try:
        with _store(request).session() as ws:
            done = contact_case(
                ws, number, channel=channel, actor=_actor(session), version=expected
            )
    except NotFoundError:
        raise PageError(404, "cases.not_found") from None
    except InputError as error:
        return _refused(request, session, number, error)
    if done.outcome == "blocked":  # nothing changed: the same case, and why
        return _case_page(
            request, session, done.case, blocked={"channel": channel, "decision": done.decision}
        )
    return _after(request, session, number, done, "contacted")


@router.post("/cases/{case_id}/close")
def post_close(
    request: Request,
    case_id: str,
    session: Analyst,
    csrf_token: Csrf = "",
    version: VersionField = "",
    outcome: Annotated[str, Form(max_length=20)] = "",
    note: NoteField = "",
) -> Response:
    """Close the case as resolved or no-answer, with an optional note."""
    from legame.engage.cases.queue import CLOSED

    check_csrf(session, csrf_token)
    if outcome not in CLOSED:
        _case_number(case_id)  # a bad id or version says so before a bad outcome
        _version(version)
        raise PageError(422)
    return _update(request, session, case_id, version, "closed", status=outcome, note=_note(note))


def _update(
    request: Request,
    session: WebSession,
    case_id: str,
    version: str,
    done: str,
    **changes: Any,
) -> Response:
    """Apply a form's ``changes`` to the case at the form's version (the library's
    workflow), then show the case with ``done`` said; a refused change says why."""
    from legame.engage.cases import update_case

    number, expected = _case_number(case_id), _version(version)
    try:
        with _store(request).session() as ws:
            change = update_case(ws, number, version=expected, actor=_actor(session), **changes)
    except NotFoundError:
        raise PageError(404, "cases.not_found") from None
    except InputError as error:
        return _refused(request, session, number, error)
    return _after(request, session, number, change, done)
