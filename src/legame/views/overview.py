"""The overview: NPS and its trend, CLV distribution, value at risk, segments."""

from __future__ import annotations

from typing import Any

from legame.metrics.nps import nps_report
from legame.store import Workspace
from legame.views._store import has_table, records

CLV_BINS = 20


def overview(ws: Workspace) -> dict[str, Any]:
    """Everything the overview page shows (scores parts are empty before `legame score`)."""
    nps = nps_report(ws, "month")
    payload: dict[str, Any] = {
        "nps": {k: v for k, v in nps.items() if k not in ("by", "groups")},
        "nps_trend": nps["groups"],
        "customers": ws.count("customers"),
        "scored": has_table(ws, "customer_scores"),
        "segments": [],
        "risk": [],
        "clv_histogram": [],
        "total_clv": None,
        "value_at_risk": None,
    }
    if not payload["scored"]:
        return payload
    payload["segments"] = records(
        ws,
        """
        SELECT segment, count(*) AS customers, sum(revenue) AS revenue, sum(clv) AS clv,
               avg(p_alive) AS mean_p_alive,
               count(*) FILTER (WHERE nps_category = 'promoter') AS promoters,
               count(*) FILTER (WHERE nps_category = 'detractor') AS detractors
        FROM customer_scores GROUP BY segment ORDER BY clv DESC NULLS LAST""",
    )
    payload["risk"] = records(
        ws,
        """
        SELECT churn_risk, count(*) AS customers, sum(revenue_12m) AS revenue_12m,
               sum(clv) AS clv
        FROM customer_scores WHERE churn_risk IS NOT NULL
        GROUP BY churn_risk ORDER BY churn_risk""",
    )
    totals = ws.con.execute(
        "SELECT sum(clv), sum(revenue_12m) FILTER (WHERE churn_risk = 'high'), "
        "quantile_cont(clv, 0.99) FROM customer_scores"
    ).fetchall()[0]
    payload["total_clv"], payload["value_at_risk"] = totals[0], totals[1]
    top = float(totals[2] or 0.0)
    if top > 0:
        width = top / CLV_BINS
        payload["clv_histogram"] = records(
            ws,
            # sql-built: width is a float the query before returned, CLV_BINS an int constant.
            f"""
            SELECT least(floor(clv / {width}), {CLV_BINS - 1}) * {width} AS clv_from,
                   (least(floor(clv / {width}), {CLV_BINS - 1}) + 1) * {width} AS clv_to,
                   count(*) AS customers
            FROM customer_scores WHERE clv IS NOT NULL
            GROUP BY 1, 2 ORDER BY 1""",
        )
    return payload
