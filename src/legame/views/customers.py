"""Customers: a filtered, paginated list of scores, and the customer 360."""

from __future__ import annotations

from typing import Any, Literal

from legame.errors import InputError, NotFoundError
from legame.store import Workspace
from legame.views._store import has_table, records

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
) -> dict[str, Any]:
    """Scores of the customers matching every given filter, one page at a time."""
    if not has_table(ws, "customer_scores"):
        raise InputError("There are no scores yet: run `legame score` first.")
    if sort not in SORTS:
        raise InputError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}.")
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page must be >= 1 and page_size 1-{MAX_PAGE_SIZE}.")
    where: list[str] = ["true"]
    params: list[object] = []
    if q:
        where.append("(s.customer_id ILIKE ? OR c.email ILIKE ?)")
        params += [f"%{q}%", f"%{q}%"]
    for column, value in (
        ("segment", segment),
        ("churn_risk", churn_risk),
        ("nps_category", nps_category),
    ):
        if value is not None:
            where.append(f"s.{column} = ?")
            params.append(value)
    if min_clv is not None:
        where.append("s.clv >= ?")
        params.append(min_clv)
    condition = " AND ".join(where)
    # The conditions are fixed text on known columns, each value a bound parameter; the
    # sort column is one of the Literal choices of the API.
    # sql-built: see above.
    base = f"FROM customer_scores s JOIN customers c USING (customer_id) WHERE {condition}"
    total = ws.con.execute(f"SELECT count(*) {base}", params).fetchall()[0][0]  # sql-built: above
    order = f"s.{sort} {'DESC' if descending else 'ASC'} NULLS LAST, s.customer_id"
    rows = records(
        ws,
        f"SELECT s.* {base} ORDER BY {order} LIMIT ? OFFSET ?",  # sql-built: as above
        [*params, page_size, (page - 1) * page_size],
    )
    return {"total": total, "page": page, "page_size": page_size, "customers": rows}


def customer_360(ws: Workspace, customer_id: str) -> dict[str, Any]:
    """Profile, scores and the timeline of everything that happened with one customer (the
    id read by the workspace's rule for customer ids, as everywhere ids enter)."""
    from legame.ingest.ids import workspace_customer_id

    customer_id = workspace_customer_id(ws.path, customer_id)
    profile = records(
        ws,
        "SELECT customer_id, created_at, email, phone, country, language, time_zone, implicit "
        "FROM customers WHERE customer_id = ?",
        [customer_id],
    )
    if not profile:
        raise NotFoundError(f"No customer {customer_id!r}.")
    scores = (
        records(ws, "SELECT * FROM customer_scores WHERE customer_id = ?", [customer_id])
        if has_table(ws, "customer_scores")
        else []
    )
    timeline = records(
        ws,
        # sql-built: TIMELINE_LIMIT is an int constant; the customer is a bound parameter.
        f"""
        SELECT * FROM (
            SELECT ordered_at AS "at", 'order' AS kind, order_id AS id,
                   status || ' ' || channel AS detail, CAST(amount AS DOUBLE) AS value
            FROM orders WHERE customer_id = $1
            UNION ALL
            SELECT opened_at, 'ticket', ticket_id, coalesce(category, '') ||
                   CASE WHEN resolved_at IS NULL THEN ' (unresolved)' ELSE '' END, csat
            FROM tickets WHERE customer_id = $1
            UNION ALL
            SELECT answered_at, 'survey', response_id, coalesce(comment, ''), nps
            FROM survey_responses WHERE customer_id = $1
            UNION ALL
            SELECT sent_at, 'message', message_id, channel || coalesce(' ' || campaign_id, '')
                   || CASE WHEN unsubscribed_at IS NOT NULL THEN ' (unsubscribed)'
                           WHEN complained_at IS NOT NULL THEN ' (complaint)' ELSE '' END,
                   NULL
            FROM messages WHERE customer_id = $1
            UNION ALL
            SELECT given_at, 'gesture', gesture_id, kind || ' (' || arm || ')',
                   CAST(cost AS DOUBLE)
            FROM gestures WHERE customer_id = $1 AND given_at IS NOT NULL
            UNION ALL
            SELECT charged_at, 'charge', charge_id, coalesce(kind, '') ||
                   CASE WHEN waived_at IS NOT NULL THEN ' (waived)' ELSE '' END,
                   CAST(amount AS DOUBLE)
            FROM charges WHERE customer_id = $1
            UNION ALL
            SELECT referred_at, 'referral', referral_id,
                   'referred ' || coalesce(referred_customer_id, 'someone new'), NULL
            FROM referrals WHERE referrer_id = $1
        ) ORDER BY "at" DESC, kind, id LIMIT {TIMELINE_LIMIT}""",
        [customer_id],
    )
    return {"profile": profile[0], "scores": scores[0] if scores else None, "timeline": timeline}
