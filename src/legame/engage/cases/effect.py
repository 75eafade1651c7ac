"""Is the loop closed, and does closing it work? How fast cases are handled, and what the
call-back does, measured against the detractor_callback trigger's randomized holdout.

A ``period`` (:class:`legame.metrics.period.Period`) keeps the cases whose answer or ticket
is in it (``event_at`` in ``[start, end)``) for all three; None, the default, keeps every
case.

Timings (``legame/sql/cases/timings.sql``): per kind and overall, the median and 90th
percentile of the hours from a case's opening to its first contact and to its resolution,
and how many were contacted by the due date. Cases in the holdout are left out (they are
never called).

The call-back's effect (``legame/sql/cases/effect.sql``): every detractor case in the
experiment whose whole follow-up is observed (its answer at least ``[cases] followup_days``
before ``as_of``), compared by arm as randomized (intention to treat: a treatment case
counts whether or not someone managed to call):

* repurchase: the share of cases whose customer completed an order within the follow-up
  after the answer; treatment minus holdout, in percentage points;
* the next NPS answer after the detractor's answer, within the follow-up: the difference
  in its mean (0-10) and in the shares of promoters (9-10) and detractors (0-6) among the
  cases whose customer answered again.

Each difference has a 95% percentile bootstrap interval over customers (a customer can
have several cases, so customers are the independent units: 2,000 resamples, seeded, by
``legame.metrics.stats``). The arms are random, so the repurchase difference is a causal
effect. The NPS differences compare only the customers who answered again: a call that
changes who answers changes them too, so they are read as associations. Below
:data:`MIN_PER_ARM` cases (or next answers) in either arm a difference is not estimated:
the answer says "insufficient data" and how many there are.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from legame.engage.cases.opening import CALLBACK_TRIGGER, policy_for
from legame.engage.cases.queue import case_counts, period_bounds, period_out, rows
from legame.engage.governor.clock import to_utc
from legame.metrics import definitions as d
from legame.metrics import stats
from legame.metrics.period import Period
from legame.policy import Policy
from legame.store import Workspace

FloatArray = npt.NDArray[np.float64]
#: Fewer cases (or next answers) than this in an arm: the difference is not estimated.
MIN_PER_ARM: Final = 30
ARMS: Final = ("treatment", "holdout")
# per-customer sums in each arm: cases, repurchased, next answers, their NPS sum, promoters,
# detractors
_SUMS: Final = ("cases", "repurchased", "answers", "nps_sum", "promoters", "detractors")
_W: Final = len(_SUMS)


def case_stats(
    ws: Workspace,
    *,
    as_of: datetime | str | None = None,
    policy: Policy | None = None,
    seed: int = 0,
    period: Period | None = None,
) -> dict[str, Any]:
    """Counts (by status, kind, overdue), timings (per kind and ``all``) and the call-back's
    measured effect, as of ``as_of`` (default now), of the cases whose answer or ticket is
    in ``period`` (default: every case)."""
    at = to_utc(as_of, name="as_of")
    timings = [
        {**row, "kind": row["kind"] or "all"}
        for row in rows(ws, "cases/timings", period_bounds(period))
    ]
    return {
        "as_of": at,
        "period": period_out(period),
        "counts": case_counts(ws, now=at, period=period),
        "timings": timings,
        "callback_effect": callback_effect(ws, as_of=at, policy=policy, seed=seed, period=period),
    }


def callback_effect(
    ws: Workspace,
    *,
    as_of: datetime | str | None = None,
    policy: Policy | None = None,
    seed: int = 0,
    period: Period | None = None,
) -> dict[str, Any]:
    """Treatment against holdout among the detractor cases with their whole follow-up
    (whose answer or ticket is in ``period``; default: every case); see the module's
    docstring for the method."""
    at = to_utc(as_of, name="as_of")
    days = policy_for(ws, policy).cases.followup_days
    found = rows(ws, "cases/effect", period_bounds(period), as_of=at, followup_days=days)
    customers = np.asarray([r["customer_id"] for r in found], dtype=object)
    holdout = np.asarray([r["arm"] == "holdout" for r in found], dtype=bool)
    nps = np.asarray([np.nan if r["next_nps"] is None else r["next_nps"] for r in found])
    values = {
        "cases": np.ones(len(found)),
        "repurchased": np.asarray(
            [r["orders_after"] >= d.RETENTION_MIN_ORDERS for r in found], dtype=float
        ),
        "answers": (~np.isnan(nps)).astype(float),
        "nps_sum": np.nan_to_num(nps),
        "promoters": (nps >= d.NPS_PROMOTER_MIN).astype(float),
        "detractors": (nps <= d.NPS_DETRACTOR_MAX).astype(float),
    }
    contacted = sum(1 for r in found if r["contacted"] and r["arm"] == "treatment")
    result: dict[str, Any] = {
        "as_of": at,
        "trigger": CALLBACK_TRIGGER,
        "followup_days": days,
        "min_per_arm": MIN_PER_ARM,
    }
    point = np.zeros(2 * _W)
    reps = np.zeros((0, 2 * _W))
    if found:
        _, unit = np.unique(customers, return_inverse=True)
        n_units = int(unit.max()) + 1
        sums = np.zeros((n_units, 2 * _W))
        for k, in_arm in enumerate((~holdout, holdout)):
            for j, name in enumerate(_SUMS):
                sums[:, k * _W + j] = np.bincount(unit[in_arm], values[name][in_arm], n_units)
        point = sums.sum(axis=0)
        rng = np.random.default_rng(seed)
        reps = np.concatenate([w @ sums for w in stats.count_chunks(rng, n_units)])
    rates = _rates(point)
    for k, arm in enumerate(ARMS):
        result[arm] = {
            "cases": int(point[k * _W]),
            "repurchased": int(point[k * _W + 1]),
            "repurchase_rate": _num(rates["repurchase"][k]),
            "next_answers": int(point[k * _W + 2]),
            "mean_next_nps": _num(rates["mean_nps"][k]),
            "promoter_share": _num(rates["promoter_share"][k]),
            "detractor_share": _num(rates["detractor_share"][k]),
        }
    result["treatment"]["contacted"] = contacted
    boot = _rates(reps)
    enough_cases = min(point[0], point[_W])
    enough_answers = min(point[2], point[_W + 2])
    for name, have, what in (
        ("repurchase", enough_cases, "cases with their whole follow-up"),
        ("mean_nps", enough_answers, "next NPS answers"),
        ("promoter_share", enough_answers, "next NPS answers"),
        ("detractor_share", enough_answers, "next NPS answers"),
    ):
        if have < MIN_PER_ARM:
            result[f"{name}_diff"] = {
                "estimate": None,
                "ci_low": None,
                "ci_high": None,
                "note": f"insufficient data: needs at least {MIN_PER_ARM} {what} in each arm; "
                f"found {int(point[_index(name)])} (treatment) and "
                f"{int(point[_W + _index(name)])} (holdout)",
            }
            continue
        lo, hi = stats.percentile_interval(boot[name][0] - boot[name][1])
        result[f"{name}_diff"] = {
            "estimate": _num(rates[name][0] - rates[name][1]),
            "ci_low": _num(lo),
            "ci_high": _num(hi),
            "note": None,
        }
    return result


def _index(name: str) -> int:
    """The column of ``_SUMS`` that a measure's minimum counts."""
    return 0 if name == "repurchase" else 2


def _rates(s: FloatArray) -> dict[str, FloatArray]:
    """Per arm (treatment first) of sums (last axis): repurchase rate, mean next NPS, and
    the shares of promoters and detractors among the next answers."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t, h = s[..., :_W], s[..., _W:]
        return {
            "repurchase": np.stack([t[..., 1] / t[..., 0], h[..., 1] / h[..., 0]]),
            "mean_nps": np.stack([t[..., 3] / t[..., 2], h[..., 3] / h[..., 2]]),
            "promoter_share": np.stack([t[..., 4] / t[..., 2], h[..., 4] / h[..., 2]]),
            "detractor_share": np.stack([t[..., 5] / t[..., 2], h[..., 5] / h[..., 2]]),
        }


def _num(value: float | np.floating[Any]) -> float | None:
    v = float(value)
    return None if math.isnan(v) or math.isinf(v) else v
