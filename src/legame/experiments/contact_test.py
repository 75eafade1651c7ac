"""A randomized contact-frequency test read as an experiment (issue 20 item 5).

The policy declares the test (``[experiments.contact_tests.<name>]``); the governor
enforces each customer's arm (:mod:`legame.assign`). Units are the customers who got a
marketing message on the test's channel while it ran: a customer enters at their first
one and is read over the following 60 days
(:data:`~legame.metrics.definitions.CONTACT_TEST_FOLLOWUP_DAYS`,
``experiments/contact_test_units.sql``), so units complete one after another, as the
always-valid interval's theory asks, and a look on any day is safe. Every other arm is
compared with the first arm declared (the reference) on unsubscribes, complaints,
repurchase and revenue, each with the unadjusted, CUPED (pre-period orders and revenue)
and always-valid intervals of :mod:`legame.experiments.estimate`, Bonferroni-adjusted
over the other arms when there are more than two.

Entering at the first marketing message keeps the arms comparable because the first
message of the test is allowed in every arm (an arm's cap is at least 1 a window); a
customer the cap kept waiting enters later, which the entry time in the output shows.

:func:`pressure_contrast` is what the ``contact_pressure`` finding reads: the arm that
allows the most messages against the one that allows the fewest, in the first test that
has units in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from legame.engine import DuckDBEngine, Engine
from legame.experiments.estimate import ALPHA, Comparison, compare
from legame.metrics import definitions as d
from legame.policy import ALL_CHANNELS, ContactTest, Policy, TestArm
from legame.store import Workspace

METRICS = ("unsubscribe", "complaint", "repurchase", "revenue")
_COLUMN = {
    "unsubscribe": "unsubscribed",
    "complaint": "complained",
    "repurchase": "repurchased",
    "revenue": "revenue",
}


@dataclass(frozen=True)
class _Units:
    """A test's units at a moment: outcomes, covariates and arms, as arrays."""

    test: ContactTest
    at: datetime
    table: pa.Table
    arm: npt.NDArray[np.int64]
    pre: npt.NDArray[np.float64]

    def outcome(self, metric: str) -> npt.NDArray[np.float64]:
        col = self.table.column(_COLUMN[metric])
        return col.to_numpy(zero_copy_only=False).astype(float)

    @property
    def planned(self) -> float:
        """The units the confidence sequence is tightest at: those entered so far, carried
        to the pre-registered end at the same pace (at least the units so far)."""
        units = self.table.num_rows
        ends, start = self.test.ends_at, self.test.starts_at
        if ends is None or self.at >= ends or self.at <= start:
            return float(max(units, 1))
        so_far = (self.at - start).total_seconds()
        return max(float(units), units * (ends - start).total_seconds() / so_far)

    def compare(self, metric: str, k_t: int, k_c: int, *, alpha: float) -> Comparison:
        t, c = self.arm == k_t, self.arm == k_c
        both = t | c
        y = self.outcome(metric)
        return compare(
            t[both].astype(float),
            (y * t)[both],
            c[both].astype(float),
            (y * c)[both],
            (self.pre * t[:, None])[both],
            (self.pre * c[:, None])[both],
            alpha=alpha,
            planned_units=self.planned,
        )


def _units(ws: Workspace, test: ContactTest, at: datetime, engine: Engine | None = None) -> _Units:
    ends = test.ends_at
    table = (engine or DuckDBEngine(ws)).query(
        "experiments/contact_test_units",
        start=test.starts_at,
        end=min(ends, at) if ends is not None else at,
        as_of=at,
        followup_days=d.CONTACT_TEST_FOLLOWUP_DAYS,
        pre_days=d.EXPERIMENT_PRE_DAYS,
        every_channel=test.channel == ALL_CHANNELS,
        channel=test.channel,
    )
    ids = table.column("customer_id").to_pylist()
    arm = test.arms_of(ids) if ids else np.zeros(0, dtype=np.int64)
    pre = np.column_stack(
        [
            table.column(c).to_numpy(zero_copy_only=False).astype(float)
            for c in ("pre_orders", "pre_revenue")
        ]
    )
    return _Units(test, at, table, arm, pre)


def results(
    ws: Workspace, policy: Policy, at: datetime, *, alpha: float = ALPHA
) -> list[dict[str, Any]]:
    """Every contact test of the policy that has started by ``at``, compared arm by arm."""
    return [
        test_results(ws, t, at, alpha=alpha)
        for t in policy.experiments.contact_tests
        if t.starts_at < at
    ]


def test_results(
    ws: Workspace, test: ContactTest, at: datetime, *, alpha: float = ALPHA
) -> dict[str, Any]:
    """One test's arms compared with its first arm (module docstring)."""
    u = _units(ws, test, at)
    messages = u.table.column("messages").to_numpy(zero_copy_only=False).astype(float)
    others = len(test.arms) - 1
    each_alpha = alpha / max(others, 1)
    arms = []
    for k, a in enumerate(test.arms):
        inside = u.arm == k
        arms.append(
            {
                "arm": a.name,
                "share": a.share,
                "caps": {cap.key: cap.limit for cap in a.caps},
                "customers": int(inside.sum()),
                "messages_per_customer": _mean(messages, inside),
                **{m: _mean(u.outcome(m), inside) for m in METRICS},
            }
        )
    comparisons = []
    for k in range(1, len(test.arms)):
        row: dict[str, Any] = {"arm": test.arms[k].name, "against": test.arms[0].name}
        for m in METRICS:
            comp = u.compare(m, k, 0, alpha=each_alpha)
            row[m] = {**comp.to_dict(), "verdict": comp.verdict()}
        comparisons.append(row)
    ends = test.ends_at
    return {
        "test": test.name,
        "start": test.start,
        "end": test.end,
        "channel": test.channel,
        "as_of": at,
        "followup_days": d.CONTACT_TEST_FOLLOWUP_DAYS,
        "units": u.table.num_rows,
        "fixed_horizon_valid": ends is not None
        and at >= ends + timedelta(days=d.CONTACT_TEST_FOLLOWUP_DAYS),
        "adjustment": "bonferroni" if others > 1 else None,
        "arms": arms,
        "comparisons": comparisons,
    }


def _mean(values: npt.NDArray[np.float64], inside: npt.NDArray[np.bool_]) -> float | None:
    return float(values[inside].mean()) if inside.any() else None


def allowance(arm: TestArm) -> float:
    """How many messages a week the arm allows at most: its tightest cap, per 7 days."""
    return min((cap.limit * 7 / cap.days for cap in arm.caps), default=float("inf"))


def pressure_contrast(
    ws: Workspace,
    policy: Policy,
    at: datetime,
    *,
    alpha: float = ALPHA,
    engine: Engine | None = None,
) -> dict[str, Any] | None:
    """The causal reading of contact pressure: in the first started test whose most and
    least permissive arms both have units, those two arms compared (most minus least) on
    every metric. None when no test has such results. The units are read by ``engine``
    (default: the workspace's DuckDB)."""
    for test in policy.experiments.contact_tests:
        if test.starts_at >= at or len(test.arms) < 2:
            continue
        order = sorted(range(len(test.arms)), key=lambda k: (allowance(test.arms[k]), k))
        less, more = order[0], order[-1]
        if allowance(test.arms[less]) == allowance(test.arms[more]):
            continue
        u = _units(ws, test, at, engine)
        comps = {m: u.compare(m, more, less, alpha=alpha) for m in METRICS}
        if comps["unsubscribe"].always_valid.estimate is None:
            continue
        return {
            "test": test.name,
            "more": test.arms[more].name,
            "less": test.arms[less].name,
            "more_per_week": allowance(test.arms[more]),
            "less_per_week": allowance(test.arms[less]),
            "units": comps["unsubscribe"].units,
            "followup_days": d.CONTACT_TEST_FOLLOWUP_DAYS,
            "comparisons": {m: c.to_dict() for m, c in comps.items()},
            "verdict": comps["unsubscribe"].verdict(),
        }
    return None
