"""The overview: NPS and its trend, CLV distribution, value at risk, segments."""

from __future__ import annotations

from typing import Any

from legame.metrics.nps import nps_report
from legame.scoring import score_totals
from legame.store import Workspace
from legame.store.bookkeeping import has_table
from legame.views._store import records

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
    payload["segments"] = records(ws, "views/segments")
    payload["risk"] = records(ws, "views/churn_risk")
    totals = score_totals(ws)
    payload["total_clv"], payload["value_at_risk"] = totals["total_clv"], totals["value_at_risk"]
    payload["clv_histogram"] = records(ws, "views/clv_histogram", bins=CLV_BINS)
    return payload
