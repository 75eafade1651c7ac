"""Propose gestures: one per eligible moment, each with a seeded random arm.

Each trigger's moments come from one query (``legame/sql/gratitude_<trigger>.sql``) that
also leaves out the moments a gesture was already recorded for (the same trigger never
fires twice for the same event). The arm is a seeded hash of (seed, trigger, event key):
random with respect to the customer, independent per trigger, and stable when planned
again.

The fee and milestone queries read the orders through an order history the plan keeps
while it runs (``gratitude_history``: each customer's first completed order and count up
to a window's start; ``gratitude_recent_orders``: the orders after it), so a store of
millions of orders is grouped once, not ranked per trigger; the gesture ids and arms are
digested by the engine, not one Python call per moment.

The queries run on the engine a plan is given (DuckDB, or Spark); the CLV of the fee
trigger's ``min_clv`` is read from the workspace's ``customer_scores``, where
``legame score`` writes it on either engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from legame import sql
from legame.engine import DuckDBEngine, Engine, EngineName, engine_for
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


def latest_activity(ws: Workspace, *, engine: Engine | None = None) -> datetime:
    """The latest moment the store knows of: the default time of a plan (read by
    ``engine``; default: the workspace's DuckDB)."""
    eng = engine or DuckDBEngine(ws)
    found = eng.query("gratitude_latest_activity").column("latest")[0].as_py()
    if found is None:
        raise InputError("The workspace holds no orders, fees, tickets, surveys or referrals.")
    return found


def as_of(ws: Workspace, at: datetime | None) -> datetime:
    """The instant a plan or its results are for: ``at`` as naive UTC (an ``InputError``
    when out of range), or the latest activity in the data."""
    from legame.engage.governor.clock import in_range

    return latest_activity(ws) if at is None else in_range(at)


def plan(
    ws: Workspace,
    policy: Policy | None = None,
    *,
    at: datetime | None = None,
    engine: EngineName = "duckdb",
    engine_options: Mapping[str, object] | None = None,
) -> pa.Table:
    """The gestures to give now: one row per eligible moment of every enabled trigger.

    ``at`` (naive = UTC; default: the latest activity in the data) must lie in the range of
    instants legame computes with (:data:`~legame.engage.governor.clock.EARLIEST` ..
    :data:`~legame.engage.governor.clock.LATEST`). The queries run on ``engine``
    (``engine_options`` as for :func:`legame.scoring.score`)."""
    policy = policy or load_policy(policy_path_for(ws.path))
    moment = None if at is None else as_of(ws, at)  # a bad ``at`` before Spark starts
    eng = engine_for(ws, engine, **dict(engine_options or {}))
    try:
        return _plan(ws, eng, policy, moment or latest_activity(ws, engine=eng))
    finally:
        eng.close()


def _plan(ws: Workspace, engine: Engine, policy: Policy, at: datetime) -> pa.Table:
    program = policy.gratitude
    enabled = [name for name in TRIGGERS if program.trigger(name).enabled]
    since = _since(program, at)
    parts = []
    with _history(engine, at, since, keep=bool(_READ_HISTORY & set(enabled))):
        for name in enabled:
            params = dict(program.trigger(name).params)
            rows = engine.query(f"gratitude_{name}", as_of=at, **_sql_params(name, params))
            if name == "fee_forgiveness":
                rows = _fee_eligible(ws, engine, rows, params, at)
            parts.append(_proposals(engine, rows, name, params, program, at))
    if not parts:
        return _proposals(
            engine,
            pa.table(
                {"customer_id": [], "event_key": [], "event_at": [], "amount": [], "detail": []}
            ),
            TRIGGERS[0],
            {},
            program,
            at,
        )
    return pa.concat_tables(parts)


#: The triggers whose queries read the program's order history (``gratitude_history`` and
#: ``gratitude_recent_orders``, kept while the triggers are planned).
_READ_HISTORY = frozenset({"fee_forgiveness", "milestone_thanks"})


def _since(program: GratitudePolicy, at: datetime) -> datetime:
    """The start of the longer window of the triggers that read the order history."""
    windows: list[Any] = [program.trigger(name)["within_days"] for name in _READ_HISTORY]
    return at - timedelta(days=max(int(days) for days in windows))


@contextmanager
def _history(engine: Engine, at: datetime, since: datetime, *, keep: bool) -> Iterator[None]:
    """Keep the order history that the fee and milestone queries read (the orders are read
    once for both, and not ranked: docs in the two queries), and drop it after."""
    tables = ("gratitude_history", "gratitude_recent_orders") if keep else ()
    try:
        for table in tables:
            engine.keep(table, table, as_of=at, window_start=since)
        yield
    finally:
        for table in tables:
            engine.drop(table)


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
    ws: Workspace, engine: Engine, rows: pa.Table, params: Mapping[str, Any], at: datetime
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
    waivers = engine.query("gratitude_fee_waivers_in_year", as_of=at)
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
    engine: Engine,
    rows: pa.Table,
    name: str,
    params: Mapping[str, Any],
    program: GratitudePolicy,
    at: datetime,
) -> pa.Table:
    keys = rows.column("event_key").cast(pa.string())
    n = len(keys)
    ids, holdout = _digests(engine, program, name, keys)
    if name == "fee_forgiveness":
        costs = rows.column("amount").cast(pa.float64())
    else:
        costs = pa.repeat(pa.scalar(float(params["cost"]), pa.float64()), n)
    details = rows.column("detail").cast(pa.string())
    # f"{label}: {detail}", as Python writes a missing detail
    reason = pc.binary_join_element_wise(
        f"{_LABELS[name]}: ", details, "", null_handling="replace", null_replacement="None"
    )
    return pa.table(
        {
            "gesture_id": ids,
            "customer_id": rows.column("customer_id").cast(pa.string()),
            "kind": pa.repeat(pa.scalar(KINDS[name], pa.string()), n),
            "reason": reason,
            "given_at": pa.repeat(pa.scalar(at, pa.timestamp("us")), n),
            "cost": pc.if_else(holdout, 0.0, costs),
            "arm": pc.if_else(holdout, "holdout", "treatment"),
            "trigger": pa.repeat(pa.scalar(name, pa.string()), n),
            "event_key": keys,
            "event_at": rows.column("event_at").cast(pa.timestamp("us")),
            "detail": details,
        }
    )


def _digests(
    engine: Engine, program: GratitudePolicy, name: str, keys: pa.ChunkedArray
) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """:func:`gesture_id` and :func:`assign_arm` (``True`` for the holdout) of every key,
    their digests made by the engine (``gratitude_digests.sql``) in one pass instead of one
    Python call per key."""
    n = len(keys)
    if n == 0:
        return pa.chunked_array([], pa.string()), pa.chunked_array([], pa.bool_())
    moments = pa.table(
        {
            "i": pa.array(np.arange(n, dtype=np.int64)),
            "seed": pa.repeat(pa.scalar(str(program.seed), pa.string()), n),
            "trigger": pa.repeat(pa.scalar(name, pa.string()), n),
            "event_key": keys,
        }
    )
    engine.put("gratitude_moments", moments)
    try:
        digests = engine.query("gratitude_digests")
    finally:
        engine.drop("gratitude_moments")
    digits = digests.column("arm_digits")
    cut = _holdout_cut(program.holdout_share)
    if cut >= 16**16:
        holdout = pa.chunked_array([pa.repeat(pa.scalar(True), n)])
    else:
        # 16 lowercase hex digits compare as text as they do as numbers
        holdout = pc.less(digits, f"{cut:016x}")
    return digests.column("gesture_id"), holdout


def _holdout_cut(holdout_share: float) -> int:
    """The least ``m`` with ``m / 2**64 >= holdout_share`` (up to ``2**64``): :func:`assign_arm`
    gives the holdout to the digests below it, as ``m / 2**64`` never decreases with ``m``."""
    if not holdout_share > 0:
        return 0
    if holdout_share > 1:
        return 2**64
    m = int(holdout_share * 2**64)
    while m > 0 and (m - 1) / 2**64 >= holdout_share:
        m -= 1
    while m < 2**64 and m / 2**64 < holdout_share:
        m += 1
    return m


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
