"""The first load of a history takes the fast way (issue 22, item 1) and keeps every
guarantee: the same report, rejects and rows as the general way, and a file read on
DuckDB's threads still fails as the file's error, leaving the store as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from legame.ingest import ReadOptions, ingest
from legame.store import Workspace

ORDERS = "order_id,customer_id,ordered_at,amount\n"
# O2 twice, identical (one row, a duplicate); O3 twice with other amounts (both rejected);
# a bad amount on line 8.
REPEATED = ORDERS + (
    "O1,c1,2025-03-01,10\n"
    "O2,c1,2025-03-02,11\n"
    "O2,c1,2025-03-02,11\n"
    "O3,c2,2025-03-03,12\n"
    "O3,c2,2025-03-03,13\n"
    "O4,c3,2025-03-04,14\n"
    "O5,c3,2025-03-05,abc\n"
)
STATE = (
    "SELECT order_id, customer_id, ordered_at, amount, _source_line FROM orders "
    "WHERE order_id <> 'SEED' ORDER BY order_id",
    "SELECT line, field, raw_value, reason FROM rejects ORDER BY line, field",
    "SELECT customer_id, implicit, _source_line FROM customers "
    "WHERE customer_id <> 'seed' ORDER BY customer_id",
    "SELECT count(*) FROM row_changes",
)
COUNTS = ("read", "inserted", "updated", "duplicates", "rejected", "implicit_customers")


def _load(db: Path, path: Path, *, seeded: bool) -> tuple[dict[str, object], list[list[tuple]]]:
    with Workspace.create(db) as ws:
        if seeded:  # one unrelated order first: the table is not empty, the general way
            seed = path.with_name("seed.csv")
            seed.write_text(ORDERS + "SEED,seed,2025-01-01,1\n", encoding="utf-8")
            ingest(ws, "orders", [seed])
        report = ingest(ws, "orders", [path]).files[-1].to_dict()
        temps = ws.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall()
        assert temps == []  # nothing of the staging is left behind
        return report, [ws.con.execute(sql).fetchall() for sql in STATE]


@pytest.mark.parametrize("text", [REPEATED, REPEATED.replace("O3,c2,2025-03-03,13\n", "")])
def test_a_first_load_gives_what_the_general_way_gives(tmp_path, text) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    first, first_state = _load(tmp_path / "first.duckdb", path, seeded=False)
    general, general_state = _load(tmp_path / "general.duckdb", path, seeded=True)
    assert {k: first[k] for k in COUNTS} == {k: general[k] for k in COUNTS}
    assert first_state == general_state
    if "O3,c2,2025-03-03,13" in text:  # the repeated key was found on the first load too
        assert (first["inserted"], first["duplicates"], first["rejected"]) == (3, 1, 3)
        assert [r[:2] for r in first_state[1]] == [(5, "order_id"), (6, "order_id"), (8, "amount")]
    else:
        assert (first["inserted"], first["duplicates"], first["rejected"]) == (4, 1, 1)


def test_a_first_load_of_distinct_keys_is_one_batch_and_its_reimport_adds_nothing(
    tmp_path,
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS + "".join(f"O{i},c{i % 7},2025-03-01,{i}\n" for i in range(50)))
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        once = ingest(ws, "orders", [path]).files[0]
        again = ingest(ws, "orders", [path]).files[0]
        assert (once.inserted, once.duplicates, once.implicit_customers) == (50, 0, 7)
        assert (again.inserted, again.updated, again.duplicates) == (0, 0, 50)
        assert ws.con.execute(
            "SELECT count(*), count(DISTINCT _batch_id) FROM orders"
        ).fetchall() == [(50, 1)]


@pytest.mark.slow
def test_a_file_that_fails_to_decode_after_its_first_block_changes_nothing(tmp_path) -> None:
    """The reader parses 16 MiB blocks while DuckDB validates earlier ones on its threads:
    bytes that are not UTF-8 past the first block still name the file, and nothing of the
    file is stored."""
    path = tmp_path / "orders.csv"
    line = "O{:09d},c{:06d},2025-03-01 10:00:00,12.50\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(ORDERS)
        for i in range(500_000):  # about 20 MB: past the first block
            fh.write(line.format(i, i % 1000))
    with path.open("ab") as fh:
        fh.write(b"X1,c\xff\xfe,2025-03-01,1\n")
    db = tmp_path / "ws.duckdb"
    with Workspace.create(db) as ws:
        before = ws.con.execute("SELECT count(*) FROM batches").fetchall()
        report = ingest(ws, "orders", [path], ReadOptions(encoding="utf-8"))
        assert report.files[0].error is not None
        assert report.files[0].error.startswith(f"{path}: could not read the file")
        assert ws.con.execute("SELECT count(*) FROM orders").fetchall() == [(0,)]
        assert ws.con.execute("SELECT count(*) FROM batches").fetchall() == before
