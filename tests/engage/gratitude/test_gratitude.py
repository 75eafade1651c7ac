"""The gratitude & reciprocity program: plan (triggers, arms), record (waivers), results."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest

from legame.engage.gratitude import assign_arm, plan, results
from legame.ingest import ingest
from legame.policy import load_policy
from legame.simulate import simulate
from legame.store import Workspace

AT = datetime(2025, 6, 30, 12, 0)


def load(ws: Workspace, write, table: str, text: str) -> None:
    report = ingest(ws, table, [write(f"{table}-{abs(hash(text))}.csv", text)])
    assert report.total("rejected") == 0, report.to_dict()


@pytest.fixture
def shop(ws, write) -> Workspace:
    """A long-standing customer with a fresh late fee, a new customer with one, a botched
    ticket, a fifth order, a referral and a detractor with a comment and a ticket."""
    orders = ["order_id,customer_id,ordered_at,amount"]
    for i in range(1, 6):
        orders.append(f"A{i},anna,2024-0{i}-10,50")
    orders += ["B1,bruno,2025-06-01,20", "C1,carla,2025-06-20,20", "E1,fede,2024-06-20,9"]
    load(ws, write, "orders", "\n".join(orders) + "\n")
    load(
        ws,
        write,
        "charges",
        "charge_id,customer_id,kind,amount,charged_at\n"
        "F1,anna,late_fee,5,2025-06-25\nF2,bruno,late_fee,5,2025-06-25\n"
        "F3,anna,late_fee,50,2025-06-26\nF4,anna,delivery_fee,5,2025-06-26\n",
    )
    load(
        ws,
        write,
        "tickets",
        "ticket_id,customer_id,opened_at,resolved_at,category,csat\n"
        "T1,bruno,2025-06-20,,delivery,\nT2,carla,2025-06-21,2025-06-21 10:00,billing,5\n"
        "T3,dario,2025-06-27,2025-06-28,returns,1\n",
    )
    load(
        ws,
        write,
        "referrals",
        "referral_id,referrer_id,referred_customer_id,referred_at\nR1,carla,ezio,2025-06-15\n",
    )
    load(
        ws,
        write,
        "survey_responses",
        "response_id,customer_id,answered_at,nps,comment\n"
        "S1,dario,2025-06-28,3,Never again\nS2,carla,2025-06-28,10,Great\n",
    )
    orders_5th = "order_id,customer_id,ordered_at,amount\nA6,anna,2025-06-15,10\n"
    load(ws, write, "orders", orders_5th.replace("A6,anna,2025-06-15", "A6,anna,2024-06-15"))
    load(
        ws,
        write,
        "orders",
        "order_id,customer_id,ordered_at,amount\n"
        "D1,dario,2025-05-01,1\nD2,dario,2025-05-02,1\nD3,dario,2025-05-03,1\n"
        "D4,dario,2025-05-04,1\nD5,dario,2025-06-20,1\n",
    )
    return ws


def by_trigger(table) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in table.to_pylist():
        out.setdefault(row["trigger"], []).append(row)
    return out


def test_each_trigger_finds_its_moments(shop) -> None:
    proposed = by_trigger(plan(shop, at=AT))
    fee = proposed["fee_forgiveness"]
    assert [r["event_key"] for r in fee] == ["charge:F1"]  # bruno is new; F3 too big; F4 kind
    assert fee[0]["kind"] == "fee_waiver" and "late_fee of 5.0" in fee[0]["reason"]
    service = {r["event_key"] for r in proposed["service_recovery"]}
    assert service == {"ticket:T1", "ticket:T3"}  # T1 open 10 days; T3 rated 1
    milestones = {r["event_key"] for r in proposed["milestone_thanks"]}
    assert "order:D5" in milestones  # dario's 5th order, 10 days ago
    assert "anniversary:fede:1" in milestones  # first order a year and 10 days ago
    assert [r["customer_id"] for r in proposed["referral_thanks"]] == ["carla"]
    callback = proposed["detractor_callback"]
    assert [r["customer_id"] for r in callback] == ["dario"]
    assert '"Never again"' in callback[0]["detail"] and "T3" in callback[0]["detail"]
    assert {r["arm"] for r in plan(shop, at=AT).to_pylist()} <= {"treatment", "holdout"}


def test_the_same_moment_never_fires_twice_once_recorded(shop, write) -> None:
    first = plan(shop, at=AT)
    path = write("plan.csv", "")
    import pyarrow.csv as pacsv

    pacsv.write_csv(first, path)
    report = ingest(shop, "gestures", [path]).to_dict()
    assert report["inserted"] == first.num_rows
    assert plan(shop, at=AT).num_rows == 0
    again = ingest(shop, "gestures", [path]).to_dict()
    assert (again["inserted"], again["duplicates"]) == (0, first.num_rows)


def test_recording_a_treated_fee_waiver_waives_the_charge_and_a_holdout_does_not(shop, write):
    rows = "gesture_id,customer_id,kind,given_at,cost,arm,trigger,event_key\n"
    rows += "G1,anna,fee_waiver,2025-06-30,5,treatment,fee_forgiveness,charge:F1\n"
    rows += "G2,bruno,fee_waiver,2025-06-30,0,holdout,fee_forgiveness,charge:F2\n"
    report = ingest(shop, "gestures", [write("g.csv", rows)]).to_dict()
    assert report["fees_waived"] == 1
    waived = dict(shop.con.execute("SELECT charge_id, waived_at FROM charges").fetchall())
    assert waived["F1"] == datetime(2025, 6, 30) and waived["F2"] is None
    change = shop.con.execute("SELECT table_name, row_key FROM row_changes").fetchall()
    assert ("charges", "F1") in change


def test_arms_are_seeded_stable_and_near_the_holdout_share() -> None:
    keys = [f"referral:R{i}" for i in range(4000)]
    arms = [assign_arm(7, "referral_thanks", k, 0.25) for k in keys]
    assert arms == [assign_arm(7, "referral_thanks", k, 0.25) for k in keys]
    share = arms.count("holdout") / len(arms)
    assert abs(share - 0.25) < 3 * (0.25 * 0.75 / 4000) ** 0.5
    other_seed = [assign_arm(8, "referral_thanks", k, 0.25) for k in keys]
    assert other_seed != arms
    # Strata are independent: the same key under another trigger is assigned anew.
    other_trigger = [assign_arm(7, "milestone_thanks", k, 0.25) for k in keys]
    assert 0.5 < sum(a == b for a, b in zip(arms, other_trigger, strict=True)) / 4000 < 0.75
    assert {assign_arm(7, "x", k, 0.0) for k in keys[:200]} == {"treatment"}


def test_disabled_trigger_and_policy_holdout_share(shop) -> None:
    policy = load_policy(None)
    g = policy.gratitude
    off = tuple(replace(t, enabled=False) if t.name == "referral_thanks" else t for t in g.triggers)
    proposed = by_trigger(plan(shop, replace(policy, gratitude=replace(g, triggers=off)), at=AT))
    assert "referral_thanks" not in proposed
    all_held = replace(policy, gratitude=replace(g, holdout_share=0.999999))
    arms = {r["arm"] for r in plan(shop, all_held, at=AT).to_pylist()}
    assert arms == {"holdout"}
    assert {r["cost"] for r in plan(shop, all_held, at=AT).to_pylist()} == {0.0}


def test_results_need_enough_gestures_per_arm(shop) -> None:
    out = results(shop, at=AT)
    for row in out["by_trigger"]:
        assert row["retention_diff"]["estimate"] is None


@pytest.mark.slow
def test_planted_uplift_is_inside_the_results_interval(tmp_path) -> None:
    """The simulator's gratitude program has a known true effect on 180-day retention
    (truth.json gratitude_uplift, estimated by a 1M-customer Monte Carlo); the results'
    pooled interval must contain it."""
    from legame.demo import LOAD_ORDER

    sim = simulate(tmp_path / "data", customers=6000, seed=21, mc_customers=200_000)
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        for table in LOAD_ORDER:
            ingest(ws, table, [sim.paths[table]])
        out = results(ws)
    pooled = next(r for r in out["by_trigger"] if r["trigger"] == "all")
    truth = sim.truth["effects"]["gratitude_uplift"]["value"]
    diff = pooled["retention_diff"]
    print(
        f"truth {truth:.4f}; estimate {diff['estimate']:.4f} "
        f"({diff['ci_low']:.4f} to {diff['ci_high']:.4f})"
    )
    assert diff["ci_low"] < truth < diff["ci_high"]
    assert pooled["treatment"]["gestures"] > pooled["holdout"]["gestures"] > 100


def test_gestures_cli_plan_record_results(cli, db, write) -> None:
    with Workspace.open(db) as ws:
        load(
            ws,
            write,
            "referrals",
            "referral_id,referrer_id,referred_at\nR1,carla,2025-06-15\nR2,carla,2025-06-20\n",
        )
    out = write("plan.csv", "")
    planned = cli(
        "gestures", "plan", "--at", "2025-06-30T12:00:00", "--out", out, "--db", db, "--json"
    )
    assert planned.exit_code == 0, planned.output
    rows = json.loads(planned.stdout)
    assert [r["event_key"] for r in rows] == ["referral:R1", "referral:R2"]
    recorded = json.loads(cli("gestures", "record", out, "--db", db, "--json").stdout)
    assert recorded["inserted"] == 2
    assert (
        json.loads(cli("gestures", "plan", "--at", "2025-06-30", "--db", db, "--json").stdout) == []
    )
    res = json.loads(cli("gestures", "results", "--db", db, "--json").stdout)
    assert set(res) >= {"by_trigger", "followup_days", "nps_note"}
    text = cli("gestures", "results", "--db", db)
    assert text.exit_code == 0 and "treatment − holdout" in text.stdout


def test_write_plan_writes_csv_or_parquet_whole_and_refuses_other_names(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pytest

    from legame.engage.gratitude import write_plan
    from legame.errors import InputError

    table = pa.table({"gesture_id": ["g1", "g2"], "arm": ["treatment", "holdout"]})
    csv = write_plan(table, tmp_path / "deep" / "plan.csv")
    assert csv.read_text().splitlines() == [
        '"gesture_id","arm"',
        '"g1","treatment"',
        '"g2","holdout"',
    ]
    assert pq.read_table(write_plan(table, tmp_path / "plan.parquet")).equals(table)
    assert not list(tmp_path.rglob("*.partial"))
    with pytest.raises(InputError, match=r"must end in \.csv or \.parquet"):
        write_plan(table, tmp_path / "plan.xlsx")
