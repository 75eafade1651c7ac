"""Presets: a tool's standard exports read with no flags and no script.

A preset is a TOML data file (``docs/presets.md``): the tool, the documentation it was
built from, and per kind of export the header names of its columns (in each language the
tool writes them), the canonical table it loads and the steps, from a fixed set
(:data:`~legame.ingest.presets.kinds.KINDS`), that give the rows canonical shape: one
order per group of line items, vendor words to statuses and scores, instants with their
offset in UTC, e-mail as the key across tools, consent columns to consent events, survey
questions found by their answers. Ours ship in this package; a workspace adds or replaces
them in its ``presets`` folder.

The steps run before validation, on batches that keep each row's line, so a preset's file
loads with every promise of the ingest: one transaction for everything it writes (an
export of orders and the consents they hold, for one), idempotent on re-import, rejects
with the file, line, field and reason, unknown columns kept in ``_extra``.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from legame.errors import InputError, SchemaError
from legame.ingest.load import FileReport, Progress, load_parts
from legame.ingest.options import ReadOptions
from legame.ingest.presets.catalog import Catalog, workspace_folder
from legame.ingest.presets.detect import Binding, choose, detect
from legame.ingest.presets.emails import write_links
from legame.ingest.presets.format import Export, Preset, read_preset
from legame.ingest.presets.frame import Run
from legame.ingest.presets.kinds import KINDS
from legame.ingest.presets.pipeline import Pipeline
from legame.ingest.readers import open_source
from legame.ingest.validate import Rules
from legame.store.schema import Table

__all__ = [
    "KINDS",
    "Binding",
    "Catalog",
    "Export",
    "Preset",
    "load_with_preset",
    "read_preset",
    "recognise",
    "workspace_folder",
]


def recognise(
    db_path: str | os.PathLike[str] | None, path: Path, options: ReadOptions
) -> Binding | None:
    """The preset and export whose header ``path`` has (``options.preset`` if named);
    None if no preset knows it; ``InputError`` if several presets fit."""
    catalog = Catalog.for_workspace(db_path)
    columns = open_source(path, delimiter=options.delimiter, encoding=options.encoding).columns
    if options.preset is not None:
        return choose(catalog.get(options.preset), columns, options.mapping, None, str(path))
    return detect(catalog, columns, str(path))


def load_with_preset(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    path: Path,
    options: ReadOptions,
    preset: Preset,
    *,
    rules: Rules,
    name: str | None = None,
    progress: Progress | None = None,
) -> FileReport:
    """Load one file through ``preset``: the table's part and the consents it holds, one
    transaction; the report of the table, with the others' in ``also``."""
    label = name or str(path)
    try:
        columns = open_source(path, delimiter=options.delimiter, encoding=options.encoding).columns
    except InputError as exc:
        raise type(exc)(str(exc).replace(str(path), label)) from exc
    unknown = sorted(set(options.mapping.values()) - set(columns))
    if unknown:
        raise SchemaError(
            f"{label}: --map names the column {unknown[0]!r}, which the file does not have; "
            f"its columns are: {', '.join(columns)}."
        )
    binding = choose(preset, columns, options.mapping, table.name, label)
    run = Run(con, preset.name, binding.language, label, chosen=dict(options.questions))
    pipeline = Pipeline(binding, path, options, run)
    pipeline.prepare()
    parts = pipeline.parts(table)
    found: dict[str, int] = {}

    def links(reports: list[FileReport]) -> None:
        found["links"] = write_links(con, run, reports[0].batch_id or 0)

    recorded: dict[str, object] = {
        "preset": f"{preset.name}/{binding.export.name}",
        "language": binding.language,
    }
    if run.questions:
        recorded["questions"] = dict(run.questions)
    reports = load_parts(
        con,
        parts,
        path,
        options,
        rules=rules,
        label=label,
        progress=progress,
        recorded=recorded,
        after=links,
    )
    main = reports[0]
    main.preset, main.language = f"{preset.name}/{binding.export.name}", binding.language
    main.links = found.get("links", 0)
    for report, part in zip(reports[1:], parts[1:], strict=True):
        report.table = part.table.name
    main.also = reports[1:]
    return main
