"""``legame ingest TABLE PATH...``: load files into a canonical table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
from legame.cli.cases import CASE_SOURCES, open_after, print_opened
from legame.ingest import FileReport, ReadOptions, parse_mapping
from legame.ingest import ingest as ingest_files
from legame.words import counted, noun


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
    thousands: Annotated[
        str | None,
        typer.Option(
            help="Thousands separator: ',' or '.' (not the decimal one), or none. Without it, "
            "a number such as 12,500 (one group, no decimals) is rejected as ambiguous.",
            show_default=False,
        ),
    ] = None,
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
        thousands=thousands,  # type: ignore[arg-type]  # validated by ReadOptions.validate
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
        loaded = len(report.failed) < len(report.files)
        if table == "survey_responses" and loaded:
            # Derived, after the batches committed: a kill here leaves comments without a
            # language, which the next import or `legame score` detects.
            from legame.voices import record_comment_languages

            record_comment_languages(ws)
        cases = open_after(ws) if table in CASE_SOURCES and loaded else {}
    if json:
        print_json({**report.to_dict(), **{k: v for k, v in cases.items() if k != "cases_line"}})
    else:
        totals = report.to_dict()
        console.print(
            f"{table}: {counted(totals['read'], 'row')} read from "
            f"{counted(len(report.files), 'file')}: "
            f"{totals['inserted']:,} inserted, {totals['updated']:,} updated, "
            f"{counted(totals['duplicates'], 'duplicate')}, {totals['rejected']:,} rejected."
        )
        if totals["implicit_customers"]:
            console.print(
                f"{counted(totals['implicit_customers'], 'customer')} not yet known "
                f"{noun(totals['implicit_customers'], 'was', 'were')} created as implicit."
            )
        if totals["rejected"]:
            console.print(_rejected_line(report.files, totals))
        for failed in report.failed:
            err_console.print(f"[red]error:[/red] {escape(failed.error or '')}", soft_wrap=True)
        if cases:
            print_opened(cases)
    if report.failed:
        raise typer.Exit(1)


def _rejected_line(files: list[FileReport], totals: dict[str, Any]) -> str:
    """How many rows were rejected, how many of them an earlier import had recorded already
    (not stored again), and where to list the new ones."""
    line = f"[yellow]{counted(totals['rejected'], 'rejected row')}[/yellow]"
    known = totals["already_rejected"]
    new = next((f.batch_id for f in files if f.rejected > f.already_rejected), None)
    if new is None:
        return (
            f"{line}, all already recorded by an earlier import (not stored again): "
            "list them with `legame rejects`."
        )
    again = f" ({known:,} already recorded by an earlier import, not stored again)"
    return (
        f"{line}{again if known else ''} kept with the reason: list them with "
        f"`legame rejects --batch {new}`."
    )


def register(app: typer.Typer) -> None:
    app.command()(ingest)
