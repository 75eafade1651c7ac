"""The contact governor's reasons carry their facts (so a page can say them in its reader's
language), and English sentences that count say "1 warning" and "2 warnings"."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from legame.api.schemas import ContactDecision
from legame.engage.governor import Governor, Reason
from legame.engage.governor import messages as m
from legame.engage.governor.core import reasons_of
from legame.engage.governor.decision import CODES
from legame.engage.message import check_message
from legame.policy import DEFAULT_POLICY, Cap, ContactTest, ExperimentsPolicy, TestArm
from legame.store import Workspace
from legame.web.i18n import LANGUAGES, catalogue
from legame.web.reasons import contact_reason_key, say_contact_reason
from legame.words import counted, is_one, noun
from tests.engage.governor.log import (
    consent,
    contact_policy,
    customer,
    preference,
    sent,
    ticket,
)

T0 = datetime(2025, 5, 1, 10, 0)  # 12:00 in Rome
DAY = timedelta(days=1)
#: Two smaller problems (a countdown, emoji): one more than the default allows.
TWO_WARNINGS = (
    "Novità in negozio 🎉🎉🎉\nCiao, è arrivato il nuovo pane di segale: si conserva una "
    "settimana. Ti aspettiamo, grazie! Solo oggi."
)


def _when(at: datetime) -> str:
    return at.strftime(m.WHEN)


def _english(reason: Reason) -> str:
    """The English sentence, made again from the reason's code and facts alone."""
    f = reason.facts
    return {
        "consent_withdrawn": lambda: m.CONSENT_WITHDRAWN.format(f.get("channel"), _when(f["at"])),
        "consent_missing": lambda: m.CONSENT_MISSING.format(f["channel"]),
        "complaint": lambda: m.COMPLAINT.format(_when(f["at"]), f["days"]),
        "unsubscribe": lambda: m.UNSUBSCRIBE.format(f["channel"], _when(f["at"]), f["days"]),
        "ticket_open": lambda: m.TICKET_OPEN.format(_when(f["since"])),
        "ticket_resolved": lambda: m.TICKET_RESOLVED.format(_when(f["at"]), f["days"]),
        "cap": lambda: m.CAP.format(
            f["sends"], m.channel_label(f["channel"]), f["days"], f["limit"]
        ),
        "cap_zero": lambda: m.CAP_ZERO.format(m.channel_label(f["channel"]), f["days"]),
        "quiet_hours": lambda: m.QUIET.format(f["start"], f["end"], f["zone"], f["local"]),
        "test_cap": lambda: m.TEST_CAP.format(
            f["sends"], m.channel_label(f["channel"]), f["days"], f["limit"], f["arm"], f["test"]
        ),
        "preference_stop": lambda: m.PREFERENCE_STOP.format(_when(f["at"])),
        "preference_channel": lambda: m.PREFERENCE_CHANNEL.format(f["channel"], _when(f["at"])),
        "preference_pause": lambda: m.PREFERENCE_PAUSE.format(_when(f["until"])),
        "preference_cap": lambda: m.PREFERENCE_CAP.format(f["sends"], f["days"], f["limit"]),
        "preference_quiet": lambda: m.PREFERENCE_QUIET.format(
            f["start"], f["end"], f["zone"], f["local"]
        ),
    }[reason.code]()


#: A contact test whose every arm allows no e-mail at all: whoever is checked is capped.
SILENCE = ContactTest(
    "silence",
    date(2025, 4, 1),
    date(2025, 6, 1),
    7,
    "email",
    (TestArm("low", 0.5, (Cap("email", 7, 0),)), TestArm("high", 0.5, (Cap("email", 7, 0),))),
)


@pytest.fixture
def every_reason(ws: Workspace) -> list[Reason]:
    """One check per sentence the governor can say."""
    for cid in ("withdrawn", "missing", "complained", "unsubscribed", "open", "resolved", "capped"):
        customer(ws, cid)
        if cid != "missing":
            consent(ws, cid, "email", "granted", datetime(2024, 1, 1))
    consent(ws, "withdrawn", "email", "withdrawn", T0 - 2 * DAY)
    sent(ws, "complained", "sms", T0 - 5 * DAY, complained_at=T0 - 4 * DAY)
    sent(ws, "unsubscribed", "email", T0 - 9 * DAY, unsubscribed_at=T0 - 8 * DAY)
    ticket(ws, "open", T0 - DAY)
    ticket(ws, "resolved", T0 - 5 * DAY, T0 - DAY)
    sent(ws, "capped", "email", T0 - 2 * DAY)
    sent(ws, "capped", "email", T0 - DAY)
    gov = Governor(ws, DEFAULT_POLICY)
    found = [
        r
        for cid in ("withdrawn", "missing", "complained", "unsubscribed", "open", "resolved")
        for r in gov.check(cid, "email", T0).reasons
    ]
    found += gov.check("capped", "email", T0).reasons
    found += gov.check("open", "email", T0 + timedelta(hours=10)).reasons  # 22:00 in Rome
    zero = Governor(ws, contact_policy(caps=(Cap("post", 30, 0),)))
    found += zero.check("capped", "post", T0).reasons
    tested = replace(DEFAULT_POLICY, experiments=ExperimentsPolicy(0.3, (SILENCE,)))
    found += Governor(ws, tested).check("capped", "email", T0).reasons
    # Every choice a customer can make, at once (12:00 in Rome is in 11:00-14:00).
    customer(ws, "chose")
    consent(ws, "chose", "email", "granted", datetime(2024, 1, 1))
    sent(ws, "chose", "sms", T0 - DAY)
    preference(
        ws,
        "chose",
        T0 - 3 * DAY,
        stopped=True,
        channels=["sms"],
        paused_until=T0 + DAY,
        max_per_week=1,
        quiet=("11:00", "14:00"),
    )
    found += gov.check("chose", "email", T0).reasons
    return found


def test_every_reason_carries_its_code_and_the_facts_its_words_are_made_of(
    every_reason: list[Reason],
) -> None:
    assert {r.code for r in every_reason} == set(CODES)
    for reason in every_reason:
        assert set(reason.facts) == set(CODES[reason.code]), reason
        assert reason.message == _english(reason), reason
    capped = next(r for r in every_reason if r.code == "cap")
    assert capped.facts == {"channel": "email", "sends": 2, "days": 7, "limit": 2}
    quiet = next(r for r in every_reason if r.code == "quiet_hours")
    assert quiet.facts == {
        "start": "21:00",
        "end": "08:00",
        "zone": "Europe/Rome",
        "local": "22:00",
    }
    tested = next(r for r in every_reason if r.code == "test_cap")
    assert tested.facts == {
        "test": "silence",
        "arm": SILENCE.arm_of("capped").name,
        "channel": "email",
        "sends": 2,
        "days": 7,
        "limit": 0,
    }
    own = next(r for r in every_reason if r.code == "preference_cap")
    assert own.facts == {"channel": "all", "sends": 1, "days": 7, "limit": 1}
    paused = next(r for r in every_reason if r.code == "preference_pause")
    assert paused.facts == {"at": T0 - 3 * DAY, "until": T0 + DAY}


def test_every_reason_is_said_in_every_language_from_its_facts(
    every_reason: list[Reason],
) -> None:
    """No reason falls back to its English words on a page, and each language fills the
    sentence with the facts (a count by the plural rule, the channel by its label)."""
    for code in CODES:
        for lang in LANGUAGES:
            assert catalogue(lang).has(contact_reason_key(code)), (lang, code)
    for lang in LANGUAGES:
        c = catalogue(lang)
        for reason in every_reason:
            said = str(say_contact_reason(c, reason))
            assert 'lang="en"' not in said and "{" not in said, (lang, reason.code, said)
    tested = next(r for r in every_reason if r.code == "test_cap")
    arm = tested.facts["arm"]
    assert str(say_contact_reason(catalogue("it"), tested)) == (
        f"2 invii su E-mail in 7 giorni (limite 0 nel gruppo {arm} del test di contatto silence)"
    )
    own = next(r for r in every_reason if r.code == "preference_cap")
    assert str(say_contact_reason(catalogue("en"), own)) == (
        "1 send on all channels in the last 7 days (the customer&#39;s own limit: 1)"
    )
    assert str(say_contact_reason(catalogue("es"), own)) == (
        "1 envío por todos los canales en 7 días (límite elegido por el cliente: 1)"
    )


def test_the_facts_go_out_as_json_with_instants_in_utc_and_the_api_schema_takes_them(
    every_reason: list[Reason],
) -> None:
    for reason in every_reason:
        body = reason.to_dict()
        assert json.loads(json.dumps(body)) == body
        assert body["code"] == reason.code and body["message"] == reason.message
    withdrawn = next(r for r in every_reason if r.code == "consent_withdrawn").to_dict()
    assert withdrawn["facts"] == {"channel": "email", "at": "2025-04-29T10:00:00+00:00"}
    decision = {
        "allowed": False,
        "reasons": [r.to_dict() for r in every_reason],
        "next_allowed_at": None,
        "at": None,
        "transactional": False,
    }
    parsed = ContactDecision.model_validate(decision)
    assert parsed.model_dump() == decision


def test_a_reason_without_facts_equals_the_same_reason_with_them() -> None:
    """A plan's reasons (rule, words, until) compare equal to a check's: the facts are more
    to say, not another decision."""
    said = Reason("cap", "x", T0, "cap", {"sends": 2})
    assert said == reasons_of({"reasons": [{"rule": "cap", "message": "x", "until": T0}]})[0]
    assert Reason("cap", "x", T0).to_dict() == {
        "rule": "cap",
        "message": "x",
        "until": "2025-05-01T10:00:00+00:00",
        "code": None,
        "facts": {},
    }


# --- English that counts --------------------------------------------------------------------


def test_counted_english_takes_the_singular_for_exactly_one() -> None:
    assert counted(1, "warning") == "1 warning"
    assert counted(2, "warning") == "2 warnings"
    assert counted(0, "row") == "0 rows"
    assert counted(1_200, "row") == "1,200 rows"
    assert counted(1, "batch", "batches") == "1 batch"
    assert counted(3, "batch", "batches") == "3 batches"
    assert noun(1, "was", "were") == "was" and noun(2, "was", "were") == "were"
    assert not is_one(1.0) and not is_one(True) and is_one(-1)


def test_the_message_check_says_1_warning_and_2_warnings() -> None:
    one = check_message(TWO_WARNINGS.replace("🎉🎉🎉", ""), [], max_medium_flags=0)
    two = check_message(TWO_WARNINGS, [])
    (said_one,) = [r for r in one.reasons if r.code == "too_many_warnings"]
    (said_two,) = [r for r in two.reasons if r.code == "too_many_warnings"]
    assert said_one.startswith("Smaller problems add up: 1 warning (false_urgency)")
    assert said_two.startswith("Smaller problems add up: 2 warnings (false_urgency, shouting)")


def test_shouting_counts_a_single_word_or_mark_in_the_singular() -> None:
    result = check_message(
        "Il pane NUOVO\nCiao, il pane di segale si conserva una settimana: grazie!",
        [],
        max_caps_words=0,
        max_exclamations=0,
    )
    (shouting,) = [f for f in result.flags if f.code == "shouting"]
    assert "1 word in capitals" in shouting.message
    assert "1 exclamation mark" in shouting.message
    assert "1 words" not in shouting.message and "1 exclamation marks" not in shouting.message


def test_the_cli_prints_2_warnings(cli, write, tmp_path) -> None:
    result = cli("message", "check", write("d.txt", TWO_WARNINGS), "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 0, result.output
    assert "2 warnings (false_urgency, shouting)" in result.stdout


def test_the_cli_says_1_row_read_from_1_file(cli, write, db) -> None:
    result = cli("ingest", "customers", write("c.csv", "customer_id\nC1\n"), "--db", db)
    assert result.exit_code == 0, result.output
    line = " ".join(result.stdout.split())
    assert "customers: 1 row read from 1 file: 1 inserted" in line, line
    assert "0 duplicates" in line
