"""Tickets, fees, gestures and referential integrity in the simulated tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from legame.metrics import definitions as d
from legame.simulate.params import Effects, WorldParams
from legame.simulate.service import draw_tickets
from legame.simulate.streams import Streams
from legame.simulate.tables import tickets_table
from legame.simulate.world import build_world
from legame.store.schema import TABLES

PARAMS = WorldParams()
AS_OF = 1767225600.0  # 2026-01-01 00:00:00 UTC


def _seconds(col: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(col.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=float)


def _poor_by_definition(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(poor, decided) per ticket row, from the row's own fields and the as-of date."""
    opened = _seconds(table["opened_at"])
    resp_h = (_seconds(table["first_response_at"]) - opened) / 3600.0
    reso_d = (_seconds(table["resolved_at"]) - opened) / 86400.0
    csat = np.asarray(table["csat"].to_numpy(zero_copy_only=False), dtype=float)
    age = (AS_OF - opened) / 86400.0
    return d.ticket_is_poor(resp_h, reso_d, csat, age), d.ticket_is_decided(age)


def test_poor_tickets_meet_the_definition_and_good_ones_never_do() -> None:
    world = build_world(8000, PARAMS, Effects(), Streams(5))
    tk = draw_tickets(world.hist, PARAMS, Streams(5)["service"])
    ids = pa.array([f"C{i}" for i in range(world.pop.size)])
    table = tickets_table(world, tk, ids)
    latent_poor = tk.poor[np.argsort(tk.opened, kind="stable")]  # the table's row order
    poor, decided = _poor_by_definition(table)
    assert not poor[~latent_poor].any()  # a good ticket is never poor, even when young
    assert poor[latent_poor & decided].all()  # a poor one is, once its deadlines passed
    assert 0.30 < latent_poor.mean() < 0.40
    assert decided.mean() > 0.98


def test_tickets_open_0_to_4_days_after_a_purchase_of_their_customer(sim_data) -> None:
    tickets, orders = sim_data.tables["tickets"], sim_data.tables["orders"]
    done = orders.filter(pa.compute.equal(orders["status"], "completed"))
    by_cust: dict[str, list[float]] = {}
    for c, t in zip(done["customer_id"].to_pylist(), _seconds(done["ordered_at"]), strict=True):
        by_cust.setdefault(c, []).append(t)
    gaps = []
    for c, t in zip(
        tickets["customer_id"].to_pylist(), _seconds(tickets["opened_at"]), strict=True
    ):
        before = [o for o in by_cust[c] if o <= t]
        gaps.append((t - max(before)) / 86400.0)
    gaps_arr = np.array(gaps)
    assert gaps_arr.min() >= 0 and gaps_arr.max() <= 4.0
    n_done = done.num_rows
    assert 0.12 < tickets.num_rows / n_done < 0.18  # 15% of purchases


def test_effort_is_higher_on_poor_tickets(sim_data) -> None:
    table = sim_data.tables["tickets"]
    poor, decided = _poor_by_definition(table)
    effort = np.asarray(table["effort"].to_numpy(zero_copy_only=False), dtype=float)
    assert effort[poor].mean() > effort[~poor & decided].mean() + 1.5
    assert effort.min() >= 1 and effort.max() <= 7


def test_gratitude_arms_are_70_30_within_each_trigger(sim_data) -> None:
    g = sim_data.tables["gestures"].to_pydict()
    for trigger in d.GRATITUDE_TRIGGERS:
        arms = [a for a, t in zip(g["arm"], g["trigger"], strict=True) if t == trigger]
        holdouts = arms.count("holdout")
        assert len(arms) > 500
        # permuted blocks of 10: at most one block's worth away from exactly 30%
        assert abs(holdouts - d.GRATITUDE_HOLDOUT_SHARE * len(arms)) <= 10


def test_fees_are_waived_only_and_always_in_the_treatment_arm(sim_data) -> None:
    charges = sim_data.tables["charges"].to_pydict()
    gestures = sim_data.tables["gestures"].to_pydict()
    waived = {cid: w for cid, w in zip(charges["charge_id"], charges["waived_at"], strict=True)}
    charged = dict(zip(charges["charge_id"], charges["charged_at"], strict=True))
    amount = dict(zip(charges["charge_id"], charges["amount"], strict=True))
    seen = 0
    for key, arm, kind, cost, given in zip(
        gestures["event_key"],
        gestures["arm"],
        gestures["kind"],
        gestures["cost"],
        gestures["given_at"],
        strict=True,
    ):
        if not key.startswith("charge:"):
            continue
        cid = key.removeprefix("charge:")
        seen += 1
        assert kind == "fee_waiver" and given == charged[cid]
        if arm == "treatment":
            assert waived[cid] is not None and cost == amount[cid]
            assert 0 < (waived[cid] - charged[cid]).total_seconds() <= 3 * 86400
        else:
            assert waived[cid] is None and cost == 0
    assert seen > 100
    gesture_charges = {
        k.removeprefix("charge:") for k in gestures["event_key"] if k.startswith("charge:")
    }
    assert {c for c, w in waived.items() if w is not None} <= gesture_charges


def test_fee_forgiveness_fires_exactly_on_fees_after_3_or_more_purchases(sim_data) -> None:
    orders = sim_data.tables["orders"].to_pydict()
    charges = sim_data.tables["charges"].to_pydict()
    gestures = sim_data.tables["gestures"].to_pydict()
    done: dict[str, list[object]] = {}
    for c, t, s in zip(orders["customer_id"], orders["ordered_at"], orders["status"], strict=True):
        if s == "completed":
            done.setdefault(c, []).append(t)
    fired = {k.removeprefix("charge:") for k in gestures["event_key"] if k.startswith("charge:")}
    for cid, cust, at, kind in zip(
        charges["charge_id"],
        charges["customer_id"],
        charges["charged_at"],
        charges["kind"],
        strict=True,
    ):
        assert kind == "late_fee"
        prior = sum(t < at for t in done[cust])  # type: ignore[operator]
        assert (cid in fired) == (prior >= d.FEE_FORGIVENESS_MIN_PURCHASES)
    amounts = set(charges["amount"])
    assert {float(a) for a in amounts} == {5.0, 10.0}


def test_milestone_thanks_answers_the_5th_completed_order(sim_data) -> None:
    orders = sim_data.tables["orders"].to_pydict()
    gestures = sim_data.tables["gestures"].to_pydict()
    rank: dict[str, int] = {}
    nth: dict[str, tuple[str, int, object]] = {}
    for oid, c, t, s in zip(
        orders["order_id"],
        orders["customer_id"],
        orders["ordered_at"],
        orders["status"],
        strict=True,
    ):
        if s == "completed":
            rank[c] = rank.get(c, 0) + 1
            nth[oid] = (c, rank[c], t)
    keys = [
        (k, c, g, kind, cost, arm)
        for k, c, g, kind, cost, arm in zip(
            gestures["event_key"],
            gestures["customer_id"],
            gestures["given_at"],
            gestures["kind"],
            gestures["cost"],
            gestures["arm"],
            strict=True,
        )
        if k.startswith("order:")
    ]
    assert len(keys) == sum(r >= d.MILESTONE_PURCHASE for r in rank.values())
    for key, cust, given, kind, cost, arm in keys:
        c, r, t = nth[key.removeprefix("order:")]
        assert (c, r, t) == (cust, d.MILESTONE_PURCHASE, given)
        assert kind == "thank_you_note"
        assert float(cost) == (2.0 if arm == "treatment" else 0.0)


def test_every_customer_reference_exists_in_customers(sim_data) -> None:
    known = set(sim_data.tables["customers"]["customer_id"].to_pylist())
    for name, table in sim_data.tables.items():
        for column in TABLES[name].customer_columns:
            values = {v for v in table[column].to_pylist() if v is not None}
            assert values <= known, (name, column)
    campaigns = set(sim_data.tables["campaigns"]["campaign_id"].to_pylist())
    assert set(sim_data.tables["messages"]["campaign_id"].to_pylist()) <= campaigns


def test_identifiers_are_unique(sim_data) -> None:
    for name, table in sim_data.tables.items():
        key = TABLES[name].key
        rows = list(zip(*(table[k].to_pylist() for k in key), strict=True))
        assert len(rows) == len(set(rows)), name


def test_extra_orders_are_refunded_or_cancelled_and_about_4_percent(sim_data) -> None:
    status = sim_data.tables["orders"]["status"].to_pylist()
    done = status.count("completed")
    extra = status.count("refunded") + status.count("cancelled")
    assert 0.03 < extra / done < 0.05
    assert set(status) == {"completed", "refunded", "cancelled"}
    assert set(sim_data.tables["orders"]["currency"].to_pylist()) == {"EUR"}
    assert set(sim_data.tables["orders"]["channel"].to_pylist()) == {"web", "store", "app"}
