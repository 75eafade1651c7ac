"""DuckDB's memory budget while ingesting, and the room the in-memory indexes need on top.

A file streams through DuckDB within ``LEGAME_INGEST_MEMORY_LIMIT`` (spilling to disk
beyond it). The ART indexes of the workspace (on ``customers.customer_id``, for the contact
governor's lookups) count against the same limit but live in memory and cannot spill: 22.5
million customer ids take about 0.9 GB. So the budget is the configured one plus what the
indexes hold, raised again before the new customers of a file are looked for (an aggregate
over their ids) and added, by what their keys will take.
"""

from __future__ import annotations

import duckdb

from legame.store.memory import memory_setting, size_bytes

#: DuckDB's memory budget while ingesting, beside the indexes (a 10-million-row file stays
#: under 2 GiB).
INGEST_MEMORY_LIMIT = memory_setting("LEGAME_INGEST_MEMORY_LIMIT", "1GB")
#: Bytes an ART index takes per new key before any is measured (short string ids take ~38).
DEFAULT_BYTES_PER_KEY = 64


def index_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """Memory the workspace's ART indexes hold now."""
    found = con.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'ART_INDEX'"
    ).fetchall()[0][0]
    return int(found)


def fit_budget(con: duckdb.DuckDBPyConnection, *, new_keys: int = 0, indexed_rows: int = 0
               ) -> None:
    """Set the memory limit to the ingest budget plus the indexes' memory, now and after
    ``new_keys`` more keys (estimated from the bytes per key of the ``indexed_rows`` indexed
    so far)."""
    held = index_bytes(con)
    per_key = held / indexed_rows if indexed_rows and held else DEFAULT_BYTES_PER_KEY
    limit = size_bytes(INGEST_MEMORY_LIMIT) + held + int(new_keys * per_key * 1.25)
    con.execute(f"SET memory_limit = '{limit}B'")
