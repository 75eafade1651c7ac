"""Workspace commands: init, status, rejects, batches, forget."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table as RichTable

from legame.cli._common import DbOption, JsonOption, console, open_workspace, print_json
from legame.ingest.ids import workspace_customer_id
from legame.store import Workspace
from legame.store.erasure import forget as forget_customer


def init(db: DbOption = None, json: JsonOption = False) -> None:
    """Create a workspace (an embedded DuckDB file) holding the canonical tables."""
    from legame.engage.policy import write_default_policy

    with Workspace.create(db) as ws:
        policy = write_default_policy(ws.path.parent)
        payload = {
            "db": str(ws.path),
            "schema_version": ws.version,
            "tables": ws.counts(),
            "policy": str(policy),
        }
    if json:
        print_json(payload)
    else:
        console.print(
            f"Workspace ready: {payload['db']} (schema version {payload['schema_version']})"
        )


def status(db: DbOption = None, json: JsonOption = False) -> None:
    """Rows per table, import batches and rejects in the workspace."""
    with open_workspace(db, read_only=True) as ws:
        counts = ws.counts()
        implicit = ws.con.execute("SELECT count(*) FROM customers WHERE implicit").fetchall()[0][0]
        batches = ws.count("batches")
        rejects = ws.count("rejects")
        payload = {
            "db": str(ws.path),
            "schema_version": ws.version,
            "tables": counts,
            "implicit_customers": implicit,
            "batches": batches,
            "rejects": rejects,
        }
    if json:
        print_json(payload)
        return
    table = RichTable(title=f"{payload['db']} (schema version {payload['schema_version']})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(
        f"{implicit:,} implicit customers, {batches:,} batches, {rejects:,} rejected fields"
    )


def rejects(
    db: DbOption = None,
    batch: Annotated[int | None, typer.Option("--batch", help="Only this batch.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many.")] = 50,
    json: JsonOption = False,
) -> None:
    """List input rows that were not loaded, with the file, line, field and reason."""
    # Every rejected field, or a batch's (a NULL batch means all of them).
    with open_workspace(db, read_only=True) as ws:
        total = ws.con.execute(
            "SELECT count(*) FROM rejects WHERE ?::BIGINT IS NULL OR batch_id = ?", [batch, batch]
        ).fetchall()[0][0]
        rows = ws.con.execute(
            "SELECT batch_id, table_name, source_file, line, field, raw_value, reason "
            "FROM rejects WHERE ?::BIGINT IS NULL OR batch_id = ? "
            "ORDER BY batch_id, line, field LIMIT ?",
            [batch, batch, limit],
        ).fetchall()
    keys = ("batch_id", "table", "file", "line", "field", "value", "reason")
    if json:
        print_json({"total": total, "rejects": [dict(zip(keys, r, strict=True)) for r in rows]})
        return
    if not rows:
        console.print(
            "No rejected rows." if batch is None else f"No rejected rows in batch {batch}."
        )
        return
    table = RichTable(
        title=f"{total:,} rejected field(s)" + (f" in batch {batch}" if batch else "")
    )
    for key in keys:
        table.add_column(key, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    if total > len(rows):
        console.print(f"... {total - len(rows):,} more; use --limit or --json.")


def batches(db: DbOption = None, json: JsonOption = False) -> None:
    """List import batches: one per file ingested."""
    keys = (
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
    with open_workspace(db, read_only=True) as ws:
        rows = ws.con.execute(
            "SELECT batch_id, table_name, source_file, finished_at, rows_read, inserted, "
            "updated, duplicates, rejected FROM batches ORDER BY batch_id"
        ).fetchall()
    if json:
        print_json([dict(zip(keys, r, strict=True)) for r in rows])
        return
    table = RichTable(title="Import batches")
    for key in keys:
        table.add_column(key.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    console.print(table)


def forget(
    customer_id: Annotated[str, typer.Argument(help="The customer to erase.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Erase a customer from every table and from the file's bytes, leaving an audit entry."""
    with open_workspace(db) as ws:
        customer_id = workspace_customer_id(ws.path, customer_id)
        erasure = forget_customer(ws, customer_id)
    if json:
        print_json(erasure.to_dict())
        return
    parts = ", ".join(f"{n} from {t}" for t, n in erasure.rows_removed.items())
    console.print(f"Erased customer {customer_id}: {parts}.")
    if erasure.values_replaced:
        mentions = ", ".join(f"{n} in {t}" for t, n in erasure.values_replaced.items())
        console.print(f"Replaced mentions elsewhere: {mentions}.")
    console.print(
        f"Rewrote the workspace file ({erasure.file_bytes:,} bytes): "
        f"{erasure.identifiers_checked} identifier(s) looked for in its bytes, "
        f"found {erasure.found_in_file} time(s)."
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(status)
    app.command()(rejects)
    app.command()(batches)
    app.command()(forget)
