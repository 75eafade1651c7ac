"""How many customers chose a lower cadence than the policy allows, and what they were
worth afterwards.

A customer's current choice is lower when it sets at most fewer messages a week or a month
than the policy's caps across every channel allow, a pause, a stop, or fewer channels than
the policy has. Per kind of choice (and for every such customer, ``all``): how many
customers; among those whose ``window_days`` after the choice are observed by ``as_of``,
completed orders and revenue per customer in the ``window_days`` after it against the
``window_days`` before; and the mean CLV of ``customer_scores`` now, when scores exist.
The moment of the choice is the first of the customer's latest run of lower choices (a
later form that only moves the quiet hours does not move it). The query is
``legame/sql/preferences/summary.sql``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from legame import sql
from legame.metrics.cutoff import default_as_of
from legame.policy import ALL_CHANNELS, Policy
from legame.store import Workspace
from legame.store.bookkeeping import has_table

#: The kinds of lower cadence, in the order the page lists them.
KINDS = ("fewer_per_week", "fewer_per_month", "fewer_channels", "paused", "stopped")
#: The days before and after a choice whose orders are compared.
WINDOW_DAYS = 90
_EARLIEST = datetime(1900, 1, 1)


def allowed(policy: Policy, days: int) -> int | None:
    """The most messages the policy's caps across every channel allow in any ``days`` days
    (a cap over fewer days allows its limit in each of the windows that cover them); None
    when no such cap limits them."""
    limits = [
        cap.limit * (1 if cap.days >= days else math.ceil(days / cap.days))
        for cap in policy.contact.caps
        if cap.channel == ALL_CHANNELS and cap.days > 0
    ]
    return min(limits) if limits else None


def summary(
    ws: Workspace,
    policy: Policy,
    *,
    as_of: datetime | None = None,
    window_days: int = WINDOW_DAYS,
) -> dict[str, Any]:
    """The customers who chose a lower cadence, per kind, and their value (see the
    module's docstring). ``as_of`` bounds what is observed (default: the cutoff of the
    analyses, midnight after the latest completed order); the choices counted are the
    current ones."""
    moment = as_of if as_of is not None else default_as_of(ws)
    week, month = allowed(policy, 7), allowed(policy, 30)
    rows = ws.con.execute(
        sql.render(
            "preferences/summary",
            as_of=moment or _EARLIEST,
            window_days=window_days,
            week_cap=week,
            month_cap=month,
            channel_count=len(policy.contact.channels),
            scores=sql.Name("customer_scores" if has_table(ws, "customer_scores") else "no_scores"),
        )
    ).fetchall()
    found = {row[0]: row[1:] for row in rows}
    kinds = []
    nothing = (0, 0, None, None, None, None, None)
    for kind in ("all", *KINDS):
        customers, observed, ob, oa, rb, ra, clv = found.get(kind, nothing)
        kinds.append(
            {
                "kind": kind,
                "customers": int(customers),
                "observed": int(observed or 0),
                "orders_before": _float(ob),
                "orders_after": _float(oa),
                "revenue_before": _float(rb),
                "revenue_after": _float(ra),
                "clv_mean": _float(clv),
            }
        )
    return {
        "customers": kinds[0]["customers"],
        "kinds": kinds,
        "allowed_per_week": week,
        "allowed_per_month": month,
        "channels": len(policy.contact.channels),
        "window_days": window_days,
        "as_of": moment,
    }


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
