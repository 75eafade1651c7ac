"""Engagement: how hard customers are contacted, and what the gestures of gratitude did."""

from __future__ import annotations

from typing import Any

from legame.engage.gratitude import results
from legame.insights import definitions as d
from legame.store import Workspace
from legame.views._store import has_table, records


def engagement(ws: Workspace) -> dict[str, Any]:
    """Contact pressure (customers and unsubscribes per band of sends in 30 days) and the
    gestures' arms per trigger (n, 180-day retention and spend after the gesture with 95%
    intervals, cost), from the gratitude program's results."""
    window = d.CONTACT_PRESSURE_WINDOW_DAYS
    pressure = records(
        ws,
        # sql-built: the window is an int constant, the bands come from constants.
        f"""
        WITH sends AS (
            SELECT customer_id, sent_at, unsubscribed_at, complained_at,
                   count(*) OVER (PARTITION BY customer_id ORDER BY sent_at
                                  RANGE BETWEEN INTERVAL {window} DAY PRECEDING
                                  AND CURRENT ROW) - 1 AS prior
            FROM messages)
        SELECT {_band("prior")} AS band, count(*) AS messages,
               count(unsubscribed_at) AS unsubscribes, count(complained_at) AS complaints,
               count(unsubscribed_at) / count(*) AS unsubscribe_rate
        FROM sends GROUP BY 1 ORDER BY min(prior)""",
    )
    arms = (
        [
            {
                "trigger": row["trigger"],
                "arm": arm,
                "gestures": row[arm]["gestures"],
                "retention_180d": row[arm]["retention"],
                "spend_180d": row[arm]["spend"],
                "cost": row[arm].get("cost", 0.0),
                **_interval("retention_180d", row[arm].get("retention_ci")),
                **_interval("spend_180d", row[arm].get("spend_ci")),
            }
            for row in results(ws)["by_trigger"]
            if row["trigger"] != "all"
            for arm in ("holdout", "treatment")
            if row[arm]["gestures"]
        ]
        if ws.count("gestures")
        else []
    )
    customers = (
        records(
            ws,
            # sql-built: bands from constants.
            f"""
            SELECT {_band("sends_30d")} AS band, count(*) AS customers
            FROM customer_scores GROUP BY 1 ORDER BY min(sends_30d)""",
        )
        if has_table(ws, "customer_scores")
        else []
    )
    return {"pressure": pressure, "customers_by_band": customers, "gesture_arms": arms}


def _band(expr: str) -> str:
    """SQL naming the contact-pressure band of a count of messages in the window."""
    whens = " ".join(
        f"WHEN {expr} BETWEEN {lo} AND {hi} THEN '{name}'"
        if hi is not None
        else f"WHEN {expr} >= {lo} THEN '{name}'"
        for name, lo, hi in d.CONTACT_BANDS
    )
    return f"CASE {whens} END"


def _interval(name: str, ci: list[float | None] | None) -> dict[str, float | None]:
    low, high = ci if ci else (None, None)
    return {f"{name}_ci_low": low, f"{name}_ci_high": high}
