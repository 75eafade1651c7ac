"""Vega-Lite specs for every chart, built from the views' plain data.

The dashboard and the report embed these as JSON; ``static/legame.js`` renders them with
vega-embed, passing the page's locale so axis numbers and dates read as the page does.
Titles, categories and tooltips are put into the data already translated and formatted
(by :class:`~legame.web.i18n.Catalogue`), so a chart never shows English in an Italian page.
Axes of amounts use d3's ``$`` format, which the page's locale fills with the workspace's
currency (``1.234 €`` in Italian), and axes of shares ``%``, with the locale's percent sign
(``37 %`` in Spanish): the same as the tables beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from legame.web.i18n import FAMILIES, Catalogue

Spec = dict[str, Any]
Row = dict[str, Any]

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
#: The d3 format of an amount axis: the locale's currency, no decimals.
MONEY = "$,.0f"
ACCENT = "#2f6f5e"
SECOND = "#c2703d"
MUTED = "#8a8f98"
RISK_COLOURS = {"low": "#3a8f5c", "medium": "#d9a21b", "high": "#c4473a"}
ARM_COLOURS = {"treatment": ACCENT, "holdout": MUTED}
KIND_COLOURS = ("#2f6f5e", "#c4473a", "#4267ac", "#8a8f98", "#c2703d", "#7b4fa0", "#d9a21b")
CONFIG: Spec = {
    "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "view": {"stroke": None},
    "axis": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": 500,
        "gridColor": "#e6e8eb",
        "domainColor": "#9aa0a6",
        "tickColor": "#9aa0a6",
    },
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
}


def chart_spec(height: int, **parts: Any) -> Spec:
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": CONFIG,
        **parts,
    }


def tooltip(field: str, title: str) -> Spec:
    return {"field": field, "type": "nominal", "title": title}


def _order(family: str, c: Catalogue) -> list[str]:
    return [c.label(family, v) for v in FAMILIES[family]]


# --- overview ----------------------------------------------------------------------------


def nps_trend(groups: Sequence[Row], c: Catalogue) -> Spec:
    """Monthly NPS as a line, its 95% interval as a band, zero as a rule."""
    values = [
        {
            "month": f"{g['month']}-01",
            "nps": g["nps"],
            "ci_low": g["ci_low"],
            "ci_high": g["ci_high"],
            "t_month": c.month(g["month"]),
            "t_nps": c.signed(g["nps"]),
            "t_ci": c.t("fmt.interval", low=c.signed(g["ci_low"]), high=c.signed(g["ci_high"])),
            "t_n": c.num(g["n"]),
        }
        for g in groups
    ]
    x = {
        "field": "month",
        "type": "temporal",
        "timeUnit": "utcyearmonth",
        "title": c.t("chart.month"),
        "axis": {"format": "%b %Y", "labelAngle": 0},
    }
    tips = [
        tooltip("t_month", c.t("chart.month")),
        tooltip("t_nps", c.t("chart.nps")),
        tooltip("t_ci", c.t("chart.interval95")),
        tooltip("t_n", c.t("chart.responses")),
    ]
    return chart_spec(
        240,
        data={"values": values},
        layer=[
            {
                "mark": {"type": "area", "opacity": 0.18, "color": ACCENT},
                "encoding": {
                    "x": x,
                    "y": {"field": "ci_low", "type": "quantitative", "title": c.t("chart.nps")},
                    "y2": {"field": "ci_high"},
                    "tooltip": tips,
                },
            },
            {
                "mark": {
                    "type": "line",
                    "color": ACCENT,
                    "point": {"filled": True, "size": 36, "color": ACCENT},
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "nps", "type": "quantitative"},
                    "tooltip": tips,
                },
            },
            {
                "data": {"values": [{"zero": 0}]},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": MUTED},
                "encoding": {"y": {"field": "zero", "type": "quantitative"}},
            },
        ],
    )


def clv_histogram(bins: Sequence[Row], c: Catalogue) -> Spec:
    """Customers per band of expected CLV."""
    values = [
        {
            **b,
            "t_range": c.t(
                "fmt.range",
                low=c.money(b["clv_from"], digits=0),
                high=c.money(b["clv_to"], digits=0),
            ),
            "t_customers": c.num(b["customers"]),
        }
        for b in bins
    ]
    return chart_spec(
        220,
        data={"values": values},
        mark={"type": "bar", "color": ACCENT},
        encoding={
            "x": {
                "field": "clv_from",
                "type": "quantitative",
                "bin": {"binned": True},
                "title": c.t("chart.clv"),
                "axis": {"format": MONEY},
            },
            "x2": {"field": "clv_to"},
            "y": {
                "field": "customers",
                "type": "quantitative",
                "title": c.t("chart.customers"),
                "axis": {"format": ",.0f"},
            },
            "tooltip": [
                tooltip("t_range", c.t("chart.clv")),
                tooltip("t_customers", c.t("chart.customers")),
            ],
        },
    )


def risk_tiers(risk: Sequence[Row], c: Catalogue) -> Spec:
    """Customers per churn-risk tier, coloured low to high."""
    values = [
        {
            "tier": c.label("risk", r["churn_risk"]),
            "customers": r["customers"],
            "t_customers": c.num(r["customers"]),
            "t_revenue": c.money(r["revenue_12m"], digits=0),
            "t_clv": c.money(r["clv"], digits=0),
        }
        for r in risk
    ]
    tiers = [t for t in FAMILIES["risk"] if any(r["churn_risk"] == t for r in risk)]
    return chart_spec(
        200,
        data={"values": values},
        mark={"type": "bar"},
        encoding={
            "x": {
                "field": "tier",
                "type": "nominal",
                "sort": _order("risk", c),
                "title": c.t("chart.risk"),
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "customers",
                "type": "quantitative",
                "title": c.t("chart.customers"),
                "axis": {"format": ",.0f"},
            },
            "color": {
                "field": "tier",
                "type": "nominal",
                "legend": None,
                "scale": {
                    "domain": [c.label("risk", t) for t in tiers],
                    "range": [RISK_COLOURS[t] for t in tiers],
                },
            },
            "tooltip": [
                tooltip("tier", c.t("chart.risk")),
                tooltip("t_customers", c.t("chart.customers")),
                tooltip("t_revenue", c.t("chart.revenue_12m")),
                tooltip("t_clv", c.t("chart.clv")),
            ],
        },
    )


def segments(rows: Sequence[Row], c: Catalogue) -> Spec:
    """Expected CLV per segment, largest first."""
    values = [
        {
            "segment": c.label("segment", r["segment"]),
            "clv": r["clv"] or 0,
            "t_clv": c.money(r["clv"], digits=0),
            "t_customers": c.num(r["customers"]),
            "t_revenue": c.money(r["revenue"], digits=0),
        }
        for r in rows
    ]
    return chart_spec(
        max(160, 28 * len(values)),
        data={"values": values},
        mark={"type": "bar", "color": ACCENT},
        encoding={
            "y": {"field": "segment", "type": "nominal", "sort": "-x", "title": None},
            "x": {
                "field": "clv",
                "type": "quantitative",
                "title": c.t("chart.clv"),
                "axis": {"format": MONEY},
            },
            "tooltip": [
                tooltip("segment", c.t("chart.segment")),
                tooltip("t_clv", c.t("chart.clv")),
                tooltip("t_customers", c.t("chart.customers")),
                tooltip("t_revenue", c.t("chart.revenue")),
            ],
        },
    )


# --- engagement --------------------------------------------------------------------------


def pressure(rows: Sequence[Row], c: Catalogue) -> Spec:
    """Unsubscribes per message, by how many messages the customer had in 30 days."""
    values = [
        {
            "band": c.label("band", r["band"]),
            "rate": r["unsubscribe_rate"],
            "t_rate": c.pct(r["unsubscribe_rate"], 2),
            "t_messages": c.num(r["messages"]),
            "t_unsubscribes": c.num(r["unsubscribes"]),
        }
        for r in rows
    ]
    return chart_spec(
        220,
        data={"values": values},
        mark={"type": "bar", "color": SECOND},
        encoding={
            "x": {
                "field": "band",
                "type": "nominal",
                "sort": _order("band", c),
                "title": c.t("chart.band"),
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "rate",
                "type": "quantitative",
                "title": c.t("chart.unsubscribe_rate"),
                "axis": {"format": ".1%"},
            },
            "tooltip": [
                tooltip("band", c.t("chart.band")),
                tooltip("t_rate", c.t("chart.unsubscribe_rate")),
                tooltip("t_messages", c.t("chart.messages")),
                tooltip("t_unsubscribes", c.t("chart.unsubscribes")),
            ],
        },
    )


def customers_by_band(rows: Sequence[Row], c: Catalogue) -> Spec:
    """Customers by their own contact pressure now (sends in the last 30 days)."""
    values = [
        {
            "band": c.label("band", r["band"]),
            "customers": r["customers"],
            "t_customers": c.num(r["customers"]),
        }
        for r in rows
    ]
    return chart_spec(
        220,
        data={"values": values},
        mark={"type": "bar", "color": MUTED},
        encoding={
            "x": {
                "field": "band",
                "type": "nominal",
                "sort": _order("band", c),
                "title": c.t("chart.band"),
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "customers",
                "type": "quantitative",
                "title": c.t("chart.customers"),
                "axis": {"format": ",.0f"},
            },
            "tooltip": [
                tooltip("band", c.t("chart.band")),
                tooltip("t_customers", c.t("chart.customers")),
            ],
        },
    )


def gesture_arms(rows: Sequence[Row], c: Catalogue, *, measure: str = "retention_180d") -> Spec:
    """One bar per arm within each trigger; interval whiskers where the rows carry
    ``<measure>_ci_low`` and ``<measure>_ci_high`` (or ``ci_low``/``ci_high``)."""
    is_rate = measure.startswith("retention")
    fmt = (lambda v: c.pct(v)) if is_rate else (lambda v: c.money(v))
    values = []
    for r in rows:
        low = r.get(f"{measure}_ci_low", r.get("ci_low"))
        high = r.get(f"{measure}_ci_high", r.get("ci_high"))
        values.append(
            {
                "trigger": c.label("trigger", r["trigger"]),
                "arm": c.label("arm", r["arm"]),
                "value": r[measure],
                "ci_low": low,
                "ci_high": high,
                "t_value": fmt(r[measure]),
                "t_gestures": c.num(r["gestures"]),
                "t_ci": ""
                if low is None or high is None
                else c.t("fmt.interval", low=fmt(low), high=fmt(high)),
            }
        )
    arms = [a for a in FAMILIES["arm"] if any(r["arm"] == a for r in rows)]
    title = c.t("chart.retention_180d" if is_rate else "chart.spend_180d")
    tips = [
        tooltip("trigger", c.t("chart.trigger")),
        tooltip("arm", c.t("chart.arm")),
        tooltip("t_value", title),
        tooltip("t_gestures", c.t("chart.gestures")),
    ]
    x = {"field": "trigger", "type": "nominal", "title": None, "axis": {"labelAngle": 0}}
    offset = {"field": "arm", "type": "nominal", "sort": [c.label("arm", a) for a in arms]}
    layers: list[Spec] = [
        {
            "mark": {"type": "bar"},
            "encoding": {
                "x": x,
                "xOffset": offset,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": title,
                    "axis": {"format": ".0%" if is_rate else MONEY},
                },
                "color": {
                    "field": "arm",
                    "type": "nominal",
                    "title": c.t("chart.arm"),
                    "scale": {
                        "domain": [c.label("arm", a) for a in arms],
                        "range": [ARM_COLOURS.get(a, SECOND) for a in arms],
                    },
                },
                "tooltip": tips,
            },
        }
    ]
    if any(v["ci_low"] is not None for v in values):
        layers.append(
            {
                "transform": [{"filter": "datum.ci_low != null"}],
                "mark": {"type": "errorbar", "ticks": True, "color": "#333"},
                "encoding": {
                    "x": x,
                    "xOffset": offset,
                    "y": {"field": "ci_low", "type": "quantitative", "title": title},
                    "y2": {"field": "ci_high"},
                    "tooltip": [*tips, tooltip("t_ci", c.t("chart.interval95"))],
                },
            }
        )
    return chart_spec(220, data={"values": values}, layer=layers)


# --- findings ----------------------------------------------------------------------------


def finding_interval(f: Row, null: float, c: Catalogue, *, margin: float | None = None) -> Spec:
    """The estimate and its 95% interval against the null line (and the margin of no
    material difference, when the finding has one)."""
    est, low, high = f["estimate"], f["ci_low"], f["ci_high"]
    digits = 3 if max(abs(v) for v in (est, low, high, null)) < 1 else 2
    row = {
        "estimate": est,
        "ci_low": low,
        "ci_high": high,
        "y": c.t("chart.estimate"),
        "t_est": c.num(est, digits),
        "t_ci": c.t("fmt.interval", low=c.num(low, digits), high=c.num(high, digits)),
    }
    points = [low, high, null, *([null - margin, null + margin] if margin else [])]
    span = (max(points) - min(points)) or 1.0
    domain = [min(points) - 0.12 * span, max(points) + 0.12 * span]
    x_scale = {"domain": domain, "zero": False, "nice": False}
    y = {"field": "y", "type": "nominal", "title": None, "axis": None}
    tips = [tooltip("t_est", c.t("chart.estimate")), tooltip("t_ci", c.t("chart.interval95"))]
    layers: list[Spec] = []
    if margin:
        layers.append(
            {
                "data": {"values": [{"lo": null - margin, "hi": null + margin}]},
                "mark": {"type": "rect", "color": MUTED, "opacity": 0.15},
                "encoding": {
                    "x": {"field": "lo", "type": "quantitative", "scale": x_scale},
                    "x2": {"field": "hi"},
                },
            }
        )
    layers += [
        {
            "data": {"values": [{"null": null, "t_null": c.num(null, digits)}]},
            "mark": {"type": "rule", "strokeDash": [5, 4], "color": "#555", "strokeWidth": 1.5},
            "encoding": {
                "x": {"field": "null", "type": "quantitative", "scale": x_scale},
                "tooltip": [tooltip("t_null", c.t("chart.null"))],
            },
        },
        {
            "mark": {"type": "rule", "strokeWidth": 3, "color": ACCENT},
            "encoding": {
                "x": {
                    "field": "ci_low",
                    "type": "quantitative",
                    "scale": x_scale,
                    "title": c.t("chart.estimate_axis"),
                    "axis": {"format": "~g", "tickCount": 8},
                },
                "x2": {"field": "ci_high"},
                "y": y,
                "tooltip": tips,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 110, "color": ACCENT},
            "encoding": {
                "x": {"field": "estimate", "type": "quantitative", "scale": x_scale},
                "y": y,
                "tooltip": tips,
            },
        },
    ]
    return {**chart_spec(56, data={"values": [row]}, layer=layers)}


# --- customers and messages --------------------------------------------------------------


def timeline(events: Sequence[Row], c: Catalogue) -> Spec:
    """Every event of one customer on a time axis (UTC, with the years), one row per kind."""
    from legame.web.timeline import row

    values = []
    for e in events:
        if e["at"] is None:
            continue
        shown = row(e, c, detect=False)
        said = " · ".join(part for part in (shown["detail"], shown["note"]) if part)
        values.append(
            {
                "at": _iso(e["at"]),
                "kind": shown["kind"],
                "t_at": shown["at"],
                "detail": said,
                "t_amount": shown["amount"],
                "t_csat": shown["csat"],
                "t_nps": shown["nps"],
            }
        )
    kinds = [k for k in FAMILIES["kind"] if any(e["kind"] == k for e in events)]
    labels = [c.label("kind", k) for k in kinds]
    every = [c.label("kind", k) for k in FAMILIES["kind"]]  # one colour per kind, always
    return chart_spec(
        40 + 34 * max(len(kinds), 1),
        data={"values": values},
        mark={"type": "point", "filled": True, "size": 70, "opacity": 0.8},
        encoding={
            "x": {
                "field": "at",
                "type": "temporal",
                "scale": {"type": "utc"},
                "title": c.t("chart.date"),
                "axis": {"format": "%b %Y", "labelAngle": 0, "labelOverlap": True},
            },
            "y": {"field": "kind", "type": "nominal", "sort": labels, "title": None},
            "color": {
                "field": "kind",
                "type": "nominal",
                "legend": None,
                "scale": {"domain": every, "range": list(KIND_COLOURS)},
            },
            "tooltip": [
                tooltip("t_at", c.t("chart.date")),
                tooltip("kind", c.t("chart.kind")),
                tooltip("detail", c.t("chart.detail")),
                tooltip("t_amount", c.t("chart.amount")),
                tooltip("t_csat", c.t("chart.csat")),
                tooltip("t_nps", c.t("chart.nps")),
            ],
        },
    )


def value_scores(values: Sequence[Row], threshold: float, c: Catalogue) -> Spec:
    """How well the draft conveys each brand value, against the alignment threshold."""
    rows = [
        {"value": v["value"], "score": v["score"], "t_score": c.num(v["score"], 2)} for v in values
    ]
    x_scale = {"domain": [0, 1]}
    return chart_spec(
        max(80, 30 * len(rows)),
        layer=[
            {
                "data": {"values": rows},
                "mark": {"type": "bar", "color": ACCENT},
                "encoding": {
                    "y": {"field": "value", "type": "nominal", "title": None},
                    "x": {
                        "field": "score",
                        "type": "quantitative",
                        "scale": x_scale,
                        "title": c.t("chart.alignment"),
                    },
                    "tooltip": [
                        tooltip("value", c.t("chart.value_name")),
                        tooltip("t_score", c.t("chart.alignment")),
                    ],
                },
            },
            {
                "data": {"values": [{"threshold": threshold}]},
                "mark": {"type": "rule", "strokeDash": [5, 4], "color": "#555"},
                "encoding": {"x": {"field": "threshold", "type": "quantitative", "scale": x_scale}},
            },
        ],
    )


def _iso(value: Any) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value).replace(" ", "T")
    return text if text.endswith("Z") or "+" in text[10:] else f"{text}Z"
