"""Erasure: `legame forget` removes a customer everywhere and audits without personal data."""

from __future__ import annotations

import json

from legame.ingest import ingest
from legame.store import Workspace
from legame.store.erasure import forget
from legame.store.schema import TABLES


def load_everything_about(ws: Workspace, write, who: str, other: str) -> None:
    files = {
        "customers": f"customer_id,email\n{who},{who}@example.com\n{other},x@example.com\n",
        "orders": f"order_id,customer_id,ordered_at,amount\nO1,{who},2025-01-01,5\n"
        f"O2,{other},2025-01-01,5\nO3,{who},2025-01-02,bad\n",
        "tickets": f"ticket_id,customer_id,opened_at\nT1,{who},2025-01-01\n",
        "survey_responses": f"response_id,customer_id,answered_at,nps,comment\n"
        f"S1,{who},2025-01-01,9,call me at 555\n",
        "messages": f"message_id,customer_id,channel,sent_at\nM1,{who},email,2025-01-01\n",
        "consents": f"customer_id,channel,status,at\n{who},email,granted,2025-01-01\n",
        "charges": f"charge_id,customer_id,amount,charged_at\nF1,{who},5,2025-01-01\n",
        "gestures": f"gesture_id,customer_id,kind\nG1,{who},thank_you_note\n",
        "referrals": f"referral_id,referrer_id,referred_customer_id,referred_at\n"
        f"R1,{who},{other},2025-01-01\nR2,{other},{who},2025-01-02\n",
    }
    for table, text in files.items():
        ingest(ws, table, [write(f"{table}.csv", text)])
    # an update, so row_changes holds the customer too
    ingest(
        ws,
        "orders",
        [write("orders2.csv", f"order_id,customer_id,ordered_at,amount\nO1,{who},2025-01-01,6\n")],
    )


def test_forget_removes_the_customer_from_every_table_and_keeps_others(ws, write) -> None:
    load_everything_about(ws, write, "mario", "luigi")
    removed = forget(ws, "mario")
    for table in TABLES.values():
        for column in table.customer_columns:
            count = ws.con.execute(f"SELECT count(*) FROM {table.name} WHERE {column} = 'mario'")
            assert count.fetchall() == [(0,)], (table.name, column)
    assert ws.con.execute(
        "SELECT referral_id, referrer_id, referred_customer_id FROM referrals"
    ).fetchall() == [("R2", "luigi", None)]
    assert ws.con.execute(
        "SELECT count(*) FROM rejects WHERE list_contains(customer_ids, 'mario')"
    ).fetchall() == [(0,)]
    assert ws.con.execute("SELECT count(*) FROM row_changes").fetchall() == [(0,)]
    assert removed["orders"] == 1 and removed["rejects"] == 1 and removed["row_changes"] == 1
    assert ws.con.execute("SELECT count(*) FROM orders WHERE customer_id = 'luigi'").fetchall() == [
        (1,)
    ]


def test_forget_writes_an_audit_entry_without_personal_data(ws, write) -> None:
    load_everything_about(ws, write, "mario.rossi", "luigi")
    forget(ws, "mario.rossi")
    rows = ws.con.execute("SELECT action, detail FROM audit_log").fetchall()
    assert len(rows) == 1 and rows[0][0] == "forget"
    detail = rows[0][1]
    assert "mario" not in detail and "example.com" not in detail
    assert json.loads(detail)["rows_removed"]["customers"] == 1


def test_forget_unknown_customer_changes_nothing(cli, db) -> None:
    result = cli("forget", "nobody", "--db", db)
    assert result.exit_code == 1
    assert "No customer 'nobody'" in str(result.exception)
    with Workspace.open(db) as ws:
        assert ws.count("audit_log") == 0


def test_forget_command_reports_rows_removed(cli, db, write) -> None:
    with Workspace.open(db) as ws:
        load_everything_about(ws, write, "mario", "luigi")
    result = cli("forget", "mario", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows_removed"]["survey_responses"] == 1
