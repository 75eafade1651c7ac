"""Plan a test before launch with the workspace's own numbers (issue 20 item 1).

``plan_trigger`` plans a gratitude trigger's holdout: units are the trigger's gestures;
they arrive at the rate the trigger gave gestures over the last 365 days (when it gave
none, at the rate its current proposals imply: proposals ÷ the trigger's ``within_days``);
the base rate and spread of the outcome are those of the trigger's held-out gestures with
a full follow-up (of all its gestures with fewer than 30 held out; of the active
customers over a 180-day window when the trigger has fewer than 30 gestures).

``plan_contact_test`` plans a contact-frequency test: every active customer (a completed
order or a message in the last year) is a unit from the start, so the volume is fixed and
a longer test gives each customer more time to react; the base rates are those of the
active customers over the last ``days`` days, and ``days_needed`` is the shortest of the
windows looked at (1 week to 1 year) with enough power for the same relative effect (the
named effect is in the metric's units over ``days``; unsubscribes, orders and revenue
accumulate with time, so over a shorter window the same change is a smaller difference).

Metrics: ``repurchase`` (a completed order), ``revenue`` (of completed orders),
``unsubscribe`` (on any channel), and ``nps`` (the latest answer in points, 100 / 0 /
−100: only customers who answer count, so the units shrink to the answer rate). The MDE
is for the unadjusted fixed-horizon test (:mod:`legame.experiments.power`); beside it,
``mde_cuped`` (the variance the pre-period removes, as measured on the same data) and
``mde_always_valid`` (when the results will be read at any look, with the confidence
sequence of :mod:`legame.experiments.estimate`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from legame import sql
from legame.engine import DuckDBEngine
from legame.errors import InputError, NotFoundError
from legame.experiments import power as pw
from legame.experiments.estimate import MIN_UNITS, cs_radius, z
from legame.experiments.gestures import units
from legame.metrics import definitions as d
from legame.policy import Policy
from legame.store import Workspace

METRICS = ("repurchase", "revenue", "unsubscribe", "nps")
#: The window a trigger's volume is counted over, in days.
VOLUME_DAYS = 365
#: The test lengths ``plan_contact_test`` looks at for ``days_needed``.
CONTACT_WINDOWS = (7, 14, 30, 60, 90, 120, 180, 270, 365)
DEFAULT_DAYS = 90
#: Each metric's column in ``experiments/audience_outcomes.sql``.
AUDIENCE_COLUMNS = {
    "repurchase": "repurchased",
    "revenue": "revenue",
    "unsubscribe": "unsubscribed",
    "nps": "nps",
}


def _metric(name: str) -> str:
    if name not in METRICS:
        raise InputError(f"--metric must be one of {', '.join(METRICS)}; got {name!r}.")
    return name


def _values(table: pa.Table, metric: str, outcome_col: dict[str, str]) -> np.ndarray:
    """The metric per unit (NaN for a unit that has no NPS answer)."""
    if metric == "nps":
        raw = np.asarray(table.column(outcome_col["nps"]).to_pylist(), dtype=float)
        return np.where(
            np.isnan(raw),
            np.nan,
            np.where(
                raw >= d.NPS_PROMOTER_MIN, 100.0, np.where(raw <= d.NPS_DETRACTOR_MAX, -100.0, 0.0)
            ),
        )
    col = table.column(outcome_col[metric]).to_numpy(zero_copy_only=False).astype(float)
    return col


def _outcome(values: np.ndarray, metric: str) -> tuple[pw.Outcome, float]:
    """The outcome's spread and the share of units that have it (answers, for NPS)."""
    seen = values[~np.isnan(values)]
    share = seen.size / values.size if values.size else 0.0
    mean = float(seen.mean()) if seen.size else 0.0
    if metric in ("repurchase", "unsubscribe"):
        return pw.Outcome(mean, rate=True), share
    sd = float(seen.std(ddof=1)) if seen.size > 1 else 0.0
    return pw.Outcome(mean, sd=sd), share


def _r2(table: pa.Table, values: np.ndarray) -> float:
    """The share of the outcome's variance the pre-period covariates explain (CUPED's gain)."""
    ok = ~np.isnan(values)
    if ok.sum() < MIN_UNITS:
        return 0.0
    x = np.column_stack(
        [
            np.ones(int(ok.sum())),
            *(
                table.column(c).to_numpy(zero_copy_only=False).astype(float)[ok]
                for c in ("pre_orders", "pre_revenue")
            ),
        ]
    )
    y = values[ok]
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    var = float(y.var())
    return max(0.0, 1 - float(resid.var()) / var) if var > 0 else 0.0


def _reading(
    outcome: pw.Outcome,
    n_t: float,
    n_c: float,
    r2: float,
    *,
    alpha: float,
    target: float,
) -> dict[str, float | None]:
    mde = pw.mde(outcome, n_t, n_c, alpha=alpha, target=target)
    if mde is None:
        return {"mde": None, "mde_cuped": None, "mde_always_valid": None}
    n = n_t + n_c
    # the confidence sequence is wider than the fixed interval by this factor at n
    sd_unit = 1.0
    fixed_half = z(alpha) * sd_unit / math.sqrt(n) if n else math.inf
    widen = cs_radius(sd_unit, int(n), alpha=alpha, planned=n) / fixed_half if n else math.inf
    z_a, z_b = z(alpha), float(pw.stats.norm.ppf(target))
    always = mde * (widen * z_a + z_b) / (z_a + z_b)
    return {
        "mde": mde,
        "mde_cuped": mde * math.sqrt(1 - r2),
        "mde_always_valid": always,
    }


def plan_trigger(
    ws: Workspace,
    policy: Policy,
    trigger: str,
    *,
    at: datetime,
    holdout: float | None = None,
    metric: str = "repurchase",
    days: int = DEFAULT_DAYS,
    effect: float | None = None,
    alpha: float = pw.ALPHA,
    target: float = pw.POWER,
    proposals: int | Callable[[], int] | None = None,
    gestures: pa.Table | None = None,
) -> dict[str, Any]:
    """The plan of a gratitude trigger's holdout test (module docstring). ``proposals``:
    how many moments the trigger proposes now, or a function that counts them (called
    only when the trigger gave no gesture); ``gestures``: the rows of
    :func:`legame.experiments.gestures.units` at ``at`` when the caller has them (several
    triggers planned at once read them once)."""
    metric = _metric(metric)
    try:
        rule = policy.gratitude.trigger(trigger)
    except KeyError:
        names = ", ".join(t.name for t in policy.gratitude.triggers)
        raise NotFoundError(
            f"No gratitude trigger {trigger!r}; the policy's are: {names}."
        ) from None
    share = policy.gratitude.holdout_share if holdout is None else holdout
    pw.check_share(share)
    _days(days)
    volume = {
        row[0]: row[1]
        for row in ws.con.execute(
            sql.render("experiments/trigger_volume", as_of=at, days=VOLUME_DAYS)
        ).fetchall()
    }
    if volume.get(trigger):
        per_day, volume_from = volume[trigger] / VOLUME_DAYS, "gestures of the last 365 days"
    else:
        within = max(float(dict(rule.params).get("within_days", 30)), 1.0)  # type: ignore[arg-type]
        count = proposals() if callable(proposals) else proposals or 0
        per_day, volume_from = count / within, "current proposals"
    table = units(ws, at) if gestures is None else gestures
    mine = table.filter(pa.compute.equal(table.column("trigger"), trigger))
    held = mine.filter(pa.compute.equal(mine.column("arm"), "holdout"))
    cols = {
        "repurchase": "retained",
        "revenue": "spend_after",
        "unsubscribe": "unsubscribed_after",
        "nps": "nps_after",
    }
    if mine.num_rows >= MIN_UNITS:
        from_held = held.num_rows >= MIN_UNITS
        base = held if from_held else mine
        base = base.append_column(
            "retained",
            pa.array(
                (base.column("orders_after").to_numpy() >= d.RETENTION_MIN_ORDERS).astype(np.int64)
            ),
        )
        source = "held-out gestures" if from_held else "gestures of the trigger"
    else:
        base = _audience(ws, at - timedelta(days=d.GRATITUDE_FOLLOWUP_DAYS), at)
        cols = AUDIENCE_COLUMNS
        source = "active customers over 180 days"
    values = _values(base, metric, cols)
    outcome, answered = _outcome(values, metric)
    n = per_day * days * answered
    reading = _reading(
        outcome, (1 - share) * n, share * n, _r2(base, values), alpha=alpha, target=target
    )
    needed = (
        None
        if effect is None
        else pw.days_needed(outcome, effect, per_day * answered, share, alpha=alpha, target=target)
    )
    return {
        "kind": "trigger",
        "name": trigger,
        "metric": metric,
        "holdout": share,
        "days": days,
        "followup_days": d.GRATITUDE_FOLLOWUP_DAYS,
        "eligible_per_day": per_day,
        "volume_from": volume_from,
        "units": n,
        "base": {
            "mean": outcome.mean,
            "sd": _sd(outcome),
            "answer_share": answered,
            "from": source,
        },
        "alpha": alpha,
        "power": target,
        **reading,
        "effect": effect,
        "days_needed": needed,
    }


def _sd(outcome: pw.Outcome) -> float:
    return outcome.sd_at(0.0)[0]


def _days(days: int) -> None:
    if not 1 <= days <= pw.MAX_DAYS:
        raise InputError(f"--days must be between 1 and {pw.MAX_DAYS}; got {days}.")


def _audience(ws: Workspace, start: datetime, end: datetime) -> pa.Table:
    return DuckDBEngine(ws).query(
        "experiments/audience_outcomes", start=start, end=end, pre_days=d.EXPERIMENT_PRE_DAYS
    )


def _scaled(effect: float, at_days: pw.Outcome, other: pw.Outcome, metric: str) -> float:
    """The named effect (in the metric's units over the planned ``--days``) over another
    window: the same relative change of the outcome, since unsubscribes, orders and revenue
    accumulate with time (NPS, a level, does not: it is kept as named)."""
    if metric == "nps" or at_days.mean == 0:
        return effect
    return effect * other.mean / at_days.mean


def plan_contact_test(
    ws: Workspace,
    policy: Policy,
    test: str,
    *,
    at: datetime,
    holdout: float | None = None,
    metric: str = "unsubscribe",
    days: int | None = None,
    effect: float | None = None,
    alpha: float = pw.ALPHA,
    target: float = pw.POWER,
) -> dict[str, Any]:
    """The plan of a contact-frequency test of the policy (module docstring). ``holdout``
    is the share of the first arm (the comparison arm); default: the policy's shares."""
    metric = _metric(metric)
    found = [t for t in policy.experiments.contact_tests if t.name == test]
    if not found:
        names = ", ".join(t.name for t in policy.experiments.contact_tests) or "none"
        raise NotFoundError(
            f"No contact test {test!r} in the policy ([experiments.contact_tests]); "
            f"declared: {names}."
        )
    declared = found[0]
    shares = [a.share for a in declared.arms]
    share = shares[0] / sum(shares) if holdout is None else holdout
    pw.check_share(share)
    if days is None:
        days = (declared.end - declared.start).days if declared.end else DEFAULT_DAYS
    _days(days)
    cols = AUDIENCE_COLUMNS

    def reading_for(window: int) -> tuple[dict[str, float | None], pw.Outcome, float, pa.Table]:
        base = _audience(ws, at - timedelta(days=window), at)
        values = _values(base, metric, cols)
        outcome, answered = _outcome(values, metric)
        n = base.num_rows * answered
        r = _reading(
            outcome, (1 - share) * n, share * n, _r2(base, values), alpha=alpha, target=target
        )
        return r, outcome, n, base

    reading, outcome, n, base = reading_for(days)
    needed = None
    if effect is not None:
        for window in CONTACT_WINDOWS:
            _r, o, m, _ = reading_for(window)
            scaled = _scaled(effect, outcome, o, metric)
            if m and pw.power(o, scaled, (1 - share) * m, share * m, alpha=alpha) >= target:
                needed = window
                break
    return {
        "kind": "contact_test",
        "name": test,
        "metric": metric,
        "holdout": share,
        "arms": [a.name for a in declared.arms],
        "days": days,
        "eligible": base.num_rows,
        "eligible_per_day": None,
        "units": n,
        "base": {
            "mean": outcome.mean,
            "sd": _sd(outcome),
            "from": f"active customers, last {days} days",
        },
        "alpha": alpha,
        "power": target,
        **reading,
        "effect": effect,
        "days_needed": needed,
    }
