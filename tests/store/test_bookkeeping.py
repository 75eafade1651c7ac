"""What the workspace records about its contents, read from Python as ``legame status``,
``rejects`` and ``batches`` print it."""

from __future__ import annotations

from legame.ingest import ingest
from legame.store import Workspace, bookkeeping

ORDERS = "order_id,customer_id,ordered_at,amount\n"


def test_status_counts_rows_implicit_customers_batches_and_rejects(ws: Workspace, write) -> None:
    ingest(ws, "orders", [write("o.csv", ORDERS + "O1,c1,2025-01-01,10\nO2,c2,someday,5\n")])
    status = bookkeeping.status(ws)
    assert status["db"] == str(ws.path) and status["schema_version"] == ws.version
    assert status["tables"]["orders"] == 1 and status["tables"]["customers"] == 1
    assert (status["implicit_customers"], status["batches"], status["rejects"]) == (1, 1, 1)


def test_rejects_lists_a_batch_s_fields_in_order_up_to_the_limit(ws: Workspace, write) -> None:
    bad = ORDERS + "".join(f"O{i},c{i},someday,{i}\n" for i in range(1, 4))
    first = ingest(ws, "orders", [write("a.csv", bad)]).batch_ids[0]
    ingest(ws, "orders", [write("b.csv", ORDERS + "P1,c9,2025-01-01,x\n")])
    every = bookkeeping.rejects(ws)
    assert every["total"] == 4 and len(every["rejects"]) == 4
    one = bookkeeping.rejects(ws, batch=first, limit=2)
    assert one["total"] == 3
    assert [
        (r["batch_id"], r["table"], r["line"], r["field"], r["value"]) for r in one["rejects"]
    ] == [
        (first, "orders", 2, "ordered_at", "someday"),
        (first, "orders", 3, "ordered_at", "someday"),
    ]
    assert list(one["rejects"][0]) == [
        "batch_id",
        "table",
        "file",
        "line",
        "field",
        "value",
        "reason",
    ]
    assert one["rejects"][0]["file"].endswith("a.csv") and one["rejects"][0]["reason"]
    assert bookkeeping.rejects(ws, batch=first + 100) == {"total": 0, "rejects": []}


def test_batches_are_listed_in_order_with_their_counts(ws: Workspace, write) -> None:
    assert bookkeeping.batches(ws) == []
    ingest(ws, "orders", [write("o.csv", ORDERS + "O1,c1,2025-01-01,10\n")])
    ingest(ws, "orders", [write("o.csv", ORDERS + "O1,c1,2025-01-01,10\n")])
    rows = bookkeeping.batches(ws)
    assert [tuple(r) for r in rows] == [bookkeeping.BATCH_COLUMNS] * 2
    assert [(r["inserted"], r["duplicates"]) for r in rows] == [(1, 0), (0, 1)]
    assert rows[0]["batch_id"] < rows[1]["batch_id"]


def test_has_table_and_the_batch_sequence(ws: Workspace) -> None:
    assert bookkeeping.has_table(ws, "orders") and not bookkeeping.has_table(ws, "customer_scores")
    first = bookkeeping.next_batch_id(ws.con)
    assert bookkeeping.next_batch_id(ws.con) == first + 1
