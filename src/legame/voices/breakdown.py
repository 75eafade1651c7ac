"""NPS, CSAT and churn by RFM segment, purchase channel and country, for a period: the
overview's breakdowns, all three from one pass over the customers
(``sql/voices/breakdowns.sql``).

Each group's NPS counts its customers' latest answer in the period, with the adjusted-Wald
interval; CSAT is the share of the period's answers of 4 or 5, with the Wilson interval;
churn is the share of the group's scored customers at high churn risk now, and the CLV
they hold."""

from __future__ import annotations

from typing import Any, Literal

from legame import sql
from legame.errors import InputError
from legame.metrics.nps import nps_from_counts
from legame.metrics.period import Period
from legame.metrics.stats import wilson
from legame.store import Workspace
from legame.store.bookkeeping import has_table

Grouping = Literal["segment", "channel", "country"]
GROUPINGS: tuple[Grouping, ...] = ("segment", "channel", "country")


def breakdowns(ws: Workspace, period: Period) -> dict[str, list[dict[str, Any]]]:
    """``{"segment": [...], "channel": [...], "country": [...]}``: one row per group with
    customers, NPS (with interval and n), CSAT share (with interval and n), the high-risk
    share and the CLV at high risk, the largest groups first. Empty before the first score."""
    out: dict[str, list[dict[str, Any]]] = {by: [] for by in GROUPINGS}
    if not has_table(ws, "customer_scores"):
        return out
    cur = ws.con.execute(sql.render("voices/breakdowns", start=period.start, end=period.end))
    names = [d[0] for d in cur.description]
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        out[str(row["grouping"])].append(_group(row))
    return out


def breakdown(ws: Workspace, by: str, period: Period) -> list[dict[str, Any]]:
    """One of :func:`breakdowns`: by ``segment``, ``channel`` or ``country``."""
    if by not in GROUPINGS:
        raise InputError(
            f"The breakdown must be by one of {', '.join(GROUPINGS)}. Got {by!r} instead."
        )
    return breakdowns(ws, period)[by]


def _group(row: dict[str, Any]) -> dict[str, Any]:
    nps = nps_from_counts(row["promoters"], row["passives"], row["detractors"])
    answers = int(row["csat_answers"] or 0)
    csat = wilson(int(row["csat_satisfied"] or 0), answers)
    scored = int(row["scored"] or 0)
    return {
        "group": str(row["grp"]),
        "customers": int(row["customers"]),
        "nps": nps.to_dict(),
        "csat": {
            "share": csat.estimate if answers else None,
            "n": answers,
            "ci_low": csat.ci_low if answers else None,
            "ci_high": csat.ci_high if answers else None,
        },
        "high_risk_share": row["high_risk"] / scored if scored else None,
        "clv_at_high_risk": float(row["clv_at_high_risk"] or 0.0),
    }
