"""A first load builds its table's primary key after the rows (ingest/bulk_key.py, issue
22 item 1): the table afterwards is the table the migrations made, its key refuses a
repeat, and a key the file repeats is still found and handled the general way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from legame.ingest.bulk_key import add_key, without_key
from legame.store import Workspace
from legame.store.failures import repeated_key
from legame.store.schema import TABLES

CATALOG = (
    "SELECT table_name, sql FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name",
    "SELECT table_name, constraint_type, constraint_text, constraint_column_names "
    "FROM duckdb_constraints() WHERE schema_name = 'main' "
    "ORDER BY table_name, constraint_type, constraint_text",
    "SELECT table_name, column_name, column_index, data_type, column_default, is_nullable "
    "FROM duckdb_columns() WHERE schema_name = 'main' ORDER BY table_name, column_index",
    "SELECT index_name, table_name, sql FROM duckdb_indexes() ORDER BY index_name",
)


def _catalog(con: duckdb.DuckDBPyConnection) -> list[list[tuple]]:
    return [con.execute(sql).fetchall() for sql in CATALOG]


def test_every_table_rebuilt_without_its_key_and_given_it_back_is_the_same_table(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace.create(db) as ws:
        before = _catalog(ws.con)
        rebuilt, kept = [], []
        ws.con.execute("BEGIN")
        for name in TABLES:
            key = without_key(ws.con, name)
            (kept if key is None else rebuilt).append(name)
            if key is not None:
                add_key(ws.con, name, key)
        ws.con.execute("COMMIT")
        assert _catalog(ws.con) == before
    # The tables with a second index stay as they are; the plain keyed ones are rebuilt.
    assert {"orders", "customers"} <= set(rebuilt)
    assert {"tickets", "messages", "consents"} <= set(kept)
    with Workspace.open(db) as ws:
        ws.con.execute(
            "INSERT INTO orders (order_id, customer_id, ordered_at, amount, _batch_id) "
            "VALUES ('O1', 'c1', TIMESTAMP '2025-01-01', 1, 1)"
        )
        with pytest.raises(duckdb.ConstraintException):
            ws.con.execute(
                "INSERT INTO orders (order_id, customer_id, ordered_at, amount, _batch_id) "
                "VALUES ('O1', 'c2', TIMESTAMP '2025-01-02', 2, 1)"
            )
        with pytest.raises(duckdb.ConstraintException):  # NOT NULL kept too
            ws.con.execute("INSERT INTO customers (customer_id) VALUES ('c9')")
        ws.con.execute("INSERT INTO customers (customer_id, _batch_id) VALUES ('c9', 1)")
        assert ws.con.execute(  # and the default
            "SELECT implicit FROM customers WHERE customer_id = 'c9'"
        ).fetchall() == [(False,)]


def test_a_table_with_rows_is_left_alone(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        ws.con.execute("INSERT INTO customers (customer_id, _batch_id) VALUES ('c1', 1)")
        before = _catalog(ws.con)
        assert without_key(ws.con, "customers") is None
        assert _catalog(ws.con) == before


def test_a_key_repeated_under_a_key_built_at_the_commit_is_told_from_other_failures(
    tmp_path: Path,
) -> None:
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    con.execute("CREATE TABLE t (k VARCHAR PRIMARY KEY, v INTEGER NOT NULL)")
    con.execute("BEGIN")
    key = without_key(con, "t")
    assert key == ("k",)
    con.execute("INSERT INTO t VALUES ('a', 1), ('a', 2)")
    add_key(con, "t", key)
    with pytest.raises(duckdb.TransactionException) as failed:
        con.execute("COMMIT")
    assert repeated_key(failed.value)
    # Rolled back: the table is back with its key, and empty.
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO t VALUES ('b', 1), ('b', 2)")
    assert not repeated_key(duckdb.TransactionException("Failed to commit: IO Error: disk"))
    assert not repeated_key(duckdb.ConstraintException("constraint violation"))


def test_a_first_load_through_the_command_keeps_the_schema_and_the_key(tmp_path: Path, cli) -> None:
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    with Workspace.open(db) as ws:
        before = _catalog(ws.con)
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,ordered_at,amount\n"
        + "".join(f"O{i},c{i % 5},2025-03-0{1 + i % 9},{i}.5\n" for i in range(40)),
        encoding="utf-8",
    )
    result = cli("ingest", "orders", path, "--db", db)
    assert result.exit_code == 0, result.output
    with Workspace.open(db) as ws:
        assert _catalog(ws.con) == before
        assert ws.count("orders") == 40
        assert ws.count("customers") == 5
        with pytest.raises(duckdb.ConstraintException):
            ws.con.execute(
                "INSERT INTO orders (order_id, customer_id, ordered_at, amount, _batch_id) "
                "VALUES ('O7', 'c1', TIMESTAMP '2025-01-01', 1, 1)"
            )


def test_a_first_load_replayed_from_the_log_after_a_hard_exit_keeps_its_rows_and_key(
    tmp_path: Path,
) -> None:
    """The process ends right after the commit, before DuckDB checkpoints: reopening
    replays the write-ahead log, the table rebuilt and its key built at the commit too."""
    db, path = tmp_path / "ws.duckdb", tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,ordered_at,amount\nO1,c1,2025-01-01,1\nO2,c2,2025-01-02,2\n",
        encoding="utf-8",
    )
    script = (
        "import os, sys\n"
        "from legame.ingest import ingest\n"
        "from legame.store import Workspace\n"
        "ws = Workspace.create(sys.argv[1])\n"
        "print(ingest(ws, 'orders', [sys.argv[2]]).files[0].inserted, flush=True)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(db), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["2"]
    assert db.with_name("ws.duckdb.wal").exists()  # not checkpointed: replayed below
    with Workspace.open(db) as ws:
        assert ws.con.execute("SELECT order_id FROM orders ORDER BY 1").fetchall() == [
            ("O1",),
            ("O2",),
        ]
        with pytest.raises(duckdb.ConstraintException):
            ws.con.execute(
                "INSERT INTO orders (order_id, customer_id, ordered_at, amount, _batch_id) "
                "VALUES ('O1', 'c1', TIMESTAMP '2025-01-01', 1, 1)"
            )
