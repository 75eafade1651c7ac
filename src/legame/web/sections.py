"""What the overview and engagement sections show, from the views' data: shared by the
dashboard's pages and the HTML report (so both draw the same charts from the same numbers)."""

from __future__ import annotations

from typing import Any

from legame.web import charts
from legame.web.i18n import Catalogue
from legame.web.validation_charts import tracking


def overview_context(data: dict[str, Any], c: Catalogue) -> dict[str, Any]:
    """What the overview template needs from ``views.overview`` (the report uses it too)."""
    trend = [g for g in data["nps_trend"] if g.get("nps") is not None]
    return {
        "data": data,
        "charts": {
            "nps_trend": charts.nps_trend(trend, c) if trend else None,
            "clv_histogram": charts.clv_histogram(data["clv_histogram"], c)
            if data["clv_histogram"]
            else None,
            "risk": charts.risk_tiers(data["risk"], c) if data["risk"] else None,
            "segments": charts.segments(data["segments"], c) if data["segments"] else None,
        },
    }


def engagement_context(data: dict[str, Any], c: Catalogue) -> dict[str, Any]:
    """What the engagement template (and the report's gesture section) needs."""
    arms = data["gesture_arms"]
    return {
        "data": data,
        "band_ranges": band_ranges(),
        "charts": {
            "pressure": charts.pressure(data["pressure"], c) if data["pressure"] else None,
            "customers_by_band": charts.customers_by_band(data["customers_by_band"], c)
            if data["customers_by_band"]
            else None,
            "retention": charts.gesture_arms(arms, c) if arms else None,
            "spend": charts.gesture_arms(arms, c, measure="spend_180d") if arms else None,
        },
    }


def validation_context(data: dict[str, Any] | None, c: Catalogue) -> dict[str, Any]:
    """What the validation template (page and report) needs from ``views.validation``: the
    stored validation, its best model's results and the tracking charts (none before the
    first ``legame clv validate``)."""
    if not data or not data["models"]:
        return {"data": None, "best": None, "charts": {"cumulative": None, "weekly": None}}
    best = next((m for m in data["models"] if m["model"] == data["best"]), None)
    return {
        "data": data,
        "best": best,
        "charts": {
            "cumulative": tracking(data, c),
            "weekly": tracking(data, c, weekly=True),
        },
    }


def band_ranges() -> dict[str, str]:
    """``{"low": "0–4", "mid": "5–8", "high": "≥ 9"}`` from the contact-pressure bands."""
    from legame.metrics.definitions import CONTACT_BANDS

    return {name: f"{lo}–{hi}" if hi is not None else f"≥ {lo}" for name, lo, hi in CONTACT_BANDS}
