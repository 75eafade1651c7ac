"""What the workspace records about its own contents: the tables there are, rows per table,
import batches, rejected fields, and the batch sequence.

The reads are the queries ``legame/sql/bookkeeping/*.sql``; a batch number or a limit a
user gives is bound, not rendered.
"""

from __future__ import annotations

from typing import Any

import duckdb

from legame import sql
from legame.store.workspace import Workspace


def rows(ws: Workspace, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """The rows of a named query (``legame/sql/QUERY.sql``, nothing to render), as dicts;
    ``params`` are bound to its ``$1``, ``$2`` ..."""
    cur = ws.con.execute(sql.render(query), params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def has_table(ws: Workspace, name: str) -> bool:
    """Whether the workspace holds a table or view called ``name`` (``customer_scores``
    exists once `legame score` ran)."""
    found = ws.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()[0][0]
    return bool(found)


def next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    """A new import batch number, from the workspace's sequence."""
    return int(con.execute("SELECT nextval('batch_seq')").fetchall()[0][0])


def status(ws: Workspace) -> dict[str, Any]:
    """Rows per canonical table, implicit customers, import batches and rejected fields."""
    return {
        "db": str(ws.path),
        "schema_version": ws.version,
        "tables": ws.counts(),
        "implicit_customers": rows(ws, "bookkeeping/implicit_customers")[0]["implicit_customers"],
        "batches": ws.count("batches"),
        "rejects": ws.count("rejects"),
    }


def rejects(ws: Workspace, *, batch: int | None = None, limit: int = 50) -> dict[str, Any]:
    """The rejected fields (of one batch, or of all), at most ``limit`` of them in the order
    of batch, line and field, and how many there are in all: ``{"total", "rejects"}``, each
    reject with its batch_id, table, file, line, field, value and reason."""
    total = rows(ws, "bookkeeping/rejects_count", [batch])[0]["rejects"]
    return {"total": total, "rejects": rows(ws, "bookkeeping/rejects", [batch, limit])}


#: The columns of :func:`batches`, in order.
BATCH_COLUMNS = (
    "batch_id",
    "table_name",
    "source_file",
    "finished_at",
    "rows_read",
    "inserted",
    "updated",
    "duplicates",
    "rejected",
)


def batches(ws: Workspace) -> list[dict[str, Any]]:
    """Every import batch in order, with its counts (:data:`BATCH_COLUMNS`)."""
    return rows(ws, "bookkeeping/batches")
