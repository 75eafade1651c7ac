"""The ingest budget leaves room for the in-memory indexes (keys, customers), which cannot
spill."""

from __future__ import annotations

from pathlib import Path

import pytest

from legame.errors import InputError
from legame.ingest import ingest, memory
from legame.store import Workspace
from legame.store.memory import memory_setting, size_bytes


def _limit(ws: Workspace) -> int:
    text = ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    number, unit = text.split()
    return int(float(number) * 1024 ** (["KiB", "MiB", "GiB", "TiB"].index(unit) + 1))


def _orders(path: Path, customers: list[str]) -> Path:
    """A Parquet file of one order per customer id given, a second apart."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = len(customers)
    pq.write_table(
        pa.table(
            {
                "order_id": [f"O{i:010d}" for i in range(n)],
                "customer_id": customers,
                "ordered_at": pa.array(range(1735689600, 1735689600 + n), pa.timestamp("s")),
                "amount": pa.array([1.5] * n),
            }
        ),
        path,
    )
    return path


def test_size_bytes_reads_sizes_as_duckdb_does() -> None:
    assert size_bytes("1GB") == 10**9
    assert size_bytes("512MiB") == 512 * 2**20
    assert size_bytes("1.5 kb") == 1500
    assert size_bytes("4000000B") == 4_000_000
    with pytest.raises(InputError, match="not a size"):
        size_bytes("lots")


def test_a_bad_memory_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGAME_SCORE_MEMORY_LIMIT", "lots")
    with pytest.raises(InputError, match="LEGAME_SCORE_MEMORY_LIMIT='lots' is not a size"):
        memory_setting("LEGAME_SCORE_MEMORY_LIMIT", "3GB")
    monkeypatch.delenv("LEGAME_SCORE_MEMORY_LIMIT")
    assert memory_setting("LEGAME_SCORE_MEMORY_LIMIT", "3GB") == "3GB"


def test_the_budget_grows_with_the_index_and_the_keys_to_come(
    ws: Workspace, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEGAME_INGEST_MEMORY_LIMIT", "100MB")
    rows = "\n".join(f"O{i},customer-{i},2024-01-01,10.0,completed" for i in range(200_000))
    report = ingest(
        ws,
        "orders",
        [write("o.csv", "order_id,customer_id,ordered_at,amount,status\n" + rows + "\n")],
    )
    assert report.total("implicit_customers") == 200_000
    held = memory.index_bytes(ws.con)
    assert held > 2 * 10**6  # the keys of orders and customers are in memory
    memory.fit_budget(ws.con)
    assert _limit(ws) == pytest.approx(100 * 10**6 + held, rel=0.01)
    memory.fit_budget(ws.con, new_keys=1_000_000, indexed_rows=200_000)
    per_key = held / 200_000
    assert _limit(ws) == pytest.approx(100 * 10**6 + held + per_key * 10**6, rel=0.01)
    memory.fit_budget(ws.con, new_keys=1_000)  # nothing measured: a default per key
    assert _limit(ws) == pytest.approx(
        100 * 10**6 + held + memory.DEFAULT_BYTES_PER_KEY * 1_000, rel=0.01
    )


@pytest.mark.slow
def test_a_first_load_commits_within_a_small_budget(
    ws: Workspace, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit merges the transaction's new keys into the indexes, holding both for a
    while: the budget makes room for them (50 million orders failed to commit for want of
    it; a million within 16 MB did too)."""
    n = 1_000_000
    path = _orders(tmp_path / "o.parquet", [f"C{i // 4:08d}" for i in range(n)])
    monkeypatch.setenv("LEGAME_INGEST_MEMORY_LIMIT", "16MB")
    report = ingest(ws, "orders", [path])
    assert (report.total("inserted"), report.total("implicit_customers")) == (n, n // 4)
    assert ws.count("orders") == n


def test_the_budget_keeps_room_for_the_rows_a_file_updates(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Updated rows hold their old and new values in memory until the commit, unspillable:
    the budget makes room for them beside the index keys (the customers file of the
    50M-order bench, 11.2 million updates of implicit customers, ran out of a 1 GB budget at
    the update; with this room it loads in 41 s, 4.2 GiB at the peak)."""
    monkeypatch.setenv("LEGAME_INGEST_MEMORY_LIMIT", "100MB")
    held = memory.index_bytes(ws.con)
    memory.fit_budget(ws.con, new_keys=1_000, updated_rows=10_000)
    expected = (
        100 * 10**6
        + held
        + memory.DEFAULT_BYTES_PER_KEY * 1_000
        + memory.BYTES_PER_UPDATED_ROW * 10_000
    )
    assert _limit(ws) == pytest.approx(expected, rel=0.01)


@pytest.mark.slow
def test_new_customers_are_found_within_a_small_budget(
    ws: Workspace, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding a file's new customers is an aggregate over their ids, beside indexes that
    cannot spill: the budget makes room for its hash table (100 million orders of 22.5
    million new customers failed there in 5.5 GiB; a million orders of a million customers
    within 16 MB did too)."""
    n = 1_000_000
    path = _orders(tmp_path / "o.parquet", [f"C{i * 7919 % n:08d}" for i in range(n)])
    monkeypatch.setenv("LEGAME_INGEST_MEMORY_LIMIT", "16MB")
    report = ingest(ws, "orders", [path])
    assert report.total("implicit_customers") == n
    assert ws.count("customers") == n


def test_the_room_per_updated_row_covers_what_duckdb_holds_for_it(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customers file that turns implicit customers into known ones, with columns the
    schema does not name (kept as JSON), as the bench's does: the memory DuckDB holds for
    the update until the commit (its undo and its allocations), per updated row, fits in
    ``BYTES_PER_UPDATED_ROW``. At 256 B the bench's 22.5 million updates ran out of memory
    (about 320 B a row held there; 330 to 530 B here, 2026-12-07)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import legame.ingest as ingest_module

    n = 200_000
    ids = [f"C{i:08d}" for i in range(n)]
    ingest(ws, "orders", [_orders(tmp_path / "o.parquet", ids)])
    customers = tmp_path / "c.parquet"
    pq.write_table(
        pa.table(
            {
                "customer_id": ids,
                "country": ["IT"] * n,
                "acquisition_channel": ["web" if i % 3 else "store" for i in range(n)],
                "first_order_value": [float(i % 97) for i in range(n)],
            }
        ),
        customers,
    )
    held: dict[str, int] = {}
    sql = (
        "SELECT sum(memory_usage_bytes + temporary_storage_bytes) FROM duckdb_memory() "
        "WHERE tag IN ('TRANSACTION', 'ALLOCATOR')"
    )

    class Watch:  # the connection, measuring around the update
        def __init__(self, con: object) -> None:
            self.con = con

        def execute(self, statement: str, *args: object) -> object:
            update = statement.startswith("UPDATE")
            if update:
                held["before"] = self.con.execute(sql).fetchall()[0][0]
            out = self.con.execute(statement, *args)
            if update:
                held["after"] = self.con.execute(sql).fetchall()[0][0]
            return out

        def __getattr__(self, name: str) -> object:
            return getattr(self.con, name)

    load_file = ingest_module.load_file
    monkeypatch.setattr(
        ingest_module, "load_file", lambda con, *a, **k: load_file(Watch(con), *a, **k)
    )
    report = ingest(ws, "customers", [customers])
    assert report.total("updated") == n
    per_row = (held["after"] - held["before"]) / n
    assert 100 < per_row <= memory.BYTES_PER_UPDATED_ROW
