"""Ingestion: read every source a company has into the canonical tables, losing nothing.

``ingest(workspace, "orders", [path, ...], ReadOptions(...))`` loads each file as one
atomic, idempotent batch; rows that fail validation go to ``rejects`` with the reason.
The workspace's policy (``[ingest]`` in ``legame.toml``) says how far in the future a
timestamp may be and how customer ids are case-folded (``legame.ingest.ids``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from legame.errors import InputError
from legame.ingest.load import FileReport, Progress, load_file, table_named
from legame.ingest.memory import fit_budget
from legame.ingest.options import ReadOptions, parse_mapping
from legame.ingest.readers import expand
from legame.ingest.validate import Rules
from legame.policy import load_policy, policy_path_for
from legame.store import Workspace
from legame.store.failures import storage_errors

if TYPE_CHECKING:
    from legame.ingest.presets import Preset

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
            "already_rejected": self.total("already_rejected"),
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
    source_name: str | None = None,
    now: datetime | None = None,
) -> IngestReport:
    """Load files (a folder means every file in it) into ``table``, one batch per file.

    A file that cannot be used at all (unknown type, missing required column) is
    reported with its error and the other files still load. ``source_name`` is the name to
    record and report for a single file instead of its path (an upload's own name).
    ``now`` is the import time that future timestamps are measured from (default: now).
    """
    spec = table_named(table)
    options = options or ReadOptions()
    options.validate(spec)
    rules = _rules(workspace, now)
    report = IngestReport(spec.name)
    files = expand([Path(p) for p in paths])
    if source_name is not None and len(files) != 1:
        raise InputError(f"source_name names one file; got {len(files)} files.")
    preset = _preset(workspace, options)
    # One writer at a time, from the memory budget (a database-wide setting) to the commit.
    with workspace.writing(), storage_errors(workspace.path), _bounded_memory(workspace):
        for path in files:
            try:
                if preset is not None:
                    from legame.ingest.presets import load_with_preset

                    loaded = load_with_preset(
                        workspace.con,
                        spec,
                        path,
                        options,
                        preset,
                        rules=rules,
                        name=source_name,
                        progress=progress,
                    )
                else:
                    loaded = load_file(
                        workspace.con,
                        spec,
                        path,
                        options,
                        rules=rules,
                        name=source_name,
                        progress=progress,
                    )
                report.files.append(loaded)
            except InputError as exc:
                report.files.append(FileReport(source_name or str(path), error=str(exc)))
    return report


def _preset(workspace: Workspace, options: ReadOptions) -> Preset | None:
    """The preset ``options`` names, read and checked once for every file of the call."""
    if options.preset is None:
        return None
    from legame.ingest.presets import Catalog

    return Catalog.for_workspace(workspace.path).get(options.preset)


def _rules(workspace: Workspace, now: datetime | None) -> Rules:
    """The workspace policy's ``[ingest]`` rules for an import at ``now`` (naive = UTC)."""
    policy = load_policy(policy_path_for(workspace.path)).ingest
    now = now or datetime.now(UTC)
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    return Rules(
        latest=now + policy.future_tolerance,
        tolerance=policy.future_tolerance_text,
        id_case=policy.customer_id_case,
    )


@contextmanager
def _bounded_memory(workspace: Workspace) -> Iterator[None]:
    """Stream big files within a fixed memory budget: DuckDB spills to disk beyond it."""
    fit_budget(workspace.con)
    try:
        with workspace.unordered():
            yield
    finally:
        workspace.restore_memory_limit()
