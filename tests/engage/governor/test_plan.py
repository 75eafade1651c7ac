"""``Governor.plan``: caps within the plan, agreement with ``check``, and speed."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from legame.engage.governor import Governor
from legame.engage.governor.bench import build_workspace, plan_throughput
from legame.engage.governor.core import reasons_of
from legame.errors import InputError
from legame.policy import DEFAULT_POLICY, Cap, ContactTest, ExperimentsPolicy, Policy, TestArm
from legame.store import Workspace
from tests.engage.governor.log import (
    add,
    consent,
    contact_policy,
    customer,
    preference,
    sent,
    ticket,
)

T0 = datetime(2025, 5, 1, 10, 0)  # 12:00 in Rome
DAY = timedelta(days=1)


def allowed_ids(result) -> list[str]:
    return result.allowed.column("customer_id").to_pylist()


def test_plan_splits_an_audience_by_the_rules(ws: Workspace, gov: Governor) -> None:
    for cid in ("ok", "withdrawn", "capped"):
        customer(ws, cid)
        consent(ws, cid, "email", "granted", datetime(2024, 1, 1))
    consent(ws, "withdrawn", "email", "withdrawn", T0 - DAY)
    sent(ws, "capped", "email", T0 - DAY)
    sent(ws, "capped", "email", T0 - 2 * DAY)
    allowed, suppressed = gov.plan(["ok", "withdrawn", "capped", "stranger"], "email", T0)
    assert allowed.to_pylist() == [{"pos": 0, "customer_id": "ok"}]
    rows = suppressed.to_pylist()
    assert [(r["pos"], r["customer_id"], r["rule"]) for r in rows] == [
        (1, "withdrawn", "consent"),
        (2, "capped", "cap"),
        (3, "stranger", "consent"),
    ]
    assert rows[1]["reason"] == "2 sends on email in the last 7 days (limit 2)"
    assert rows[1]["until"] == T0 + 5 * DAY
    assert gov.plan(["ok"], "email", T0).counts() == {"allowed": 1, "suppressed": 0}


@pytest.mark.parametrize(
    ("copies", "prior", "expected_allowed"),
    [
        (2, 0, 2),
        (5, 0, 2),
        (5, 1, 1),
        (2, 2, 0),
    ],
)
def test_a_customer_listed_several_times_never_exceeds_a_cap(
    ws: Workspace, gov: Governor, copies: int, prior: int, expected_allowed: int
) -> None:
    customer(ws, "c1")
    consent(ws, "c1", "email", "granted", datetime(2024, 1, 1))
    for i in range(prior):
        sent(ws, "c1", "email", T0 - (i + 1) * DAY)
    result = gov.plan(["c1"] * copies + ["c2"], "email", T0)
    assert result.allowed.column("pos").to_pylist() == list(range(expected_allowed))
    assert result.suppressed.column("rule").to_pylist() == ["cap"] * (copies - expected_allowed) + [
        "consent"
    ]  # c2 is unknown: no consent
    assert prior + result.allowed.num_rows <= 2  # the email cap: 2 in 7 days


def test_planned_sends_count_against_the_all_channel_cap_too(ws: Workspace, gov: Governor) -> None:
    customer(ws, "c1")
    consent(ws, "c1", "sms", "granted", datetime(2024, 1, 1))
    sent(ws, "c1", "email", T0 - DAY)
    sent(ws, "c1", "push", T0 - DAY)
    policy = contact_policy(caps=(Cap("sms", 7, 5), Cap("all", 7, 3)))
    result = Governor(ws, policy).plan(["c1", "c1"], "sms", T0)
    assert result.allowed.num_rows == 1
    assert result.suppressed.column("reason").to_pylist() == [
        "3 sends on all channels in the last 7 days (limit 3)"
    ]
    assert result.suppressed.column("until").to_pylist() == [T0 + 6 * DAY]


def test_a_transactional_plan_skips_caps_but_not_withdrawn_consent(
    ws: Workspace, gov: Governor
) -> None:
    for cid in ("a", "b"):
        customer(ws, cid)
        consent(ws, cid, "email", "granted", datetime(2024, 1, 1))
        sent(ws, cid, "email", T0 - DAY)
        sent(ws, cid, "email", T0 - 2 * DAY)
    consent(ws, "b", "email", "withdrawn", T0 - DAY)
    add(ws, "campaigns", campaign_id="receipt", kind="transactional")
    result = gov.plan(["a", "a", "b"], "email", T0, campaign_id="receipt")
    assert allowed_ids(result) == ["a", "a"]
    assert result.suppressed.column("rules").to_pylist() == [["consent"]]


def test_an_empty_audience_plans_nothing_and_an_empty_id_is_refused(gov: Governor) -> None:
    result = gov.plan([], "email", T0)
    assert result.allowed.num_rows == 0 and result.suppressed.num_rows == 0
    with pytest.raises(InputError, match="Audience row 2 has an empty customer_id"):
        gov.plan(["c1", " "], "email", T0)


# --- plan and check agree --------------------------------------------------------------

ZONES = ["Europe/Rome", "America/New_York", "Asia/Tokyo", None, "Not/AZone"]


def with_tests(policy: Policy, *tests: ContactTest) -> Policy:
    return dataclasses.replace(policy, experiments=ExperimentsPolicy(0.3, tests))


#: Contact tests for the agreement: one on every channel with a 0 arm and a month's cap,
#: running at T0 until the next day; one on e-mail only, without end; one not yet started.
EVERY_CHANNEL = ContactTest(
    "cadence",
    date(2025, 4, 1),
    date(2025, 5, 2),
    3,
    "all",
    (
        TestArm("one", 0.4, (Cap("all", 7, 1),)),
        TestArm("two", 0.4, (Cap("all", 3, 1), Cap("all", 30, 4))),
        TestArm("none", 0.2, (Cap("all", 7, 0),)),
    ),
)
EMAIL_ONLY = ContactTest(
    "email-weekly",
    date(2025, 1, 1),
    None,
    9,
    "email",
    (TestArm("low", 0.5, (Cap("email", 7, 1),)), TestArm("high", 0.5, (Cap("email", 7, 3),))),
)
LATER = ContactTest(
    "later",
    date(2025, 6, 1),
    None,
    1,
    "all",
    (TestArm("a", 0.5, (Cap("all", 7, 0),)), TestArm("b", 0.5, (Cap("all", 7, 0),))),
)
LOOSE = contact_policy(caps=(Cap("email", 7, 6), Cap("all", 14, 8)))
SCENARIOS = {
    # name: (instant, campaign, policy)
    "marketing at noon in Rome": (T0, None, DEFAULT_POLICY),
    "marketing at night in Rome": (datetime(2025, 5, 1, 20, 30), None, DEFAULT_POLICY),
    "transactional campaign": (T0, "receipt", DEFAULT_POLICY),
    "day after the March change": (datetime(2025, 3, 30, 6, 30), None, DEFAULT_POLICY),
    "tight caps, consent for email only": (
        T0,
        None,
        contact_policy(
            caps=(Cap("email", 3, 1), Cap("email", 30, 4), Cap("all", 10, 3), Cap("post", 7, 0)),
            require_consent=("email",),
        ),
    ),
    "contact tests at noon": (T0, None, with_tests(LOOSE, EVERY_CHANNEL, EMAIL_ONLY, LATER)),
    "contact tests at night, with the policy's caps": (
        datetime(2025, 5, 1, 19, 30),
        None,
        with_tests(DEFAULT_POLICY, EVERY_CHANNEL, EMAIL_ONLY),
    ),
    "contact tests and a transactional campaign": (
        T0,
        "receipt",
        with_tests(LOOSE, EVERY_CHANNEL, EMAIL_ONLY),
    ),
}
#: Own quiet hours the customers choose (and one that cannot be read, and one empty).
OWN_QUIET = [("11:30", "13:00"), ("22:00", "07:00"), ("08:00", "21:00"), ("25:00", "01:00")]


def _random_log(ws: Workspace, rng: np.random.Generator, n: int) -> list[str]:
    ids = [f"c{i:03d}" for i in range(n)]
    add(ws, "campaigns", campaign_id="receipt", kind="transactional")
    for cid in ids:
        customer(ws, cid, ZONES[rng.integers(len(ZONES))])
        for channel in ("email", "sms"):
            kind = rng.integers(5)
            if kind >= 1:
                consent(ws, cid, channel, "granted", T0 - int(rng.integers(60, 400)) * DAY)
            if kind == 2:
                consent(ws, cid, channel, "withdrawn", T0 - int(rng.integers(1, 50)) * DAY)
            if kind == 3:  # withdrawn, then granted again (maybe after the plan's time)
                consent(ws, cid, channel, "withdrawn", T0 - 40 * DAY)
                consent(ws, cid, channel, "granted", T0 + int(rng.integers(-30, 5)) * DAY)
        for _ in range(int(rng.poisson(4))):
            at = T0 - timedelta(hours=float(rng.uniform(-48, 24 * 35)))
            extra = {}
            if rng.random() < 0.05:
                extra["complained_at"] = at + timedelta(hours=1)
            if rng.random() < 0.08:
                extra["unsubscribed_at"] = at + timedelta(hours=2)
            sent(ws, cid, ["email", "sms", "push"][rng.integers(3)], at, **extra)
        if rng.random() < 0.15:
            opened = T0 - timedelta(days=float(rng.uniform(-2, 10)))
            resolved = (
                None if rng.random() < 0.4 else opened + timedelta(days=float(rng.uniform(0, 6)))
            )
            ticket(ws, cid, opened, resolved)
        if rng.random() < 0.5:
            _random_preferences(ws, rng, cid)
    return ids + _edge_preferences(ws)


#: Customers whose saved choices sit on the edges the random ones rarely reach.
EDGE = ["e-quiet-changes", "e-saved-at-t0", "e-pause-ends-at-t0", "e-pause-ends-after-t0"]


def _edge_preferences(ws: Workspace) -> list[str]:
    for cid in EDGE:
        customer(ws, cid)
        for channel in ("email", "sms"):
            consent(ws, cid, channel, "granted", datetime(2024, 1, 1))
    # Own quiet hours 11:30-13:00 in Rome (09:30-11:00 UTC), changed at 10:30 UTC.
    preference(ws, EDGE[0], T0 - 3 * DAY, quiet=("11:30", "13:00"))
    preference(ws, EDGE[0], T0 + timedelta(minutes=30), quiet=("12:00", "12:15"))
    # A stop saved at the very instant of the plan: in force.
    preference(ws, EDGE[1], T0 - 3 * DAY, max_per_week=3)
    preference(ws, EDGE[1], T0, stopped=True)
    # A pause up to the plan's instant is over; one a second later is not.
    preference(ws, EDGE[2], T0 - 3 * DAY, paused_until=T0)
    preference(ws, EDGE[3], T0 - 3 * DAY, paused_until=T0 + timedelta(seconds=1))
    return EDGE


def _random_preferences(ws: Workspace, rng: np.random.Generator, cid: str) -> None:
    """One to three saved choices, one maybe after the plan's time."""
    for _ in range(int(rng.integers(1, 4))):
        at = T0 - timedelta(hours=float(rng.uniform(-72, 24 * 60)))
        pick = rng.random(6)
        quiet = OWN_QUIET[rng.integers(len(OWN_QUIET))] if pick[2] < 0.35 else None
        preference(
            ws,
            cid,
            at,
            channels=[None, ["email"], ["sms"], ["email", "sms"], []][rng.integers(5)]
            if pick[0] < 0.3
            else None,
            max_per_week=int(rng.integers(0, 4)) if pick[1] < 0.4 else None,
            max_per_month=int(rng.integers(1, 8)) if pick[3] < 0.3 else None,
            quiet=quiet,
            paused_until=T0 + timedelta(hours=float(rng.uniform(-48, 96)))
            if pick[4] < 0.2
            else None,
            stopped=bool(pick[5] < 0.1),
        )


@pytest.fixture(scope="module")
def random_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A seeded random contact log of 150 customers (and the edge cases' few), in a closed
    workspace file."""
    path = tmp_path_factory.mktemp("agree") / "log.duckdb"
    with Workspace.create(path) as ws, ws.transaction():
        ids = _random_log(ws, np.random.default_rng(7), 150)
    return path, ids


def _caps_hold(ws: Workspace, policy: Policy, channel: str, at: datetime, cid: str) -> bool:
    for cap in policy.contact.caps_for(channel):
        n = ws.con.execute(
            "SELECT count(*) FROM messages WHERE customer_id = ? AND sent_at <= ? AND sent_at > ?"
            " AND (? OR channel = ?)",
            [cid, at, at - timedelta(days=cap.days), cap.channel == "all", channel],
        ).fetchall()[0][0]
        if n > cap.limit:
            return False
    return True


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_plan_agrees_with_checking_and_recording_one_row_at_a_time(
    random_log: tuple[Path, list[str]], tmp_path: Path, scenario: str, channel: str
) -> None:
    """The audience (300 rows drawn with repeats, one customer five times in a row, and the
    customers of edge cases twice) is planned at once; then each row is checked and, if
    allowed, recorded, in order. Every row must get the same decision and the same
    reasons, words and ``until`` included."""
    at, campaign, policy = SCENARIOS[scenario]
    source, ids = random_log
    path = tmp_path / "copy.duckdb"
    shutil.copy(source, path)
    rng = np.random.default_rng(11)
    audience = [ids[i] for i in rng.integers(0, len(ids), 295)] + [ids[0]] * 5 + EDGE * 2
    with Workspace.open(path) as ws:
        gov = Governor(ws, policy)
        allowed, suppressed = gov.plan(audience, channel, at, campaign_id=campaign)
        planned = {row["pos"]: [] for row in allowed.to_pylist()}
        planned |= {row["pos"]: reasons_of(row) for row in suppressed.to_pylist()}
        assert sorted(planned) == list(range(len(audience)))
        tally = {"allowed": 0, "blocked": 0}
        for pos, cid in enumerate(audience):
            decision = gov.check(cid, channel, at, campaign_id=campaign)
            assert decision.reasons == planned[pos], (pos, cid)
            if decision.allowed:
                gov.record(cid, channel, at, campaign_id=campaign)
            tally["allowed" if decision.allowed else "blocked"] += 1
        # The scenario exercises both outcomes, and no planned send broke a cap.
        assert tally["allowed"] > 0 and tally["blocked"] > 0
        if campaign is None:
            for cid in set(allowed.column("customer_id").to_pylist()):
                assert _caps_hold(ws, policy, channel, at, cid), cid


def test_the_agreement_scenarios_cover_every_rule(random_log, tmp_path: Path) -> None:
    """Guards the test above: the random log must trigger every rule somewhere."""
    source, ids = random_log
    seen: set[str] = set()
    with Workspace.open(source, read_only=True) as ws:
        for at, campaign, policy in SCENARIOS.values():
            for channel in ("email", "sms"):
                result = Governor(ws, policy).plan(ids + ids, channel, at, campaign_id=campaign)
                seen |= set(result.counts()) - {"allowed", "suppressed"}
    assert seen == {"consent", "preference", "cooldown", "cap", "experiment", "quiet_hours"}


def test_the_agreement_scenarios_say_every_preference_and_test_reason(random_log) -> None:
    """Guards the agreement test too: every preference and contact-test sentence is said
    somewhere, by check (whose words plan must match)."""
    source, ids = random_log
    said: set[str] = set()
    with Workspace.open(source, read_only=True) as ws:
        for at, campaign, policy in SCENARIOS.values():
            gov = Governor(ws, policy)
            for cid in ids:
                said |= {r.code for r in gov.check(cid, "email", at, campaign_id=campaign).reasons}
    assert {
        "preference_stop",
        "preference_channel",
        "preference_pause",
        "preference_cap",
        "preference_quiet",
        "test_cap",
    } <= said


# --- scale (speed itself is measured by `legame bench`, not asserted in tests) ---------


@pytest.mark.slow
def test_plan_splits_a_100k_audience_completely(tmp_path: Path) -> None:
    with build_workspace(tmp_path / "big.duckdb", n_messages=300_000, n_customers=100_000) as ws:
        figures = plan_throughput(ws, 100_000)
    assert figures["allowed"] + figures["suppressed"] == 100_000
    assert 0 < figures["allowed"] < 100_000


def test_plan_accepts_an_arrow_audience(ws: Workspace, gov: Governor) -> None:
    customer(ws, "c1")
    consent(ws, "c1", "email", "granted", datetime(2024, 1, 1))
    result = gov.plan(pa.chunked_array([["c1"], [" c1 "]]), "email", T0)
    assert allowed_ids(result) == ["c1", "c1"]
