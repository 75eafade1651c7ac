"""Ingestion: read every source a company has into the canonical tables, losing nothing.

``ingest(workspace, "orders", [path, ...], ReadOptions(...))`` loads each file as one
atomic, idempotent batch; rows that fail validation go to ``rejects`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from legame.errors import InputError
from legame.ingest.load import FileReport, Progress, load_file, table_named
from legame.ingest.memory import fit_budget
from legame.ingest.options import ReadOptions, parse_mapping
from legame.ingest.readers import expand
from legame.store import Workspace

__all__ = ["FileReport", "IngestReport", "ReadOptions", "ingest", "parse_mapping"]


@dataclass
class IngestReport:
    """The outcome of one ``ingest`` call: one entry per file, and the totals."""

    table: str
    files: list[FileReport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    @property
    def batch_ids(self) -> list[int]:
        return [f.batch_id for f in self.files if f.batch_id is not None]

    def to_dict(self) -> dict[str, object]:
        ids = self.batch_ids
        return {
            "table": self.table,
            "files": [f.to_dict() for f in self.files],
            "read": self.total("read"),
            "inserted": self.total("inserted"),
            "updated": self.total("updated"),
            "duplicates": self.total("duplicates"),
            "rejected": self.total("rejected"),
            "implicit_customers": self.total("implicit_customers"),
            "fees_waived": self.total("fees_waived"),
            # One file is one batch: its id; several files: the list of their ids.
            "batch_id": ids[0] if len(ids) == 1 else ids,
            "failed_files": len(self.failed),
        }


def ingest(
    workspace: Workspace,
    table: str,
    paths: Sequence[str | Path],
    options: ReadOptions | None = None,
    *,
    progress: Progress | None = None,
) -> IngestReport:
    """Load files (a folder means every file in it) into ``table``, one batch per file.

    A file that cannot be used at all (unknown type, missing required column) is
    reported with its error and the other files still load.
    """
    spec = table_named(table)
    options = options or ReadOptions()
    options.validate(spec)
    report = IngestReport(spec.name)
    files = expand([Path(p) for p in paths])
    with _bounded_memory(workspace):
        for path in files:
            try:
                report.files.append(
                    load_file(workspace.con, spec, path, options, progress=progress)
                )
            except InputError as exc:
                report.files.append(FileReport(str(path), error=str(exc)))
    return report


@contextmanager
def _bounded_memory(workspace: Workspace) -> Iterator[None]:
    """Stream big files within a fixed memory budget: DuckDB spills to disk beyond it."""
    con = workspace.con
    saved = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order')"
    ).fetchall()[0]
    fit_budget(con)
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{saved[0]}'")
        con.execute(f"SET preserve_insertion_order = {str(saved[1]).lower()}")
