"""Opening cases: which answers and tickets open one, once, with what."""

from __future__ import annotations

from datetime import datetime, timedelta

from legame import sql
from legame.engage.cases import open_cases
from legame.engage.gratitude.plan import assign_arm
from legame.metrics import definitions as d
from legame.store import Workspace
from tests.cases.conftest import AS_OF, EXPECTED, by_source, policy


def test_detractor_answers_and_poor_tickets_of_the_lookback_open_one_case_each(
    store: Workspace,
) -> None:
    opened = open_cases(store, as_of=AS_OF)
    cases = by_source(store)
    assert {k: c["kind"] for k, c in cases.items()} == EXPECTED
    assert opened.opened == 6 and opened.by_kind == {"detractor": 3, "poor_service": 3}
    assert opened.since == AS_OF - timedelta(days=30)
    assert all(c["status"] == "new" and c["version"] == 1 for c in cases.values())
    assert cases["survey:R1"]["comment"] == "courier lost my parcel"
    assert cases["survey:R1"]["nps"] == 3 and cases["survey:R1"]["customer_id"] == "C1"
    assert cases["ticket:T2"]["detail"] == (
        "ticket T2 (billing): no first response within 48 h; not resolved within 7 days"
    )
    assert cases["ticket:T1"]["detail"] == "ticket T1 (delivery): rated 2/5"
    assert cases["ticket:T5"]["detail"] == "ticket T5: no first response within 48 h"


def test_opening_again_opens_nothing_new(store: Workspace) -> None:
    first = open_cases(store, as_of=AS_OF)
    again = open_cases(store, as_of=AS_OF)
    later = open_cases(store, as_of=AS_OF + timedelta(hours=1))
    assert first.opened == 6 and again.opened == 0 and later.opened == 0
    assert store.count("cases") == 6
    assert store.count("case_events") == 6  # one "opened" line per case, once


def test_only_answers_of_six_or_less_are_detractors(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF)
    nps = store.con.execute(
        "SELECT r.nps FROM cases c JOIN survey_responses r "
        "ON c.source_key = 'survey:' || r.response_id"
    ).fetchall()
    assert sorted(n for (n,) in nps) == [0, 3, 6]
    assert d.NPS_DETRACTOR_MAX == 6


def test_poor_service_cases_are_the_tickets_the_findings_call_poor(store: Workspace) -> None:
    """The same SQL rule as the findings (finding_service_tickets, defs/poor_ticket)."""
    open_cases(store, as_of=AS_OF)
    findings = store.con.execute(
        sql.render("finding_service_tickets", as_of=AS_OF, **d.poor_ticket_params())
    ).fetchall()
    since = AS_OF - timedelta(days=30)
    poor = {f"ticket:{row[0]}" for row in findings if row[-1] and row[3] >= since}
    cased = {k for k, c in by_source(store).items() if c["kind"] == "poor_service"}
    assert cased == poor == {"ticket:T1", "ticket:T2", "ticket:T5"}


def test_a_ticket_left_unresolved_opens_a_case_once_its_deadline_passes(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF)
    assert "ticket:T3" not in by_source(store)  # 4.6 days open: not poor yet
    later = open_cases(store, as_of=datetime(2025, 3, 12, 10))  # 7 days and an hour
    assert later.by_kind == {"detractor": 1, "poor_service": 1}  # and R7, answered 3/11
    case = by_source(store)["ticket:T3"]
    assert case["detail"] == "ticket T3 (returns): not resolved within 7 days"


def test_due_dates_come_from_the_policy_per_kind(store: Workspace) -> None:
    rules = policy(cases={"detractor_sla_hours": 72, "poor_service_sla_hours": 4})
    open_cases(store, as_of=AS_OF, policy=rules)
    for case in by_source(store).values():
        hours = 72 if case["kind"] == "detractor" else 4
        assert case["opened_at"] == AS_OF
        assert case["due_at"] == AS_OF + timedelta(hours=hours)


def test_the_default_slas_are_48_and_24_hours(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF)
    cases = by_source(store)
    assert cases["survey:R1"]["due_at"] == AS_OF + timedelta(hours=48)
    assert cases["ticket:T1"]["due_at"] == AS_OF + timedelta(hours=24)


def test_a_longer_lookback_opens_older_answers_and_tickets(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF, policy=policy(cases={"lookback_days": 90}))
    assert {"survey:R6", "ticket:T6"} <= set(by_source(store))


def test_detractor_cases_carry_the_callback_triggers_arm(store: Workspace) -> None:
    """The arm the gesture plan gives the same answer: one randomization, not two."""
    rules = policy(gratitude={"holdout_share": 0.5, "seed": 11})
    open_cases(store, as_of=AS_OF, policy=rules)
    for key, case in by_source(store).items():
        if case["kind"] == "detractor":
            assert case["arm"] == assign_arm(11, "detractor_callback", key, 0.5)
        else:
            assert case["arm"] is None
    arms = {c["arm"] for c in by_source(store).values() if c["kind"] == "detractor"}
    assert arms == {"treatment", "holdout"}  # seed 11 puts the three answers in both arms


def test_without_the_callback_trigger_no_case_is_held_out(store: Workspace) -> None:
    rules = policy(
        gratitude={"holdout_share": 0.9, "triggers": {"detractor_callback": {"enabled": False}}}
    )
    open_cases(store, as_of=AS_OF, policy=rules)
    assert {c["arm"] for c in by_source(store).values()} == {None}


def test_answers_above_the_triggers_max_nps_are_not_in_its_experiment(store: Workspace) -> None:
    rules = policy(
        gratitude={"holdout_share": 0.9, "triggers": {"detractor_callback": {"max_nps": 4}}}
    )
    open_cases(store, as_of=AS_OF, policy=rules)
    assert by_source(store)["survey:R3"]["arm"] is None  # NPS 6: a case, not called back by it


def test_cases_carry_clv_and_churn_risk_at_opening(store: Workspace) -> None:
    store.con.execute(
        "CREATE TABLE customer_scores AS SELECT * FROM (VALUES "
        "('C1', 420.5, 'high'), ('C2', 80.0, 'low')) t(customer_id, clv, churn_risk)"
    )
    open_cases(store, as_of=AS_OF)
    cases = by_source(store)
    assert (cases["survey:R1"]["clv_at_open"], cases["survey:R1"]["churn_risk_at_open"]) == (
        420.5,
        "high",
    )
    assert cases["ticket:T2"]["clv_at_open"] == 80.0
    assert cases["survey:R5"]["clv_at_open"] is None  # C4 has no scores


def test_the_history_starts_with_the_opening(store: Workspace) -> None:
    opened = open_cases(store, as_of=AS_OF)
    rows = store.con.execute(
        'SELECT case_id, actor, action, status_after, version, "at" FROM case_events '
        "ORDER BY case_id"
    ).fetchall()
    assert [r[0] for r in rows] == opened.case_ids
    assert {r[1:] for r in rows} == {("legame", "opened", "new", 1, AS_OF)}
