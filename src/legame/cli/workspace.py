"""Workspace commands: init, status, rejects, batches, forget."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table as RichTable

from legame.cli._common import DbOption, JsonOption, console, open_workspace, print_json
from legame.ingest.ids import workspace_customer_id
from legame.store import Workspace, bookkeeping
from legame.store.erasure import forget as forget_customer
from legame.words import counted


def init(db: DbOption = None, json: JsonOption = False) -> None:
    """Create a workspace (an embedded DuckDB file) holding the canonical tables."""
    from legame.policy import write_default_policy

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
        payload = bookkeeping.status(ws)
    if json:
        print_json(payload)
        return
    table = RichTable(title=f"{payload['db']} (schema version {payload['schema_version']})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in payload["tables"].items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(
        f"{counted(payload['implicit_customers'], 'implicit customer')}, "
        f"{counted(payload['batches'], 'batch', 'batches')}, "
        f"{counted(payload['rejects'], 'rejected field')}"
    )


def rejects(
    db: DbOption = None,
    batch: Annotated[int | None, typer.Option("--batch", help="Only this batch.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many.")] = 50,
    json: JsonOption = False,
) -> None:
    """List input rows that were not loaded, with the file, line, field and reason."""
    with open_workspace(db, read_only=True) as ws:
        payload = bookkeeping.rejects(ws, batch=batch, limit=limit)
    if json:
        print_json(payload)
        return
    total, rows = payload["total"], payload["rejects"]
    if not rows:
        console.print(
            "No rejected rows." if batch is None else f"No rejected rows in batch {batch}."
        )
        return
    table = RichTable(
        title=counted(total, "rejected field") + (f" in batch {batch}" if batch else "")
    )
    for key in rows[0]:
        table.add_column(key, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)
    if total > len(rows):
        console.print(f"... {total - len(rows):,} more; use --limit or --json.")


def batches(db: DbOption = None, json: JsonOption = False) -> None:
    """List import batches: one per file ingested."""
    with open_workspace(db, read_only=True) as ws:
        rows = bookkeeping.batches(ws)
    if json:
        print_json(rows)
        return
    table = RichTable(title="Import batches")
    for key in bookkeeping.BATCH_COLUMNS:
        table.add_column(key.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
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
        f"{counted(erasure.identifiers_checked, 'identifier')} looked for in its bytes, "
        f"found {counted(erasure.found_in_file, 'time')}."
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(status)
    app.command()(rejects)
    app.command()(batches)
    app.command()(forget)
