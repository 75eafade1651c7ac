"""Saving a choice: one preference row, the consent events it makes and an audit entry
without personal data, all or nothing; what is refused; and erasure."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from legame.engage.governor.clock import to_utc
from legame.engage.preferences import Choice, current, make_link, problems, save
from legame.engage.preferences.choice import pause_end
from legame.errors import InputError, NotFoundError
from legame.policy import Policy
from legame.store import Workspace
from legame.store.erasure import forget
from tests.engage.preferences.conftest import NOW, snapshot, table


def test_saving_writes_the_choice_a_consent_withdrawal_and_an_audit_entry(
    shop: Workspace,
) -> None:
    link = make_link(shop, "mario", now=NOW)
    choice = Choice(
        channels=("email", "push"), max_per_week=1, quiet_start="20:00", quiet_end="09:00"
    )
    saved = save(shop, "mario", choice, NOW, "preference_link", link.link_id)
    assert saved.changed == ["channels", "max_per_week", "quiet_start", "quiet_end"]
    rows = shop.con.execute(
        'SELECT customer_id, "at", channels, max_per_week, max_per_month, quiet_start, quiet_end,'
        " paused_until, stopped, source, link_id FROM contact_preferences"
    ).fetchall()
    assert rows == [
        (
            "mario",
            NOW,
            ["email", "push"],
            1,
            None,
            "20:00",
            "09:00",
            None,
            False,
            "preference_link",
            link.link_id,
        )
    ]
    # mario had granted sms, and never said anything of phone and post: all three are off now
    events = shop.con.execute(
        'SELECT channel, status, "at", _batch_id FROM consents WHERE "at" = ? ORDER BY channel',
        [NOW],
    ).fetchall()
    assert events == [(c, "withdrawn", NOW, saved.batch_id) for c in ("phone", "post", "sms")]
    assert saved.consents == {"sms": "withdrawn", "phone": "withdrawn", "post": "withdrawn"}
    batch = shop.con.execute(
        "SELECT table_name, inserted FROM batches WHERE batch_id = ?", [saved.batch_id]
    ).fetchall()
    assert batch == [("consents", 3)]
    ((detail,),) = shop.con.execute(
        "SELECT detail FROM audit_log WHERE action = 'preferences_saved'"
    ).fetchall()
    fields = json.loads(detail)
    assert fields["link"] == link.link_id and fields["source"] == "preference_link"
    assert fields["changed"] == saved.changed
    assert "mario" not in detail and link.token not in detail


def test_the_current_choice_is_the_latest_and_a_channel_back_on_is_a_grant(
    shop: Workspace,
) -> None:
    assert current(shop, "mario", at=NOW).at is None
    save(shop, "mario", Choice(channels=("email",)), NOW, "api")
    later = NOW + timedelta(days=1)
    every = Choice(channels=("email", "sms", "push", "phone", "post"), max_per_month=4)
    saved = save(shop, "mario", every, later, "api")
    assert saved.choice.channels is None  # every channel kept: stored as "all"
    assert saved.consents == {
        "sms": "granted",
        "push": "granted",
        "phone": "granted",
        "post": "granted",
    }
    mine = current(shop, "mario", at=later)
    assert mine.at == later and mine.source == "api"
    assert mine.choice == Choice(max_per_month=4)
    assert mine.consents == {c: "granted" for c in ("email", "phone", "post", "push", "sms")}


def test_a_form_that_changes_no_channel_makes_no_consent_event_nor_batch(
    shop: Workspace,
) -> None:
    before = table(shop, "consents")
    saved = save(shop, "mario", Choice(stopped=True), NOW, "preference_link", "abc")
    assert saved.consents == {} and saved.batch_id is None
    assert table(shop, "consents") == before and table(shop, "batches") == []
    assert current(shop, "mario", at=NOW).choice.stopped


@pytest.mark.parametrize(
    ("choice", "field", "code"),
    [
        (Choice(channels=("email", "fax")), "channels", "unknown_channel"),
        (Choice(max_per_week=-1), "max_per_week", "cap_range"),
        (Choice(max_per_month=101), "max_per_month", "cap_range"),
        (Choice(quiet_start="25:00", quiet_end="08:00"), "quiet_start", "time_format"),
        (Choice(quiet_start="21:00", quiet_end="8:00"), "quiet_end", "time_format"),
        (Choice(quiet_start="21:00"), "quiet_end", "quiet_pair"),
        (Choice(quiet_start="21:00", quiet_end="21:00"), "quiet_end", "quiet_same"),
        (Choice(paused_until=NOW), "paused_until", "pause_past"),
        (Choice(paused_until=NOW + timedelta(days=367)), "paused_until", "pause_far"),
    ],
)
def test_an_invalid_choice_is_refused_with_a_clear_error_and_writes_nothing(
    shop: Workspace, policy: Policy, choice: Choice, field: str, code: str
) -> None:
    found = problems(choice, policy, NOW)
    assert [(p.field, p.code) for p in found] == [(field, code)]
    before = snapshot(shop)
    with pytest.raises(InputError) as error:
        save(shop, "mario", choice, NOW, "api")
    assert str(error.value) == found[0].message
    assert snapshot(shop) == before


def test_a_valid_pause_and_caps_at_the_bounds_are_saved(shop: Workspace) -> None:
    pause = NOW + timedelta(days=366)
    choice = Choice(max_per_week=0, max_per_month=100, paused_until=pause)
    assert save(shop, "mario", choice, NOW, "api").choice == choice


def test_unknown_customers_sources_and_choices_older_than_the_current_are_refused(
    shop: Workspace,
) -> None:
    with pytest.raises(NotFoundError, match="No customer 'nobody'"):
        save(shop, "nobody", Choice(), NOW, "api")
    with pytest.raises(InputError, match="'source'"):
        save(shop, "mario", Choice(), NOW, "email")  # type: ignore[arg-type]
    save(shop, "mario", Choice(stopped=True), NOW, "api")
    before = snapshot(shop)
    with pytest.raises(InputError, match="older than the customer's current one"):
        save(shop, "mario", Choice(), NOW - timedelta(seconds=1), "api")
    assert snapshot(shop) == before


def test_a_choice_made_at_the_current_ones_instant_is_the_latest_for_every_reader(
    shop: Workspace, policy: Policy
) -> None:
    """A client that sends whole seconds may save twice in one second. The second choice
    is recorded a microsecond after the first (a third, after the second): it is then the
    current one for the store and the governor alike, and the consent events it makes do
    not repeat the key of the first's (before, turning a channel back on at the same
    instant failed with DuckDB's duplicate-key error and saved nothing)."""
    from legame.engage.governor import Governor
    from legame.engage.preferences.store import SAME_INSTANT_STEP

    governor = Governor(shop, policy)
    later = NOW + timedelta(hours=1)  # 13:00 UTC, outside the quiet hours
    save(shop, "mario", Choice(channels=("push",)), NOW, "api")  # e-mail and sms withdrawn
    assert not governor.check("mario", "email", later).allowed
    saved = save(shop, "mario", Choice(), NOW, "api")  # every channel again, same instant
    assert saved.at == NOW + SAME_INSTANT_STEP
    assert saved.consents == {
        "email": "granted",
        "sms": "granted",
        "phone": "granted",
        "post": "granted",
    }
    assert current(shop, "mario", at=later).choice == Choice()
    stored = shop.con.execute(
        'SELECT "at", channels FROM contact_preferences WHERE customer_id = ? ORDER BY "at"',
        ["mario"],
    ).fetchall()
    assert stored == [(NOW, ["push"]), (NOW + SAME_INSTANT_STEP, None)]
    # The governor honours the second: e-mail is kept and granted again.
    decision = governor.check("mario", "email", later)
    assert decision.allowed, [r.code for r in decision.reasons]
    # A third in the same second is the same instant too, not older than the second.
    third = save(shop, "mario", Choice(stopped=True), NOW, "api")
    assert third.at == NOW + 2 * SAME_INSTANT_STEP
    assert current(shop, "mario", at=later).choice == Choice(stopped=True)
    assert not governor.check("mario", "email", later).allowed


def test_a_pause_until_a_day_ends_at_midnight_in_the_customers_zone(policy: Policy) -> None:
    day = datetime(2025, 7, 1).date()
    assert pause_end(day, "Europe/Madrid", policy) == datetime(2025, 6, 30, 22, 0)
    assert pause_end(day, "America/Chicago", policy) == datetime(2025, 7, 1, 5, 0)
    assert pause_end(day, None, policy) == to_utc("2025-07-01T00:00:00+02:00")  # Rome
    with pytest.raises(InputError):
        pause_end(datetime(9999, 12, 31).date(), "America/Chicago", policy)


def test_erasure_removes_the_customers_choices_and_counts_them(shop: Workspace) -> None:
    save(shop, "mario", Choice(channels=("email", "push")), NOW, "api")
    save(shop, "mario", replace(Choice(), stopped=True), NOW + timedelta(hours=1), "api")
    save(shop, "lucia", Choice(max_per_week=2), NOW, "api")
    erased = forget(shop, "mario")
    assert erased.rows_removed["contact_preferences"] == 2
    # 2 granted in 2024; sms, phone and post withdrawn by the first form, granted by the next
    assert erased.rows_removed["consents"] == 8
    rows = shop.con.execute("SELECT customer_id FROM contact_preferences").fetchall()
    assert rows == [("lucia",)]
    audit = shop.con.execute("SELECT detail::VARCHAR FROM audit_log").fetchall()
    assert not any("mario" in text for (text,) in audit)
