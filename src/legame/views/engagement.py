"""Engagement: how hard customers are contacted, and what the gestures of gratitude did."""

from __future__ import annotations

from typing import Any

from legame.insights import definitions as d
from legame.store import Workspace
from legame.views._store import has_table, records


def engagement(ws: Workspace) -> dict[str, Any]:
    """Contact pressure (customers and unsubscribes per band of sends in 30 days) and the
    gestures' arms (n, 180-day retention and spend after the gesture, cost)."""
    window = d.CONTACT_PRESSURE_WINDOW_DAYS
    pressure = records(
        ws,
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
    follow = d.GRATITUDE_FOLLOWUP_DAYS
    arms = records(
        ws,
        f"""
        SELECT coalesce(g.trigger, 'manual') AS trigger, g.arm, count(*) AS gestures,
               avg(CASE WHEN o.orders > 0 THEN 1.0 ELSE 0.0 END) AS retention_180d,
               avg(coalesce(o.revenue, 0)) AS spend_180d, sum(CAST(g.cost AS DOUBLE)) AS cost
        FROM gestures g LEFT JOIN LATERAL (
            SELECT count(*) AS orders, sum(CAST(amount AS DOUBLE)) AS revenue FROM orders
            WHERE customer_id = g.customer_id AND status = 'completed'
              AND ordered_at > g.given_at AND ordered_at <= g.given_at + INTERVAL {follow} DAY
        ) o ON true
        WHERE g.given_at IS NOT NULL
          AND g.given_at <= (SELECT max(ordered_at) FROM orders) - INTERVAL {follow} DAY
        GROUP BY 1, 2 ORDER BY 1, 2""",
    )
    customers = (
        records(
            ws,
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
