"""The gratitude program read as an experiment: each trigger's arms compared three ways,
by segment, and the program's return (issue 20 items 2 and 4; docs/experiments.md).

Rows come from ``experiments/gesture_units.sql``: the gestures whose whole follow-up is
observed. Customers are the units (:mod:`legame.experiments.estimate`); the covariates
are each gesture's pre-period completed orders and revenue. Outcomes, per gesture:

* ``retention``: at least one completed order in the follow-up (the finding's estimand);
* ``revenue``: revenue of completed orders in the follow-up;
* ``unsubscribe``: an unsubscribe on any channel in the follow-up.

**Segments** are measured before the gesture, so the gesture cannot move a customer from
one to another: the RFM segment at the gesture and the NPS group of the latest answer
before it. The CLV tier (thirds of the customers' CLV at the latest score) is the one
breakdown measured after: a gesture that keeps a customer also raises their CLV, so its
per-tier effects are descriptive, and the output says so. Every segment's intervals are
Bonferroni-adjusted over all the segment cells of the comparison (``alpha / cells``), the
fixed-horizon and the always-valid ones alike.

**Return:** the incremental revenue is the CUPED revenue difference per gesture times
the treated gestures; the incremental margin is that times ``[experiments] margin_rate``;
the net return is the margin minus the treated gestures' cost, each with the CUPED
(fixed-horizon) and the always-valid interval (the cost is known, not estimated).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from legame import sql
from legame.engine import DuckDBEngine
from legame.experiments.estimate import ALPHA, PLANNED_UNITS, Comparison, Interval, compare
from legame.metrics import definitions as d
from legame.policy import Policy
from legame.store import Workspace
from legame.store.bookkeeping import has_table

METRICS = ("retention", "revenue", "unsubscribe")
#: The outcomes broken down by segment.
SEGMENT_METRICS = ("retention", "revenue")
BREAKDOWNS = ("rfm_segment", "nps_group", "clv_tier")
CLV_TIERS = ("low", "middle", "high")
_COVARIATES = ("pre_orders", "pre_revenue")


def units(ws: Workspace, at: datetime) -> pa.Table:
    """The rows of ``experiments/gesture_units`` at ``at`` (see the query's header)."""
    return DuckDBEngine(ws).query(
        "experiments/gesture_units",
        as_of=at,
        followup_days=d.GRATITUDE_FOLLOWUP_DAYS,
        pre_days=d.EXPERIMENT_PRE_DAYS,
        promoter_min=d.NPS_PROMOTER_MIN,
        detractor_max=d.NPS_DETRACTOR_MAX,
    )


class _Rows:
    """The units' columns as NumPy arrays, with each row's customer as an integer."""

    def __init__(self, table: pa.Table, tiers: Mapping[str, str]) -> None:
        col = table.column
        self.size = table.num_rows
        customers = np.asarray(col("customer_id").to_pylist(), dtype=object)
        self.customer: npt.NDArray[np.int64]
        if self.size:
            _, self.customer = np.unique(customers, return_inverse=True)
        else:
            self.customer = np.zeros(0, dtype=np.int64)
        self.n_customers = int(self.customer.max()) + 1 if self.size else 0
        self.treated = np.asarray(col("arm").to_pylist(), dtype=object) != "holdout"
        self.trigger = np.asarray(col("trigger").to_pylist(), dtype=object)
        self.cost = col("cost").to_numpy(zero_copy_only=False).astype(float)
        self.outcome = {
            "retention": (
                col("orders_after").to_numpy(zero_copy_only=False) >= d.RETENTION_MIN_ORDERS
            ).astype(float),
            "revenue": col("spend_after").to_numpy(zero_copy_only=False).astype(float),
            "unsubscribe": col("unsubscribed_after").to_numpy(zero_copy_only=False).astype(float),
        }
        self.pre = (
            np.column_stack(
                [col(c).to_numpy(zero_copy_only=False).astype(float) for c in _COVARIATES]
            )
            if self.size
            else np.zeros((0, len(_COVARIATES)))
        )
        self.segment = {
            "rfm_segment": np.asarray(col("rfm_segment").to_pylist(), dtype=object),
            "nps_group": np.asarray(col("nps_group").to_pylist(), dtype=object),
        }
        if tiers:
            self.segment["clv_tier"] = np.asarray(
                [tiers.get(c) for c in customers.tolist()], dtype=object
            )

    def compare(
        self, metric: str, sel: npt.NDArray[np.bool_], *, alpha: float, planned: float
    ) -> Comparison:
        n = self.n_customers
        sums = {}
        for arm, in_arm in (("t", sel & self.treated), ("c", sel & ~self.treated)):
            unit = self.customer[in_arm]
            sums["n" + arm] = np.bincount(unit, minlength=n).astype(float)
            sums["y" + arm] = np.bincount(unit, self.outcome[metric][in_arm], minlength=n)
            sums["x" + arm] = np.column_stack(
                [
                    np.bincount(unit, self.pre[in_arm, k], minlength=n)
                    for k in range(self.pre.shape[1])
                ]
            )
        return compare(
            sums["nt"],
            sums["yt"],
            sums["nc"],
            sums["yc"],
            sums["xt"],
            sums["xc"],
            alpha=alpha,
            planned_units=planned,
        )


def clv_tiers(ws: Workspace, customers: list[str]) -> dict[str, str]:
    """Each customer's third of CLV at the latest score (empty when the store is unscored)."""
    if not customers or not has_table(ws, "customer_scores"):
        return {}
    rows = ws.con.execute(sql.render("gratitude_clv"), [sorted(set(customers))]).fetchall()
    known = [(c, float(v)) for c, v in rows if v is not None]
    if len(known) < len(CLV_TIERS):
        return {}
    values = np.array([v for _, v in known])
    cuts = np.quantile(values, [1 / 3, 2 / 3])
    index = np.searchsorted(cuts, values, side="right")
    return {c: CLV_TIERS[i] for (c, _), i in zip(known, index, strict=True)}


def planned_units(policy: Policy, rows: _Rows, first: datetime | None, at: datetime) -> float:
    """How many customers the program will have at its pre-registered end: the arrival
    rate so far carried to ``[gratitude] end``; without an end, :data:`PLANNED_UNITS`."""
    end = policy.gratitude.end
    if end is None or first is None or rows.n_customers == 0:
        return float(PLANNED_UNITS)
    so_far = max((at - first).total_seconds(), 86400.0)
    total = (datetime.combine(end, datetime.min.time()) - first).total_seconds()
    return max(float(rows.n_customers), rows.n_customers * total / so_far)


def experiment(
    ws: Workspace, policy: Policy, at: datetime, *, alpha: float = ALPHA
) -> dict[str, dict[str, Any]]:
    """Per trigger (and ``all``): the comparisons, segments and return (module docstring)."""
    table = units(ws, at)
    customers = table.column("customer_id").to_pylist()
    rows = _Rows(table, clv_tiers(ws, customers))
    given = table.column("given_at").to_pylist()
    planned = planned_units(policy, rows, min(given) if given else None, at)
    groups = {"all": np.ones(rows.size, dtype=bool)}
    groups.update({str(t): rows.trigger == t for t in sorted(set(rows.trigger.tolist()))})
    out: dict[str, dict[str, Any]] = {}
    for name, sel in groups.items():
        comps = {m: rows.compare(m, sel, alpha=alpha, planned=planned) for m in METRICS}
        out[name] = {
            "comparisons": {m: c.to_dict() for m, c in comps.items()},
            "verdict": comps["retention"].verdict(),
            "segments": _segments(rows, sel, alpha=alpha, planned=planned),
            "return": _return(rows, sel, comps["revenue"], policy.experiments.margin_rate),
        }
    return out


def _segments(
    rows: _Rows, sel: npt.NDArray[np.bool_], *, alpha: float, planned: float
) -> dict[str, Any]:
    cells = [
        (by, level)
        for by in BREAKDOWNS
        if by in rows.segment
        for level in sorted({v for v in rows.segment[by][sel].tolist() if v is not None})
    ]
    adjusted = alpha / max(len(cells), 1)
    out: dict[str, Any] = {
        "adjustment": "bonferroni",
        "cells": len(cells),
        "alpha_per_cell": adjusted,
        "measured_after_gesture": ["clv_tier"],
    }
    for by in BREAKDOWNS:
        if by not in rows.segment:
            continue
        out[by] = []
        for b, level in cells:
            if b != by:
                continue
            inside = sel & (rows.segment[by] == level)
            row: dict[str, Any] = {
                "segment": level,
                "treated": int((inside & rows.treated).sum()),
                "held_out": int((inside & ~rows.treated).sum()),
            }
            for metric in SEGMENT_METRICS:
                c = rows.compare(metric, inside, alpha=adjusted, planned=planned)
                row[metric] = c.to_dict()
            out[by].append(row)
    return out


def _return(
    rows: _Rows, sel: npt.NDArray[np.bool_], revenue: Comparison, margin_rate: float
) -> dict[str, Any]:
    treated = sel & rows.treated
    events = int(treated.sum())
    cost = float(rows.cost[treated].sum())

    def scaled(iv: Interval, factor: float, minus: float = 0.0) -> dict[str, float | None]:
        vals = [None if v is None else v * factor - minus for v in (iv.estimate, iv.low, iv.high)]
        return Interval(*vals).to_dict()

    return {
        "treated_gestures": events,
        "cost": cost,
        "margin_rate": margin_rate,
        "incremental_revenue": scaled(revenue.cuped, events),
        "incremental_margin": scaled(revenue.cuped, events * margin_rate),
        "net_return": scaled(revenue.cuped, events * margin_rate, cost),
        "net_return_always_valid": scaled(revenue.always_valid, events * margin_rate, cost),
    }
