"""High spend is not loyalty (seed 001).

Estimand (``truth.json`` ``high_spend_not_loyalty``): retention rate (at least one
completed order in ``[as_of - 180 days, as_of)``) of the top tercile of average order value
minus that of the bottom tercile; average order value over the completed orders before the
window, terciles by ``definitions.aov_terciles`` over every customer with such an order.
For comparison ``details`` gives the promoter - detractor retention gap (customers
classified by their latest survey answer before the window that has an NPS).

Interval: percentile bootstrap over customers (2,000 resamples, seeded), recomputing the
tercile cut points in every resample.

Verdict: the claim is that there is *no material* relation, so it needs a margin.
``supported`` when the whole interval lies below ``SPEND_MARGIN`` = 0.05 (top spenders are
retained at most 5 percentage points better than bottom spenders: spend says little about
loyalty), ``contradicted`` when the whole interval lies above it (top spenders are
retained materially better), ``not_supported`` otherwise. Minimum: 150 customers with an
order before the window, at least 20 retained and 20 not. Observational: an association,
not proof of cause.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from legame.insights.context import Context
from legame.insights.finding import (
    Finding,
    Verdict,
    insufficient,
    phrase,
    sentences,
    verdict_from_interval,
)
from legame.insights.panel import panel
from legame.metrics import definitions as d
from legame.metrics import stats

ID = "high_spend_is_not_loyalty"
#: No effect: a difference of 0.
NULL = 0.0
CLAIM = (
    "High spend does not mean loyalty: the biggest spenders are not the most loyal "
    "customers (seed 001)."
)
METHOD = (
    "Retention (an order in the 180 days before the as-of date) of the top minus the "
    "bottom tercile of average order value before that window; 95% percentile bootstrap "
    "(2,000 resamples of customers, terciles recomputed); gaps under 5 points count as "
    "no material relation."
)
SPEND_MARGIN = 0.05
MARGIN = SPEND_MARGIN  # the claim of no relation holds within it
MIN_CUSTOMERS = 150
MIN_PER_CLASS = 20
TERCILES = ("bottom", "middle", "top")

FloatArray = npt.NDArray[np.float64]


def compute(ctx: Context) -> Finding:
    p = panel(ctx)
    m = p.orders_before > 0
    aov = p.aov[m]
    y = p.retained[m]
    n = int(m.sum())
    n_pos = int(y.sum())
    if n < MIN_CUSTOMERS or min(n_pos, n - n_pos) < MIN_PER_CLASS:
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            (
                f"needs at least {MIN_CUSTOMERS} customers with a completed order before the last "
                f"180 days, {MIN_PER_CLASS} of them retained and {MIN_PER_CLASS} not; found {n} "
                f"({n_pos} retained)."
            ),
            why=phrase(
                f"finding.{ID}.too_few",
                min=MIN_CUSTOMERS,
                min_class=MIN_PER_CLASS,
                found=n,
                retained=phrase("count.retained", n=n_pos),
            ),
            n=n,
        )
    terc = d.aov_terciles(aov)
    n_top, n_bottom = int((terc == 2).sum()), int((terc == 0).sum())
    if min(n_top, n_bottom) < MIN_PER_CLASS:
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            (
                f"average order values barely vary: the top tercile holds {n_top} customers and "
                f"the bottom one {n_bottom} (at least {MIN_PER_CLASS} each are needed)."
            ),
            why=phrase(
                f"finding.{ID}.flat",
                top=phrase("count.customers", n=n_top),
                bottom=n_bottom,
                min_class=MIN_PER_CLASS,
            ),
            n=n,
        )
    est = float(y[terc == 2].mean() - y[terc == 0].mean())
    rng = ctx.rng(ID)
    yf = y.astype(float)
    reps = stats.bootstrap(rng, n, lambda idx: _gap(aov[idx], yf[idx]))
    lo, hi = stats.percentile_interval(reps)
    details: dict[str, object] = {
        "retention_by_tercile": _by_group(y, terc, TERCILES),
        "aov_cut_points": [float(q) for q in np.quantile(aov, [1 / 3, 2 / 3])],
        "spend_margin": SPEND_MARGIN,
    }
    details.update(_nps_gap(ctx, rng))
    verdict = _verdict(lo, hi)
    return Finding(
        id=ID,
        claim=CLAIM,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        n=n,
        method=METHOD,
        verdict=verdict,
        summary=_summary(verdict, est, lo, hi, details),
        causal=False,
        details=details,
        text=_sentences(verdict, est, lo, hi, details),
    )


def _gap(aov: FloatArray, y: FloatArray) -> FloatArray:
    """Top minus bottom tercile retention per resample row."""
    q1, q2 = np.quantile(aov, [1 / 3, 2 / 3], axis=1)
    top = aov > q2[:, None]
    bottom = aov <= q1[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((y * top).sum(1) / top.sum(1) - (y * bottom).sum(1) / bottom.sum(1))


def _by_group(
    y: npt.NDArray[np.bool_], group: npt.NDArray[np.int8], names: tuple[str, ...]
) -> list[dict[str, object]]:
    out = []
    for code, name in enumerate(names):
        sel = group == code
        w = stats.wilson(float(y[sel].sum()), float(sel.sum()))
        out.append(
            {
                "group": name,
                "customers": int(sel.sum()),
                "retention": w.estimate,
                "ci_low": w.ci_low,
                "ci_high": w.ci_high,
            }
        )
    return out


def _nps_gap(ctx: Context, rng: np.random.Generator) -> dict[str, object]:
    p = panel(ctx)
    m = p.surveyed & ~np.isnan(p.nps)
    cat = d.nps_category(p.nps[m])
    y = p.retained[m].astype(float)
    out: dict[str, object] = {"retention_by_nps": _by_group(y > 0, cat, d.NPS_CATEGORIES)}
    n_pro, n_det = int((cat == 2).sum()), int((cat == 0).sum())
    if min(n_pro, n_det) < MIN_PER_CLASS:
        out["promoter_detractor_gap"] = None
        return out
    gap = float(y[cat == 2].mean() - y[cat == 0].mean())

    def stat(idx: npt.NDArray[np.int64]) -> FloatArray:
        c, yy = cat[idx], y[idx]
        pro, det = c == 2, c == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray((yy * pro).sum(1) / pro.sum(1) - (yy * det).sum(1) / det.sum(1))

    lo, hi = stats.percentile_interval(stats.bootstrap(rng, int(m.sum()), stat))
    out.update(promoter_detractor_gap=gap, promoter_detractor_gap_ci=[lo, hi])
    return out


def _verdict(lo: float, hi: float) -> Verdict:
    return verdict_from_interval(lo, hi, SPEND_MARGIN, "below")


def _sentences(
    verdict: Verdict, est: float, lo: float, hi: float, details: dict[str, object]
) -> dict[str, object]:
    gap = details.get("promoter_detractor_gap")
    result = phrase(f"finding.{ID}.result", est=100 * est, lo=100 * lo, hi=100 * hi)
    if isinstance(gap, float):
        result = phrase(f"finding.{ID}.result_with_nps", **result["values"], gap=100 * gap)
    return sentences(ID, result, phrase(f"finding.{ID}.{verdict}"))


def _summary(verdict: Verdict, est: float, lo: float, hi: float, details: dict[str, object]) -> str:
    base = (
        f"Over the last 180 days the top third of spenders (by average order) came back "
        f"{100 * est:+.1f} percentage points more often than the bottom third (95% "
        f"interval {100 * lo:+.1f} to {100 * hi:+.1f})"
    )
    gap = details.get("promoter_detractor_gap")
    if isinstance(gap, float):
        base += f"; promoters came back {100 * gap:+.1f} points more often than detractors"
    base += "."
    tail = {
        "supported": " Spending more does not mark a loyal customer; an association, not "
        "proof of cause.",
        "contradicted": " Here big spenders do come back more; an association, not proof of cause.",
        "not_supported": " The data cannot yet tell whether spend goes with loyalty.",
    }
    return base + tail[verdict]
