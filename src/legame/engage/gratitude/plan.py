"""Propose gestures: one per eligible moment, each with a seeded random arm.

Each trigger's moments come from one query (``legame/sql/gratitude_<trigger>.sql``) that
also leaves out the moments a gesture was already recorded for (the same trigger never
fires twice for the same event). The arm is a seeded hash of (seed, trigger, event key):
random with respect to the customer, independent per trigger, and stable when planned
again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from legame import sql
from legame.engine import DuckDBEngine
from legame.errors import InputError
from legame.policy import GratitudePolicy, Policy, load_policy, policy_path_for
from legame.store import Workspace
from legame.store.bookkeeping import has_table

#: The program's triggers, in the order a plan lists them.
TRIGGERS = (
    "fee_forgiveness",
    "service_recovery",
    "milestone_thanks",
    "referral_thanks",
    "detractor_callback",
)
#: The gesture each trigger suggests.
KINDS = {
    "fee_forgiveness": "fee_waiver",
    "service_recovery": "service_recovery",
    "milestone_thanks": "thank_you_note",
    "referral_thanks": "referral_thanks",
    "detractor_callback": "call_back",
}
_LABELS = {
    "fee_forgiveness": "forgive the fee",
    "service_recovery": "make up for a service failure",
    "milestone_thanks": "thank for a milestone",
    "referral_thanks": "thank for a referral",
    "detractor_callback": "call back a detractor",
}
COLUMNS = (
    "gesture_id",
    "customer_id",
    "kind",
    "reason",
    "given_at",
    "cost",
    "arm",
    "trigger",
    "event_key",
    "event_at",
    "detail",
)


def assign_arm(seed: int, trigger: str, event_key: str, holdout_share: float) -> str:
    """``holdout`` with probability ``holdout_share``, by a seeded hash of the moment."""
    digest = hashlib.sha256(f"{seed}|{trigger}|{event_key}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    return "holdout" if u < holdout_share else "treatment"


def gesture_id(trigger: str, event_key: str) -> str:
    return "GR-" + hashlib.sha1(f"{trigger}|{event_key}".encode()).hexdigest()[:12]


def latest_activity(ws: Workspace) -> datetime:
    """The latest moment the store knows of: the default time of a plan."""
    found = DuckDBEngine(ws).query("gratitude_latest_activity").column("latest")[0].as_py()
    if found is None:
        raise InputError("The workspace holds no orders, fees, tickets, surveys or referrals.")
    return found


def as_of(ws: Workspace, at: datetime | None) -> datetime:
    """The instant a plan or its results are for: ``at`` as naive UTC (an ``InputError``
    when out of range), or the latest activity in the data."""
    from legame.engage.governor.clock import in_range

    return latest_activity(ws) if at is None else in_range(at)


def plan(ws: Workspace, policy: Policy | None = None, *, at: datetime | None = None) -> pa.Table:
    """The gestures to give now: one row per eligible moment of every enabled trigger.

    ``at`` (naive = UTC; default: the latest activity in the data) must lie in the range of
    instants legame computes with (:data:`~legame.engage.governor.clock.EARLIEST` ..
    :data:`~legame.engage.governor.clock.LATEST`)."""
    policy = policy or load_policy(policy_path_for(ws.path))
    at = as_of(ws, at)
    program = policy.gratitude
    engine = DuckDBEngine(ws)
    parts = []
    for name in TRIGGERS:
        trigger = program.trigger(name)
        if not trigger.enabled:
            continue
        params = dict(trigger.params)
        rows = engine.query(f"gratitude_{name}", as_of=at, **_sql_params(name, params))
        if name == "fee_forgiveness":
            rows = _fee_eligible(ws, rows, params, at)
        parts.append(_proposals(rows, name, params, program, at))
    if not parts:
        return _proposals(
            pa.table(
                {"customer_id": [], "event_key": [], "event_at": [], "amount": [], "detail": []}
            ),
            TRIGGERS[0],
            {},
            program,
            at,
        )
    return pa.concat_tables(parts)


def _sql_params(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    keep = {
        "fee_forgiveness": ("fee_kinds", "max_amount", "within_days"),
        "service_recovery": (
            "min_unresolved_days",
            "min_resolution_hours",
            "max_csat",
            "min_effort",
            "within_days",
        ),
        "milestone_thanks": ("order_counts", "tenure_years", "within_days"),
        "referral_thanks": ("within_days",),
        "detractor_callback": ("max_nps", "within_days"),
    }[name]
    return {k: params[k] for k in keep}


def _fee_eligible(
    ws: Workspace, rows: pa.Table, params: Mapping[str, Any], at: datetime
) -> pa.Table:
    """Long good history (tenure and orders) or high CLV, and at most max_per_year."""
    if rows.num_rows == 0:
        return rows
    customers = rows.column("customer_id").to_pylist()
    ok = (rows.column("prior_orders").to_numpy() >= int(params["min_orders"])) & (
        rows.column("tenure_days").to_numpy() >= int(params["min_tenure_days"])
    )
    min_clv = float(params["min_clv"])
    if min_clv > 0:
        if not has_table(ws, "customer_scores"):
            raise InputError(
                "fee_forgiveness.min_clv needs CLV: run `legame score` first (or set min_clv = 0)."
            )
        clv = dict(ws.con.execute(sql.render("gratitude_clv"), [sorted(set(customers))]).fetchall())
        ok |= np.array([(clv.get(c) or 0.0) >= min_clv for c in customers])
    waivers = DuckDBEngine(ws).query("gratitude_fee_waivers_in_year", as_of=at)
    already = dict(
        zip(
            waivers.column("customer_id").to_pylist(),
            waivers.column("waivers").to_pylist(),
            strict=True,
        )
    )
    budget = {c: int(params["max_per_year"]) - already.get(c, 0) for c in set(customers)}
    keep = []
    for i, customer in enumerate(customers):  # rows come ordered by charge time
        if ok[i] and budget[customer] > 0:
            budget[customer] -= 1
            keep.append(i)
    return rows.take(pa.array(keep, pa.int64()))


def _proposals(
    rows: pa.Table, name: str, params: Mapping[str, Any], program: GratitudePolicy, at: datetime
) -> pa.Table:
    keys = rows.column("event_key").to_pylist()
    arms = [assign_arm(program.seed, name, k, program.holdout_share) for k in keys]
    if name == "fee_forgiveness":
        costs = rows.column("amount").to_pylist()
    else:
        costs = [float(params["cost"])] * len(keys)
    costs = [0.0 if arm == "holdout" else float(c) for c, arm in zip(costs, arms, strict=True)]
    details = rows.column("detail").to_pylist()
    n = len(keys)
    return pa.table(
        {
            "gesture_id": pa.array([gesture_id(name, k) for k in keys], pa.string()),
            "customer_id": rows.column("customer_id").cast(pa.string()),
            "kind": pa.array([KINDS[name]] * n, pa.string()),
            "reason": pa.array([f"{_LABELS[name]}: {d}" for d in details], pa.string()),
            "given_at": pa.array([at] * n, pa.timestamp("us")),
            "cost": pa.array(costs, pa.float64()),
            "arm": pa.array(arms, pa.string()),
            "trigger": pa.array([name] * n, pa.string()),
            "event_key": pa.array(keys, pa.string()),
            "event_at": rows.column("event_at").cast(pa.timestamp("us")),
            "detail": pa.array(details, pa.string()),
        }
    )


def write_plan(table: pa.Table, out: str | Path) -> Path:
    """Write a plan to a CSV or Parquet file (by its extension), whole or not at all: it is
    written beside the target and renamed into place."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"--out must end in .csv or .parquet; got {path.name!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if suffix == ".csv":
        pacsv.write_csv(table, partial)
    else:
        pq.write_table(table, partial)
    partial.replace(path)
    return path
