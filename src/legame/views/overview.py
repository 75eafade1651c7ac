"""The overview: a period's headline (NPS, CSAT, CES, revenue and counts, each against the
previous period), the NPS trend, the breakdowns by segment, channel and country, CLV
distribution, value at risk, segments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from legame.metrics.headline import headline
from legame.metrics.nps import nps_report
from legame.metrics.period import Period, data_as_of, parse_period
from legame.scoring import score_totals
from legame.store import Workspace
from legame.store.bookkeeping import has_table
from legame.views._store import records
from legame.views.cache import cached
from legame.voices.breakdown import breakdowns

CLV_BINS = 20
TREND_DAYS = 365


def overview(
    ws: Workspace, period: Period | None = None, *, every_answer: bool = False
) -> dict[str, Any]:
    """Everything the overview page shows for ``period`` (default: the default period up to
    the latest data); the scores parts are empty before `legame score`. NPS counts each
    customer's latest answer, or every answer with ``every_answer``. Kept between requests
    while the data stays the same (:mod:`legame.views.cache`)."""
    chosen = period or parse_period(None, data_as_of(ws))
    return cached(
        ws, ("overview", chosen, every_answer), lambda: _overview(ws, chosen, every_answer)
    )


def _overview(ws: Workspace, chosen: Period, every_answer: bool) -> dict[str, Any]:
    top = headline(ws, chosen, every_answer=every_answer)
    # The trend gives the period its context: at least the twelve months up to its end.
    trend_start = min(chosen.start, chosen.end - timedelta(days=TREND_DAYS))
    trend = nps_report(
        ws,
        "month",
        period=Period("trend", trend_start, chosen.end, None),
        every_answer=every_answer,
    )
    payload: dict[str, Any] = {
        "period": top["period"],
        "data_as_of": top["data_as_of"],
        "headline": top,
        # the period's NPS, as the headline computed it (without its previous and change)
        "nps": {
            **{k: v for k, v in top["nps"].items() if k not in ("previous", "change")},
            "nps_counts": top["nps_counts"],
        },
        "nps_trend": trend["groups"],
        "breakdowns": breakdowns(ws, chosen),
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
