"""Reading cases: the queue (filtered, sorted, one page), one case with its history, and
the counts a viewer may see.

The queries are ``legame/sql/cases/*.sql``; what a user gives (a status, an owner, a case
id, a page, a period) is bound, never rendered. Where ``customer_scores`` exists the queue
and a case show the customer's current CLV and churn risk beside those the case opened with.

A ``period`` (:class:`legame.metrics.period.Period`) keeps the cases *opened* in it
(``opened_at`` in ``[start, end)``); None, the default, keeps every case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final, Literal

import numpy as np

from legame import sql
from legame.engage.governor.clock import to_utc
from legame.errors import InputError, NotFoundError
from legame.metrics.period import Period
from legame.store import Workspace
from legame.store.bookkeeping import has_table

Kind = Literal["detractor", "poor_service"]
Status = Literal["new", "contacted", "resolved", "no-answer"]
Sort = Literal["clv", "due"]
KINDS: Final[tuple[Kind, ...]] = ("detractor", "poor_service")
STATUSES: Final[tuple[Status, ...]] = ("new", "contacted", "resolved", "no-answer")
#: Statuses that end a case.
CLOSED: Final[tuple[Status, ...]] = ("resolved", "no-answer")
SORTS: Final[tuple[Sort, ...]] = ("clv", "due")
#: The largest page of the queue.
MAX_PAGE_SIZE: Final = 200
#: Current scores of some customers: ``{customer_id: {"clv", "churn_risk"}}`` (the
#: server's kept copy of them: :meth:`legame.views.customer_index.CustomerIndex.scores_of`).
ScoresOf = Callable[[list[str]], dict[str, dict[str, Any]]]


def rows(
    ws: Workspace, query: str, bound: list[Any] | None = None, **params: sql.Param
) -> list[dict[str, Any]]:
    """The rows of ``legame/sql/QUERY.sql`` rendered with ``params``, as dicts; ``bound``
    values (what a user gave) go to its ``$1``, ``$2`` ..."""
    cur = ws.con.execute(sql.render(query, **params), bound or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def one_case(ws: Workspace, case_id: int) -> dict[str, Any]:
    """The stored row of one case; ``NotFoundError`` when there is none."""
    found = rows(ws, "cases/one", [_case_id(case_id)])
    if not found:
        raise NotFoundError(f"No case {case_id}: `legame cases list` shows the open ones.")
    return found[0]


def _case_id(case_id: object) -> int:
    if isinstance(case_id, bool) or not isinstance(case_id, int) or not 1 <= case_id < 2**63:
        raise InputError(f"A case id is a whole number ≥ 1; got {case_id!r}.")
    return case_id


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise InputError(
            f"The {name!r} filter must be one of {', '.join(choices)}; got {value!r} instead."
        )
    return value


def period_bounds(period: Period | None) -> list[datetime | None]:
    """The bound values of a period filter on ``event_at``: ``[start, end]``, or two Nones
    (no filter) without a period."""
    return [None, None] if period is None else [period.start, period.end]


def period_out(period: Period | None) -> dict[str, Any] | None:
    """The period a read kept the cases of, as its answer says it: ``{"spec", "from",
    "to"}`` (``from`` None for ``all``; both days included), or None for every case."""
    if period is None:
        return None
    return {"spec": period.spec, "from": period.first_day, "to": period.last_day}


def list_cases(
    ws: Workspace,
    *,
    status: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    include_holdout: bool = False,
    period: Period | None = None,
    sort: str = "due",
    page: int = 1,
    page_size: int = 50,
    now: datetime | str | None = None,
    scores_of: ScoresOf | None = None,
) -> dict[str, Any]:
    """One page of the case queue: ``{"total", "page", "page_size", "pages", "scores",
    "period", "cases"}``. With ``scores_of`` the current scores are read from it rather
    than from ``customer_scores``, with the same result.

    Filters are off when None; ``overdue`` (as of ``now``, default the current time) is a
    case still ``new`` after its due date; ``period`` keeps the cases whose answer or
    ticket is in it (``period`` in the answer says which, None for every case). Cases in
    the randomized holdout are left out unless ``include_holdout``. ``sort="clv"`` puts
    the highest CLV first (the current one when the workspace has scores: ``scores``
    says ``current`` or ``at_open``), ``"due"`` the earliest due date; ties go by due
    date, then case id.
    """
    filters = [
        _choice("status", status, STATUSES),
        (owner or "").strip() or None,
        _choice("kind", kind, KINDS),
        overdue,
        include_holdout,
        *period_bounds(period),
    ]
    if sort not in SORTS:
        raise InputError(f"sort must be one of {', '.join(SORTS)}; got {sort!r} instead.")
    if isinstance(page, bool) or page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page must be ≥ 1 and page_size 1-{MAX_PAGE_SIZE}.")
    at = to_utc(now, name="now")
    total = rows(ws, "cases/queue_count", filters, as_of=at)[0]["total"]
    pages = max(1, -(-total // page_size))
    scored = has_table(ws, "customer_scores")
    # Sorted by CLV, the current scores of every case that passes the filters are needed;
    # by due date, only those of the page's customers (a point lookup, not a join).
    query = "cases/queue_scored" if scored and sort == "clv" else "cases/queue"
    bound = [*filters, sort, page_size, (page - 1) * page_size]
    if page > pages:
        found = []
    elif query == "cases/queue_scored" and scores_of is not None:
        found = _by_current_clv(ws, filters, at, scores_of, (page - 1) * page_size, page_size)
    else:
        found = rows(ws, query, bound, as_of=at)
    if scored and query == "cases/queue" and found:
        current = _current(ws, sorted({c["customer_id"] for c in found}), scores_of)
        for case in found:
            now_scored = current.get(case["customer_id"], {})
            case["clv"], case["churn_risk"] = now_scored.get("clv"), now_scored.get("churn_risk")
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "scores": "current" if scored else "at_open",
        "period": period_out(period),
        "cases": found,
    }


def _current(
    ws: Workspace, customers: list[str], scores_of: ScoresOf | None
) -> dict[str, dict[str, Any]]:
    """The current scores of ``customers``, from ``scores_of`` or the store."""
    if scores_of is not None:
        return scores_of(customers)
    return {r["customer_id"]: r for r in rows(ws, "cases/scores", [customers])}


def _by_current_clv(
    ws: Workspace,
    filters: list[Any],
    at: datetime,
    scores_of: ScoresOf,
    offset: int,
    limit: int,
) -> list[dict[str, Any]]:
    """cases/queue_scored's page, with the scores from ``scores_of``: every passing case's
    customer's CLV looked up there, the cases sorted as that query sorts them (the highest
    CLV first, NaN above every number and no CLV last, then due date and id)."""
    found = ws.con.execute(sql.render("cases/queue_keys", as_of=at), filters).fetchnumpy()
    customers = [str(c) for c in found["customer_id"]]
    current = scores_of(list(set(customers)))
    read = [current.get(c, {}).get("clv") for c in customers]
    missing = np.array([v is None for v in read], dtype=bool)
    clv = np.array([np.nan if v is None else float(v) for v in read], dtype=np.float64)
    # as the query: NaN (above every number) first, then the highest CLV, no CLV last
    place = np.where(missing, 2, np.where(np.isnan(clv), 0, 1))
    value = np.where(place == 1, -np.nan_to_num(clv), 0.0)
    due = np.asarray(found["due_at"]).astype("datetime64[us]").astype(np.int64)
    ids = np.asarray(found["case_id"], dtype=np.int64)
    ordered = ids[np.lexsort((ids, due, value, place))]
    chosen = [int(i) for i in ordered[offset : offset + limit]]
    if not chosen:
        return []
    by_id = {c["case_id"]: c for c in rows(ws, "cases/queue_at", [chosen], as_of=at)}
    page = [by_id[case_id] for case_id in chosen]
    for case in page:
        now_scored = current.get(case["customer_id"], {})
        case["clv"], case["churn_risk"] = now_scored.get("clv"), now_scored.get("churn_risk")
    return page


def get_case(
    ws: Workspace,
    case_id: int,
    *,
    now: datetime | str | None = None,
    scores_of: ScoresOf | None = None,
) -> dict[str, Any]:
    """One case as stored, with ``overdue`` (as of ``now``), the customer's current
    ``clv`` and ``churn_risk`` (None without scores, read from ``scores_of`` when given)
    and its ``history``, oldest first."""
    case = one_case(ws, case_id)
    at = to_utc(now, name="now")
    current: dict[str, Any] = {}
    if has_table(ws, "customer_scores"):
        current = _current(ws, [case["customer_id"]], scores_of).get(case["customer_id"], {})
    return {
        **case,
        "overdue": is_overdue(case, at),
        "clv": current.get("clv"),
        "churn_risk": current.get("churn_risk"),
        "history": rows(ws, "cases/history", [case["case_id"]]),
    }


def is_overdue(case: dict[str, Any], at: datetime) -> bool:
    """``legame/sql/defs/case_overdue.sql`` for one stored case, in Python."""
    return bool(case["status"] == "new" and case["due_at"] < at and case["arm"] != "holdout")


def case_counts(
    ws: Workspace, *, now: datetime | str | None = None, period: Period | None = None
) -> dict[str, Any]:
    """How many cases there are, without any customer's data (what a viewer may see):
    ``{"as_of", "period", "total", "open", "overdue", "holdout", "by_status", "by_kind"}``,
    of the cases whose answer or ticket is in ``period`` (default: every case). The cases in
    the randomized holdout are counted in ``holdout`` only: they are not work to do."""
    at = to_utc(now, name="now")
    by_status = dict.fromkeys(STATUSES, 0)
    by_kind = dict.fromkeys(KINDS, 0)
    overdue = holdout = 0
    for row in rows(ws, "cases/counts", period_bounds(period), as_of=at):
        n = int(row["cases"])
        if row["holdout"]:
            holdout += n
            continue
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + n
        overdue += n if row["overdue"] else 0
    return {
        "as_of": at,
        "period": period_out(period),
        "total": sum(by_status.values()),
        "open": by_status["new"] + by_status["contacted"],
        "overdue": overdue,
        "holdout": holdout,
        "by_status": by_status,
        "by_kind": by_kind,
    }
