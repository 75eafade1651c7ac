"""Engagement: how hard customers are contacted, and what the gestures of gratitude did."""

from __future__ import annotations

from typing import Any

from legame.engage.gratitude import results
from legame.metrics import definitions as d
from legame.metrics.cutoff import default_as_of
from legame.store import Workspace
from legame.store.bookkeeping import has_table
from legame.views._store import records


def engagement(ws: Workspace) -> dict[str, Any]:
    """Contact pressure (customers and unsubscribes per band of sends in 30 days) and the
    gestures' arms per trigger (n, 180-day retention and spend after the gesture with 95%
    intervals, cost), from the gratitude program's results.

    The pressure per band counts the messages sent before the findings' as-of moment, by
    the contact-pressure finding's definitions, so the page and the finding agree."""
    as_of = default_as_of(ws)
    pressure = (
        _named(
            records(
                ws, "views/contact_pressure_by_band", as_of=as_of, **d.contact_pressure_params()
            )
        )
        if as_of is not None
        else []
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
        _named(records(ws, "views/customers_by_contact_band", **d.contact_pressure_params()))
        if has_table(ws, "customer_scores")
        else []
    )
    return {"pressure": pressure, "customers_by_band": customers, "gesture_arms": arms}


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with a band code (0 low, 1 mid, 2 high) with the band's name instead."""
    return [{**row, "band": d.CONTACT_BANDS[row["band"]][0]} for row in rows]


def _interval(name: str, ci: list[float | None] | None) -> dict[str, float | None]:
    low, high = ci if ci else (None, None)
    return {f"{name}_ci_low": low, f"{name}_ci_high": high}
