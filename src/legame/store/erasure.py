"""Erasure: remove one customer from every table of the workspace, in one transaction.

Every table with a ``customer_id`` column is covered (canonical, derived and future ones
alike; the views over them need nothing), plus the columns that point at a customer under
another name and the import bookkeeping that may hold the customer's raw data (rejects, row
changes). The audit entry records what was removed, never who.
"""

from __future__ import annotations

import json

import duckdb

from legame.errors import NotFoundError
from legame.store.workspace import Workspace

#: Other columns that hold a customer id: (table, column, what to do with the row).
_OTHER_REFERENCES = (
    ("referrals", "referrer_id", "delete"),
    ("referrals", "referred_customer_id", "clear"),
)
_ID_LISTS = (("rejects", "customer_ids"), ("row_changes", "customer_ids"))


def forget(workspace: Workspace, customer_id: str) -> dict[str, int]:
    """Erase ``customer_id`` everywhere; return rows removed (or cleared) per table."""
    con = workspace.con
    tables = [
        row[0]
        for row in con.execute(
            "SELECT c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.column_name = 'customer_id' AND c.table_schema = 'main' "
            "AND t.table_type = 'BASE TABLE' ORDER BY c.table_name"
        ).fetchall()
    ]
    removed: dict[str, int] = {}
    with workspace.transaction():
        for table in tables:
            removed[table] = _count(
                con, f'DELETE FROM "{table}" WHERE customer_id = ?', customer_id
            )
        for table, column, action in _OTHER_REFERENCES:
            if action == "delete":
                sql = f'DELETE FROM "{table}" WHERE "{column}" = ?'
            else:
                sql = f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" = ?'
            removed[table] = removed.get(table, 0) + _count(con, sql, customer_id)
        for table, column in _ID_LISTS:
            removed[table] = _count(
                con, f'DELETE FROM "{table}" WHERE list_contains("{column}", ?)', customer_id
            )
        if not any(removed.values()):
            raise NotFoundError(f"No customer {customer_id!r} in the workspace {workspace.path}.")
        con.execute(
            "INSERT INTO audit_log VALUES (now()::TIMESTAMP, 'forget', ?)",
            [json.dumps({"rows_removed": {k: v for k, v in removed.items() if v}})],
        )
    return removed


def _count(con: duckdb.DuckDBPyConnection, sql: str, customer_id: str) -> int:
    """Run a DELETE or UPDATE and return how many rows it touched."""
    return int(con.execute(sql, [customer_id]).fetchall()[0][0])
