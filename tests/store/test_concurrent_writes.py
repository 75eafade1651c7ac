"""Concurrent writers end with exactly what a serial order of them gives (issue 16).

Eight overlapping order files (each shares half its orders with the next, with other
amounts, and names customers the others name too) are posted at once to a real
`legame serve`. Replayed one after another in the order the server committed them (its
batch ids) into a fresh workspace, they must give the same rows, the same row changes and
the same per-file counts as the server answered.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from legame.ingest import ingest
from legame.store import Workspace
from legame.store.keys import create_key
from tests.conftest import start_serve, stop_serve

FILES = 8
COUNTS = ("read", "inserted", "updated", "duplicates", "rejected", "implicit_customers")


def overlapping_files(folder: Path) -> list[Path]:
    paths = []
    for k in range(FILES):
        lines = ["order_id,customer_id,ordered_at,amount"]
        for i in range(k * 60, k * 60 + 120):  # half shared with the next file
            amount = 10 + i % 7 + (k if i % 2 else 0)  # odd orders change between files
            lines.append(f"O{i:05d},C{i % 90:03d},2025-0{1 + i % 9}-1{i % 10},{amount}")
        path = folder / f"orders_{k}.csv"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with Workspace.open(db, read_only=True) as ws:
        con = ws.con
        return {
            "orders": con.execute(
                "SELECT order_id, customer_id, ordered_at, amount, _batch_id, _source_line "
                "FROM orders ORDER BY order_id"
            ).fetchall(),
            "customers": con.execute(
                "SELECT customer_id, implicit, _batch_id FROM customers ORDER BY customer_id"
            ).fetchall(),
            "row_changes": con.execute(
                "SELECT batch_id, table_name, row_key, customer_ids, before, after "
                "FROM row_changes ORDER BY batch_id, row_key"
            ).fetchall(),
            "batches": con.execute(
                "SELECT batch_id, rows_read, inserted, updated, duplicates, rejected, "
                "implicit_customers FROM batches ORDER BY batch_id"
            ).fetchall(),
            "keys": con.execute(
                "SELECT count(*) - count(DISTINCT order_id) FROM orders"
            ).fetchall(),
        }


@pytest.mark.slow
def test_parallel_ingests_end_as_a_serial_order_would(tmp_path: Path) -> None:
    db = tmp_path / "served.duckdb"
    Workspace.create(db).close()
    with Workspace.open(db) as ws:
        key = create_key(ws, "admin")[0]
    files = overlapping_files(tmp_path)
    answers: dict[int, dict[str, object]] = {}
    start = threading.Barrier(FILES)

    def post(k: int) -> None:
        start.wait()
        with files[k].open("rb") as fh:
            answers[k] = httpx.post(
                f"{url}/api/v1/ingest/orders",
                headers={"Authorization": f"Bearer {key}"},
                files={"file": (files[k].name, fh, "text/csv")},
                timeout=300,
            ).json()

    proc, url = start_serve(db)
    try:
        threads = [threading.Thread(target=post, args=(k,)) for k in range(FILES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop_serve(proc)
    assert sorted(answers) == list(range(FILES))
    served = snapshot(db)
    assert served["keys"] == [(0,)]  # no order stored twice

    # The same files, one at a time, in the order the server committed them.
    order = sorted(range(FILES), key=lambda k: answers[k]["batch_id"])  # type: ignore[arg-type]
    serial_db = tmp_path / "serial.duckdb"
    Workspace.create(serial_db).close()
    serial_answers = {}
    with Workspace.open(serial_db) as ws:
        create_key(ws, "admin")
        for k in order:
            serial_answers[k] = ingest(ws, "orders", [files[k]]).to_dict()
    serial = snapshot(serial_db)
    assert served == serial
    for k in range(FILES):
        assert {c: answers[k][c] for c in COUNTS} == {c: serial_answers[k][c] for c in COUNTS}
    assert sum(int(answers[k]["updated"]) for k in range(FILES)) > 0  # the files do overlap
