"""What the gestures did: treatment against the randomized holdout, per trigger.

For each trigger (and all together): events per arm; the difference (treatment − holdout)
in 180-day retention (at least one completed order in the follow-up), in revenue per
gesture over the follow-up, and in NPS of the answers given in the follow-up (−100..100);
each with a 95% percentile bootstrap interval over customers (a customer can have several
gestures, so customers are the independent units; 2,000 resamples, seeded); the cost of
the treatment arm and the incremental revenue per unit of cost (revenue difference ×
treated gestures ÷ their cost, with the same interval scaled). Only gestures whose whole
follow-up is observed count. The arms are random, so the retention and revenue
differences are causal effects. The NPS difference is not: it compares only the customers
who answered a survey in the follow-up, and a gesture that keeps less loyal customers
buying also changes who answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from legame.engage.gratitude.plan import as_of
from legame.engine import DuckDBEngine
from legame.experiments.gestures import experiment
from legame.metrics import definitions as d
from legame.metrics import stats
from legame.policy import Policy, load_policy, policy_path_for
from legame.store import Workspace

FloatArray = npt.NDArray[np.float64]
#: Fewer gestures than this in an arm: the difference is not estimated.
MIN_PER_ARM = 30
# per-customer sums for each arm: events, retained, spend, cost, answers, promoters, detractors
_SUMS = ("events", "retained", "spend", "cost", "answers", "promoters", "detractors")
_W = len(_SUMS)


@dataclass(frozen=True)
class Difference:
    estimate: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {"estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high}


def results(
    ws: Workspace, *, at: datetime | None = None, seed: int = 0, policy: Policy | None = None
) -> dict[str, Any]:
    """Per-trigger (and overall) comparison of the arms; see the module docstring. Each
    trigger's row also carries the experiment's reading (``legame.experiments.gestures``):
    ``comparisons`` (retention, revenue, unsubscribe: ``unadjusted``, ``cuped`` and
    ``always_valid`` intervals), ``verdict`` (from the always-valid interval), ``segments``
    and ``return``."""
    at = as_of(ws, at)
    policy = policy or load_policy(policy_path_for(ws.path))
    table = DuckDBEngine(ws).query(
        "gratitude_results", as_of=at, followup_days=d.GRATITUDE_FOLLOWUP_DAYS
    )
    by_trigger = compare_arms(table, np.random.default_rng(seed))
    reading = experiment(ws, policy, at)
    for row in by_trigger:
        row.update(reading.get(row["trigger"], {}))
    return {
        "as_of": at,
        "followup_days": d.GRATITUDE_FOLLOWUP_DAYS,
        "gestures_with_followup": sum(
            r["treatment"]["gestures"] + r["holdout"]["gestures"]
            for r in by_trigger
            if r["trigger"] == "all"
        ),
        "by_trigger": by_trigger,
        "end": policy.gratitude.end,
        "fixed_horizon_valid": policy.gratitude.end is not None
        and at.date() >= policy.gratitude.end,
        "nps_note": "NPS compares the customers who answered in the follow-up: an "
        "association, not a randomized effect.",
    }


def compare_arms(table: pa.Table, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Treatment against holdout for all gestures (``trigger == "all"``, first) and per
    trigger, from the rows of ``gratitude_results.sql``; gestures without their whole
    follow-up are left out."""
    full = table.column("full_followup").to_numpy() > 0
    arm = np.asarray(table.column("arm").to_pylist(), dtype=object)[full]
    holdout = arm == "holdout"
    customers = np.asarray(table.column("customer_id").to_pylist(), dtype=object)[full]
    trigger = np.asarray(table.column("trigger").to_pylist(), dtype=object)[full]
    nps = np.asarray(table.column("nps_after").to_pylist(), dtype=float)[full]
    values = {
        "events": np.ones(customers.size),
        "retained": (
            table.column("orders_after").to_numpy()[full] >= d.RETENTION_MIN_ORDERS
        ).astype(float),
        "spend": table.column("spend_after").to_numpy()[full].astype(float),
        "cost": table.column("cost").to_numpy()[full].astype(float),
        "answers": (~np.isnan(nps)).astype(float),
        "promoters": (nps >= d.NPS_PROMOTER_MIN).astype(float),
        "detractors": (nps <= d.NPS_DETRACTOR_MAX).astype(float),
    }
    groups = {"all": np.ones(customers.size, dtype=bool)}
    groups.update({str(t): trigger == t for t in sorted(set(trigger.tolist()))})
    if not customers.size:
        return [{"trigger": "all", **_compare(np.zeros(2 * _W), np.zeros((0, 2 * _W)))}]
    _, unit = np.unique(customers, return_inverse=True)
    n_units = int(unit.max()) + 1
    sums = np.concatenate(
        [_per_unit(unit, n_units, holdout, values, sel) for sel in groups.values()], axis=1
    )
    reps = np.concatenate([w @ sums for w in stats.count_chunks(rng, n_units)])
    point = sums.sum(axis=0)
    return [
        {
            "trigger": name,
            **_compare(
                point[2 * _W * g : 2 * _W * (g + 1)], reps[:, 2 * _W * g : 2 * _W * (g + 1)]
            ),
        }
        for g, name in enumerate(groups)
    ]


def _per_unit(
    unit: npt.NDArray[np.int64],
    n: int,
    holdout: npt.NDArray[np.bool_],
    values: dict[str, FloatArray],
    sel: npt.NDArray[np.bool_],
) -> FloatArray:
    out = np.zeros((n, 2 * _W))
    for k, in_arm in enumerate((~holdout & sel, holdout & sel)):
        for j, name in enumerate(_SUMS):
            out[:, k * _W + j] = np.bincount(unit[in_arm], values[name][in_arm], minlength=n)
    return out


def _rates(s: FloatArray) -> dict[str, FloatArray]:
    """Per arm (treatment first): retention, spend per event, cost per event, NPS."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t, h = s[..., :_W], s[..., _W:]
        return {
            "retention": np.stack([t[..., 1] / t[..., 0], h[..., 1] / h[..., 0]]),
            "spend": np.stack([t[..., 2] / t[..., 0], h[..., 2] / h[..., 0]]),
            "nps": 100
            * np.stack([(t[..., 5] - t[..., 6]) / t[..., 4], (h[..., 5] - h[..., 6]) / h[..., 4]]),
        }


def _compare(point: FloatArray, reps: FloatArray) -> dict[str, Any]:
    treated, held = int(point[0]), int(point[_W])
    cost = float(point[3])
    rates = _rates(point)
    base: dict[str, Any] = {
        "treatment": {
            "gestures": treated,
            "retention": _num(rates["retention"][0]),
            "spend": _num(rates["spend"][0]),
            "nps": _num(rates["nps"][0]),
            "nps_answers": int(point[4]),
            "cost": cost,
        },
        "holdout": {
            "gestures": held,
            "retention": _num(rates["retention"][1]),
            "spend": _num(rates["spend"][1]),
            "nps": _num(rates["nps"][1]),
            "nps_answers": int(point[_W + 4]),
        },
    }
    if len(reps):
        boot_arms = _rates(reps)
        for k, arm in enumerate(("treatment", "holdout")):
            for name in ("retention", "spend"):
                lo, hi = stats.percentile_interval(boot_arms[name][k])
                base[arm][f"{name}_ci"] = [_num(lo), _num(hi)]
    if min(treated, held) < MIN_PER_ARM:
        empty = Difference(None, None, None).to_dict()
        return {
            **base,
            "retention_diff": empty,
            "spend_diff": empty,
            "nps_diff": empty,
            "value_per_cost": empty,
            "note": f"needs at least {MIN_PER_ARM} gestures with full follow-up in each arm",
        }
    boot = _rates(reps)
    result = {**base}
    for name in ("retention", "spend", "nps"):
        est = rates[name][0] - rates[name][1]
        lo, hi = stats.percentile_interval(boot[name][0] - boot[name][1])
        result[f"{name}_diff"] = Difference(_num(est), _num(lo), _num(hi)).to_dict()
    spend = result["spend_diff"]
    per_cost = treated / cost if cost > 0 else math.nan
    result["value_per_cost"] = Difference(
        *(
            None if v is None or math.isnan(per_cost) else v * per_cost
            for v in (spend["estimate"], spend["ci_low"], spend["ci_high"])
        )
    ).to_dict()
    return result


def _num(value: float | np.floating) -> float | None:
    v = float(value)
    return None if math.isnan(v) or math.isinf(v) else v
