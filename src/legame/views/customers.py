"""Customers: a filtered, paginated list of scores, and the customer 360."""

from __future__ import annotations

from typing import Any, Literal

from legame import sql
from legame.errors import InputError, NotFoundError
from legame.store import Workspace
from legame.store.bookkeeping import has_table
from legame.views._store import records
from legame.views.customer_index import CustomerIndex

Sort = Literal["clv", "revenue", "p_alive", "last_order_at", "customer_id"]
SORTS: tuple[str, ...] = ("clv", "revenue", "p_alive", "last_order_at", "customer_id")
MAX_PAGE_SIZE = 200
TIMELINE_LIMIT = 500


def list_customers(
    ws: Workspace,
    *,
    q: str | None = None,
    segment: str | None = None,
    churn_risk: str | None = None,
    nps_category: str | None = None,
    min_clv: float | None = None,
    sort: str = "clv",
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
    index: CustomerIndex | None = None,
) -> dict[str, Any]:
    """Scores of the customers matching every given filter, one page at a time.

    ``q`` is a literal part of the id or the e-mail, in any case (``_`` and ``%`` are
    characters, not wildcards). ``pages`` says how many pages the filters make (at least
    one); a ``page`` past the last has no customers, and the caller says so. With
    ``index`` (the server's kept copy of the same data: :mod:`legame.views.customer_index`)
    the page is read from it, with the same result."""
    if not has_table(ws, "customer_scores"):
        raise InputError("There are no scores yet: run `legame score` first.")
    if sort not in SORTS:
        raise InputError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}.")
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page must be >= 1 and page_size 1-{MAX_PAGE_SIZE}.")
    # The values are bound; the sort column is one of SORTS, rendered as a name.
    filters = list_filters(q, segment, churn_risk, nps_category, min_clv)
    if index is not None:
        offset = (page - 1) * page_size
        total, rows = index.page(filters, sort, descending, offset, page_size)
        return _page(total, page, page_size, rows)
    total = records(ws, "views/customer_list_count", filters)[0]["total"]
    pages = max(1, -(-total // page_size))
    rows = (
        records(
            ws,
            "views/customer_list",
            [*filters, page_size, (page - 1) * page_size],
            sort=sql.Name(sort),
            descending=descending,
        )
        if page <= pages
        else []
    )
    return _page(total, page, page_size, rows)


def list_filters(
    q: str | None,
    segment: str | None,
    churn_risk: str | None,
    nps_category: str | None,
    min_clv: float | None,
) -> list[Any]:
    """The list's filters as defs/customer_filter binds them ($1 .. $5; an empty search is
    none)."""
    return [q or None, segment, churn_risk, nps_category, min_clv]


def _page(total: int, page: int, page_size: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": max(1, -(-total // page_size)),
        "customers": rows,
    }


def customer_360(
    ws: Workspace, customer_id: str, index: CustomerIndex | None = None
) -> dict[str, Any]:
    """Profile, scores and the timeline of everything that happened with one customer (the
    id read by the workspace's rule for customer ids, as everywhere ids enter); the scores
    from ``index`` when the server keeps a copy of them."""
    from legame.ingest.ids import workspace_customer_id

    customer_id = workspace_customer_id(ws.path, customer_id)
    profile = records(ws, "views/customer_profile", [customer_id])
    if not profile:
        raise NotFoundError(f"No customer {customer_id!r}.")
    if index is not None:
        row = index.row_of(customer_id)
        scores = [row] if row is not None else []
    elif has_table(ws, "customer_scores"):
        scores = records(ws, "views/customer_scores_row", [customer_id])
    else:
        scores = []
    timeline = records(ws, "views/customer_timeline", [customer_id], limit=TIMELINE_LIMIT)
    return {"profile": profile[0], "scores": scores[0] if scores else None, "timeline": timeline}
