"""Load one source file into the store as one atomic, idempotent batch.

Reading and validation fill a temporary table (nothing persistent is touched); then one
transaction writes the rejects, the updates (each recorded in ``row_changes``), the new
rows, the implicit customers and the ``batches`` row. A crash or a kill before COMMIT
leaves the store exactly as it was; after it, the whole file is in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from legame.errors import InputError, SchemaError
from legame.ingest.memory import fit_budget
from legame.ingest.options import ReadOptions
from legame.ingest.readers import Source, open_source
from legame.ingest.validate import Layout, checked_select, ident, layout, lit
from legame.store.schema import TABLES, Table

Progress = Callable[[int], None]


@dataclass
class FileReport:
    """What happened to one file."""

    path: str
    batch_id: int | None = None
    format: str | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    implicit_customers: int = 0
    fees_waived: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def load_file(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    path: Path,
    options: ReadOptions,
    *,
    progress: Progress | None = None,
) -> FileReport:
    """Validate and load one file; raise ``InputError`` if the file as a whole is unusable."""
    source = open_source(path, delimiter=options.delimiter, encoding=options.encoding)
    unknown = sorted(set(options.mapping.values()) - set(source.columns))
    if unknown:
        raise SchemaError(
            f"{path}: --map names the column {unknown[0]!r}, which the file does not have; "
            f"its columns are: {', '.join(source.columns)}."
        )
    lay, missing = layout(table, source.columns, options)
    if missing:
        raise SchemaError(
            f"{path}: no column for the required field(s) {', '.join(missing)} of {table.name}; "
            f"the file's columns are: {', '.join(source.columns)}. "
            f"Map one with --map {missing[0]}=COLUMN."
        )
    report = FileReport(str(path), format=source.format)
    _stage(con, table, lay, source, options, progress)
    sha = _sha256(path)
    con.execute("BEGIN TRANSACTION")
    try:
        _write(con, table, lay, source, report, sha, options)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for temp in ("_checked", "_inc", "_cls"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    return report


def _stage(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    lay: Layout,
    source: Source,
    options: ReadOptions,
    progress: Progress | None,
) -> None:
    select = checked_select(table, lay, options, "_batch")
    # Keep the raw record and customer ids only for rejected rows: they are what a reject
    # needs, and storing them for every row would double the staging size.
    staged = (
        f"SELECT * REPLACE (CASE WHEN len(_errors) > 0 THEN _record END AS _record, "
        f"CASE WHEN len(_errors) > 0 THEN _customer_ids END AS _customer_ids) FROM ({select})"
    )
    created = False
    for batch in source.batches():
        con.register("_batch", batch)
        try:
            if not created:
                con.execute(f"CREATE OR REPLACE TEMP TABLE _checked AS {staged}")
                created = True
            else:
                con.execute(f"INSERT INTO _checked {staged}")
        except duckdb.Error as exc:
            raise InputError(f"{source.path}: could not read the file: {exc}") from exc
        finally:
            con.unregister("_batch")
        if progress:
            progress(batch.num_rows)
    if not created:  # header only: an empty but well-formed file
        con.execute(_empty_stage(table, lay, options))


def _empty_stage(table: Table, lay: Layout, options: ReadOptions) -> str:
    columns = ", ".join(f"NULL::VARCHAR AS c{i}" for i in range(len(lay.source_names)))
    relation = f"(SELECT NULL::BIGINT AS _line, {columns} LIMIT 0)"
    return (
        f"CREATE OR REPLACE TEMP TABLE _checked AS {checked_select(table, lay, options, relation)}"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    return int(con.execute(sql, params or []).fetchall()[0][0])


def _write(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    lay: Layout,
    source: Source,
    report: FileReport,
    sha: str,
    options: ReadOptions,
) -> None:
    batch_id = _one(con, "SELECT nextval('batch_seq')")
    report.batch_id = batch_id
    name, file = table.name, str(source.path)
    meta = [batch_id, name, file]

    con.execute(
        "INSERT INTO rejects "
        "SELECT ?, ?, ?, _line, e.field, e.raw, e.reason, _record, _customer_ids FROM ("
        "SELECT _line, unnest(_errors) AS e, _record, _customer_ids FROM _checked "
        "WHERE len(_errors) > 0)",
        meta,
    )
    for line, text, reason in source.broken:
        con.execute(
            "INSERT INTO rejects VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, NULL)",
            [*meta, line, text, f"cannot split the record into the header's fields: {reason}"],
        )
    bad_rows = _one(con, "SELECT count(*) FROM _checked WHERE len(_errors) > 0")
    good_rows = _one(con, "SELECT count(*) FROM _checked") - bad_rows
    report.read = good_rows + bad_rows + len(source.broken)
    report.rejected = bad_rows + len(source.broken)

    key = table.key
    cols = ", ".join(ident(c) for c in table.names)
    # The last row of the file wins for a key repeated within it. Found with a group-by and
    # a join, which DuckDB spills to disk beyond its memory budget, not with a window over
    # every row, which it cannot (50 million orders ran out of memory that way).
    keys = ", ".join(ident(k) for k in key)
    last_of = " AND ".join(f"c.{ident(k)} IS NOT DISTINCT FROM d.{ident(k)}" for k in key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _inc AS SELECT c._line, "
        f"{', '.join(f'c.{ident(n)}' for n in table.names)}, c._extra FROM _checked c "
        f"LEFT JOIN (SELECT {keys}, max(_line) AS _last FROM _checked WHERE len(_errors) = 0 "
        f"GROUP BY {keys} HAVING count(*) > 1) d ON {last_of} "
        f"WHERE len(c._errors) = 0 AND (d._last IS NULL OR c._line = d._last)"
    )
    on = " AND ".join(f"t.{ident(k)} = i.{ident(k)}" for k in key)
    present = [c for c in table.names if c in lay.fields]
    compared = [c for c in present if c not in key]
    differs = [f"t.{ident(c)} IS DISTINCT FROM i.{ident(c)}" for c in compared]
    if lay.extras:
        differs.append("t._extra IS DISTINCT FROM i._extra")
    if name == "customers":
        differs.append("t.implicit")
    changed = " OR ".join(differs) or "false"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cls AS SELECT i.*, "
        f"t.{ident(key[0])} IS NOT NULL AS _exists, coalesce({changed}, false) AS _changed, "
        f"{_json(compared, 't', lay)} AS _before "
        f"FROM _inc i LEFT JOIN {ident(name)} t ON {on}"
    )
    report.updated = _one(con, "SELECT count(*) FROM _cls WHERE _exists AND _changed")
    report.inserted = _one(con, "SELECT count(*) FROM _cls WHERE NOT _exists")
    report.duplicates = good_rows - report.updated - report.inserted

    refs = ", ".join(f"i.{ident(c)}" for c in table.customer_columns)
    customer_ids = f"list_filter([{refs}], lambda x: x IS NOT NULL)" if refs else "NULL"
    row_key = "concat_ws('|', " + ", ".join(f"i.{ident(k)}::VARCHAR" for k in key) + ")"
    con.execute(
        f"INSERT INTO row_changes SELECT ?, ?, {row_key}, {customer_ids}, now()::TIMESTAMP, "
        f"_before, {_json(compared, 'i', lay)} FROM _cls i WHERE _exists AND _changed",
        [batch_id, name],
    )
    assignments = [f"{ident(c)} = i.{ident(c)}" for c in compared]
    if lay.extras:
        assignments.append("_extra = i._extra")
    if name == "customers":
        assignments.append("implicit = false")
    assignments += ["_batch_id = ?", "_source_file = ?", "_source_line = i._line"]
    con.execute(
        f"UPDATE {ident(name)} AS t SET {', '.join(assignments)} "
        f"FROM (SELECT * FROM _cls WHERE _exists AND _changed) AS i WHERE {on}",
        [batch_id, file],
    )
    con.execute(
        f"INSERT INTO {ident(name)} ({cols}, _batch_id, _source_file, _source_line, _extra) "
        f"SELECT {cols}, ?, ?, _line, _extra FROM _cls WHERE NOT _exists",
        [batch_id, file],
    )
    report.implicit_customers = _implicit_customers(con, table, batch_id, file)
    if name == "gestures":
        report.fees_waived = _waive_fees(con, batch_id)
    con.execute(
        "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, now()::TIMESTAMP, "
        "?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            name,
            file,
            sha,
            source.format,
            json.dumps(
                {
                    "mapping": options.mapping,
                    "delimiter": source.delimiter,
                    "decimal": options.decimal,
                    "date_format": options.date_format,
                    "encoding": source.encoding,
                }
            ),
            report.read,
            report.inserted,
            report.updated,
            report.duplicates,
            report.rejected,
            report.implicit_customers,
        ],
    )


def _json(columns: list[str], alias: str, lay: Layout) -> str:
    parts = [f"{lit(c)}, {alias}.{ident(c)}" for c in columns]
    if lay.extras:
        parts.append(f"'_extra', {alias}._extra")
    return f"json_object({', '.join(parts)})" if parts else "NULL::JSON"


def _implicit_customers(
    con: duckdb.DuckDBPyConnection, table: Table, batch_id: int, file: str
) -> int:
    """Create customers referenced by this batch but not yet known, flagged implicit."""
    if table.name == "customers" or not table.customer_columns:
        return 0
    refs = " UNION ALL ".join(
        f"SELECT {ident(c)} AS customer_id, _line FROM _cls WHERE {ident(c)} IS NOT NULL"
        for c in table.customer_columns
    )
    # Finding the new ids is an aggregate over them, and each will take room in the index:
    # make room for both first, from an estimate of the distinct ids (HyperLogLog, streamed).
    # 100M orders of 22.5M new customers ran out of a 1 GB budget here without it.
    referenced = _one(con, f"SELECT approx_count_distinct(customer_id) FROM ({refs}) r")
    fit_budget(con, new_keys=referenced, indexed_rows=_one(con, "SELECT count(*) FROM customers"))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _new_customers AS "
        f"SELECT customer_id, min(_line) AS line FROM ({refs}) r "
        "WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = r.customer_id) "
        "GROUP BY customer_id"
    )
    try:
        added = _one(con, "SELECT count(*) FROM _new_customers")
        if added:
            con.execute(
                "INSERT INTO customers (customer_id, implicit, _batch_id, _source_file, "
                "_source_line) SELECT customer_id, true, ?, ?, line FROM _new_customers",
                [batch_id, file],
            )
    finally:
        con.execute("DROP TABLE IF EXISTS temp._new_customers")
    return added


def _waive_fees(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Fee-waiver gestures given (treatment arm) in this batch forgive their charge
    (``event_key = 'charge:<charge_id>'``): set ``waived_at``, recorded in row_changes."""
    waivers = (
        "FROM gestures g WHERE g._batch_id = ? AND g.kind = 'fee_waiver' "
        "AND g.arm = 'treatment' AND g.given_at IS NOT NULL "
        "AND g.event_key = 'charge:' || c.charge_id AND c.waived_at IS NULL"
    )
    con.execute(
        "INSERT INTO row_changes SELECT ?, 'charges', c.charge_id, [c.customer_id], "
        "now()::TIMESTAMP, json_object('waived_at', NULL), "
        "json_object('waived_at', (SELECT min(g.given_at) " + waivers + ")) "
        "FROM charges c WHERE EXISTS (SELECT 1 " + waivers + ")",
        [batch_id, batch_id, batch_id],
    )
    return _one(
        con,
        "UPDATE charges c SET waived_at = (SELECT min(g.given_at) " + waivers + ") "
        "WHERE EXISTS (SELECT 1 " + waivers + ")",
        [batch_id, batch_id],
    )


def table_named(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise InputError(f"Unknown table {name!r}; the tables are: {', '.join(TABLES)}.") from None
