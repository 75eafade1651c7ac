"""`legame forget` erases a customer's cases and their history, from the tables and from the
file's bytes (the approach of tests/store/test_forget.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from legame.engage.cases import contact_case, open_cases, update_case
from legame.store import Workspace
from legame.store.erasure import forget
from tests.cases.conftest import load, policy

WHO = "cust-mario-7781"
SECRETS = {
    "id": WHO,
    "email": "mario.rossi@example.com",
    "comment": "the courier zqxv lost my parcel",
    "note": "mario says his dog qwpf ate the voucher",
    "close_note": "refunded the parcel xkcd-8812",
}
AS_OF = datetime(2025, 3, 10)


def test_forget_leaves_nothing_of_a_customers_cases(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace.create(db) as ws:
        load(
            ws,
            tmp_path,
            {
                "customers": f"customer_id,email\n{WHO},{SECRETS['email']}\nluigi-0001,l@x.it\n",
                "survey_responses": "response_id,customer_id,answered_at,nps,comment\n"
                f"S1,{WHO},2025-03-01,2,{SECRETS['comment']}\n"
                "S2,luigi-0001,2025-03-02,3,slow\n",
                "tickets": f"ticket_id,customer_id,opened_at\nT1,{WHO},2025-02-20\n",
            },
        )
        rules = policy(gratitude={"holdout_share": 0.0})
        open_cases(ws, as_of=AS_OF, policy=rules)
        mine = ws.con.execute(
            "SELECT case_id FROM cases WHERE customer_id = ? ORDER BY case_id", [WHO]
        ).fetchall()
        assert len(mine) == 2  # the answer and the ticket
        case_id = mine[0][0]
        update_case(ws, case_id, version=1, actor="anna", note=SECRETS["note"], at=AS_OF)
        day = AS_OF + timedelta(hours=10)
        contact_case(ws, case_id, channel="email", actor="anna", at=day, policy=rules)
        update_case(
            ws,
            case_id,
            version=3,
            actor="anna",
            status="resolved",
            note=SECRETS["close_note"],
            at=day,
        )
        ws.con.execute("FORCE CHECKPOINT")
        before = db.read_bytes()
        assert SECRETS["note"].encode() in before and SECRETS["close_note"].encode() in before

        erasure = forget(ws, WHO)

        assert erasure.rows_removed["cases"] == 2
        assert erasure.rows_removed["case_events"] == 2 + 3
        for table in ("cases", "case_events"):
            left = ws.con.execute(
                f"SELECT count(*) FROM {table} WHERE customer_id = ?", [WHO]
            ).fetchall()
            assert left == [(0,)], table
        assert ws.count("cases") == 1  # luigi's case stays
        text = "\n".join(
            str(v)
            for table in ("cases", "case_events", "messages")
            for row in ws.con.execute(f"SELECT * FROM {table}").fetchall()
            for v in row
        ).lower()
        for what, secret in SECRETS.items():
            assert secret.lower() not in text, what
    data = db.read_bytes().lower()
    wal = db.with_name(db.name + ".wal")
    data += wal.read_bytes().lower() if wal.exists() else b""
    for what, secret in SECRETS.items():
        assert secret.lower().encode() not in data, what
    assert erasure.found_in_file == 0
