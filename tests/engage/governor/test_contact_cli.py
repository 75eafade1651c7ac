"""``legame contact check | plan | record`` through the Typer app."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

from legame.errors import InputError
from legame.store import Workspace
from tests.engage.governor.log import consent, customer, sent

AT = "2025-05-01T10:00:00"


def _seed(db: Path) -> None:
    with Workspace.open(db) as ws:
        for cid in ("ok", "capped", "gone"):
            customer(ws, cid)
            consent(ws, cid, "email", "granted", datetime(2024, 1, 1))
        consent(ws, "gone", "email", "withdrawn", datetime(2025, 4, 1))
        for day in (28, 29):
            sent(ws, "capped", "email", datetime(2025, 4, day, 9, 0))


def test_check_json_has_the_decision_shape(contact_app, db: Path) -> None:
    _seed(db)
    result = contact_app("contact", "check", "capped", "email", "--at", AT, "--db", db, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["allowed"] is False
    assert payload["reasons"] == [
        {
            "rule": "cap",
            "message": "2 sends on email in the last 7 days (limit 2)",
            "until": "2025-05-05T09:00:00+00:00",
            "code": "cap",
            "facts": {"channel": "email", "sends": 2, "days": 7, "limit": 2},
        }
    ]
    assert payload["next_allowed_at"] == "2025-05-05T09:00:00+00:00"
    ok = json.loads(
        contact_app("contact", "check", "ok", "email", "--at", AT, "--db", db, "--json").stdout
    )
    assert (ok["allowed"], ok["reasons"], ok["next_allowed_at"]) == (
        True,
        [],
        "2025-05-01T10:00:00+00:00",
    )


def test_check_reads_an_offset_and_a_transactional_flag(contact_app, db: Path) -> None:
    _seed(db)
    gone = json.loads(
        contact_app(
            "contact",
            "check",
            "gone",
            "email",
            "--at",
            "2025-05-01T12:00:00+02:00",
            "--transactional",
            "--db",
            db,
            "--json",
        ).stdout
    )
    assert gone["at"] == "2025-05-01T10:00:00+00:00"
    assert [r["rule"] for r in gone["reasons"]] == ["consent"]
    assert gone["next_allowed_at"] is None
    text = contact_app(
        "contact", "check", "capped", "email", "--at", AT, "--transactional", "--db", db
    )
    assert text.stdout.startswith("allowed: transactional email to capped")


def test_check_text_lists_the_reasons_and_when(contact_app, db: Path) -> None:
    _seed(db)
    text = contact_app("contact", "check", "capped", "email", "--at", AT, "--db", db).stdout
    assert "blocked: marketing email to capped" in text
    assert "cap: 2 sends on email in the last 7 days (limit 2)" in text
    assert "next allowed at: 2025-05-05T09:00:00+00:00" in text
    gone = contact_app("contact", "check", "gone", "email", "--at", AT, "--db", db).stdout
    assert "consent: email consent was withdrawn on 2025-04-01 00:00 UTC" in gone
    assert "next allowed at: none; nothing in the log lifts consent" in gone


def test_a_bad_timestamp_or_channel_is_an_input_error(contact_app, db: Path) -> None:
    bad_at = contact_app("contact", "check", "ok", "email", "--at", "yesterday", "--db", db)
    assert bad_at.exit_code == 1 and isinstance(bad_at.exception, InputError)
    assert "--at must be an ISO timestamp" in str(bad_at.exception)
    bad_channel = contact_app("contact", "check", "ok", "fax", "--db", db)
    assert "Unknown channel 'fax'" in str(bad_channel.exception)


def test_record_then_check_sees_the_send(contact_app, db: Path) -> None:
    _seed(db)
    done = contact_app(
        "contact",
        "record",
        "ok",
        "email",
        "--at",
        "2025-04-30T09:00:00",
        "--campaign",
        "news",
        "--message-id",
        "esp-9",
        "--db",
        db,
        "--json",
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["message_id"] == "esp-9"
    contact_app("contact", "record", "ok", "email", "--at", "2025-04-30T10:00:00", "--db", db)
    after = json.loads(
        contact_app("contact", "check", "ok", "email", "--at", AT, "--db", db, "--json").stdout
    )
    assert [r["rule"] for r in after["reasons"]] == ["cap"]
    again = contact_app(
        "contact",
        "record",
        "ok",
        "email",
        "--at",
        "2025-04-30T09:00:00",
        "--campaign",
        "news",
        "--message-id",
        "esp-9",
        "--db",
        db,
    )
    assert "Already recorded message esp-9" in again.stdout


def test_plan_writes_allowed_and_suppressed_files_with_reasons(
    contact_app, db: Path, write, tmp_path: Path
) -> None:
    _seed(db)
    audience = write(
        "audience.csv", "\ufeffCustomer ID;name\nok;Ada\ncapped;Bea\ngone;Cy\nok;Ada\nok;Ada\n"
    )
    out = tmp_path / "out"
    result = contact_app(
        "contact",
        "plan",
        audience,
        "--channel",
        "email",
        "--at",
        AT,
        "--out",
        out,
        "--db",
        db,
        "--json",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["audience"], payload["allowed"], payload["suppressed"]) == (5, 2, 3)
    assert payload["by_rule"] == {"consent": 1, "cap": 2}
    with (out / "allowed.csv").open(encoding="utf-8") as fh:
        assert list(csv.reader(fh, delimiter=";")) == [
            ["Customer ID", "name"],
            ["ok", "Ada"],
            ["ok", "Ada"],
        ]
    with (out / "suppressed.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["Customer ID"], r["rule"]) for r in rows] == [
        ("capped", "cap"),
        ("gone", "consent"),
        ("ok", "cap"),
    ]
    assert rows[0]["reason"] == "2 sends on email in the last 7 days (limit 2)"
    assert rows[0]["until"] == "2025-05-05T09:00:00+00:00"
    assert rows[1]["until"] == "" and rows[1]["rules"] == "consent"
    text = contact_app(
        "contact", "plan", audience, "--channel", "email", "--at", AT, "--out", out, "--db", db
    )
    assert "by cap" in text.stdout and "suppressed" in text.stdout


def test_plan_without_a_customer_id_column_names_the_file(
    contact_app, db: Path, write, tmp_path: Path
) -> None:
    audience = write("people.csv", "id,name\n1,Ada\n")
    result = contact_app(
        "contact", "plan", audience, "--channel", "email", "--out", tmp_path, "--db", db
    )
    assert result.exit_code == 1
    assert str(result.exception).startswith(f"{audience}: no customer_id column")
    blank = write("blank.csv", "customer_id\nc1\n  \n")
    result = contact_app(
        "contact", "plan", blank, "--channel", "email", "--out", tmp_path, "--db", db
    )
    assert str(result.exception) == (
        f"{blank}: line 3: the customer_id is empty; every row needs one."
    )


def test_the_policy_beside_the_workspace_is_used_and_policy_overrides_it(
    contact_app, db: Path, write
) -> None:
    _seed(db)
    (db.parent / "legame.toml").write_text(
        "[contact]\nrequire_consent = false\n[contact.caps]\nemail.per_30_days = 0\n"
    )
    beside = json.loads(
        contact_app("contact", "check", "ok", "email", "--at", AT, "--db", db, "--json").stdout
    )
    assert beside["reasons"][0]["message"] == (
        "the policy allows no sends on email (per_30_days = 0)"
    )
    other = write("other.toml", "[contact.quiet_hours]\nenabled = false\n")
    chosen = json.loads(
        contact_app(
            "contact", "check", "ok", "email", "--at", AT, "--policy", other, "--db", db, "--json"
        ).stdout
    )
    assert chosen["allowed"] is True
    (db.parent / "legame.toml").write_text("[contact.caps]\nemail.per_7_days = 'two'\n")
    broken = contact_app("contact", "check", "ok", "email", "--db", db)
    assert str(broken.exception) == (
        f"{db.parent / 'legame.toml'}: [contact.caps] "
        "email.per_7_days must be a whole number ≥ 0; got 'two'"
    )
