"""Aim for gratitude and loyalty follows: gestures of reciprocity keep customers (seed 002).

Estimand (``truth.json`` ``gratitude_uplift``): treatment minus holdout difference in
180-day retention (at least one completed order in ``(given_at, given_at + 180 days]``)
over gratitude events (gesture rows, all triggers pooled) with full follow-up, i.e.
``given_at <= as_of - 180 days``. ``details`` gives the same difference in revenue over the
follow-up, and both per trigger.

The arms are assigned at random (the program's holdout), so the difference is the causal
effect of giving the gesture: ``causal`` is true.

Interval: percentile bootstrap over customers (2,000 resamples, seeded); a customer can
have several gestures, so customers are the independent units.

Verdict: ``supported`` when the interval lies above 0, ``contradicted`` below 0,
``not_supported`` otherwise. ``insufficient_data`` when there are no holdout gestures, or
fewer than 30 events in either arm with full follow-up.
"""

from __future__ import annotations

import numpy as np

from legame.engage.gratitude.results import MIN_PER_ARM, compare_arms
from legame.insights.context import Context, numbers
from legame.insights.finding import (
    Finding,
    Verdict,
    insufficient,
    phrase,
    result_sentences,
    verdict_from_interval,
)
from legame.metrics import definitions as d

ID = "gratitude_uplift"
#: No effect: a difference of 0.
NULL = 0.0
CLAIM = (
    "Gratitude, not points or vouchers, builds loyalty: when the brand is loyal to its "
    "customers (e.g. forgives a fee), they stay (seed 002)."
)
METHOD = (
    "Randomized holdout: 180-day retention after each gesture with full follow-up, "
    "treatment minus holdout; 95% percentile bootstrap over customers (2,000 "
    "resamples)."
)


def compute(ctx: Context) -> Finding:
    t = ctx.fetch("gratitude_results", followup_days=d.GRATITUDE_FOLLOWUP_DAYS)
    arm = np.asarray(t["arm"].to_pylist(), dtype=object)
    full = numbers(t["full_followup"]) > 0
    if not (arm == "holdout").any():
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            (
                "no gesture has a holdout arm: without a randomly withheld group the program's "
                "effect cannot be measured (the gratitude program keeps a random holdout)."
            ),
            why=phrase(f"finding.{ID}.no_holdout"),
            n=int(full.sum()),
            causal=True,
            details={"gestures": int(arm.size)},
        )
    pooled, *by_trigger = compare_arms(t, ctx.rng(ID))
    n_t, n_h = pooled["treatment"]["gestures"], pooled["holdout"]["gestures"]
    if min(n_t, n_h) < MIN_PER_ARM:
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            (
                f"needs at least {MIN_PER_ARM} gestures in each arm given at least "
                f"{d.GRATITUDE_FOLLOWUP_DAYS} days before the as-of date; found {n_t} treated and "
                f"{n_h} held out."
            ),
            why=phrase(
                f"finding.{ID}.too_few",
                min=MIN_PER_ARM,
                days=d.GRATITUDE_FOLLOWUP_DAYS,
                treated=phrase("count.treated", n=n_t),
                held_out=phrase("count.held_out", n=n_h),
            ),
            n=n_t + n_h,
            causal=True,
        )
    retention = pooled["retention_diff"]
    est, lo, hi = retention["estimate"], retention["ci_low"], retention["ci_high"]
    if est is None or lo is None or hi is None:
        return insufficient(
            ID,
            CLAIM,
            METHOD,
            "the bootstrap could not estimate an interval (too few customers in an arm).",
            why=phrase(f"finding.{ID}.no_interval"),
            n=n_t + n_h,
            causal=True,
        )
    details: dict[str, object] = {
        "treated_events": n_t,
        "holdout_events": n_h,
        "retention_treatment": pooled["treatment"]["retention"],
        "retention_holdout": pooled["holdout"]["retention"],
        "spend_diff": pooled["spend_diff"]["estimate"],
        "spend_diff_ci": [pooled["spend_diff"]["ci_low"], pooled["spend_diff"]["ci_high"]],
        "by_trigger": by_trigger,
        "followup_days": d.GRATITUDE_FOLLOWUP_DAYS,
    }
    verdict = verdict_from_interval(lo, hi, NULL, "above")
    return Finding(
        id=ID,
        claim=CLAIM,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        n=n_t + n_h,
        method=METHOD,
        verdict=verdict,
        summary=_summary(verdict, est, lo, hi),
        causal=True,
        details=details,
        text=result_sentences(ID, verdict, est=100 * est, lo=100 * lo, hi=100 * hi),
    )


def _summary(verdict: Verdict, est: float, lo: float, hi: float) -> str:
    base = (
        f"Customers who received a gesture of gratitude were {100 * est:+.1f} percentage "
        f"points more likely to buy again within 180 days than the randomly held-out ones "
        f"(95% interval {100 * lo:+.1f} to {100 * hi:+.1f})."
    )
    tail = {
        "supported": " Because the holdout was random, this is the gestures' effect.",
        "contradicted": " Because the holdout was random, the gestures made customers less "
        "likely to return.",
        "not_supported": " The effect cannot be told apart from zero yet; keep the holdout "
        "running.",
    }
    return base + tail[verdict]
