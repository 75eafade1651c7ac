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
    removed = forget(ws, "mario").rows_removed
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


# --- every trace: other tables' text, import bookkeeping, the file's bytes -------------

SECRETS = {
    "id": "cust-mario-7781",
    "email": "Mario.Rossi@Example.com",
    "new_email": "m.rossi.new@example.org",
    "phone": "+39 333 1234567",
    "name": "Mario Rossi",
    "comment": "the courier lost my parcel zqxv",
}


def plant_every_trace(ws: Workspace, write) -> None:
    """Every place issue 16 found the customer after `forget`, planted at once."""
    who, s = SECRETS["id"], SECRETS
    ingest(
        ws,
        "customers",
        [
            write(
                "c1.csv",
                "customer_id,email,phone,first_name,last_name\n"
                f"{who},{s['email']},{s['phone']},Mario,Rossi\n"
                "luigi-0001,luigi@example.net,+39 02 555,Luigi,Verdi\n",
            )
        ],
    )
    # the e-mail changes: row_changes holds the old and the new one
    ingest(
        ws,
        "customers",
        [
            write(
                "c2.csv",
                f"customer_id,email,phone,first_name,last_name\n"
                f"{who},{s['new_email']},{s['phone']},Mario,Rossi\n",
            )
        ],
    )
    # a rejected customers row with e-mail and phone (bad time zone)
    ingest(
        ws,
        "customers",
        [
            write(
                "c3.csv",
                f"customer_id,email,phone,time_zone\n{who},{s['email']},{s['phone']},Mars/Base\n",
            )
        ],
    )
    # an order line that cannot be split into the header's fields, holding the id
    ingest(
        ws,
        "orders",
        [
            write(
                "o1.csv",
                "order_id,customer_id,ordered_at,amount,note\n"
                f"O1,{who},2025-01-01,5,\n"
                f"O2,luigi-0001,2025-01-02,7,gift from {s['email']} for {s['name']}\n"
                f"O3,{who},2025-01-03,5,x,y,z\n",
            )
        ],
    )
    ingest(
        ws,
        "survey_responses",
        [
            write(
                "s1.csv",
                "response_id,customer_id,answered_at,nps,comment\n"
                f"S1,{who},2025-01-05,3,{s['comment']}\n"
                f"S2,luigi-0001,2025-01-06,9,my friend {s['name'].upper()} sent me here\n",
            )
        ],
    )


def all_text(ws: Workspace) -> str:
    """Every text and JSON value of every table, as one string."""
    parts = []
    tables = ws.con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main' AND data_type IN ('VARCHAR', 'JSON', 'VARCHAR[]')"
    ).fetchall()
    for table, column in tables:
        rows = ws.con.execute(f'SELECT "{column}"::VARCHAR FROM "{table}"').fetchall()
        parts += [r[0] for r in rows if r[0] is not None]
    return "\n".join(parts)


def file_bytes(path) -> bytes:
    data = path.read_bytes()
    wal = path.with_name(path.name + ".wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_forget_leaves_no_trace_in_any_table_or_in_the_file(ws, write) -> None:
    plant_every_trace(ws, write)
    ws.con.execute("FORCE CHECKPOINT")
    before = file_bytes(ws.path)
    # The planted strings are really in the file before (else the check below proves nothing).
    assert SECRETS["comment"].encode() in before and SECRETS["id"].encode() in before
    erasure = forget(ws, SECRETS["id"])
    text = all_text(ws).lower()
    for what, secret in SECRETS.items():
        assert secret.lower() not in text, what
    ws.close()
    data = file_bytes(ws.path).lower()
    for what, secret in SECRETS.items():
        assert secret.lower().encode() not in data, what
    assert erasure.found_in_file == 0 and erasure.identifiers_checked >= 5


def test_forget_keeps_the_rest_and_marks_mentions(ws, write) -> None:
    plant_every_trace(ws, write)
    erasure = forget(ws, SECRETS["id"])
    assert erasure.rows_removed["rejects"] == 2  # the customers record and the broken line
    assert erasure.rows_removed["row_changes"] == 1
    note = ws.con.execute("SELECT _extra->>'note' FROM orders WHERE order_id = 'O2'").fetchall()
    assert note == [("gift from [erased] for [erased]",)]
    comment = ws.con.execute("SELECT comment FROM survey_responses").fetchall()
    assert comment == [("my friend [erased] sent me here",)]
    assert erasure.values_replaced == {"orders": 1, "survey_responses": 1}
    assert ws.con.execute("SELECT email FROM customers").fetchall() == [("luigi@example.net",)]


def test_forget_audit_proves_the_erasure_without_personal_data(ws, write) -> None:
    plant_every_trace(ws, write)
    erasure = forget(ws, SECRETS["id"])
    rows = ws.con.execute('SELECT action, detail FROM audit_log ORDER BY "at", action').fetchall()
    assert [r[0] for r in rows] == ["forget", "forget_verified"]
    for _, detail in rows:
        for secret in SECRETS.values():
            assert secret.lower() not in detail.lower()
    verified = json.loads(rows[1][1])
    assert verified["erasure"] == json.loads(rows[0][1])["erasure"] == erasure.erasure_id
    assert verified["found_in_file"] == 0 and verified["file_bytes"] == ws.path.stat().st_size


def test_an_interrupted_rewrite_is_finished_on_the_next_open(db) -> None:
    """A process killed after the deletion committed and before the file was rewritten:
    the next open for writing rewrites it and records that it did."""
    with Workspace.open(db) as ws:
        ws.con.execute("CREATE TABLE scratch AS SELECT 'left-behind-9371' AS t")
        ws.con.execute("FORCE CHECKPOINT")
        ws.con.execute("DELETE FROM scratch")
        ws.con.execute(
            "INSERT INTO audit_log VALUES (now()::TIMESTAMP, 'forget', '{\"erasure\": \"e1\"}')"
        )
        ws.con.execute("FORCE CHECKPOINT")
    assert b"left-behind-9371" in db.read_bytes()
    with Workspace.open(db, read_only=True) as ws:  # a reader does not rewrite
        assert ws.con.execute("SELECT count(*) FROM audit_log").fetchall() == [(1,)]
    with Workspace.open(db) as ws:
        detail = ws.con.execute(
            "SELECT detail FROM audit_log WHERE action = 'forget_verified'"
        ).fetchall()
    assert json.loads(detail[0][0])["erasure"] == "e1"
    assert b"left-behind-9371" not in db.read_bytes()
