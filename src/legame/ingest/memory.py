"""DuckDB's memory budget while ingesting, and the room the in-memory indexes need on top.

A file streams through DuckDB within ``LEGAME_INGEST_MEMORY_LIMIT`` (spilling to disk
beyond it). The rows a file updates hold their old and new values in memory until the commit,
and the ART indexes of the workspace (every table's natural key, and the customer
lookups of the contact governor) count against the same limit but live in memory and cannot
spill: 22.5 million customer ids take about 0.9 GB. So the budget is the configured one plus
what the indexes hold, raised again before a file's new rows are inserted and before its
new customers are looked for (an aggregate over their ids) and added, by what their keys
will take.
"""

from __future__ import annotations

import duckdb

from legame.store.memory import memory_setting, size_bytes

#: DuckDB's memory budget while ingesting, beside the indexes (a 10-million-row file stays
#: under 2 GiB), unless ``LEGAME_INGEST_MEMORY_LIMIT`` says otherwise.
DEFAULT_INGEST_MEMORY_LIMIT = "1GB"
#: Bytes an ART index takes per new key when none is measured (short string ids take ~38).
DEFAULT_BYTES_PER_KEY = 40
#: Bytes an updated row holds in memory until the commit (DuckDB keeps an update's old and
#: new values in memory, unspillable): room for a row of a canonical table's width. The
#: bench's customers file at 100M orders (22.5 million implicit customers updated, six
#: columns with the covariates' JSON) held 3.4 GB of undo and 3.8 GB of allocations after
#: its update, about 320 B a row, and ran out of the 6.2 GiB that 256 B a row gave it; the
#: same update of 200,000 customers held 330 to 530 B a row (2026-12-07, a test checks).
BYTES_PER_UPDATED_ROW = 576
#: Room per group of an aggregate over customer ids: its hash table's partitions spill, but
#: one too large for what the indexes leave could not be allocated (100 million orders of
#: 22.5 million new customers failed so). 48 B keeps a 10-million-row file under 2 GiB (96 B
#: took it to 2,053 MiB), lets a million new customers load within 16 MB, and let those 100M
#: load (from Parquet, 185 s, 12.3 GiB peak, 2026-12-07).
BYTES_PER_GROUP = 48


def ingest_memory_limit() -> str:
    """The ingest budget: ``LEGAME_INGEST_MEMORY_LIMIT``, read now (``InputError`` if bad)."""
    return memory_setting("LEGAME_INGEST_MEMORY_LIMIT", DEFAULT_INGEST_MEMORY_LIMIT)


def index_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """Memory the workspace's ART indexes hold now."""
    found = con.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'ART_INDEX'"
    ).fetchall()[0][0]
    return int(found)


def fit_budget(
    con: duckdb.DuckDBPyConnection,
    *,
    new_keys: int = 0,
    indexed_rows: int = 0,
    updated_rows: int = 0,
    groups: int = 0,
) -> None:
    """Set the memory limit to the ingest budget plus the indexes' memory, now and after
    ``new_keys`` more keys (estimated from the bytes per key of the ``indexed_rows`` indexed
    so far), plus what ``updated_rows`` rows updated in the transaction hold until it
    commits, plus the hash table of an aggregate into ``groups`` groups about to run."""
    held = index_bytes(con)
    per_key = held / indexed_rows if indexed_rows and held else DEFAULT_BYTES_PER_KEY
    limit = (
        size_bytes(ingest_memory_limit())
        + held
        + int(new_keys * per_key)
        + updated_rows * BYTES_PER_UPDATED_ROW
        + groups * BYTES_PER_GROUP
    )
    con.execute(f"SET memory_limit = '{limit}B'")  # sql-built: an int
