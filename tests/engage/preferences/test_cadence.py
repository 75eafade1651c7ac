"""The summary of the cadence customers chose: who counts as lower, per kind, and their
orders, revenue and CLV around the choice (numbers worked out by hand from the rows)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from legame.engage.preferences import Choice, save, summary
from legame.engage.preferences.cadence import allowed
from legame.policy import ALL_CHANNELS, Cap, Policy
from legame.store import Workspace
from tests.engage.preferences.conftest import NOW, add

AS_OF = NOW + timedelta(days=200)


def _order(ws: Workspace, oid: str, cid: str, at: datetime, amount: float, status: str) -> None:
    add(ws, "orders", order_id=oid, customer_id=cid, ordered_at=at, amount=amount, status=status)


def _kinds(result: dict) -> dict[str, dict]:
    return {k["kind"]: k for k in result["kinds"]}


def test_the_policys_allowance_across_channels_per_week_and_month(policy: Policy) -> None:
    assert (allowed(policy, 7), allowed(policy, 30)) == (3, 8)  # all.per_7_days, per_30_days
    weekly_only = replace(policy.contact, caps=(Cap(ALL_CHANNELS, 7, 2), Cap("email", 1, 1)))
    only = replace(policy, contact=weekly_only)
    assert (allowed(only, 7), allowed(only, 30)) == (2, 10)  # 5 weeks cover any 30 days
    assert allowed(replace(policy, contact=replace(policy.contact, caps=())), 7) is None


def test_customers_are_counted_per_kind_of_lower_cadence(shop: Workspace, policy: Policy) -> None:
    for cid in ("c1", "c2", "c3", "c4", "c5", "c6"):
        add(shop, "customers", customer_id=cid)
    save(shop, "c1", Choice(max_per_week=2), NOW, "api")  # below 3: lower
    save(shop, "c2", Choice(max_per_week=3, max_per_month=8), NOW, "api")  # the policy's own
    save(shop, "c3", Choice(max_per_month=5, channels=("email",)), NOW, "api")
    save(shop, "c4", Choice(paused_until=NOW + timedelta(days=10)), NOW, "api")
    save(shop, "c5", Choice(stopped=True), NOW, "api")
    save(shop, "c6", Choice(quiet_start="20:00", quiet_end="08:00"), NOW, "api")  # not lower
    save(shop, "mario", Choice(stopped=True), NOW, "api")
    save(shop, "mario", Choice(), NOW + timedelta(days=1), "api")  # back to everything
    found = summary(shop, policy, as_of=AS_OF)
    counts = {kind: k["customers"] for kind, k in _kinds(found).items()}
    assert counts == {
        "all": 4,
        "fewer_per_week": 1,
        "fewer_per_month": 1,
        "fewer_channels": 1,
        "paused": 1,
        "stopped": 1,
    }
    assert found["customers"] == 4
    assert (found["allowed_per_week"], found["allowed_per_month"], found["channels"]) == (3, 8, 5)


def test_value_before_and_after_the_first_choice_of_the_latest_lower_run(
    shop: Workspace, policy: Policy
) -> None:
    """mario: lower at NOW, a quiet-hours-only change 10 days later (still lower, the run
    goes on), so 90 days each side of NOW: before, 2 completed orders (10 + 30; the
    cancelled one and the one 100 days before do not count); after, one of 50. lucia chose
    at AS_OF - 30 days: not observed yet. john's choice is not lower."""
    save(shop, "mario", Choice(max_per_week=1), NOW, "api")
    later = NOW + timedelta(days=10)
    save(
        shop, "mario", Choice(max_per_week=1, quiet_start="22:00", quiet_end="07:00"), later, "api"
    )
    save(shop, "lucia", Choice(stopped=True), AS_OF - timedelta(days=30), "api")
    save(shop, "john", Choice(max_per_week=5), NOW, "api")
    for oid, cid, days, amount, status in (
        ("o1", "mario", -100, 99.0, "completed"),
        ("o2", "mario", -60, 10.0, "completed"),
        ("o3", "mario", -1, 30.0, "completed"),
        ("o4", "mario", -5, 70.0, "cancelled"),
        ("o5", "mario", 20, 50.0, "completed"),
        ("o6", "mario", 95, 80.0, "completed"),
        ("o7", "lucia", -10, 40.0, "completed"),
        ("o8", "john", 5, 40.0, "completed"),
    ):
        _order(shop, oid, cid, NOW + timedelta(days=days), amount, status)
    kinds = _kinds(summary(shop, policy, as_of=AS_OF))
    every = kinds["all"]
    assert (every["customers"], every["observed"]) == (2, 1)
    assert (every["orders_before"], every["orders_after"]) == (2.0, 1.0)
    assert (every["revenue_before"], every["revenue_after"]) == (40.0, 50.0)
    assert every["clv_mean"] is None  # no scores yet
    assert kinds["stopped"]["customers"] == 1 and kinds["stopped"]["observed"] == 0
    assert kinds["stopped"]["orders_before"] is None


def test_the_mean_clv_comes_from_customer_scores_when_there_are_scores(
    shop: Workspace, policy: Policy
) -> None:
    shop.con.execute("CREATE TABLE customer_scores (customer_id VARCHAR, clv DOUBLE)")
    shop.con.execute(
        "INSERT INTO customer_scores VALUES ('mario', 100), ('lucia', 300), ('john', 1000)"
    )
    save(shop, "mario", Choice(max_per_week=1), NOW, "api")
    save(shop, "lucia", Choice(stopped=True), NOW, "api")
    kinds = _kinds(summary(shop, policy, as_of=AS_OF))
    assert kinds["all"]["clv_mean"] == 200.0 and kinds["stopped"]["clv_mean"] == 300.0


def test_an_empty_store_has_no_lower_cadence(ws: Workspace, policy: Policy) -> None:
    found = summary(ws, policy)
    assert found["customers"] == 0 and found["as_of"] is None
    assert all(k["customers"] == 0 and k["orders_after"] is None for k in found["kinds"])
