"""The headline figures of a period, each with the change against the previous period and
the interval of that change.

=============  ==========================================================================
figure         estimate; change and its 95% interval
=============  ==========================================================================
NPS            adjusted-Wald (:mod:`legame.metrics.nps`); change: difference of the two
               adjusted estimates, their variances added (the periods' answers are taken
               as independent samples)
CSAT           share of answers of 4 or 5 on the 1-5 scale, Wilson interval; change:
               Newcombe's hybrid score interval for a difference of proportions
CES            mean effort on the 1-7 scale (higher is harder), t interval; change: Welch
counts         orders, answers, tickets; change: difference of two
               Poisson counts, interval ``d ± z·sqrt(a + b)``
revenue        sum of completed orders; change: difference, interval from the compound
               Poisson variance ``Σ amount²`` of each period
=============  ==========================================================================

There is no change when the previous period begins before the store's data does, by
more than a day or 2% of it (it would be partly empty, and every figure would seem to
grow): ``period.compared`` says whether there is one.

NPS counts each customer's latest answer in the period by default (``every_answer=False``:
one customer answering ten times is one voice, not ten); ``every_answer=True`` counts every
answer. The payload says which, in ``nps_counts``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from scipy import stats as sps

from legame import sql
from legame.metrics.nps import NPS, Z95, nps_from_counts, nps_report
from legame.metrics.period import Period, data_span, parse_period
from legame.metrics.stats import wilson
from legame.store import Workspace

COUNTS = ("orders", "answers", "tickets")


def headline(
    ws: Workspace,
    period: str | Period | None = None,
    *,
    every_answer: bool = False,
    today: date | None = None,
) -> dict[str, Any]:
    """NPS, CSAT, CES, revenue and counts for ``period`` (a spec such as ``"90d"``, or a
    :class:`Period`), each with the previous period's value and the change's interval."""
    data_from, as_of = data_span(ws, today=today)
    chosen = period if isinstance(period, Period) else parse_period(period, as_of)
    bounds = chosen.params()
    # A previous period that begins before the data does is partly empty: comparing
    # against it would show growth that is only the store's beginning. No change then.
    has_previous = _previous_covered(chosen, data_from)
    nps_rows = {
        name: _nps_counts(ws, span, every_answer)
        for name, span in (("current", chosen), ("previous", _previous(chosen)))
        if span is not None
    }
    survey_rows = _by_period(ws, "period/survey_scores", **bounds)
    activity = _by_period(ws, "period/activity_counts", **bounds)
    return {
        "period": {**chosen.to_dict(), "compared": has_previous},
        "data_as_of": as_of,
        "nps_counts": "every_answer" if every_answer else "latest_per_customer",
        "nps": _nps(nps_rows, has_previous),
        "csat": _csat(survey_rows, has_previous),
        "ces": _ces(survey_rows, has_previous),
        "revenue": _revenue(activity, has_previous),
        **{name: _count(activity, name, has_previous) for name in COUNTS},
    }


def _previous_covered(period: Period, data_from: datetime | None) -> bool:
    """Whether the data covers the previous period, but for at most a day or 2% of it (a
    store whose history begins on 2 January still compares a year with the one before)."""
    if period.previous_start is None or data_from is None:
        return False
    missing = (data_from - period.previous_start).total_seconds() / 86_400
    return missing <= max(1.0, 0.02 * period.days)


def _previous(period: Period) -> Period | None:
    if period.previous_start is None:
        return None
    return Period("previous", period.previous_start, period.start, None)


def _nps_counts(ws: Workspace, period: Period, every_answer: bool) -> dict[str, int]:
    """The promoter, passive and detractor counts NPS is computed from, by the one rule of
    :func:`legame.metrics.nps.nps_report` (each customer's latest answer, or every one)."""
    found = nps_report(ws, period=period, every_answer=every_answer)
    n = int(found["n"])
    return {k: round(float(found[k] or 0.0) * n) for k in ("promoters", "passives", "detractors")}


def _by_period(ws: Workspace, query: str, **params: sql.Param) -> dict[str, dict[str, Any]]:
    cur = ws.con.execute(sql.render(query, **params))
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return {str(row["period"]): row for row in rows}


def _change(estimate: float, variance: float) -> dict[str, float]:
    half = Z95 * math.sqrt(max(variance, 0.0))
    return {"estimate": estimate, "ci_low": estimate - half, "ci_high": estimate + half}


# --- NPS ----------------------------------------------------------------------------------


def _nps_of(row: dict[str, Any] | None) -> tuple[NPS, float]:
    """The NPS of a period's counts and the variance of its adjusted estimate (×100²)."""
    pro, pas, det = (int((row or {}).get(k) or 0) for k in ("promoters", "passives", "detractors"))
    result = nps_from_counts(pro, pas, det)
    n_adj = pro + pas + det + 3
    p, d = (pro + 0.75) / n_adj, (det + 0.75) / n_adj
    return result, 100**2 * (p + d - (p - d) ** 2) / n_adj


def _nps(rows: dict[str, dict[str, Any]], has_previous: bool) -> dict[str, Any]:
    current, var_c = _nps_of(rows.get("current"))
    out: dict[str, Any] = {**current.to_dict(), "previous": None, "change": None}
    if has_previous:
        previous, var_p = _nps_of(rows.get("previous"))
        out["previous"] = previous.to_dict()
        if current.nps is not None and previous.nps is not None:
            out["change"] = _change(current.nps - previous.nps, var_c + var_p)
    return out


# --- CSAT and CES -------------------------------------------------------------------------


def _share(row: dict[str, Any] | None) -> dict[str, Any]:
    n = int((row or {}).get("csat_n") or 0)
    k = int((row or {}).get("csat_satisfied") or 0)
    if n == 0:
        return {"share": None, "n": 0, "ci_low": None, "ci_high": None}
    w = wilson(k, n)
    return {"share": k / n, "n": n, "ci_low": w.ci_low, "ci_high": w.ci_high}


def _csat(rows: dict[str, dict[str, Any]], has_previous: bool) -> dict[str, Any]:
    current = _share(rows.get("current"))
    out: dict[str, Any] = {**current, "previous": None, "change": None}
    if not has_previous:
        return out
    previous = _share(rows.get("previous"))
    out["previous"] = previous
    if current["n"] and previous["n"]:
        # Newcombe (1998), method 10: the Wilson limits of each share, combined.
        p1, l1, u1 = current["share"], current["ci_low"], current["ci_high"]
        p2, l2, u2 = previous["share"], previous["ci_low"], previous["ci_high"]
        d = p1 - p2
        out["change"] = {
            "estimate": d,
            "ci_low": d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            "ci_high": d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
        }
    return out


def _mean(row: dict[str, Any] | None) -> dict[str, Any]:
    n = int((row or {}).get("ces_n") or 0)
    if n == 0:
        return {"mean": None, "n": 0, "ci_low": None, "ci_high": None, "_var": None}
    mean = float(row["ces_mean"])  # type: ignore[index]
    var = float((row or {}).get("ces_var") or 0.0) if n > 1 else math.nan
    if n < 2:
        return {"mean": mean, "n": n, "ci_low": None, "ci_high": None, "_var": None}
    half = float(sps.t.ppf(0.975, n - 1)) * math.sqrt(var / n)
    return {"mean": mean, "n": n, "ci_low": mean - half, "ci_high": mean + half, "_var": var}


def _ces(rows: dict[str, dict[str, Any]], has_previous: bool) -> dict[str, Any]:
    current = _mean(rows.get("current"))
    previous = _mean(rows.get("previous")) if has_previous else None
    change = None
    if previous and current["_var"] is not None and previous["_var"] is not None:
        se2_c, se2_p = current["_var"] / current["n"], previous["_var"] / previous["n"]
        se = math.sqrt(se2_c + se2_p)
        dof = (
            (se2_c + se2_p) ** 2 / (se2_c**2 / (current["n"] - 1) + se2_p**2 / (previous["n"] - 1))
            if se > 0
            else math.inf
        )
        d = current["mean"] - previous["mean"]
        half = float(sps.t.ppf(0.975, dof)) * se if se > 0 else 0.0
        change = {"estimate": d, "ci_low": d - half, "ci_high": d + half}
    strip = {k: v for k, v in current.items() if k != "_var"}
    return {
        **strip,
        "previous": None
        if previous is None
        else {k: v for k, v in previous.items() if k != "_var"},
        "change": change,
    }


# --- money and counts ---------------------------------------------------------------------


def _revenue(rows: dict[str, dict[str, Any]], has_previous: bool) -> dict[str, Any]:
    cur = rows.get("current") or {}
    value = float(cur.get("revenue") or 0.0)
    out: dict[str, Any] = {"value": value, "previous": None, "change": None}
    if has_previous:
        prev = rows.get("previous") or {}
        before = float(prev.get("revenue") or 0.0)
        out["previous"] = before
        variance = float(cur.get("revenue_sq") or 0.0) + float(prev.get("revenue_sq") or 0.0)
        out["change"] = _change(value - before, variance)
    return out


def _count(rows: dict[str, dict[str, Any]], name: str, has_previous: bool) -> dict[str, Any]:
    value = int((rows.get("current") or {}).get(name) or 0)
    out: dict[str, Any] = {"value": value, "previous": None, "change": None}
    if has_previous:
        before = int((rows.get("previous") or {}).get(name) or 0)
        out["previous"] = before
        out["change"] = _change(float(value - before), float(value + before))
    return out


def as_of_text(as_of: datetime | None) -> str | None:
    """``2024-06-30 18:02 UTC``: how the CLI says when the data is as of."""
    return None if as_of is None else f"{as_of:%Y-%m-%d %H:%M} UTC"
