"""Measuring the loop: time to first contact and to resolution, and the call-back's effect
against its randomized holdout, on a synthetic store whose truth is planted here."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from legame.engage.cases import callback_effect, case_stats, contact_case, open_cases, update_case
from legame.engage.gratitude.plan import assign_arm
from legame.store import Workspace
from tests.cases.conftest import AS_OF, by_source, load, policy

# --- the planted truth --------------------------------------------------------------------

CUSTOMERS = 1000
SEED, SHARE = 5, 0.5
START = datetime(2024, 1, 1)
MEASURED_AT = datetime(2025, 6, 1)
#: Repurchase within 90 days of the detractor answer, per arm.
REPURCHASE = {"treatment": 0.45, "holdout": 0.25}
#: The next NPS answer (60% answer again, 30 days later): uniform on these scores per arm.
NEXT_NPS = {"treatment": range(4, 11), "holdout": range(2, 9)}
TRUTH = {
    "repurchase": 0.20,
    "mean_nps": 7.0 - 5.0,
    "promoter_share": 2 / 7 - 0.0,  # 9 and 10 of 4..10; none of 2..8
    "detractor_share": 3 / 7 - 5 / 7,  # 4, 5, 6 of 4..10; 2..6 of 2..8
}
RULES = policy(
    gratitude={"holdout_share": SHARE, "seed": SEED},
    cases={"lookback_days": 3650, "followup_days": 90},
)


def planted_store(ws: Workspace, folder: Path) -> None:
    """One detractor answer per customer, the arm its case will get, and what followed it:
    a completed order 10 days later (by arm), a next answer 30 days later (by arm), an
    order before the answer and an answer after the follow-up (neither may count), and a
    refunded order in the follow-up (not a repurchase)."""
    rng = np.random.default_rng(2024)
    customers = ["customer_id"]
    answers = ["response_id,customer_id,answered_at,nps"]
    orders = ["order_id,customer_id,ordered_at,amount,status"]
    for i in range(CUSTOMERS):
        who = f"D{i:04d}"
        at = START + timedelta(hours=7 * i)
        arm = assign_arm(SEED, "detractor_callback", f"survey:S{i}", SHARE)
        customers.append(who)
        answers.append(f"S{i},{who},{at:%Y-%m-%d %H:%M},3")
        orders.append(f"P{i},{who},{at - timedelta(days=30):%Y-%m-%d %H:%M},20,completed")
        orders.append(f"X{i},{who},{at + timedelta(days=5):%Y-%m-%d %H:%M},20,refunded")
        if rng.random() < REPURCHASE[arm]:
            orders.append(f"O{i},{who},{at + timedelta(days=10):%Y-%m-%d %H:%M},30,completed")
        if rng.random() < 0.6:
            score = rng.choice(list(NEXT_NPS[arm]))
            answers.append(f"N{i},{who},{at + timedelta(days=30):%Y-%m-%d %H:%M},{score}")
        answers.append(f"L{i},{who},{at + timedelta(days=120):%Y-%m-%d %H:%M},10")
    # answers too recent for a whole follow-up: cases, but not measured yet
    for j in range(20):
        customers.append(f"Y{j:03d}")
        answers.append(f"Y{j},Y{j:03d},{MEASURED_AT - timedelta(days=10):%Y-%m-%d %H:%M},2")
    load(
        ws,
        folder,
        {
            "customers": "\n".join(customers) + "\n",
            "survey_responses": "\n".join(answers) + "\n",
            "orders": "\n".join(orders) + "\n",
        },
    )


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The planted store with its cases opened. The next answers of 2..6 are detractor
    answers too and open cases of their own, whose customers never answer again or rebuy:
    they are removed, so that the measured cases are the first answers, whose arms'
    outcomes are the planted ones."""
    folder = tmp_path_factory.mktemp("planted-callback")
    db = folder / "ws.duckdb"
    with Workspace.create(db) as ws:
        planted_store(ws, folder)
        opened = open_cases(ws, as_of=MEASURED_AT, policy=RULES)
        assert opened.by_kind["detractor"] > CUSTOMERS + 20
        ws.con.execute("DELETE FROM cases WHERE source_key LIKE 'survey:N%'")
    return db


def test_the_95_intervals_cover_the_planted_effects(planted: Path) -> None:
    """Truth planted above (a simulation with known truth): +20 pp repurchase, +2 NPS
    points, +28.6 pp promoters and -28.6 pp detractors among the next answers."""
    with Workspace.open(planted, read_only=True) as ws:
        effect = callback_effect(ws, as_of=MEASURED_AT, policy=RULES, seed=3)
    for name, truth in TRUTH.items():
        diff = effect[f"{name}_diff"]
        assert diff["ci_low"] <= truth <= diff["ci_high"], (name, truth, diff)
        assert diff["note"] is None
    assert effect["repurchase_diff"]["ci_low"] > 0  # the call-back's effect is detected
    t, h = effect["treatment"], effect["holdout"]
    assert t["cases"] + h["cases"] == CUSTOMERS
    assert 0.4 < h["cases"] / CUSTOMERS < 0.6
    assert t["contacted"] == 0  # nobody was called here: intention to treat
    assert 0.5 < (t["next_answers"] + h["next_answers"]) / CUSTOMERS < 0.7


def test_answers_too_recent_are_not_measured_yet(planted: Path) -> None:
    with Workspace.open(planted, read_only=True) as ws:
        effect = callback_effect(ws, as_of=MEASURED_AT, policy=RULES)
        cases = ws.count("cases")
    measured = effect["treatment"]["cases"] + effect["holdout"]["cases"]
    assert (cases, measured) == (CUSTOMERS + 20, CUSTOMERS)  # the Y answers: too recent


def test_below_the_minimum_the_effect_is_insufficient_data(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF, policy=policy(gratitude={"holdout_share": 0.5}))
    effect = callback_effect(store, as_of=AS_OF + timedelta(days=400))
    for name in ("repurchase", "mean_nps", "promoter_share", "detractor_share"):
        diff = effect[f"{name}_diff"]
        assert diff["estimate"] is None and diff["ci_low"] is None
        assert diff["note"].startswith("insufficient data: needs at least 30")


def test_time_to_first_contact_and_to_resolution(store: Workspace) -> None:
    """Contacts 8, 9 and 15 hours after opening; resolutions after 20 and 30 hours. DuckDB's
    quantile_cont interpolates: p90 of (8, 9, 15) is 9 + 0.8 x 6 = 13.8, of (20, 30) 29."""
    rules = policy(gratitude={"holdout_share": 0.0})
    open_cases(store, as_of=AS_OF, policy=rules)
    cases = by_source(store)
    hour = timedelta(hours=1)
    for source, hours in (("ticket:T1", 8), ("ticket:T2", 9), ("survey:R1", 15)):
        done = contact_case(
            store,
            cases[source]["case_id"],
            channel="email",
            actor="anna",
            at=AS_OF + hours * hour,
            policy=rules,
        )
        assert done.outcome == "contacted", done.message
    for source, hours, outcome in (
        ("ticket:T1", 20, "resolved"),
        ("ticket:T2", 30, "resolved"),
        ("survey:R1", 16, "no-answer"),
    ):
        update_case(
            store,
            cases[source]["case_id"],
            version=2,
            actor="anna",
            status=outcome,
            at=AS_OF + hours * hour,
        )
    stats = case_stats(store, as_of=AS_OF + timedelta(hours=25), policy=rules)
    timings = {row["kind"]: row for row in stats["timings"]}
    assert timings["all"] == {
        "kind": "all",
        "cases": 6,
        "contacted": 3,
        "contacted_by_due": 3,
        "first_contact_median_hours": 9.0,
        "first_contact_p90_hours": pytest.approx(13.8),
        "resolved": 2,
        "resolution_median_hours": 25.0,
        "resolution_p90_hours": pytest.approx(29.0),
        "no_answer": 1,
    }
    assert timings["detractor"]["first_contact_median_hours"] == 15.0
    assert timings["poor_service"]["resolved"] == 2
    assert stats["counts"]["by_status"] == {"new": 3, "contacted": 0, "resolved": 2, "no-answer": 1}
    # overdue after 25 hours: T5 (due after 24 h); the detractors R3 and R5 are due at 48 h
    assert stats["counts"]["overdue"] == 1


def test_holdout_cases_are_left_out_of_the_timings(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF, policy=policy(gratitude={"holdout_share": 0.99}))
    stats = case_stats(store, as_of=AS_OF)
    assert {row["kind"]: row["cases"] for row in stats["timings"]} == {
        "all": 3,
        "poor_service": 3,
    }
