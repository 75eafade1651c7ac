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
import numpy.typing as npt

from legame.insights import definitions as d
from legame.insights import stats
from legame.insights.context import Context, numbers
from legame.insights.finding import Finding, Verdict, insufficient, verdict_from_interval

ID = "gratitude_uplift"
#: No effect: a difference of 0.
NULL = 0.0
CLAIM = ("Gratitude, not points or vouchers, builds loyalty: when the brand is loyal to its "
         "customers (e.g. forgives a fee), they stay (seed 002).")
METHOD = ("Randomized holdout: 180-day retention after each gesture with full follow-up, "
          "treatment minus holdout; 95% percentile bootstrap over customers (2,000 "
          "resamples).")
MIN_PER_ARM = 30
# per-customer columns: events, retained, spend for (treatment, holdout)
_COLS = 6

FloatArray = npt.NDArray[np.float64]


def compute(ctx: Context) -> Finding:
    t = ctx.fetch("finding_gestures", followup_days=d.GRATITUDE_FOLLOWUP_DAYS)
    arm = np.asarray(t["arm"].to_pylist(), dtype=object)
    holdout_all = arm == "holdout"
    full = numbers(t["full_followup"]) > 0
    if not holdout_all.any():
        return insufficient(ID, CLAIM, METHOD, (
            "no gesture has a holdout arm: without a randomly withheld group the program's "
            "effect cannot be measured (the gratitude program keeps a 30% holdout)."),
            n=int(full.sum()), causal=True, details={"gestures": int(arm.size)})
    hold = holdout_all[full]
    n_t, n_h = int((~hold).sum()), int(hold.sum())
    if min(n_t, n_h) < MIN_PER_ARM:
        return insufficient(ID, CLAIM, METHOD, (
            f"needs at least {MIN_PER_ARM} gestures in each arm given at least "
            f"{d.GRATITUDE_FOLLOWUP_DAYS} days before the as-of date; found {n_t} treated and "
            f"{n_h} held out."), n=n_t + n_h, causal=True)
    ids = np.asarray(t["customer_id"].to_pylist(), dtype=object)[full]
    trig = np.asarray(t["trigger"].to_pylist(), dtype=object)[full]
    retained = (numbers(t["orders_after"])[full] >= d.RETENTION_MIN_ORDERS).astype(float)
    spend = numbers(t["spend_after"])[full]
    _, cust = np.unique(ids, return_inverse=True)
    rng = ctx.rng(ID)
    groups: dict[str, npt.NDArray[np.bool_]] = {"all": np.ones(ids.size, dtype=bool)}
    for name in sorted({str(x) for x in trig}):
        groups[name] = trig == name
    X = np.concatenate([_per_customer(cust, hold, retained, spend, sel)
                        for sel in groups.values()], axis=1)
    reps = np.concatenate([w @ X for w in stats.count_chunks(rng, int(cust.max()) + 1)])
    point = X.sum(axis=0)
    by_group = {name: _effect(point[g * _COLS:(g + 1) * _COLS], reps[:, g * _COLS:(g + 1) * _COLS])
                for g, name in enumerate(groups)}
    main = by_group.pop("all")
    ret_reps, spend_reps = _differences(reps[:, :_COLS])
    est = float(main["retention_diff"])  # type: ignore[arg-type]
    lo, hi = stats.percentile_interval(ret_reps)
    details: dict[str, object] = {
        "treated_events": n_t, "holdout_events": n_h,
        "retention_treatment": main["retention_treatment"],
        "retention_holdout": main["retention_holdout"],
        "spend_diff": main["spend_diff"],
        "spend_diff_ci": list(stats.percentile_interval(spend_reps)),
        "by_trigger": [{"trigger": k, **v} for k, v in by_group.items()],
        "followup_days": d.GRATITUDE_FOLLOWUP_DAYS,
    }
    verdict = verdict_from_interval(lo, hi, 0.0, "above")
    return Finding(id=ID, claim=CLAIM, estimate=est, ci_low=lo, ci_high=hi, n=n_t + n_h,
                   method=METHOD, verdict=verdict, summary=_summary(verdict, est, lo, hi),
                   causal=True, details=details)


def _per_customer(cust: npt.NDArray[np.int64], hold: npt.NDArray[np.bool_],
                  retained: FloatArray, spend: FloatArray, sel: npt.NDArray[np.bool_]
                  ) -> FloatArray:
    n = int(cust.max()) + 1
    out = np.zeros((n, _COLS))
    for k, arm in enumerate((~hold, hold)):
        m = arm & sel
        out[:, 3 * k] = np.bincount(cust[m], minlength=n)
        out[:, 3 * k + 1] = np.bincount(cust[m], retained[m], minlength=n)
        out[:, 3 * k + 2] = np.bincount(cust[m], spend[m], minlength=n)
    return out


def _effect(point: FloatArray, reps: FloatArray) -> dict[str, object]:
    """Differences (treatment - holdout) in retention and spend, with intervals."""
    if min(point[0], point[3]) < MIN_PER_ARM:
        return {"treated_events": int(point[0]), "holdout_events": int(point[3]),
                "retention_diff": None, "retention_diff_ci": [None, None]}
    ret, spd = _differences(reps)
    return {
        "treated_events": int(point[0]), "holdout_events": int(point[3]),
        "retention_treatment": float(point[1] / point[0]),
        "retention_holdout": float(point[4] / point[3]),
        "retention_diff": float(point[1] / point[0] - point[4] / point[3]),
        "retention_diff_ci": list(stats.percentile_interval(ret)),
        "spend_diff": float(point[2] / point[0] - point[5] / point[3]),
        "spend_diff_ci": list(stats.percentile_interval(spd)),
    }


def _differences(reps: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per resample: treatment - holdout retention and spend per event."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ret = reps[:, 1] / reps[:, 0] - reps[:, 4] / reps[:, 3]
        spd = reps[:, 2] / reps[:, 0] - reps[:, 5] / reps[:, 3]
    return ret, spd


def _summary(verdict: Verdict, est: float, lo: float, hi: float) -> str:
    base = (f"Customers who received a gesture of gratitude were {100 * est:+.1f} percentage "
            f"points more likely to buy again within 180 days than the randomly held-out ones "
            f"(95% interval {100 * lo:+.1f} to {100 * hi:+.1f}).")
    tail = {
        "supported": " Because the holdout was random, this is the gestures' effect.",
        "contradicted": " Because the holdout was random, the gestures made customers less "
                        "likely to return.",
        "not_supported": " The effect cannot be told apart from zero yet; keep the holdout "
                         "running.",
    }
    return base + tail[verdict]
