"""`legame cases ...` as a user types it, and the cases `legame ingest` opens."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from legame.engage.cases import open_cases
from legame.engage.governor.clock import utc_now
from legame.errors import InputError
from legame.store import Workspace
from tests.cases.conftest import AS_OF, by_source

DAY = "2025-03-10T10:00"  # 11:00 in Rome
NIGHT = "2025-03-10T22:00"  # 23:00 in Rome


@pytest.fixture
def db(db_with_store: Path) -> Path:
    """The small store with its cases opened (default policy, no holdout)."""
    (db_with_store.parent / "legame.toml").write_text("[gratitude]\nholdout_share = 0.0\n")
    with Workspace.open(db_with_store) as ws:
        open_cases(ws, as_of=AS_OF)
    return db_with_store


def case_id(db: Path, source: str) -> int:
    with Workspace.open(db, read_only=True) as ws:
        return int(by_source(ws)[source]["case_id"])


def test_list_json_is_one_page_of_the_queue(cli, db: Path) -> None:
    result = cli("cases", "list", "--db", db, "--json", "--kind", "detractor")
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["total"] == 3 and page["scores"] == "at_open"
    assert [c["source_key"] for c in page["cases"]] == ["survey:R1", "survey:R3", "survey:R5"]


def test_list_text_shows_cases_and_says_the_holdout_is_hidden(cli, db: Path) -> None:
    result = cli("cases", "list", "--db", db, "--sort", "clv")
    assert result.exit_code == 0, result.output
    assert "6 cases (page 1 of 1)" in result.stdout
    assert "overdue" in result.stdout  # the store's cases were due in March 2025
    assert "randomized holdout are not listed" in result.stdout


def test_assign_note_close_and_show(cli, db: Path) -> None:
    number = case_id(db, "survey:R1")
    assigned = cli("cases", "assign", number, "--to", "anna", "--by", "lead", "--db", db)
    assert assigned.exit_code == 0, assigned.output
    assert f"Case {number} is at version 2." in assigned.stdout
    noted = cli("cases", "note", number, "tried twice", "--by", "anna", "--db", db)
    assert noted.exit_code == 0, noted.output
    contacted = cli("cases", "contact", number, "--channel", "phone", "--at", DAY, "--db", db)
    assert contacted.exit_code == 0, contacted.output
    assert f"logged as message case-{number}-1" in contacted.stdout
    closed = cli("cases", "close", number, "--outcome", "resolved", "--note", "sorted", "--db", db)
    assert closed.exit_code == 0, closed.output
    shown = cli("cases", "show", number, "--db", db)
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert f"Case {number} (detractor), version 5: resolved, owner anna" in text
    assert 'comment: "courier lost my parcel"' in text
    assert "lead: owner nobody → anna" in text and "anna: note: tried twice" in text
    assert "contacted → resolved: sorted" in text
    payload = json.loads(cli("cases", "show", number, "--db", db, "--json").stdout)
    assert [e["action"] for e in payload["history"]] == [
        "opened",
        "assigned",
        "note",
        "contacted",
        "closed",
    ]


def test_an_illegal_close_is_one_clear_error(cli, db: Path) -> None:
    result = cli("cases", "close", case_id(db, "ticket:T2"), "--outcome", "no-answer", "--db", db)
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert "no-answer means a contact was tried" in str(result.exception)


def test_a_stale_version_is_a_conflict_with_exit_code_1(cli, db: Path) -> None:
    number = case_id(db, "ticket:T1")
    assert cli("cases", "assign", number, "--to", "anna", "--db", db).exit_code == 0
    result = cli("cases", "assign", number, "--to", "bob", "--version", "1", "--db", db)
    assert result.exit_code == 1
    assert "conflict" in result.stderr and "it is at version 2 now" in result.stderr


def test_a_blocked_call_back_prints_the_governors_reasons_and_changes_nothing(
    cli, db: Path
) -> None:
    number = case_id(db, "survey:R1")
    result = cli("cases", "contact", number, "--channel", "phone", "--at", NIGHT, "--db", db)
    assert result.exit_code == 1
    assert f"blocked: case {number}, phone" in result.stderr
    assert "quiet_hours: quiet hours 21:00–08:00 in Europe/Rome (local time 23:00)" in (
        result.stderr
    )
    assert "next allowed at: 2025-03-11 07:00 UTC" in result.stderr
    assert "Nothing was logged" in result.stderr
    withdrawn = cli(
        "cases", "contact", case_id(db, "survey:R5"), "--channel", "phone", "--at", DAY,
        "--db", db, "--json",
    )  # fmt: skip
    assert withdrawn.exit_code == 1
    payload = json.loads(withdrawn.stdout)
    assert payload["outcome"] == "blocked"
    assert payload["decision"]["reasons"][0]["rule"] == "consent"
    with Workspace.open(db, read_only=True) as ws:
        assert ws.count("messages") == 0


def test_a_holdout_case_cannot_be_called(cli, db_with_store: Path) -> None:
    (db_with_store.parent / "legame.toml").write_text("[gratitude]\nholdout_share = 0.99\n")
    assert cli("cases", "sync", "--as-of", AS_OF.isoformat(), "--db", db_with_store).exit_code == 0
    number = case_id(db_with_store, "survey:R1")
    result = cli(
        "cases", "contact", number, "--channel", "phone", "--at", DAY, "--db", db_with_store
    )
    assert result.exit_code == 1
    assert "randomized holdout" in str(result.exception)
    listed = json.loads(cli("cases", "list", "--db", db_with_store, "--json").stdout)
    assert all(c["arm"] != "holdout" for c in listed["cases"])


def test_sync_opens_once_and_says_how_many(cli, db_with_store: Path) -> None:
    first = cli("cases", "sync", "--as-of", AS_OF.isoformat(), "--db", db_with_store)
    assert first.exit_code == 0, first.output
    assert "Cases: 6 opened (3 detractor, 3 poor service)" in first.stdout
    again = cli("cases", "sync", "--as-of", AS_OF.isoformat(), "--db", db_with_store, "--json")
    assert json.loads(again.stdout)["opened"] == 0


def test_stats_json_and_text(cli, db: Path) -> None:
    payload = json.loads(cli("cases", "stats", "--db", db, "--json").stdout)
    assert payload["counts"]["total"] == 6
    assert payload["callback_effect"]["repurchase_diff"]["note"].startswith("insufficient data")
    text = cli("cases", "stats", "--db", db).stdout
    assert "Cases: 6 (6 open, 6 overdue)" in text
    assert "repurchase: insufficient data" in text


def test_ingest_of_answers_opens_their_cases_and_says_so(cli, tmp_path: Path) -> None:
    db = tmp_path / "fresh.duckdb"
    Workspace.create(db).close()
    recent = (utc_now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "response_id,customer_id,answered_at,nps,comment\n"
        f"A1,K1,{recent},2,rude staff\nA2,K2,{recent},10,\n"
    )
    result = cli("ingest", "survey_responses", answers, "--db", db)
    assert result.exit_code == 0, result.output
    assert "Cases: 1 opened (1 detractor, 0 poor service)" in result.stdout
    again = cli("ingest", "survey_responses", answers, "--db", db, "--json")
    assert json.loads(again.stdout)["cases_opened"] == 0
    orders = tmp_path / "orders.csv"
    orders.write_text(f"order_id,customer_id,ordered_at,amount\nO1,K1,{recent},10\n")
    loaded = cli("ingest", "orders", orders, "--db", db, "--json")
    assert "cases_opened" not in json.loads(loaded.stdout)


def test_cases_that_cannot_be_opened_do_not_undo_the_ingest(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import legame.engage.cases

    def fail(*args: object, **kwargs: object) -> None:
        raise InputError("legame.toml: [cases] something is wrong.")

    monkeypatch.setattr(legame.engage.cases, "open_cases", fail)
    db = tmp_path / "fresh.duckdb"
    Workspace.create(db).close()
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("ticket_id,customer_id,opened_at\nT1,K1,2025-01-01\n")
    result = cli("ingest", "tickets", tickets, "--db", db)
    assert result.exit_code == 0, result.output
    assert "no cases were opened: legame.toml: [cases] something is wrong." in result.stderr
    assert "legame cases sync" in result.stderr
    with Workspace.open(db, read_only=True) as ws:
        assert ws.count("tickets") == 1


def test_score_opens_the_cases_due_with_the_new_clv(cli, tmp_path: Path) -> None:
    from legame.ingest import ingest

    now = utc_now()
    lines = ["order_id,customer_id,ordered_at,amount"]
    for c in range(30):
        for j in range(1 + c % 4):
            day = now - timedelta(days=20 + 37 * j + c)
            lines.append(f"O{c}-{j},K{c},{day:%Y-%m-%d},{20 + c}")
    (tmp_path / "orders.csv").write_text("\n".join(lines) + "\n")
    recent = (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    (tmp_path / "answers.csv").write_text(
        f"response_id,customer_id,answered_at,nps\nA1,K3,{recent},4\n"
    )
    db = tmp_path / "scored.duckdb"
    with Workspace.create(db) as ws:
        ingest(ws, "orders", [tmp_path / "orders.csv"])
        ingest(ws, "survey_responses", [tmp_path / "answers.csv"])
    result = cli("score", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cases_opened"] == 1
    with Workspace.open(db, read_only=True) as ws:
        case = by_source(ws)["survey:A1"]
    assert case["clv_at_open"] is not None and case["churn_risk_at_open"] is not None
