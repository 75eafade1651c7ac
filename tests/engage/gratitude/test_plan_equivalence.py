"""The gesture plan's fast path gives what the plain definitions give (issue 19, item 7).

The plan reads the orders once for the fee and milestone triggers (``gratitude_history``,
``gratitude_recent_orders``), finds order-count milestones without ranking every order and
anniversaries from each customer's first order, and has DuckDB make the digests of the
gesture ids and arms. Each is held here to its definition written out in Python: the Nth
completed order up to the plan's time, the first completed order plus N years (29 February
plus a year is 28 February, as in DuckDB), the completed orders before a charge, and
:func:`gesture_id` / :func:`assign_arm` one key at a time. The data is seeded and chosen for
the edges: orders on the same instant (ranked by order id), orders not completed or after
the plan's time, first orders on 29 February, fees on the instant of an order, customers
with fees and no orders, and trigger windows of different lengths.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from legame.engage.gratitude import plan
from legame.engage.gratitude.plan import (
    _digests,
    _history,
    _holdout_cut,
    _since,
    assign_arm,
    gesture_id,
)
from legame.engine import DuckDBEngine
from legame.ingest import ingest
from legame.policy import Policy, load_policy
from legame.store import Workspace

AT = datetime(2025, 3, 10, 12, 0)
#: The last day of the seeded orders (some after AT, none after the ingest's today).
END = datetime(2025, 6, 30)
SEED = 20250310


def _load(ws: Workspace, write, table: str, header: str, rows: list[str]) -> None:
    path = write(f"{table}.csv", header + "\n" + "\n".join(rows) + "\n")
    report = ingest(ws, table, [path])
    assert report.total("rejected") == 0, report.to_dict()


@pytest.fixture
def store(ws, write) -> Workspace:
    """Seeded orders and fees around AT, with the edge cases planted by hand."""
    rng = random.Random(SEED)
    orders, charges = [], []
    for c in range(80):
        customer = f"c{c:02d}"
        start = datetime(2019, 1, 1) + timedelta(days=rng.randrange(0, 6 * 365))
        for j in range(rng.choice([0, 1, 3, 4, 5, 6, 9, 10, 11, 24, 25, 26])):
            at = start + timedelta(days=rng.randrange((END - start).days), hours=rng.randrange(24))
            status = rng.choice(["completed"] * 8 + ["cancelled", "returned"])
            orders.append(f"{customer}-o{j:02d},{customer},{at:%Y-%m-%d %H:%M},10,{status}")
        if rng.random() < 0.6:
            at = AT - timedelta(days=rng.randrange(0, 120), hours=rng.randrange(24))
            charges.append(f"{customer}-f,{customer},late_fee,{rng.choice([5, 20, 40])},{at}")
    planted = [
        # tied instants, ranked by order id (loaded in the other order), the 5th in the window
        *(f"tie-o{j},tie,2025-03-0{1 + j // 3} 09:00,10,completed" for j in reversed(range(6))),
        # an order on the instant a window starts (30 and 90 days before AT) is before it
        *(f"edge-o{j},edge,2024-01-0{j} 10:00,10,completed" for j in range(1, 4)),
        "edge-o4,edge,2025-02-08 12:00,10,completed",
        "edge-o5,edge,2025-02-20 10:00,10,completed",
        *(f"edge90-o{j},edge90,2024-01-0{j} 10:00,10,completed" for j in range(1, 4)),
        "edge90-o4,edge90,2024-12-10 12:00,10,completed",
        "edge90-o5,edge90,2025-02-20 10:00,10,completed",
        # first orders on 29 February: 1 and 5 years on are 28 February 2025
        "leap1-o1,leap1,2024-02-29 10:00,10,completed",
        "leap5-o1,leap5,2020-02-29 10:00,10,completed",
        "leap5-o2,leap5,2024-02-29 10:00,10,completed",
        # a cancelled first order does not start the tenure
        "late-o0,late,2022-02-20 10:00,10,cancelled",
        "late-o1,late,2022-03-01 10:00,10,completed",
        # an order after AT counts for nothing
        "future-o1,future,2024-03-09 10:00,10,completed",
        "future-o2,future,2025-03-11 10:00,10,completed",
        # a fee on the instant of an order: that order is not before it
        "same-o1,same,2024-01-01 10:00,10,completed",
        "same-o2,same,2025-03-01 10:00,10,completed",
    ]
    charges += [
        "same-f,same,late_fee,5,2025-03-01 10:00",
        "nobody-f,nobody,late_fee,5,2025-03-02 10:00",
        "tie-f,tie,late_fee,5,2025-03-02 09:00",
        "edge-f,edge,late_fee,5,2025-02-21 10:00",
        "edge90-f,edge90,late_fee,5,2025-02-21 10:00",
    ]
    _load(ws, write, "orders", "order_id,customer_id,ordered_at,amount,status", orders + planted)
    _load(ws, write, "charges", "charge_id,customer_id,kind,amount,charged_at", charges)
    return ws


def _policy(**windows: int) -> Policy:
    """The default policy with the given within_days per trigger, and no fee eligibility
    rule (every fee of the window is proposed)."""
    policy = load_policy(None)
    g = policy.gratitude
    changed = []
    for t in g.triggers:
        params = dict(t.params)
        params["within_days"] = windows.get(t.name, params["within_days"])
        if t.name == "fee_forgiveness":
            params.update(min_orders=0, min_tenure_days=0, max_per_year=1000, max_amount=30.0)
        changed.append(replace(t, params=tuple(params.items())))
    return replace(policy, gratitude=replace(g, triggers=tuple(changed)))


def _completed(ws: Workspace, at: datetime) -> dict[str, list[tuple[datetime, str]]]:
    rows = ws.con.execute(
        "SELECT customer_id, ordered_at, order_id FROM orders WHERE status = 'completed'"
    ).fetchall()
    out: dict[str, list[tuple[datetime, str]]] = {}
    for customer, ordered_at, order_id in rows:
        if ordered_at <= at:
            out.setdefault(customer, []).append((ordered_at, order_id))
    return {c: sorted(v) for c, v in out.items()}


def _plus_years(t: datetime, years: int) -> datetime:
    try:
        return t.replace(year=t.year + years)
    except ValueError:  # 29 February: DuckDB gives 28 February
        return t.replace(year=t.year + years, day=28)


def _milestones(ws: Workspace, policy: Policy, at: datetime) -> list[tuple]:
    """The milestones by their definition: every completed order ranked, every first order
    plus N years."""
    trigger: dict[str, Any] = dict(policy.gratitude.trigger("milestone_thanks").params)
    start = at - timedelta(days=int(trigger["within_days"]))
    counts, years = trigger["order_counts"], trigger["tenure_years"]
    assert isinstance(counts, tuple) and isinstance(years, tuple)
    events = []
    for customer, orders in _completed(ws, at).items():
        for n, (ordered_at, order_id) in enumerate(orders, start=1):
            if n in counts and ordered_at > start:
                events.append((ordered_at, f"order:{order_id}", customer, f"order number {n}"))
        for k in years:
            day = _plus_years(orders[0][0], k)
            if start < day <= at:
                detail = f"{k} years since the first order"
                events.append((day, f"anniversary:{customer}:{k}", customer, detail))
    return sorted(events)


@pytest.mark.parametrize(
    "windows",
    [{}, {"fee_forgiveness": 90, "milestone_thanks": 10}, {"milestone_thanks": 800}],
    ids=["default windows", "fee window longer", "milestone window over two years"],
)
def test_milestones_are_the_ranked_orders_and_first_order_anniversaries(store, windows) -> None:
    policy = _policy(**windows)
    rows = plan(store, policy, at=AT).to_pylist()
    got = [
        (r["event_at"], r["event_key"], r["customer_id"], r["detail"])
        for r in rows
        if r["trigger"] == "milestone_thanks"
    ]
    expected = _milestones(store, policy, AT)
    assert got == expected
    if windows.get("milestone_thanks", 30) >= 30:  # the planted milestones are in the window
        when = {e[1]: e[0] for e in expected}
        planted = {"order:tie-o4", "order:edge-o5", "anniversary:leap1:1", "anniversary:leap5:5"}
        assert planted <= set(when)
        assert "order:future-o2" not in when
        assert when["anniversary:late:3"] == datetime(2025, 3, 1, 10, 0)  # not the cancelled
    if not windows:
        leap = next(e for e in expected if e[1] == "anniversary:leap1:1")
        assert leap[0] == datetime(2025, 2, 28, 10, 0)


@pytest.mark.parametrize(
    "windows",
    [{}, {"fee_forgiveness": 90, "milestone_thanks": 10}, {"fee_forgiveness": 7}],
    ids=["default windows", "fee window longer", "fee window shorter"],
)
def test_fee_history_is_the_completed_orders_before_the_charge(store, windows) -> None:
    policy = _policy(**windows)
    program = policy.gratitude
    params: dict[str, Any] = dict(program.trigger("fee_forgiveness").params)
    engine = DuckDBEngine(store)
    with _history(engine, AT, _since(program, AT), keep=True):
        rows = engine.query(
            "gratitude_fee_forgiveness",
            as_of=AT,
            fee_kinds=params["fee_kinds"],
            max_amount=params["max_amount"],
            within_days=params["within_days"],
        ).to_pylist()
    orders = _completed(store, AT)
    start = AT - timedelta(days=int(params["within_days"]))
    charges = store.con.execute(
        "SELECT charge_id, customer_id, charged_at FROM charges WHERE CAST(amount AS DOUBLE) <= 30"
    ).fetchall()
    expected = []
    for charge_id, customer, charged_at in sorted(charges, key=lambda c: (c[2], c[0])):
        if not start < charged_at <= AT:
            continue
        before = [o for o, _ in orders.get(customer, []) if o < charged_at]
        tenure = (charged_at.date() - before[0].date()).days if before else 0
        expected.append((f"charge:{charge_id}", len(before), tenure))
    got = [(r["event_key"], r["prior_orders"], r["tenure_days"]) for r in rows]
    assert got == expected
    if windows.get("fee_forgiveness", 30) >= 30:  # the planted fees are in the window
        assert ("charge:nobody-f", 0, 0) in got
        assert ("charge:same-f", 1, 425) in got and ("charge:tie-f", 3, 1) in got
        assert ("charge:edge-f", 5, 417) in got and ("charge:edge90-f", 5, 417) in got


def test_the_history_tables_are_dropped_after_the_plan(store) -> None:
    plan(store, _policy(), at=AT)
    temp = store.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'gratitude%'"
    ).fetchall()
    assert temp == []


def test_no_trigger_enabled_gives_an_empty_plan_of_the_same_columns(store) -> None:
    policy = load_policy(None)
    g = policy.gratitude
    off = tuple(replace(t, enabled=False) for t in g.triggers)
    empty = plan(store, replace(policy, gratitude=replace(g, triggers=off)), at=AT)
    assert empty.num_rows == 0
    assert empty.schema == plan(store, policy, at=AT).schema


@pytest.mark.parametrize("share", [0.0, 0.1, 0.25, 0.5, 1.0, 0.999999, 1e-18])
def test_digests_give_the_ids_and_arms_of_assign_arm_and_gesture_id(ws, share) -> None:
    import pyarrow as pa

    rng = random.Random(SEED)
    keys = [f"order:{rng.getrandbits(40):x}" for _ in range(3000)]
    keys += ["anniversary:Ünïcödé:1", "referral:R 1|x", "survey:'quoted'", ""]
    program = replace(load_policy(None).gratitude, seed=7, holdout_share=share)
    ids, holdout = _digests(DuckDBEngine(ws), program, "milestone_thanks", pa.chunked_array([keys]))
    assert ids.to_pylist() == [gesture_id("milestone_thanks", k) for k in keys]
    arms = ["holdout" if h else "treatment" for h in holdout.to_pylist()]
    assert arms == [assign_arm(7, "milestone_thanks", k, share) for k in keys]


def test_the_holdout_cut_is_the_least_digest_assign_arm_treats() -> None:
    for share in (0.1, 0.25, 1 / 3, 0.999999, 1.0, 2**-60):
        cut = _holdout_cut(share)
        assert (cut - 1) / 2**64 < share <= cut / 2**64
    assert _holdout_cut(0.0) == 0 and _holdout_cut(1.5) == 2**64
