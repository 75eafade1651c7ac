"""``Governor.check``: each rule, the exemptions, ``next_allowed_at``, and ``record``.

Times are written as UTC instants. Unless a test says otherwise customers live in
Europe/Rome and checks happen at 10:00 UTC (11:00 or 12:00 in Rome, outside quiet hours).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from legame import sql
from legame.engage.governor import Governor
from legame.engage.governor.bench import build_workspace
from legame.errors import InputError, NotFoundError
from legame.ingest import ingest
from legame.policy import DEFAULT_POLICY, TransactionalExemptions
from legame.store import Workspace
from tests.engage.governor.log import (
    add,
    consent,
    contact_policy,
    customer,
    sent,
    ticket,
)

T0 = datetime(2025, 5, 1, 10, 0)  # a Thursday, 12:00 in Rome
DAY = timedelta(days=1)


def known(ws: Workspace, cid: str = "c1", *channels: str) -> None:
    """A Rome customer who granted consent on the channels (default: email) long ago."""
    customer(ws, cid)
    for channel in channels or ("email",):
        consent(ws, cid, channel, "granted", datetime(2024, 1, 1))


def rules(decision) -> list[str]:
    return [r.rule for r in decision.reasons]


# --- consent ---------------------------------------------------------------------------


def test_withdrawn_consent_blocks_even_transactional_sends(ws: Workspace, gov: Governor) -> None:
    known(ws)
    consent(ws, "c1", "email", "withdrawn", T0 - 5 * DAY)
    add(ws, "campaigns", campaign_id="receipt", kind="transactional")
    for decision in (
        gov.check("c1", "email", T0),
        gov.check("c1", "email", T0, transactional=True),
        gov.check("c1", "email", T0, campaign_id="receipt"),
    ):
        assert not decision.allowed
        assert rules(decision) == ["consent"]
        assert decision.reasons[0].until is None
        assert decision.next_allowed_at is None
    assert gov.check("c1", "email", T0, campaign_id="receipt").transactional


def test_withdrawn_consent_is_not_exempted_by_any_policy_setting(ws: Workspace) -> None:
    everything_exempt = contact_policy(
        transactional=TransactionalExemptions(True, True, True), require_consent=()
    )
    known(ws)
    consent(ws, "c1", "email", "withdrawn", T0 - DAY)
    decision = Governor(ws, everything_exempt).check("c1", "email", T0, transactional=True)
    assert rules(decision) == ["consent"]


def test_consent_granted_again_later_re_allows(ws: Workspace, gov: Governor) -> None:
    known(ws)
    consent(ws, "c1", "email", "withdrawn", T0 - 10 * DAY)
    consent(ws, "c1", "email", "granted", T0 - 2 * DAY)
    assert gov.check("c1", "email", T0 - 5 * DAY).reasons[0].rule == "consent"
    assert gov.check("c1", "email", T0).allowed


def test_a_grant_logged_after_the_check_time_is_when_the_send_becomes_allowed(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    consent(ws, "c1", "email", "withdrawn", T0 - 10 * DAY)
    consent(ws, "c1", "email", "granted", T0 + 2 * DAY)
    decision = gov.check("c1", "email", T0)
    assert decision.reasons[0].until == T0 + 2 * DAY
    assert decision.next_allowed_at == T0 + 2 * DAY


def test_consent_is_per_channel(ws: Workspace, gov: Governor) -> None:
    known(ws, "c1", "email", "sms")
    consent(ws, "c1", "sms", "withdrawn", T0 - DAY)
    assert gov.check("c1", "email", T0).allowed
    assert rules(gov.check("c1", "sms", T0)) == ["consent"]


def test_no_consent_record_blocks_marketing_but_not_transactional(
    ws: Workspace, gov: Governor
) -> None:
    customer(ws, "c1")
    marketing = gov.check("c1", "email", T0)
    assert rules(marketing) == ["consent"]
    assert "no email consent is recorded" in marketing.reasons[0].message
    assert marketing.next_allowed_at is None
    assert gov.check("c1", "email", T0, transactional=True).allowed


def test_require_consent_can_be_off_or_limited_to_some_channels(ws: Workspace) -> None:
    customer(ws, "c1")
    assert Governor(ws, contact_policy(require_consent=())).check("c1", "email", T0).allowed
    only_email = Governor(ws, contact_policy(require_consent=("email",)))
    assert not only_email.check("c1", "email", T0).allowed
    assert only_email.check("c1", "post", T0).allowed


# --- caps ------------------------------------------------------------------------------


def test_channel_cap_blocks_the_third_email_in_seven_days(ws: Workspace, gov: Governor) -> None:
    known(ws)
    sent(ws, "c1", "email", T0 - 6 * DAY)
    assert gov.check("c1", "email", T0).allowed
    sent(ws, "c1", "email", T0 - 1 * DAY)
    decision = gov.check("c1", "email", T0)
    assert rules(decision) == ["cap"]
    assert decision.reasons[0].message == "2 sends on email in the last 7 days (limit 2)"
    assert decision.reasons[0].until == T0 + DAY  # the first send leaves the window
    assert decision.next_allowed_at == T0 + DAY


def test_a_send_leaves_the_window_exactly_window_days_later(ws: Workspace, gov: Governor) -> None:
    known(ws)
    first = T0 - 7 * DAY
    sent(ws, "c1", "email", first)
    sent(ws, "c1", "email", T0 - 3 * DAY)
    assert not gov.check("c1", "email", T0 - timedelta(microseconds=1)).allowed
    assert gov.check("c1", "email", T0).allowed  # exactly 7 days after the first send
    assert gov.check("c1", "email", first + 7 * DAY).allowed


def test_a_send_at_the_check_instant_counts(ws: Workspace, gov: Governor) -> None:
    known(ws)
    sent(ws, "c1", "email", T0 - DAY)
    sent(ws, "c1", "email", T0)
    assert rules(gov.check("c1", "email", T0)) == ["cap"]


def test_thirty_day_cap_counts_older_sends(ws: Workspace, gov: Governor) -> None:
    known(ws)
    for days in (29, 25, 20, 15, 10, 8):  # six emails, none in the last 7 days
        sent(ws, "c1", "email", T0 - days * DAY)
    decision = gov.check("c1", "email", T0)
    assert [r.message for r in decision.reasons] == [
        "6 sends on email in the last 30 days (limit 6)"
    ]
    assert decision.next_allowed_at == T0 + DAY  # the send of 29 days ago leaves


def test_cap_across_channels_counts_every_channel(ws: Workspace, gov: Governor) -> None:
    known(ws, "c1", "email", "sms", "push")
    sent(ws, "c1", "email", T0 - 5 * DAY)
    sent(ws, "c1", "sms", T0 - 4 * DAY)
    sent(ws, "c1", "push", T0 - 3 * DAY)
    decision = gov.check("c1", "email", T0)  # email alone has room (1 of 2)
    assert [r.message for r in decision.reasons] == [
        "3 sends on all channels in the last 7 days (limit 3)"
    ]
    assert decision.reasons[0].until == T0 + 2 * DAY


def test_a_zero_cap_never_allows_the_channel(ws: Workspace) -> None:
    from legame.policy import Cap

    known(ws, "c1", "post")
    policy = contact_policy(caps=(Cap("post", 30, 0),))
    decision = Governor(ws, policy).check("c1", "post", T0)
    assert rules(decision) == ["cap"]
    assert decision.next_allowed_at is None


def test_transactional_sends_skip_caps_when_the_policy_exempts_them(ws: Workspace) -> None:
    known(ws)
    for days in (1, 2, 3):  # over the email cap (2) and the all-channel cap (3)
        sent(ws, "c1", "email", T0 - days * DAY)
    assert Governor(ws, DEFAULT_POLICY).check("c1", "email", T0, transactional=True).allowed
    strict = contact_policy(transactional=TransactionalExemptions(False, True, True))
    assert rules(Governor(ws, strict).check("c1", "email", T0, transactional=True)) == [
        "cap",
        "cap",
    ]


def test_a_transactional_campaign_kind_makes_the_send_transactional(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    add(ws, "campaigns", campaign_id="news", kind="marketing")
    add(ws, "campaigns", campaign_id="receipt", kind="transactional")
    for days in (1, 2):
        sent(ws, "c1", "email", T0 - days * DAY)
    assert not gov.check("c1", "email", T0, campaign_id="news").allowed
    assert gov.check("c1", "email", T0, campaign_id="receipt").allowed
    assert not gov.check("c1", "email", T0, campaign_id="unknown").allowed


# --- quiet hours -----------------------------------------------------------------------

# Europe/Rome: CET (UTC+1) until 2025-03-30 01:00 UTC, CEST (UTC+2) until 2025-10-26 01:00
# UTC, then CET again. The instants below are written in UTC, worked out by hand.
DST_CASES = [
    # (instant UTC, local Rome time, quiet?)
    (datetime(2025, 3, 29, 20, 30), "Sat 21:30 CET", True),
    (datetime(2025, 3, 29, 19, 30), "Sat 20:30 CET", False),
    (datetime(2025, 3, 29, 7, 30), "Sat 08:30 CET", False),
    (datetime(2025, 3, 29, 6, 30), "Sat 07:30 CET", True),
    (datetime(2025, 3, 30, 19, 30), "Sun 21:30 CEST", True),
    (datetime(2025, 3, 30, 6, 30), "Sun 08:30 CEST", False),
    (datetime(2025, 3, 30, 5, 30), "Sun 07:30 CEST", True),
    (datetime(2025, 10, 25, 19, 30), "Sat 21:30 CEST", True),
    (datetime(2025, 10, 25, 6, 30), "Sat 08:30 CEST", False),
    (datetime(2025, 10, 26, 20, 30), "Sun 21:30 CET", True),
    (datetime(2025, 10, 26, 19, 30), "Sun 20:30 CET", False),
    (datetime(2025, 10, 26, 7, 30), "Sun 08:30 CET", False),
    (datetime(2025, 10, 26, 6, 30), "Sun 07:30 CET", True),
]


@pytest.mark.parametrize(
    ("instant", "local", "quiet"),
    DST_CASES,
    ids=[c[1] + (" quiet" if c[2] else " open") for c in DST_CASES],
)
def test_quiet_hours_follow_the_customers_clock_across_daylight_saving(
    ws: Workspace, gov: Governor, instant: datetime, local: str, quiet: bool
) -> None:
    known(ws)
    decision = gov.check("c1", "email", instant)
    assert rules(decision) == (["quiet_hours"] if quiet else [])
    if quiet:
        assert f"local time {local.split()[1]}" in decision.reasons[0].message


@pytest.mark.parametrize(
    ("instant", "end"),
    [
        (datetime(2025, 3, 29, 20, 30), datetime(2025, 3, 30, 6, 0)),  # ends 08:00 CEST
        (datetime(2025, 3, 29, 23, 30), datetime(2025, 3, 30, 6, 0)),  # 00:30 CET, same night
        (datetime(2025, 10, 25, 19, 30), datetime(2025, 10, 26, 7, 0)),  # ends 08:00 CET
        (datetime(2025, 10, 26, 6, 30), datetime(2025, 10, 26, 7, 0)),
    ],
)
def test_next_allowed_after_quiet_hours_is_8am_local_on_the_far_side_of_the_change(
    ws: Workspace, gov: Governor, instant: datetime, end: datetime
) -> None:
    known(ws)
    decision = gov.check("c1", "email", instant)
    assert decision.reasons[0].until == end
    assert decision.next_allowed_at == end


def test_customer_without_a_time_zone_uses_the_default_zone(ws: Workspace) -> None:
    customer(ws, "nozone", None)
    customer(ws, "badzone", "Mars/Olympus")
    for cid in ("nozone", "badzone"):
        consent(ws, cid, "email", "granted", datetime(2024, 1, 1))
    new_york = contact_policy(
        quiet_hours=replace(
            DEFAULT_POLICY.contact.quiet_hours, default_time_zone="America/New_York"
        )
    )
    # 2025-05-01 02:00 UTC: 22:00 in New York (quiet), 04:00 in Rome (also quiet);
    # 2025-05-01 23:00 UTC: 19:00 in New York (open), 01:00 in Rome (quiet).
    for gov, open_at in (
        (Governor(ws, new_york), datetime(2025, 5, 1, 23, 0)),
        (Governor(ws, DEFAULT_POLICY), datetime(2025, 5, 1, 12, 0)),
    ):
        for cid in ("nozone", "badzone"):
            assert gov.check(cid, "email", open_at).allowed
    decision = Governor(ws, new_york).check("nozone", "email", datetime(2025, 5, 1, 2, 0))
    assert "America/New_York (local time 22:00)" in decision.reasons[0].message
    assert decision.next_allowed_at == datetime(2025, 5, 1, 12, 0)  # 08:00 EDT
    assert (
        not Governor(ws, DEFAULT_POLICY)
        .check("nozone", "email", datetime(2025, 5, 1, 23, 0))
        .allowed
    )


def test_quiet_hours_can_be_turned_off_or_exempted(ws: Workspace, gov: Governor) -> None:
    known(ws)
    night = datetime(2025, 5, 1, 22, 0)
    assert rules(gov.check("c1", "email", night)) == ["quiet_hours"]
    assert gov.check("c1", "email", night, transactional=True).allowed
    off = contact_policy(quiet_hours=replace(DEFAULT_POLICY.contact.quiet_hours, enabled=False))
    assert Governor(ws, off).check("c1", "email", night).allowed


# --- cooldowns -------------------------------------------------------------------------


def test_a_complaint_pauses_every_channel_for_the_cooldown(ws: Workspace, gov: Governor) -> None:
    known(ws, "c1", "email", "sms")
    complained = T0 - 10 * DAY
    sent(ws, "c1", "email", T0 - 60 * DAY, complained_at=complained)
    decision = gov.check("c1", "sms", T0)
    assert rules(decision) == ["cooldown"]
    assert "complained" in decision.reasons[0].message
    assert decision.next_allowed_at == complained + 90 * DAY
    assert not gov.check("c1", "sms", complained + 90 * DAY - timedelta(seconds=1)).allowed
    assert gov.check("c1", "sms", complained + 90 * DAY).allowed
    assert gov.check("c1", "sms", T0, transactional=True).allowed


def test_an_unsubscribe_pauses_only_that_channel(ws: Workspace, gov: Governor) -> None:
    known(ws, "c1", "email", "sms")
    left = T0 - 20 * DAY
    sent(ws, "c1", "email", T0 - 40 * DAY, unsubscribed_at=left)
    decision = gov.check("c1", "email", T0)
    assert rules(decision) == ["cooldown"]
    assert "unsubscribed from email" in decision.reasons[0].message
    assert decision.reasons[0].until == left + 365 * DAY
    assert gov.check("c1", "sms", T0).allowed


def test_an_unsubscribe_cooldown_ends_when_consent_is_granted_again(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    left = T0 - 20 * DAY
    sent(ws, "c1", "email", T0 - 40 * DAY, unsubscribed_at=left)
    consent(ws, "c1", "email", "granted", T0 + 3 * DAY)
    assert gov.check("c1", "email", T0).next_allowed_at == T0 + 3 * DAY
    assert gov.check("c1", "email", T0 + 3 * DAY).allowed


def test_an_open_ticket_pauses_marketing_until_it_is_resolved(ws: Workspace, gov: Governor) -> None:
    known(ws)
    ticket(ws, "c1", T0 - 2 * DAY)
    decision = gov.check("c1", "email", T0)
    assert rules(decision) == ["cooldown"]
    assert "open since" in decision.reasons[0].message
    assert decision.reasons[0].until is None
    assert decision.next_allowed_at is None


def test_a_resolved_ticket_pauses_marketing_for_n_more_days(ws: Workspace, gov: Governor) -> None:
    known(ws)
    resolved = T0 - DAY
    ticket(ws, "c1", T0 - 5 * DAY, resolved)
    decision = gov.check("c1", "email", T0)
    assert "resolved" in decision.reasons[0].message
    assert decision.next_allowed_at == resolved + 3 * DAY
    assert gov.check("c1", "email", resolved + 3 * DAY).allowed
    # Checked while it was still open, the pause runs to its (later logged) resolution + 3 days.
    assert gov.check("c1", "email", T0 - 3 * DAY).next_allowed_at == resolved + 3 * DAY


def test_a_ticket_opened_after_the_check_time_does_not_block_it(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    ticket(ws, "c1", T0 + DAY)
    assert gov.check("c1", "email", T0).allowed


# --- next_allowed_at when rules interact -----------------------------------------------


def test_a_cap_lifting_during_quiet_hours_waits_for_the_morning(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    first = datetime(2025, 4, 24, 20, 0)  # 22:00 in Rome
    sent(ws, "c1", "email", first)
    sent(ws, "c1", "email", datetime(2025, 4, 28, 9, 0))
    decision = gov.check("c1", "email", T0)
    assert decision.reasons[0].until == first + 7 * DAY  # 22:00 in Rome: quiet
    assert decision.next_allowed_at == datetime(2025, 5, 2, 6, 0)  # 08:00 in Rome


def test_next_allowed_is_the_later_of_quiet_hours_and_a_cooldown(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    night = datetime(2025, 5, 1, 22, 0)
    ticket(ws, "c1", night - DAY, night - 3 * DAY + timedelta(hours=12))  # pause ends 10:00 UTC
    decision = gov.check("c1", "email", night)
    assert rules(decision) == ["cooldown", "quiet_hours"]
    assert decision.next_allowed_at == datetime(2025, 5, 2, 10, 0)


def test_allowed_decision_has_no_reasons_and_is_allowed_now(ws: Workspace, gov: Governor) -> None:
    known(ws)
    decision = gov.check("c1", "email", T0)
    assert decision.allowed and decision.reasons == [] and decision.next_allowed_at == T0
    assert json.loads(json.dumps(decision.to_dict())) == {
        "allowed": True,
        "reasons": [],
        "next_allowed_at": "2025-05-01T10:00:00+00:00",
        "at": "2025-05-01T10:00:00+00:00",
        "transactional": False,
    }


# --- arguments -------------------------------------------------------------------------


def test_an_instant_with_an_offset_is_read_as_that_utc_instant(
    ws: Workspace, gov: Governor
) -> None:
    known(ws)
    assert gov.check("c1", "email", "2025-05-01T12:00+02:00").at == T0
    assert gov.check("c1", "email", "2025-05-01T10:00").at == T0


def test_for_workspace_reads_the_policy_beside_the_workspace(ws: Workspace) -> None:
    assert Governor.for_workspace(ws).policy == DEFAULT_POLICY
    (ws.path.parent / "legame.toml").write_text("[contact]\nchannels = ['email', 'fax']\n")
    gov = Governor.for_workspace(ws)
    assert gov.policy.source == str(ws.path.parent / "legame.toml")
    customer(ws, "c1")
    assert rules(gov.check("c1", "fax", T0)) == ["consent"]


def test_an_unknown_customer_is_not_found_rather_than_judged(ws: Workspace, gov: Governor) -> None:
    with pytest.raises(NotFoundError, match=r"No customer 'nobody'"):
        gov.check("nobody", "email", T0)


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:00+00:00", datetime(1899, 12, 31)]
)
def test_an_instant_outside_the_computable_range_is_an_input_error(
    ws: Workspace, gov: Governor, at: str | datetime
) -> None:
    known(ws)
    with pytest.raises(InputError, match="outside the range of instants legame computes with"):
        gov.check("c1", "email", at)


def test_an_unknown_channel_is_refused_with_the_known_ones(gov: Governor) -> None:
    with pytest.raises(InputError, match=r"Unknown channel 'emial'.*email, sms"):
        gov.check("c1", "emial", T0)


def test_the_check_query_uses_the_customer_indexes(tmp_path) -> None:
    """DuckDB picks an index scan only for a lone key filter on a table of some size; a
    change of query or engine that loses it makes checks ~5x slower at 1M messages."""
    with build_workspace(tmp_path / "b.duckdb", n_messages=5000, n_customers=200) as ws:
        cid = ws.con.execute(
            "SELECT customer_id FROM tickets WHERE customer_id IN (SELECT customer_id "
            "FROM consents) ORDER BY customer_id LIMIT 1"
        ).fetchall()[0][0]
        # Saved contact preferences, 25 for each customer: enough for an index to pay.
        ws.con.execute(
            'INSERT INTO contact_preferences (customer_id, "at", max_per_week, source) '
            "SELECT customer_id, ? + to_minutes(i::BIGINT), 2, 'test' "
            "FROM customers CROSS JOIN range(25) AS t(i)",
            [T0 - 60 * DAY],
        )
        plan = ws.con.execute(
            f"EXPLAIN (ANALYZE, FORMAT json) {sql.render('governor/check')}",
            [cid, None, T0 - 30 * DAY, T0, T0],
        ).fetchall()[0][1]
    scans: dict[str, str] = {}

    def walk(node: dict) -> None:
        info = node.get("extra_info") or {}
        if "Table" in info:
            scans[info["Table"].rsplit(".", 1)[-1]] = info.get("Type")
        for child in node.get("children", []) + node.get("operator", []):
            walk(child)

    walk(json.loads(plan))
    tables = ("messages", "consents", "tickets", "customers", "contact_preferences")
    assert {t: scans.get(t) for t in tables} == {t: "Index Scan" for t in tables}


# --- record ----------------------------------------------------------------------------


def test_record_then_check_sees_the_send_at_once(ws: Workspace, gov: Governor) -> None:
    known(ws)
    gov.record("c1", "email", T0 - 2 * DAY)
    assert gov.check("c1", "email", T0).allowed
    gov.record("c1", "email", T0 - DAY, campaign_id="news")
    assert rules(gov.check("c1", "email", T0)) == ["cap"]


def test_record_logs_one_batch_with_consistent_bookkeeping(ws: Workspace, gov: Governor) -> None:
    done = gov.record("newcomer", "EMAIL", "2025-05-01T12:00+02:00", campaign_id="news")
    assert done.inserted and done.implicit_customer
    assert done.message_id == f"legame-{done.batch_id}"
    row = ws.con.execute(
        "SELECT customer_id, channel, sent_at, campaign_id, _batch_id, _source_file FROM messages"
    ).fetchall()
    assert row == [("newcomer", "email", T0, "news", done.batch_id, "legame contact record")]
    batch = ws.con.execute(
        "SELECT table_name, source_file, rows_read, inserted, duplicates, implicit_customers "
        "FROM batches WHERE batch_id = ?",
        [done.batch_id],
    ).fetchall()
    assert batch == [("messages", "legame contact record", 1, 1, 0, 1)]
    assert ws.con.execute(
        "SELECT implicit, _batch_id FROM customers WHERE customer_id = 'newcomer'"
    ).fetchall() == [(True, done.batch_id)]


def test_recording_the_same_message_id_twice_is_a_duplicate_not_a_second_send(
    ws: Workspace, gov: Governor
) -> None:
    first = gov.record("c1", "email", T0, message_id="esp-1")
    again = gov.record("c1", "email", T0, message_id="esp-1")
    assert first.inserted and not again.inserted
    assert ws.count("messages") == 1
    assert ws.con.execute(
        "SELECT duplicates FROM batches WHERE batch_id = ?", [again.batch_id]
    ).fetchall() == [(1,)]
    with pytest.raises(InputError, match=r"esp-1.*already logged for another send"):
        gov.record("c2", "email", T0, message_id="esp-1")
    assert ws.count("messages") == 1


def test_sends_loaded_by_ingestion_count_against_the_caps(
    ws: Workspace, gov: Governor, write
) -> None:
    known(ws)
    path = write(
        "messages.csv",
        "message_id;customer_id;channel;sent_at\n"
        "a;c1;EMAIL;2025-04-28T09:00:00\nb;c1;Email;2025-04-30T09:00:00\n",
    )
    assert ingest(ws, "messages", [path]).total("inserted") == 2
    assert rules(gov.check("c1", "email", T0)) == ["cap"]
