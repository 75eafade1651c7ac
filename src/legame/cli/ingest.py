"""``legame ingest TABLE PATH...``: load files into a canonical table."""

from __future__ import annotations

from dataclasses import replace
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
from legame.ingest.readers import expand
from legame.store.schema import TABLES
from legame.words import counted, noun


def ingest(
    table: Annotated[
        str,
        typer.Argument(
            help="Canonical table: orders, customers, tickets, ... Leave it out for a tool's "
            "export that a preset recognises by its header (`legame ingest FILE`)."
        ),
    ],
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (CSV, Parquet, JSON Lines).")
    ] = None,
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
    preset: Annotated[
        str | None,
        typer.Option(
            help="Read the files as this tool's export (`legame presets list`), e.g. shopify."
        ),
    ] = None,
    nps_question: Annotated[
        str | None, typer.Option(help="Survey exports: the NPS question (its header).")
    ] = None,
    csat_question: Annotated[
        str | None, typer.Option(help="Survey exports: the CSAT question (its header).")
    ] = None,
    ces_question: Annotated[
        str | None, typer.Option(help="Survey exports: the CES question (its header).")
    ] = None,
    comment_question: Annotated[
        str | None, typer.Option(help="Survey exports: the free-text question (its header).")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Load files into a table, one atomic batch per file; bad rows go to rejects."""
    if delimiter == "\\t":
        delimiter = "\t"
    questions = {
        name: value
        for name, value in (
            ("nps", nps_question),
            ("csat", csat_question),
            ("ces", ces_question),
            ("comment", comment_question),
        )
        if value is not None
    }
    options = ReadOptions(
        mapping=parse_mapping(mapping or []),
        delimiter=delimiter,
        decimal=decimal,  # type: ignore[arg-type]  # validated by ReadOptions.validate
        thousands=thousands,  # type: ignore[arg-type]  # validated by ReadOptions.validate
        date_format=date_format,
        encoding=encoding,
        preset=preset,
        questions=questions,
    )
    if table not in TABLES:  # `legame ingest FILE...`: the table comes from a preset
        files = [Path(table), *(paths or [])]
        with open_workspace(db, read_only=True) as ws:
            groups = recognised(ws.path, files, options)
        for (found, name), group in groups.items():
            _ingest(found, group, replace(options, preset=name), db, json)
        return
    if not paths:
        raise typer.BadParameter("missing: the files to load.", param_hint="'PATHS...'")
    _ingest(table, paths, options, db, json)


def recognised(
    db_path: Path, files: list[Path], options: ReadOptions
) -> dict[tuple[str, str], list[Path]]:
    """The files by (table, preset) that recognised them; each recognition said on stderr.
    A file no preset knows is the usage error it always was: name the table."""
    from legame.ingest.presets import recognise

    groups: dict[tuple[str, str], list[Path]] = {}
    for path in expand(files):
        binding = recognise(db_path, path, options)
        if binding is None:
            raise typer.BadParameter(
                f"{files[0]} is not a table, and no preset recognises the header of {path}; "
                f"name the table: legame ingest TABLE FILE... (tables: {', '.join(TABLES)}), "
                "or a preset with --preset NAME.",
                param_hint="'TABLE'",
            )
        err_console.print(
            f"{escape(str(path))}: read as {escape(binding.preset.vendor)} "
            f"{escape(binding.export.title)} (preset {binding.preset.name}, headers in "
            f"{binding.language}) into {binding.export.table}.",
            soft_wrap=True,
        )
        key = (binding.export.table, binding.preset.name)
        groups.setdefault(key, []).append(path)
    return groups


def _ingest(
    table: str, paths: list[Path], options: ReadOptions, db: Path | None, json: bool
) -> None:
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
        for also in (a for f in report.files for a in f.also):
            console.print(
                f"{also.table}: {also.inserted:,} inserted, {also.updated:,} updated, "
                f"{counted(also.duplicates, 'duplicate')}, {also.rejected:,} rejected "
                "(from the same file, in the same transaction)."
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
