"""Emotionally connected customers are worth about twice highly satisfied ones (seed 004).

Estimand (``truth.json`` ``emotion_value``): mean revenue (completed orders) in the outcome
window ``[as_of - 180 days, as_of)`` of *connected* customers divided by that of *highly
satisfied but not connected* ones, both classified by their latest survey answer before the
window: connected = emotional connection index >= 70; highly satisfied = survey CSAT 5 and
index < 70. Customers without such an answer are left out.

Interval: percentile bootstrap, 2,000 resamples of customers within each group (seeded).
``details`` adds the same ratio for CLV (``customer_scores.clv``, when scored).

Verdict: ``supported`` when the interval lies above 1 (connected customers are worth more),
``contradicted`` when it lies below 1, ``not_supported`` otherwise; ``details["consistent
_with_2x"]`` says whether 2 is inside the interval. Minimum: 30 customers in each group and
some revenue among the satisfied ones. Observational: an association, not proof of cause.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from legame.insights.context import Context, numbers
from legame.insights.finding import (
    Finding,
    insufficient,
    phrase,
    result_sentences,
    verdict_from_interval,
)
from legame.insights.panel import panel
from legame.metrics import definitions as d
from legame.metrics import stats

ID = "emotion_vs_satisfaction"
#: No effect: a ratio of 1.
NULL = 1.0
CLAIM = (
    "Emotionally connected customers are worth about twice as much as highly satisfied "
    "customers (seed 004)."
)
METHOD = (
    "Ratio of mean revenue in the 180 days before the as-of date: customers whose latest "
    "earlier survey answer has an emotional connection index >= 70, over those with "
    "CSAT 5 and index < 70; 95% percentile bootstrap (2,000 resamples within groups)."
)
MIN_GROUP = 30

FloatArray = npt.NDArray[np.float64]


def compute(ctx: Context) -> Finding:
    p = panel(ctx)
    connected = p.surveyed & d.is_connected(np.nan_to_num(p.index, nan=-1.0))
    satisfied = (
        p.surveyed
        & ~np.isnan(p.index)
        & ~d.is_connected(np.nan_to_num(p.index))
        & (p.csat == d.HIGHLY_SATISFIED_CSAT)
    )
    n_c, n_s = int(connected.sum()), int(satisfied.sum())
    counts = {"connected": n_c, "highly_satisfied": n_s}
    if min(n_c, n_s) < MIN_GROUP:
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            (
                f"needs at least {MIN_GROUP} emotionally connected and {MIN_GROUP} highly "
                f"satisfied (not connected) customers with a survey answer before the last 180 "
                f"days; found {n_c} and {n_s}."
            ),
            why=phrase(
                f"finding.{ID}.too_few",
                min=MIN_GROUP,
                connected=n_c,
                satisfied=n_s,
            ),
            n=n_c + n_s,
            details=counts,
        )
    rev_c, rev_s = p.revenue_window[connected], p.revenue_window[satisfied]
    if rev_s.sum() <= 0:
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            "the highly satisfied customers bought nothing "
            "in the last 180 days, so no ratio can be formed.",
            why=phrase(f"finding.{ID}.no_revenue"),
            n=n_c + n_s,
            details=counts,
        )
    clv_c, clv_s = _clv(ctx, p.customer_id, connected, satisfied)
    rng = ctx.rng(ID)
    reps_rev, reps_clv = [], []
    for idx_c, idx_s in stats.stratified_index_chunks(rng, (n_c, n_s)):
        with np.errstate(invalid="ignore", divide="ignore"):
            reps_rev.append(rev_c[idx_c].mean(axis=1) / rev_s[idx_s].mean(axis=1))
            if clv_c is not None and clv_s is not None:
                reps_clv.append(clv_c[idx_c].mean(axis=1) / clv_s[idx_s].mean(axis=1))
    est = float(rev_c.mean() / rev_s.mean())
    lo, hi = stats.percentile_interval(np.concatenate(reps_rev))
    details: dict[str, object] = {
        **counts,
        "mean_revenue_connected": float(rev_c.mean()),
        "mean_revenue_highly_satisfied": float(rev_s.mean()),
        "consistent_with_2x": bool(lo <= 2.0 <= hi),
        "window_days": d.OUTCOME_WINDOW_DAYS,
        "connection_threshold": d.CONNECTION_THRESHOLD,
    }
    if clv_c is not None and clv_s is not None and clv_s.mean() > 0:
        c_lo, c_hi = stats.percentile_interval(np.concatenate(reps_clv))
        details.update(
            clv_ratio=float(clv_c.mean() / clv_s.mean()),
            clv_ci_low=c_lo,
            clv_ci_high=c_hi,
            mean_clv_connected=float(clv_c.mean()),
            mean_clv_highly_satisfied=float(clv_s.mean()),
        )
    else:
        details["clv_ratio"] = None
        details["clv_note"] = "CLV not available: run `legame score` to build customer_scores."
    verdict = verdict_from_interval(lo, hi, 1.0, "above")
    return Finding(
        id=ID,
        claim=CLAIM,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        n=n_c + n_s,
        method=METHOD,
        verdict=verdict,
        summary=_summary(verdict, est, lo, hi),
        causal=False,
        details=details,
        text=result_sentences(ID, verdict, est=est, lo=lo, hi=hi),
    )


def _clv(
    ctx: Context,
    customer_id: list[str],
    connected: npt.NDArray[np.bool_],
    satisfied: npt.NDArray[np.bool_],
) -> tuple[FloatArray | None, FloatArray | None]:
    if not ctx.has_table("customer_scores"):
        return None, None
    with ctx.shared("customer_scores", ("customer_id", "clv")):
        t = ctx.fetch("finding_scores_clv")
    by_id = dict(zip(t["customer_id"].to_pylist(), numbers(t["clv"]).tolist(), strict=True))
    clv = np.array([by_id.get(c, math.nan) for c in customer_id], dtype=float)
    clv = np.nan_to_num(clv, nan=0.0)  # unscored (no completed order): no expected value
    return clv[connected], clv[satisfied]


def _summary(verdict: str, est: float, lo: float, hi: float) -> str:
    base = (
        f"Emotionally connected customers spent {est:.1f}x as much as highly satisfied but "
        f"unconnected customers in the last 180 days (95% interval {lo:.1f}x to {hi:.1f}x)."
    )
    tail = {
        "supported": " Connection goes with more value than satisfaction alone; this is an "
        "association, not proof that connection causes it.",
        "contradicted": " Here the satisfied customers are worth more; an association, not "
        "proof of cause.",
        "not_supported": " The data cannot tell the two groups apart yet.",
    }
    return base + tail.get(verdict, "")
