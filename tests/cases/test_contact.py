"""Calling back: the contact governor decides, as for a service contact; a blocked call
changes nothing and says why; the randomized holdout is never called."""

from __future__ import annotations

from datetime import timedelta

import pytest

from legame.engage.cases import contact_case, get_case, open_cases
from legame.engage.cases.workflow import callback_policy
from legame.errors import InputError
from legame.policy import DEFAULT_POLICY
from legame.store import Workspace
from tests.cases.conftest import AS_OF, by_source, policy

NIGHT = AS_OF + timedelta(hours=22)  # 23:00 in Rome
DAY = AS_OF + timedelta(hours=10)  # 11:00 in Rome
NO_HOLDOUT = policy(gratitude={"holdout_share": 0.0})


@pytest.fixture
def opened(store: Workspace) -> Workspace:
    open_cases(store, as_of=AS_OF, policy=NO_HOLDOUT)
    return store


def messages(ws: Workspace) -> list[tuple[object, ...]]:
    return ws.con.execute(
        "SELECT message_id, customer_id, channel, sent_at, campaign_id FROM messages"
    ).fetchall()


def test_an_allowed_call_back_is_logged_and_moves_the_case_to_contacted(
    opened: Workspace,
) -> None:
    case = by_source(opened)["survey:R1"]
    done = contact_case(
        opened, case["case_id"], channel="phone", actor="anna", at=DAY, policy=NO_HOLDOUT
    )
    assert done.outcome == "contacted" and done.decision is not None and done.decision.allowed
    assert done.decision.transactional  # a service contact, not marketing
    assert messages(opened) == [(f"case-{case['case_id']}-1", "C1", "phone", DAY, None)]
    after = get_case(opened, case["case_id"])
    assert (after["status"], after["first_contact_at"], after["version"]) == ("contacted", DAY, 2)


def test_a_second_attempt_is_logged_and_keeps_the_first_contact_time(opened: Workspace) -> None:
    case_id = by_source(opened)["survey:R1"]["case_id"]
    contact_case(opened, case_id, channel="phone", actor="anna", at=DAY, policy=NO_HOLDOUT)
    again = contact_case(
        opened, case_id, channel="phone", actor="anna", at=DAY + timedelta(hours=2)
    )
    assert again.message_id == f"case-{case_id}-2"
    assert get_case(opened, case_id)["first_contact_at"] == DAY
    assert len(messages(opened)) == 2


def test_quiet_hours_block_a_call_back_and_nothing_changes(opened: Workspace) -> None:
    case = by_source(opened)["survey:R1"]
    done = contact_case(
        opened, case["case_id"], channel="phone", actor="anna", at=NIGHT, policy=NO_HOLDOUT
    )
    assert done.outcome == "blocked" and done.decision is not None
    assert [r.rule for r in done.decision.reasons] == ["quiet_hours"]
    assert "quiet hours 21:00–08:00 in Europe/Rome (local time 23:00)" in done.message
    assert "Nothing was logged" in done.message
    assert messages(opened) == []
    assert get_case(opened, case["case_id"])["version"] == 1


def test_a_withdrawn_consent_blocks_a_call_back(opened: Workspace) -> None:
    case = by_source(opened)["survey:R5"]  # C4 withdrew phone consent on 2025-03-02
    done = contact_case(
        opened, case["case_id"], channel="phone", actor="anna", at=DAY, policy=NO_HOLDOUT
    )
    assert done.outcome == "blocked" and done.decision is not None
    assert [r.rule for r in done.decision.reasons] == ["consent"]
    assert "phone consent was withdrawn on 2025-03-02 09:00 UTC" in done.message
    assert messages(opened) == [] and get_case(opened, case["case_id"])["status"] == "new"
    # ... even without the quiet hours rule for call-backs: a withdrawal always blocks
    lenient = policy(gratitude={"holdout_share": 0.0}, cases={"callback_quiet_hours": False})
    again = contact_case(
        opened, case["case_id"], channel="phone", actor="anna", at=NIGHT, policy=lenient
    )
    assert again.outcome == "blocked" and [r.rule for r in again.decision.reasons] == ["consent"]


def test_without_callback_quiet_hours_the_transactional_exemption_applies(
    opened: Workspace,
) -> None:
    lenient = policy(gratitude={"holdout_share": 0.0}, cases={"callback_quiet_hours": False})
    case_id = by_source(opened)["survey:R1"]["case_id"]
    done = contact_case(opened, case_id, channel="phone", actor="anna", at=NIGHT, policy=lenient)
    assert done.outcome == "contacted"


def test_a_call_back_is_not_blocked_by_marketing_rules(opened: Workspace) -> None:
    """No marketing consent is needed and the open-ticket cooldown does not apply: C2 has no
    phone consent record and an open ticket (T2), the reason of the case."""
    case_id = by_source(opened)["ticket:T2"]["case_id"]
    done = contact_case(opened, case_id, channel="phone", actor="anna", at=DAY, policy=NO_HOLDOUT)
    assert done.outcome == "contacted"
    assert DEFAULT_POLICY.contact.transactional.exempt_from_quiet_hours
    assert not callback_policy(DEFAULT_POLICY).contact.transactional.exempt_from_quiet_hours


def test_a_holdout_case_is_refused_with_the_reason(store: Workspace) -> None:
    all_held = policy(gratitude={"holdout_share": 0.99})
    open_cases(store, as_of=AS_OF, policy=all_held)
    case = by_source(store)["survey:R1"]
    assert case["arm"] == "holdout"
    with pytest.raises(InputError, match="is in the randomized holdout of the detractor_callback"):
        contact_case(store, case["case_id"], channel="phone", actor="anna", at=DAY)
    assert messages(store) == [] and get_case(store, case["case_id"])["version"] == 1


def test_a_contact_from_an_old_version_is_a_conflict(opened: Workspace) -> None:
    from legame.engage.cases import update_case

    case_id = by_source(opened)["survey:R1"]["case_id"]
    update_case(opened, case_id, version=1, actor="lead", owner="anna", at=DAY)
    done = contact_case(opened, case_id, channel="phone", actor="bob", at=DAY, version=1)
    assert done.outcome == "conflict" and messages(opened) == []


def test_a_contact_before_the_case_opened_or_in_the_future_is_refused(opened: Workspace) -> None:
    case_id = by_source(opened)["survey:R1"]["case_id"]
    with pytest.raises(InputError, match="cannot be logged before that"):
        contact_case(opened, case_id, channel="phone", actor="anna", at=AS_OF - timedelta(hours=1))
    with pytest.raises(InputError, match="is in the future"):
        contact_case(opened, case_id, channel="phone", actor="anna", at="2999-01-01T10:00")
    with pytest.raises(InputError, match="Unknown channel 'pigeon'"):
        contact_case(opened, case_id, channel="pigeon", actor="anna", at=DAY)
