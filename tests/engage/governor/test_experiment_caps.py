"""A randomized contact-frequency test, enforced by the governor: each customer's arm caps
their marketing sends while the test runs, on top of the policy's caps.

Customers live in Europe/Rome; checks happen at 10:00 UTC (12:00 in Rome), outside quiet
hours. The policy's own caps are loosened (10 e-mails a week) so that the arms bite.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from legame.engage.governor import Governor
from legame.policy import (
    DEFAULT_POLICY,
    Cap,
    ContactTest,
    ExperimentsPolicy,
    Policy,
    TestArm,
    TransactionalExemptions,
    parse_policy_text,
)
from legame.store import Workspace
from tests.engage.governor.log import add, consent, contact_policy, customer, sent

T0 = datetime(2025, 5, 1, 10, 0)  # a Thursday, 12:00 in Rome
DAY = timedelta(days=1)
LOOSE = contact_policy(caps=(Cap("email", 7, 10), Cap("all", 7, 10)))


def weekly_cap(
    policy: Policy = LOOSE,
    *,
    start: date = date(2025, 4, 1),
    end: date | None = date(2025, 7, 1),
    channel: str = "all",
) -> Policy:
    """``policy`` with the test of the issue: arm low 2 a week, arm high 4 a week."""
    test = ContactTest(
        "weekly_cap",
        start,
        end,
        7,
        channel,
        (
            TestArm("low", 0.5, (Cap(channel, 7, 2),)),
            TestArm("high", 0.5, (Cap(channel, 7, 4),)),
        ),
    )
    return replace(policy, experiments=ExperimentsPolicy(0.3, (test,)))


def in_arm(policy: Policy, arm: str) -> str:
    """The first customer id (c0, c1, ...) the test puts in ``arm``."""
    (test,) = policy.experiments.contact_tests
    return next(f"c{i}" for i in range(1000) if test.arm_of(f"c{i}").name == arm)


def known(ws: Workspace, cid: str, *channels: str) -> None:
    customer(ws, cid)
    for channel in channels or ("email",):
        consent(ws, cid, channel, "granted", datetime(2024, 1, 1))


def emails(ws: Workspace, cid: str, n: int) -> None:
    """``n`` e-mails on the n days before T0."""
    for i in range(n):
        sent(ws, cid, "email", T0 - (i + 1) * DAY)


# --- the arms cap marketing ------------------------------------------------------------


def test_arm_low_blocks_the_third_email_in_a_week_that_the_policy_allows(ws: Workspace) -> None:
    policy = weekly_cap()
    low = in_arm(policy, "low")
    known(ws, low)
    emails(ws, low, 2)
    assert Governor(ws, LOOSE).check(low, "email", T0).allowed  # the policy alone allows it
    decision = Governor(ws, policy).check(low, "email", T0)
    assert not decision.allowed
    (reason,) = decision.reasons
    assert reason.rule == "experiment" and reason.code == "test_cap"
    assert reason.message == (
        "2 sends on all channels in the last 7 days (limit 2 in arm low of test weekly_cap)"
    )
    assert reason.facts == {
        "test": "weekly_cap",
        "arm": "low",
        "channel": "all",
        "sends": 2,
        "days": 7,
        "limit": 2,
    }
    assert reason.until == T0 - 2 * DAY + 7 * DAY  # the older e-mail leaves the window
    assert decision.next_allowed_at == T0 + 5 * DAY


def test_arm_high_allows_four_a_week_and_blocks_the_fifth(ws: Workspace) -> None:
    policy = weekly_cap()
    high = in_arm(policy, "high")
    known(ws, high)
    emails(ws, high, 3)
    gov = Governor(ws, policy)
    assert gov.check(high, "email", T0).allowed  # the 4th
    gov.record(high, "email", T0)
    decision = gov.check(high, "email", T0 + timedelta(hours=1))
    assert [r.code for r in decision.reasons] == ["test_cap"]
    assert decision.reasons[0].facts["arm"] == "high" and decision.reasons[0].facts["sends"] == 4


def test_an_all_channel_arm_counts_sends_on_every_channel(ws: Workspace) -> None:
    policy = weekly_cap()
    low = in_arm(policy, "low")
    known(ws, low, "email", "sms")
    sent(ws, low, "sms", T0 - DAY)
    sent(ws, low, "push", T0 - 2 * DAY)
    for channel in ("email", "sms"):
        assert [r.rule for r in Governor(ws, policy).check(low, channel, T0).reasons] == [
            "experiment"
        ]


def test_an_arm_on_one_channel_leaves_the_other_channels_alone(ws: Workspace) -> None:
    loose = contact_policy(caps=(Cap("email", 7, 10), Cap("sms", 7, 10), Cap("all", 7, 10)))
    policy = weekly_cap(loose, channel="email")
    low = in_arm(policy, "low")
    known(ws, low, "email", "sms")
    sent(ws, low, "sms", T0 - DAY)
    sent(ws, low, "sms", T0 - 2 * DAY)
    gov = Governor(ws, policy)
    assert gov.check(low, "email", T0).allowed  # two sms do not count on the e-mail arm
    emails(ws, low, 2)
    assert [r.code for r in gov.check(low, "email", T0).reasons] == ["test_cap"]
    assert gov.check(low, "sms", T0).allowed  # nor does the e-mail arm cap sms


def test_an_arm_never_loosens_the_policys_caps(ws: Workspace) -> None:
    policy = weekly_cap(DEFAULT_POLICY)  # the policy: 2 e-mails a week
    high = in_arm(policy, "high")
    known(ws, high)
    emails(ws, high, 2)
    decision = Governor(ws, policy).check(high, "email", T0)
    assert [r.rule for r in decision.reasons] == ["cap"]


def test_transactional_sends_are_exempt_from_the_arms_as_from_the_caps(ws: Workspace) -> None:
    policy = weekly_cap()
    low = in_arm(policy, "low")
    known(ws, low)
    emails(ws, low, 3)
    add(ws, "campaigns", campaign_id="receipt", kind="transactional")
    gov = Governor(ws, policy)
    assert gov.check(low, "email", T0, transactional=True).allowed
    assert gov.check(low, "email", T0, campaign_id="receipt").allowed
    assert gov.plan([low], "email", T0, transactional=True).allowed.num_rows == 1
    strict = contact_policy(
        policy, transactional=TransactionalExemptions(False, True, True)
    )  # transactional sends counted against the caps: the arms' too
    codes = [
        r.code for r in Governor(ws, strict).check(low, "email", T0, transactional=True).reasons
    ]
    assert codes == ["test_cap"]


# --- when the test runs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "blocked"),
    [
        (datetime(2025, 3, 31, 23, 59, 59), False),  # before the start (a UTC date)
        (datetime(2025, 4, 1, 0, 0), True),  # from 00:00 UTC of the start date
        (datetime(2025, 6, 30, 23, 59), True),
        (datetime(2025, 7, 1, 0, 0), False),  # the end is exclusive
    ],
)
def test_the_arms_apply_only_from_start_until_end(
    ws: Workspace, at: datetime, blocked: bool
) -> None:
    policy = weekly_cap()
    low = in_arm(policy, "low")
    customer(ws, low, time_zone="Asia/Tokyo")  # 09:00 at 00:00 UTC: no quiet hours then
    consent(ws, low, "email", "granted", datetime(2024, 1, 1))
    sent(ws, low, "email", at - DAY)
    sent(ws, low, "email", at - 2 * DAY)
    gov = Governor(ws, policy)
    assert [r.rule for r in gov.check(low, "email", at).reasons] == (
        ["experiment"] if blocked else []
    )
    assert gov.plan([low], "email", at).allowed.num_rows == (0 if blocked else 1)


def test_an_arm_block_lifts_when_the_test_ends(ws: Workspace) -> None:
    policy = weekly_cap(end=date(2025, 5, 2))  # ends tomorrow, 00:00 UTC (02:00 in Rome)
    low = in_arm(policy, "low")
    known(ws, low)
    emails(ws, low, 2)
    decision = Governor(ws, policy).check(low, "email", T0)
    assert decision.reasons[0].until == datetime(2025, 5, 2)
    assert decision.next_allowed_at == datetime(2025, 5, 2, 6, 0)  # 08:00 in Rome


def test_a_zero_arm_blocks_until_the_test_ends_or_for_good(ws: Workspace) -> None:
    test = ContactTest(
        "silence",
        date(2025, 4, 1),
        None,
        1,
        "email",
        (
            TestArm("none", 0.5, (Cap("email", 30, 0),)),
            TestArm("some", 0.5, (Cap("email", 30, 9),)),
        ),
    )
    policy = replace(LOOSE, experiments=ExperimentsPolicy(0.3, (test,)))
    none = in_arm(policy, "none")
    known(ws, none)
    decision = Governor(ws, policy).check(none, "email", T0)
    assert decision.reasons[0].facts == {
        "test": "silence",
        "arm": "none",
        "channel": "email",
        "sends": 0,
        "days": 30,
        "limit": 0,
    }
    assert decision.reasons[0].until is None and decision.next_allowed_at is None


# --- assignment ----------------------------------------------------------------------------


def test_assignment_is_about_half_and_half_over_10000_customers_and_stable() -> None:
    """Binomial(10,000, 0.5) has a standard deviation of 50: 4,850 to 5,150 is ± 3 sd. The
    hash is seeded, so the counts below are the same on every run."""
    (test,) = weekly_cap().experiments.contact_tests
    ids = [f"C{i:06d}" for i in range(10_000)]
    arms = test.arms_of(ids)
    low = int((arms == 0).sum())
    assert 4_850 <= low <= 5_150
    assert np.array_equal(arms, test.arms_of(ids))  # the same customer, the same arm
    assert [test.arm_of(cid).name for cid in ids[:200]] == [test.arms[k].name for k in arms[:200]]
    # The arm depends on the customer, not on who else is in the audience, nor its order.
    assert np.array_equal(test.arms_of(ids[::-1])[::-1], arms)


def test_the_governor_enforces_the_arm_the_policy_file_assigns(ws: Workspace) -> None:
    policy = parse_policy_text(
        "[contact.caps]\nemail.per_7_days = 10\n"
        '[experiments.contact_tests.weekly_cap]\nstart = "2025-04-01"\nseed = 7\n'
        "arms.low = { share = 0.5, per_7_days = 2 }\narms.high = { share = 0.5, per_7_days = 4 }\n"
    )
    (test,) = policy.experiments.contact_tests
    ids = [f"c{i}" for i in range(20)]
    for cid in ids:
        known(ws, cid)
        emails(ws, cid, 2)
    result = Governor(ws, policy).plan(ids, "email", T0)
    low = [cid for cid in ids if test.arm_of(cid).name == "low"]
    assert 0 < len(low) < len(ids)
    assert result.suppressed.column("customer_id").to_pylist() == low
    assert set(result.suppressed.column("rule").to_pylist()) == {"experiment"}
