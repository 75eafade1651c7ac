"""The forecast check's charts (``/validation`` and the report): the cohort's repeat
purchases, cumulated or per week, against what each validated model expects."""

from __future__ import annotations

from datetime import date, timedelta

from legame.web.charts import KIND_COLOURS, MUTED, Row, Spec, chart_spec, tooltip
from legame.web.i18n import Catalogue


def tracking(v: Row, c: Catalogue, *, weekly: bool = False) -> Spec:
    """The cohort's repeat purchases per week (or cumulated) against what each validated model
    expects, with a rule where the calibration period ends."""
    models = v["models"]
    actual = c.t("validation.actual")
    field = "" if weekly else "_cumulative"
    values = []
    for i, m in enumerate(models):
        for w in m["tracking"]:
            if weekly and w.get("days", 7) < 7:
                continue  # a last, partial week would look like a fall
            rows = [(c.label("model", m["model"]), "model", w[f"predicted{field}"])]
            if i == 0:
                rows.append((actual, "actual", w[f"actual{field}"]))
            values += [
                {
                    "start": w["start"],
                    "series": series,
                    "dash": dash,
                    "value": value,
                    "t_week": c.date(w["start"]),
                    "t_value": c.num(value, 1),
                }
                for series, dash, value in rows
            ]
    names = [actual, *(c.label("model", m["model"]) for m in models)]
    colours = ["#333333", *(KIND_COLOURS[i % len(KIND_COLOURS)] for i in range(len(models)))]
    title = c.t("validation.chart_weekly" if weekly else "validation.chart_cumulative")
    x = {
        "field": "start",
        "type": "temporal",
        "scale": {"type": "utc"},
        "title": c.t("validation.chart_week"),
        "axis": {"format": "%b %Y", "labelAngle": 0},
    }
    cutoff = (date.fromisoformat(v["until"]) + timedelta(days=1)).isoformat()
    return chart_spec(
        260,
        layer=[
            {
                "data": {"values": values},
                "mark": {"type": "line", "interpolate": "monotone"},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": title,
                        "axis": {"format": ",.0f"},
                    },
                    "color": {
                        "field": "series",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": names, "range": colours},
                    },
                    "strokeDash": {
                        "field": "dash",
                        "type": "nominal",
                        "legend": None,
                        "scale": {"domain": ["actual", "model"], "range": [[1, 0], [5, 3]]},
                    },
                    "tooltip": [
                        tooltip("t_week", c.t("validation.chart_week")),
                        tooltip("series", c.t("validation.chart_series")),
                        tooltip("t_value", title),
                    ],
                },
            },
            {
                "data": {"values": [{"at": cutoff, "t_at": c.date(v["until"])}]},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": MUTED},
                "encoding": {
                    "x": {"field": "at", "type": "temporal", "scale": {"type": "utc"}},
                    "tooltip": [tooltip("t_at", c.t("validation.chart_cutoff"))],
                },
            },
        ],
    )
