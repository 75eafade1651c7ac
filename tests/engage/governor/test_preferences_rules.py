"""The governor honours each customer's own cadence (``contact_preferences``): stop, the
channels kept, a pause, at most so many a week or a month, own quiet hours. A preference
only adds reasons: it is tighter than the policy, never looser.

Customers live in Europe/Rome; checks happen at 10:00 UTC (12:00 in Rome), outside the
policy's quiet hours, unless a test says otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from legame.engage.governor import Governor
from legame.policy import Cap, TransactionalExemptions
from legame.store import Workspace
from tests.engage.governor.log import add, consent, contact_policy, customer, preference, sent

T0 = datetime(2025, 5, 1, 10, 0)  # a Thursday, 12:00 in Rome
DAY = timedelta(days=1)
SAVED = T0 - 3 * DAY  # when the customer saved their choices


def known(ws: Workspace, cid: str = "c1", *channels: str) -> None:
    """A Rome customer who granted consent on the channels (default: e-mail) long ago."""
    customer(ws, cid)
    for channel in channels or ("email",):
        consent(ws, cid, channel, "granted", datetime(2024, 1, 1))


def codes(decision) -> list[str]:
    return [r.code for r in decision.reasons]


# --- at most N a week / a month ---------------------------------------------------------------


def test_a_weekly_limit_above_the_policys_cap_does_not_loosen_it(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    preference(ws, "c1", SAVED, max_per_week=10)
    sent(ws, "c1", "email", T0 - DAY)
    sent(ws, "c1", "email", T0 - 2 * DAY)
    assert codes(gov.check("c1", "email", T0)) == ["cap"]  # the policy's 2 a week still hold


def test_a_weekly_limit_below_the_policys_cap_tightens_it(ws: Workspace, gov: Governor) -> None:
    known(ws)
    sent(ws, "c1", "email", T0 - 2 * DAY)
    assert gov.check("c1", "email", T0).allowed  # the policy allows a second e-mail
    preference(ws, "c1", SAVED, max_per_week=1)
    decision = gov.check("c1", "email", T0)
    (reason,) = decision.reasons
    assert (reason.rule, reason.code) == ("preference", "preference_cap")
    assert reason.message == (
        "1 sends on all channels in the last 7 days (the customer's own limit 1)"
    )
    assert reason.facts == {"channel": "all", "sends": 1, "days": 7, "limit": 1}
    assert reason.until == T0 + 5 * DAY
    assert decision.next_allowed_at == T0 + 5 * DAY


def test_the_customers_own_limits_count_every_channel(ws: Workspace, gov: Governor) -> None:
    known(ws, "c1", "email", "sms")
    preference(ws, "c1", SAVED, max_per_month=2)
    sent(ws, "c1", "push", T0 - 20 * DAY)
    sent(ws, "c1", "sms", T0 - 10 * DAY)
    decision = gov.check("c1", "email", T0)
    assert codes(decision) == ["preference_cap"]
    assert decision.reasons[0].facts["days"] == 30
    assert decision.reasons[0].until == T0 + 10 * DAY  # the push leaves the month


def test_a_limit_of_zero_blocks_until_the_customer_changes_it(ws: Workspace, gov: Governor) -> None:
    known(ws)
    preference(ws, "c1", SAVED, max_per_week=0)
    decision = gov.check("c1", "email", T0)
    assert codes(decision) == ["preference_cap"] and decision.next_allowed_at is None


# --- pause and stop -------------------------------------------------------------------------


def test_a_pause_blocks_until_its_date_then_allows(ws: Workspace, gov: Governor) -> None:
    known(ws)
    until = datetime(2025, 5, 10, 7, 0)  # 09:00 in Rome
    preference(ws, "c1", SAVED, paused_until=until)
    decision = gov.check("c1", "email", T0)
    (reason,) = decision.reasons
    assert (reason.code, reason.until) == ("preference_pause", until)
    assert reason.message == "the customer paused marketing messages until 2025-05-10 07:00 UTC"
    assert reason.facts == {"at": SAVED, "until": until}
    assert decision.next_allowed_at == until
    assert not gov.check("c1", "email", until - timedelta(seconds=1)).allowed
    assert gov.check("c1", "email", until).allowed


def test_stop_blocks_every_marketing_channel_but_no_transactional_send(
    ws: Workspace, gov: Governor
) -> None:
    known(ws, "c1", "email", "sms", "push", "phone", "post")
    preference(ws, "c1", SAVED, stopped=True)
    for channel in ("email", "sms", "push", "phone", "post"):
        decision = gov.check("c1", channel, T0)
        assert codes(decision) == ["preference_stop"], channel
        assert decision.next_allowed_at is None
    assert gov.check("c1", "email", T0).reasons[0].message == (
        "the customer asked on 2025-04-28 10:00 UTC to get no marketing messages"
    )
    add(ws, "campaigns", campaign_id="receipt", kind="transactional")
    assert gov.check("c1", "email", T0, transactional=True).allowed
    assert gov.check("c1", "sms", T0, campaign_id="receipt").allowed
    assert gov.plan(["c1"], "email", T0, campaign_id="receipt").allowed.num_rows == 1


def test_preferences_never_apply_to_transactional_sends(ws: Workspace) -> None:
    """Not even when the policy counts transactional sends against every rule."""
    known(ws)
    preference(ws, "c1", SAVED, channels=[], max_per_week=0, quiet=("00:00", "23:59"))
    strict = Governor(
        ws, contact_policy(transactional=TransactionalExemptions(False, False, False))
    )
    assert strict.check("c1", "email", T0, transactional=True).allowed


# --- channels and own quiet hours -----------------------------------------------------------


def test_a_channel_the_customer_did_not_keep_is_blocked(ws: Workspace, gov: Governor) -> None:
    known(ws, "c1", "email", "sms")
    preference(ws, "c1", SAVED, channels=["sms"])
    decision = gov.check("c1", "email", T0)
    assert codes(decision) == ["preference_channel"]
    assert decision.reasons[0].facts == {"channel": "email", "at": SAVED}
    assert decision.reasons[0].message == (
        "the customer does not want marketing on email (chosen on 2025-04-28 10:00 UTC)"
    )
    assert gov.check("c1", "sms", T0).allowed
    preference(ws, "c1", SAVED + DAY, channels=None)  # no choice: every channel
    assert gov.check("c1", "email", T0).allowed


@pytest.mark.parametrize(
    ("quiet", "at", "until"),
    [
        # 11:30-13:00 in Rome (UTC+2 in May): 12:00 is inside, it ends at 11:00 UTC.
        (("11:30", "13:00"), T0, datetime(2025, 5, 1, 11, 0)),
        # 20:00-09:00 spans midnight: 08:30 in Rome is inside, after the policy's 08:00.
        (("20:00", "09:00"), datetime(2025, 5, 1, 6, 30), datetime(2025, 5, 1, 7, 0)),
    ],
)
def test_own_quiet_hours_are_read_in_the_customers_zone(
    ws: Workspace, gov: Governor, quiet: tuple[str, str], at: datetime, until: datetime
) -> None:
    known(ws)
    assert gov.check("c1", "email", at).allowed  # the policy's quiet hours: 21:00-08:00
    preference(ws, "c1", SAVED, quiet=quiet)
    decision = gov.check("c1", "email", at)
    (reason,) = decision.reasons
    assert (reason.rule, reason.code, reason.until) == ("preference", "preference_quiet", until)
    assert reason.facts["start"] == quiet[0] and reason.facts["end"] == quiet[1]
    assert reason.facts["zone"] == "Europe/Rome"
    assert decision.next_allowed_at == until
    assert gov.check("c1", "email", until).allowed


def test_own_quiet_hours_add_to_the_policys_never_replace_them(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    preference(ws, "c1", SAVED, quiet=("12:00", "13:00"))
    night = datetime(2025, 5, 1, 20, 0)  # 22:00 in Rome
    assert codes(gov.check("c1", "email", night)) == ["quiet_hours"]


def test_own_quiet_hours_that_close_the_day_with_the_policys_end_the_walk(
    ws: Workspace, gov: Governor
) -> None:
    """08:00-21:00 of the customer and 21:00-08:00 of the policy leave no minute free:
    ``next_allowed`` must end, at the customer's next choice or with None."""
    known(ws)
    preference(ws, "c1", SAVED, quiet=("08:00", "21:00"))
    assert gov.check("c1", "email", T0).next_allowed_at is None
    later = T0 + 4 * DAY  # 12:00 in Rome: outside every quiet hour once the choice is gone
    preference(ws, "c1", later, quiet=None)
    decision = gov.check("c1", "email", T0)
    assert decision.reasons[0].until == T0 + timedelta(hours=9)  # 21:00 in Rome
    assert decision.next_allowed_at == later


def test_unreadable_own_quiet_hours_are_ignored(ws: Workspace, gov: Governor) -> None:
    known(ws)
    preference(ws, "c1", SAVED, quiet=("25:00", "13:00"))
    preference(ws, "c2", SAVED, quiet=("12:00", "12:00"))
    customer(ws, "c2")
    consent(ws, "c2", "email", "granted", datetime(2024, 1, 1))
    assert gov.check("c1", "email", T0).allowed and gov.check("c2", "email", T0).allowed


# --- which row decides ---------------------------------------------------------------------


def test_the_latest_saved_choice_wins(ws: Workspace, gov: Governor) -> None:
    known(ws)
    preference(ws, "c1", T0 - 20 * DAY, stopped=True)
    preference(ws, "c1", T0 - 10 * DAY, max_per_week=5)
    assert gov.check("c1", "email", T0).allowed
    preference(ws, "c1", T0 - 5 * DAY, channels=["sms"])
    assert codes(gov.check("c1", "email", T0)) == ["preference_channel"]


def test_a_choice_saved_after_the_check_is_when_the_block_lifts(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    preference(ws, "c1", SAVED, stopped=True)
    changed = T0 + timedelta(days=2, hours=1)  # 13:00 in Rome
    preference(ws, "c1", changed)
    decision = gov.check("c1", "email", T0)
    assert decision.reasons[0].until == changed
    assert decision.next_allowed_at == changed
    assert gov.plan(["c1"], "email", T0).suppressed.column("until").to_pylist() == [changed]


def test_every_choice_says_its_reason_in_one_check(ws: Workspace) -> None:
    known(ws)
    sent(ws, "c1", "email", T0 - DAY)
    preference(
        ws,
        "c1",
        SAVED,
        stopped=True,
        channels=["sms"],
        paused_until=T0 + DAY,
        max_per_week=1,
        max_per_month=1,
        quiet=("11:00", "14:00"),
    )
    gov = Governor(ws, contact_policy(caps=(Cap("email", 7, 1),)))
    decision = gov.check("c1", "email", T0)
    assert codes(decision) == [
        "preference_stop",
        "preference_channel",
        "preference_pause",
        "preference_cap",  # the week's
        "preference_cap",  # the month's
        "preference_quiet",  # 12:00 in Rome is inside 11:00-14:00
        "cap",  # the policy's own come after the customer's
    ]
    allowed, suppressed = gov.plan(["c1"], "email", T0)
    assert allowed.num_rows == 0
    assert suppressed.column("rules").to_pylist() == [["preference"] * 6 + ["cap"]]
