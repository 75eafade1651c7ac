"""``legame contact link | links | preferences | rotate-links`` through the Typer app."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

from legame.engage.preferences import Choice, Refused, Verified, save, verify
from legame.errors import NotFoundError
from legame.store import Workspace
from tests.engage.preferences.conftest import NOW, add

AT = NOW.isoformat()


def _seed(db: Path) -> None:
    with Workspace.open(db) as ws:
        for cid in ("mario", "lucia"):
            add(ws, "customers", customer_id=cid)


def _token(url: str) -> str:
    return url.rsplit("/preferences/", 1)[1]


def test_link_prints_a_link_that_verifies_as_the_customer(cli, db: Path) -> None:
    _seed(db)
    result = cli(
        "contact",
        "link",
        "mario",
        "--days",
        7,
        "--base-url",
        "https://shop.example",
        "--at",
        AT,
        "--db",
        db,
    )
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    assert url.startswith("https://shop.example/preferences/")
    assert "works until 2025-03-08T12:00:00+00:00" in result.stderr
    with Workspace.open(db, read_only=True) as ws:
        found = verify(ws, _token(url), NOW + timedelta(days=6))
    assert isinstance(found, Verified) and found.customer_id == "mario"


def test_link_json_and_an_unknown_customer(cli, db: Path) -> None:
    _seed(db)
    result = cli("contact", "link", "lucia", "--at", AT, "--db", db, "--json")
    payload = json.loads(result.stdout)
    assert payload["customer_id"] == "lucia"
    assert payload["expires_at"] == "2025-03-31T12:00:00+00:00"
    assert payload["link"].startswith("http://127.0.0.1:8000/preferences/")
    missing = cli("contact", "link", "nobody", "--db", db)
    assert missing.exit_code == 1 and isinstance(missing.exception, NotFoundError)
    assert "No customer 'nobody'" in str(missing.exception)
    bad = cli("contact", "link", "mario", "--days", 400, "--db", db)
    assert bad.exit_code == 2


def test_links_writes_one_link_per_customer_and_reports_bad_lines(cli, db: Path, write) -> None:
    _seed(db)
    audience = write("audience.csv", 'customer_id\nmario\nnobody\n\nlucia\n"bad\x01id"\n')
    out = audience.parent / "links.csv"
    result = cli("contact", "links", audience, "--out", out, "--days", 10, "--at", AT, "--db", db)
    assert result.exit_code == 0, result.output
    assert "line 3: no customer 'nobody'" in result.stderr
    assert "line 6: customer_id 'bad\\x01id' holds a control" in result.stderr
    assert "Wrote 2 links" in result.stdout and "2 lines left out" in result.stdout
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["customer_id"] for r in rows] == ["mario", "lucia"]
    with Workspace.open(db, read_only=True) as ws:
        for row in rows:
            found = verify(ws, _token(row["link"]), NOW + timedelta(days=9))
            assert isinstance(found, Verified) and found.customer_id == row["customer_id"]


def test_rotate_links_makes_the_older_links_refused(cli, db: Path) -> None:
    _seed(db)
    url = json.loads(cli("contact", "link", "mario", "--at", AT, "--db", db, "--json").stdout)
    result = cli("contact", "rotate-links", "--db", db)
    assert result.exit_code == 0 and "links made before no longer open" in result.stdout
    with Workspace.open(db, read_only=True) as ws:
        found = verify(ws, _token(url["link"]), NOW)
    assert isinstance(found, Refused) and found.cause == "rotated_key"


def test_preferences_prints_the_current_choice(cli, db: Path) -> None:
    _seed(db)
    empty = cli("contact", "preferences", "mario", "--db", db)
    assert empty.exit_code == 0 and "No choice saved yet." in empty.stdout
    with Workspace.open(db) as ws:
        choice = Choice(
            channels=("email",),
            max_per_week=1,
            quiet_start="21:00",
            quiet_end="08:00",
            paused_until=NOW + timedelta(days=3),
        )
        save(ws, "mario", choice, NOW, "api")
    text = cli("contact", "preferences", "mario", "--db", db)
    assert text.exit_code == 0, text.output
    for shown in ("email", "21:00-08:00", "2025-03-04T12:00:00+00:00", "sms, push, phone, post"):
        assert shown in text.stdout
    payload = json.loads(cli("contact", "preferences", "mario", "--db", db, "--json").stdout)
    assert payload["channels"] == ["email"] and payload["max_per_week"] == 1
    assert payload["at"] == "2025-03-01T12:00:00+00:00" and payload["source"] == "api"
    assert payload["consents"]["sms"] == "withdrawn"
    assert isinstance(cli("contact", "preferences", "nobody", "--db", db).exception, NotFoundError)
