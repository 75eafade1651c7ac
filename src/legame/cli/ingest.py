"""``legame ingest TABLE PATH...``: load files into a canonical table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from legame.cli._common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    open_workspace,
    print_json,
)
from legame.ingest import ReadOptions, parse_mapping
from legame.ingest import ingest as ingest_files


def ingest(
    table: Annotated[str, typer.Argument(help="Canonical table: orders, customers, tickets, ...")],
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (CSV, Parquet, JSON Lines).")
    ],
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help='FIELD=COLUMN, e.g. order_id="Numero Ordine" (repeatable).'),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter (detected if omitted).")
    ] = None,
    decimal: Annotated[str, typer.Option(help="Decimal separator: '.' or ','.")] = ".",
    date_format: Annotated[
        str | None, typer.Option(help="strptime format tried before ISO 8601, e.g. %d/%m/%Y.")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding (detected if omitted).")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Load files into a table, one atomic batch per file; bad rows go to rejects."""
    if delimiter == "\\t":
        delimiter = "\t"
    options = ReadOptions(
        mapping=parse_mapping(mapping or []),
        delimiter=delimiter,
        decimal=decimal,  # type: ignore[arg-type]  # validated by ReadOptions.validate
        date_format=date_format,
        encoding=encoding,
    )
    with open_workspace(db) as ws:
        if json:
            report = ingest_files(ws, table, paths, options)
        else:
            with Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                TextColumn("{task.completed:,} rows"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            ) as bar:
                task = bar.add_task(f"ingest {table}", total=None)
                report = ingest_files(
                    ws, table, paths, options, progress=lambda n: bar.advance(task, n)
                )
    if json:
        print_json(report.to_dict())
    else:
        totals = report.to_dict()
        console.print(
            f"{table}: {totals['read']:,} rows read from {len(report.files)} file(s): "
            f"{totals['inserted']:,} inserted, {totals['updated']:,} updated, "
            f"{totals['duplicates']:,} duplicates, {totals['rejected']:,} rejected."
        )
        if totals["implicit_customers"]:
            console.print(
                f"{totals['implicit_customers']:,} customers not yet known were "
                "created as implicit."
            )
        if totals["rejected"]:
            first = next(f.batch_id for f in report.files if f.rejected)
            console.print(
                f"[yellow]{totals['rejected']:,} rejected row(s)[/yellow] kept with the "
                f"reason: list them with `legame rejects --batch {first}`."
            )
        for failed in report.failed:
            err_console.print(f"[red]error:[/red] {escape(failed.error or '')}", soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
