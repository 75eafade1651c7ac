"""Plan a campaign from an audience file: read and check it, apply the contact rules, and
write the rows that may go out and those suppressed, with why.

    audience = read_audience(Path("audience.csv"))     # refused: no customer_id, a blank id
    planned = plan_file(gov, audience, "email", Path("out"), at="2025-05-01T10:00")
    planned.allowed_file, planned.suppressed_file, planned.counts

The audience keeps its own columns, with their names, and its delimiter: ``allowed.csv``
holds the allowed rows as they were, ``suppressed.csv`` the others with ``rule``,
``reason``, ``until`` and ``rules`` added (``legame_rule`` ... where the file has a column
of that name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from legame.engage.governor.core import Governor
from legame.engage.governor.decision import RULES, iso_utc
from legame.errors import InputError
from legame.ingest.readers import open_source


@dataclass(frozen=True)
class Audience:
    """An audience file as read: every row, as text in the file's own columns; the column
    of customer ids; and the delimiter to write results with."""

    path: Path
    table: pa.Table
    id_column: str
    delimiter: str

    @property
    def customer_ids(self) -> pa.ChunkedArray:
        return self.table.column(self.id_column)


def read_audience(path: Path) -> Audience:
    """Read an audience file (CSV, Parquet or JSON Lines) with a customer_id column (named
    so in any case, with spaces or hyphens: "Customer ID"). A file without one, a broken
    line or a row without a customer id is an error naming the file and line."""
    source = open_source(path, delimiter=None, encoding=None)
    names = {c.strip().lower().replace(" ", "_").replace("-", "_"): c for c in source.columns}
    if "customer_id" not in names:
        raise InputError(
            f"{path}: no customer_id column; the file's columns are: "
            f"{', '.join(source.columns)}. Rename the customer column to customer_id."
        )
    schema = pa.schema(
        [("_line", pa.int64())] + [(f"c{i}", pa.string()) for i in range(len(source.columns))]
    )
    table = pa.Table.from_batches(list(source.batches()), schema=schema)
    if source.broken:
        line, _, reason = source.broken[0]
        raise InputError(f"{path}: line {line}: {reason}. Fix the line and plan again.")
    ids = table.column(1 + source.columns.index(names["customer_id"]))
    blank = pc.equal(pc.utf8_trim_whitespace(ids), "")
    if pc.any(blank).as_py():
        line = table.column("_line")[pc.index(blank, True).as_py()].as_py()
        raise InputError(f"{path}: line {line}: the customer_id is empty; every row needs one.")
    table = table.drop_columns(["_line"]).rename_columns(source.columns)
    return Audience(path, table, names["customer_id"], source.delimiter or ",")


@dataclass(frozen=True)
class PlannedFile:
    """What :func:`plan_file` wrote: the two files, and the rows planned, allowed,
    suppressed and suppressed per rule (a row counts once for each rule that blocks it)."""

    allowed_file: Path
    suppressed_file: Path
    audience: int
    allowed: int
    suppressed: int
    by_rule: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "audience": self.audience,
            "allowed": self.allowed,
            "suppressed": self.suppressed,
            "by_rule": self.by_rule,
            "allowed_file": str(self.allowed_file),
            "suppressed_file": str(self.suppressed_file),
        }


def plan_file(
    governor: Governor,
    audience: Audience,
    channel: str,
    out: Path,
    *,
    at: datetime | str | None = None,
    campaign_id: str | None = None,
    transactional: bool = False,
) -> PlannedFile:
    """Plan a send on ``channel`` to every row of ``audience`` at ``at`` (default: now) and
    write ``out/allowed.csv`` and ``out/suppressed.csv`` (the folder is created)."""
    result = governor.plan(
        audience.customer_ids, channel, at, campaign_id=campaign_id, transactional=transactional
    )
    table = audience.table
    out.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(delimiter=audience.delimiter)
    allowed_file, suppressed_file = out / "allowed.csv", out / "suppressed.csv"
    pacsv.write_csv(table.take(result.allowed.column("pos")), allowed_file, options)
    s = result.suppressed
    suppressed = table.take(s.column("pos"))
    extra = {
        "rule": s.column("rule"),
        "reason": s.column("reason"),
        "until": pa.array([iso_utc(v) for v in s.column("until").to_pylist()], pa.string()),
        "rules": pc.binary_join(s.column("rules"), ";"),
    }
    for name, values in extra.items():
        label = name if name not in table.column_names else f"legame_{name}"
        suppressed = suppressed.append_column(label, values)
    pacsv.write_csv(suppressed, suppressed_file, options)
    counts = result.counts()
    return PlannedFile(
        allowed_file=allowed_file,
        suppressed_file=suppressed_file,
        audience=table.num_rows,
        allowed=counts["allowed"],
        suppressed=counts["suppressed"],
        by_rule={rule: counts[rule] for rule in RULES if rule in counts},
    )
