"""Load one source file into the store as one atomic, idempotent batch.

Reading and validation fill a temporary table (nothing persistent is touched); then one
transaction writes the rejects, the updates (each recorded in ``row_changes``), the new
rows, the implicit customers and the ``batches`` row. A crash or a kill before COMMIT
leaves the store exactly as it was; after it, the whole file is in.

Nothing is merged silently: rows of one file that share a key are one row when identical
(counted as duplicates) and are all rejected when they differ. A reject already stored by
an earlier import (same table, record, field, value and reason) is not stored again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from legame.errors import InputError, SchemaError
from legame.ingest.bulk_key import add_key, without_key
from legame.ingest.ids import plain_mask
from legame.ingest.memory import fit_budget
from legame.ingest.options import ReadOptions
from legame.ingest.readers import Source, open_source
from legame.ingest.validate import (
    Layout,
    Rules,
    checked_select,
    customer_id_columns,
    layout,
    plain_columns,
)

# The one quoting module, under the short names the generated SQL reads best with.
from legame.sql.quote import identifier as ident
from legame.sql.quote import string_literal as lit
from legame.store.failures import repeated_key, rollback
from legame.store.moments import reached
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
    #: Of the rejected rows, those an earlier import already recorded (not stored again).
    already_rejected: int = 0
    implicit_customers: int = 0
    fees_waived: int = 0
    error: str | None = None
    #: A file read through a preset: which (``shopify/orders``) and its header language.
    preset: str | None = None
    language: str | None = None
    #: The table of an entry in ``also``; new links between a tool's ids and e-mails.
    table: str | None = None
    links: int = 0
    #: The other tables the same file wrote, in the same transaction (e.g. consents).
    also: list[FileReport] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("preset", "language", "table", "links", "also"):
            if not data[key]:
                del data[key]
        return data


@dataclass
class Part:
    """One table a file writes: its rows (``source``) and where each field sits in them.
    A file read through a preset may write two (orders and the consents they hold)."""

    table: Table
    source: Source
    lay: Layout


def load_file(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    path: Path,
    options: ReadOptions,
    *,
    rules: Rules | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> FileReport:
    """Validate and load one file; raise ``InputError`` if the file as a whole is unusable.

    ``name`` is what the store records as the source file and what messages call it (an
    upload's own name, not the server's copy); by default the path.
    """
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    label = name or str(path)
    try:
        source = open_source(
            path, delimiter=options.delimiter, encoding=options.encoding, typed=True
        )
    except InputError as exc:
        raise type(exc)(str(exc).replace(str(path), label)) from exc
    unknown = sorted(set(options.mapping.values()) - set(source.columns))
    if unknown:
        raise SchemaError(
            f"{label}: --map names the column {unknown[0]!r}, which the file does not have; "
            f"its columns are: {', '.join(source.columns)}."
        )
    lay, missing = layout(table, source.columns, options, typed=source.typed)
    if missing:
        raise SchemaError(
            f"{label}: no column for the required field(s) {', '.join(missing)} of "
            f"{table.name}; the file's columns are: {', '.join(source.columns)}. "
            f"Map one with --map {missing[0]}=COLUMN."
        )
    parts = [Part(table, source, lay)]
    return load_parts(con, parts, path, options, rules=rules, label=label, progress=progress)[0]


def load_parts(
    con: duckdb.DuckDBPyConnection,
    parts: list[Part],
    path: Path,
    options: ReadOptions,
    *,
    rules: Rules | None,
    label: str,
    progress: Progress | None = None,
    recorded: dict[str, object] | None = None,
    after: Callable[[list[FileReport]], None] | None = None,
) -> list[FileReport]:
    """Validate and load the tables one file writes, all in one transaction: the first
    part's report, then the others'. ``recorded`` is added to what each batch records of
    how the file was read; ``after(reports)`` runs in the transaction, after the writes."""
    for i, part in enumerate(parts):
        step_progress = progress if i == 0 else None
        _stage(
            con,
            part.table,
            part.lay,
            part.source,
            options,
            step_progress,
            rules or Rules(),
            label,
            into=_staged(i),
        )
    sha = _sha256(path)
    reached("ingest.staged")
    try:
        return _transaction(con, parts, label, sha, options, recorded, after, first_load=True)
    except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
        # A first load met a key its file repeats (at the insert, or at the commit that
        # built the key: bulk_key): rolled back, written again the general way.
        if isinstance(exc, duckdb.TransactionException) and not repeated_key(exc):
            raise
        return _transaction(con, parts, label, sha, options, recorded, after, first_load=False)
    finally:
        _drop(con, "_checked", "_inc", "_cls", *(_staged(i) for i in range(1, len(parts))))


def _transaction(
    con: duckdb.DuckDBPyConnection,
    parts: list[Part],
    label: str,
    sha: str,
    options: ReadOptions,
    recorded: dict[str, object] | None,
    after: Callable[[list[FileReport]], None] | None,
    *,
    first_load: bool,
) -> list[FileReport]:
    """Write the staged parts in one transaction. With ``first_load``, a table still empty
    takes the file's rows as they are, its primary key finding any key the file repeats
    (``duckdb.ConstraintException`` at the insert, or a failed commit when the key is built
    after the rows, ``bulk_key``; rolled back either way); otherwise each row is classified
    as new, changed or a duplicate first."""
    # sql-built-function: the staging tables' names are constants of this module.
    reports = [FileReport(label, format=part.source.format) for part in parts]
    con.execute("BEGIN TRANSACTION")
    try:
        for i, (part, report) in enumerate(zip(parts, reports, strict=True)):
            if i:
                con.execute(f"ALTER TABLE {_staged(i)} RENAME TO _checked")
            _write(
                con,
                part.table,
                part.lay,
                part.source,
                report,
                sha,
                options,
                recorded,
                first_load=first_load,
            )
            _drop(con, "_cls", "_inc", "_checked")
        if after is not None:
            after(reports)
        reached("ingest.written")
        # The commit merges the transaction's new index entries into the tables' indexes,
        # which hold both for a while: room for the new keys once more (at 50 million orders
        # the commit failed for want of it).
        fit_budget(
            con,
            new_keys=sum(
                r.inserted * (1 + len(_INDEXED.get(p.table.name, ()))) + r.implicit_customers
                for p, r in zip(parts, reports, strict=True)
            ),
            updated_rows=sum(r.updated for r in reports),
        )
        con.execute("COMMIT")
        reached("ingest.committed")
    except BaseException:
        rollback(con)
        raise
    return reports


def _drop(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop these temporary tables or views (in this order: a view before what it reads)."""
    # sql-built-function: the staging tables' names are constants of this module.
    for name in names:
        found = con.execute(
            "SELECT 'VIEW' FROM duckdb_views() WHERE temporary AND view_name = ? "
            "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE temporary AND table_name = ?",
            [name, name],
        ).fetchall()
        for (kind,) in found:
            con.execute(f"DROP {kind} {ident(name)}")


def _staged(i: int) -> str:
    """The temporary table that holds the checked rows of a file's ``i``-th part."""
    return "_checked" if i == 0 else f"_checked_{i}"


def _stage(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    lay: Layout,
    source: Source,
    options: ReadOptions,
    progress: Progress | None,
    rules: Rules,
    label: str,
    *,
    into: str = "_checked",
) -> None:
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    # The raw record and customer ids are there for rejected rows only: they are what a
    # reject needs, and storing them for every row would double the staging size.
    if not source.streams:
        staged = checked_select(table, lay, options, "_batch", rules)
        if _stage_batches(con, source, staged, label, progress, into):
            return
    else:
        # One statement over the whole file, fed batch by batch: DuckDB validates the batches
        # on all its threads while the reader parses the next, and spills what exceeds memory.
        # The reader also tests which texts are plain (``ids.plain_mask``), at a quarter of
        # what the same test costs in the statement.
        plain = plain_columns(table, lay)
        staged = checked_select(table, lay, options, "_batch", rules, plain_given=plain)
        failed: list[BaseException] = []
        reader = _reader(source, label, progress, failed, plain)
        if reader is not None:
            con.register("_batch", reader)
            try:
                _staging(con, f"CREATE OR REPLACE TEMP TABLE {ident(into)} AS {staged}", label)
            except InputError:
                if failed:
                    raise failed[0] from None
                raise
            finally:
                con.unregister("_batch")
            if failed:
                raise failed[0]
            return
    # Header only: an empty but well-formed file.
    con.execute(_empty_stage(table, lay, options, rules, into))


def _stage_batches(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    staged: str,
    label: str,
    progress: Progress | None,
    into: str,
) -> bool:
    """Stage a source batch by batch, for batches that need the connection to be made;
    False if it had none."""
    # sql-built-function: the staged query is built from the schema by ``_stage``.
    created = False
    for batch in _batches(source, label):
        con.register("_batch", batch)
        try:
            verb = "INSERT INTO" if created else "CREATE OR REPLACE TEMP TABLE"
            _staging(con, f"{verb} {ident(into)} {'' if created else 'AS '}{staged}", label)
            created = True
        finally:
            con.unregister("_batch")
        if progress:
            progress(batch.num_rows)
        reached("ingest.reading")
    return created


def _staging(con: duckdb.DuckDBPyConnection, statement: str, label: str) -> None:
    """Run a staging statement; an engine error reading the file is the file's error."""
    try:
        con.execute(statement)
    except (duckdb.IOException, duckdb.OutOfMemoryException):
        raise  # the machine, not the file: a full disk is said as such by the store
    except duckdb.Error as exc:
        # The engine's own words name its internals, not the file: kept on the chain
        # (``--debug``), not in the message a user (or an API client) reads.
        raise InputError(
            f"{label}: could not read the file ({type(exc).__name__}); check --encoding, "
            "--delimiter, --decimal and --date-format."
        ) from exc


def _reader(
    source: Source,
    label: str,
    progress: Progress | None,
    failed: list[BaseException],
    plain: dict[str, str],
) -> pa.RecordBatchReader | None:
    """The source's batches as one stream for DuckDB, or None for a file with no rows, each
    with the plain test of the ``plain`` text columns (``c3`` -> ``p3``). An error while
    reading ends the stream and is kept in ``failed``, for the caller to raise (DuckDB would
    otherwise report it as its own)."""
    batches = (_with_plain(batch, plain) for batch in _batches(source, label))
    first = next(batches, None)
    if first is None:
        return None

    def stream() -> Iterator[pa.RecordBatch]:
        batch: pa.RecordBatch | None = first
        try:
            while batch is not None:
                yield batch
                if progress:
                    progress(batch.num_rows)
                reached("ingest.reading")
                batch = next(batches, None)
        except BaseException as exc:  # kept for the caller, raised on its thread
            failed.append(exc)
            raise

    return pa.RecordBatchReader.from_batches(first.schema, stream())


def _with_plain(batch: pa.RecordBatch, plain: dict[str, str]) -> pa.RecordBatch:
    """The batch with a column per text column of ``plain``: its plain test."""
    if not plain:
        return batch
    return pa.RecordBatch.from_arrays(
        [*batch.columns, *(plain_mask(batch.column(raw)) for raw in plain)],
        names=[*batch.schema.names, *plain.values()],
    )


def _batches(source: Source, label: str) -> Iterator[pa.RecordBatch]:
    """The source's batches; a file the reader cannot decode is an ``InputError``."""
    batches = source.batches()
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, UnicodeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(
                f"{label}: could not read the file: {reason.replace(str(source.path), label)}. "
                "Check --encoding and --delimiter."
            ) from exc
        if batch is None:
            return
        yield batch


def _empty_stage(
    table: Table, lay: Layout, options: ReadOptions, rules: Rules, into: str = "_checked"
) -> str:
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    columns = ", ".join(
        f"NULL::{lay.typed.get(f'c{i}', 'VARCHAR')} AS c{i}" for i in range(len(lay.source_names))
    )
    relation = f"(SELECT NULL::BIGINT AS _line, {columns} LIMIT 0)"
    checked = checked_select(table, lay, options, relation, rules)
    return f"CREATE OR REPLACE TEMP TABLE {ident(into)} AS {checked}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    return int(con.execute(sql, params or []).fetchall()[0][0])


#: Indexes a table has besides its primary key (migrations 0002 and 0006).
_INDEXED: dict[str, tuple[str, ...]] = {
    "messages": ("customer_id",),
    "consents": ("customer_id",),
    "tickets": ("customer_id",),
}


def _write(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    lay: Layout,
    source: Source,
    report: FileReport,
    sha: str,
    options: ReadOptions,
    recorded: dict[str, object] | None = None,
    *,
    first_load: bool = False,
) -> None:
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    batch_id = _one(con, "SELECT nextval('batch_seq')")
    report.batch_id = batch_id
    name, file = table.name, report.path
    # Into an empty table every good row is new: no classification against the table, and
    # no search for repeated keys (the primary key finds them, as the rows go in or, built
    # after them, at the commit).
    first_load = first_load and not con.execute(f"SELECT 1 FROM {ident(name)} LIMIT 1").fetchall()
    conflicts = _no_repeated_keys(con, table) if first_load else _repeated_keys(con, table)
    _write_rejects(con, table, lay, source, report, [batch_id, name, file])
    # Made inside the transaction, these go with a rollback too.
    con.execute("DROP TABLE temp._rej")
    con.execute("DROP TABLE temp._keys")
    bad_rows = _one(con, "SELECT count(*) FROM _checked WHERE len(_errors) > 0")
    good_rows = _one(con, "SELECT count(*) FROM _checked") - bad_rows
    report.read = good_rows + bad_rows + len(source.broken)
    report.rejected = bad_rows + conflicts + len(source.broken)

    key = table.key
    cols = ", ".join(ident(c) for c in table.names)
    on = " AND ".join(f"t.{ident(k)} = i.{ident(k)}" for k in key)
    present = [c for c in table.names if c in lay.fields]
    compared = [c for c in present if c not in key]
    differs = [f"t.{ident(c)} IS DISTINCT FROM i.{ident(c)}" for c in compared]
    if lay.extras:
        differs.append("t._extra IS DISTINCT FROM i._extra")
    if name == "customers":
        differs.append("t.implicit")
    changed = " OR ".join(differs) or "false"
    if first_load:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _cls AS SELECT i.*, false AS _exists, "
            "false AS _changed, NULL::JSON AS _before FROM _inc i"
        )
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _cls AS SELECT i.*, "
            f"t.{ident(key[0])} IS NOT NULL AS _exists, coalesce({changed}, false) AS _changed, "
            f"{_json(compared, 't', lay)} AS _before "
            f"FROM _inc i LEFT JOIN {ident(name)} t ON {on}"
        )
    report.updated = _one(con, "SELECT count(*) FROM _cls WHERE _exists AND _changed")
    report.inserted = _one(con, "SELECT count(*) FROM _cls WHERE NOT _exists")
    report.duplicates = good_rows - conflicts - report.updated - report.inserted

    row_key = "concat_ws('|', " + ", ".join(f"i.{ident(k)}::VARCHAR" for k in key) + ")"
    con.execute(
        f"INSERT INTO row_changes SELECT ?, ?, {row_key}, {_customer_ids(table, 'i')}, "
        f"now()::TIMESTAMP, _before, {_json(compared, 'i', lay)} "
        "FROM _cls i WHERE _exists AND _changed",
        [batch_id, name],
    )
    assignments = [f"{ident(c)} = i.{ident(c)}" for c in compared]
    if lay.extras:
        assignments.append("_extra = i._extra")
    if name == "customers":
        assignments.append("implicit = false")
    assignments += ["_batch_id = ?", "_source_file = ?", "_source_line = i._line"]
    # The updated rows stay in memory until the commit (11.2 million customers updated at
    # once ran out of a 1 GB budget): room for them from here on.
    fit_budget(con, updated_rows=report.updated)
    con.execute(
        f"UPDATE {ident(name)} AS t SET {', '.join(assignments)} "
        f"FROM (SELECT * FROM _cls WHERE _exists AND _changed) AS i WHERE {on}",
        [batch_id, file],
    )
    # The table's primary key (and customer index) grow by the new rows, in memory that
    # DuckDB cannot spill: make room for them first.
    fit_budget(
        con,
        new_keys=report.inserted * (1 + len(_INDEXED.get(name, ()))),
        updated_rows=report.updated,
    )
    built_key = without_key(con, name) if first_load else None
    con.execute(
        f"INSERT INTO {ident(name)} ({cols}, _batch_id, _source_file, _source_line, _extra) "
        f"SELECT {cols}, ?, ?, _line, _extra FROM _cls WHERE NOT _exists",
        [batch_id, file],
    )
    if built_key is not None:
        add_key(con, name, built_key)
    report.implicit_customers = _implicit_customers(
        con, table, batch_id, file, updated_rows=report.updated
    )
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
                    "thousands": options.thousands,
                    "date_format": options.date_format,
                    "encoding": source.encoding,
                    **(recorded or {}),
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


def _customer_ids(table: Table, alias: str) -> str:
    """SQL: the customer ids of a typed row (``alias``), for erasure to find its traces."""
    refs = ", ".join(f"{alias}.{ident(c)}" for c in customer_id_columns(table))
    return f"list_filter([{refs}], lambda x: x IS NOT NULL)" if refs else "NULL::VARCHAR[]"


def _repeated_keys(con: duckdb.DuckDBPyConnection, table: Table) -> int:
    """Fill ``_inc`` with the good rows to load and ``_keys`` with the keys repeated in the
    file; return how many rows share a key with a different row (all of them rejected).

    Rows with one key are compared by a hash of their values: identical rows are one row
    (the last is kept, the others count as duplicates); rows that differ are none of them
    loaded, never merged. Found with a group-by and a join, which DuckDB spills to disk
    beyond its memory budget, not with a window over every row, which it cannot (50 million
    orders ran out of memory that way); the group keeps two hashes per key, not the rows.
    """
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    key = table.key
    keys = ", ".join(ident(k) for k in key)
    same_key = " AND ".join(f"c.{ident(k)} IS NOT DISTINCT FROM d.{ident(k)}" for k in key)
    values = ", ".join(ident(n) for n in table.names)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _keys AS SELECT {keys}, min(_line) AS _first, "
        "max(_line) AS _last, count(*) AS _n, min(_h) <> max(_h) AS _conflict "
        f"FROM (SELECT {keys}, _line, hash({values}, _extra) AS _h FROM _checked "
        f"WHERE len(_errors) = 0) GROUP BY {keys} HAVING count(*) > 1"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _inc AS SELECT c._line, "
        f"{', '.join(f'c.{ident(n)}' for n in table.names)}, c._extra FROM _checked c "
        f"LEFT JOIN _keys d ON {same_key} "
        "WHERE len(c._errors) = 0 AND (d._last IS NULL OR (NOT d._conflict AND c._line = d._last))"
    )
    return _one(con, "SELECT coalesce(sum(_n), 0) FROM _keys WHERE _conflict")


def _no_repeated_keys(con: duckdb.DuckDBPyConnection, table: Table) -> int:
    """``_repeated_keys`` for a first load that assumes none: ``_keys`` empty, ``_inc`` a
    view of the good rows. Returns 0 conflicts."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    keys = ", ".join(ident(k) for k in table.key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _keys AS SELECT {keys}, 0::BIGINT AS _first, "
        "0::BIGINT AS _last, 0::BIGINT AS _n, false AS _conflict FROM _checked LIMIT 0"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _inc AS SELECT _line, "
        f"{', '.join(ident(n) for n in table.names)}, _extra FROM _checked "
        "WHERE len(_errors) = 0"
    )
    return 0


def _write_rejects(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    lay: Layout,
    source: Source,
    report: FileReport,
    meta: list[object],
) -> None:
    """Store the file's rejects (failing fields, conflicting keys, records that cannot be
    split), except those an earlier import stored already: same table, record, field, value
    and reason. ``report.already_rejected`` counts the rows whose every reject was known."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    key = table.key
    same_key = " AND ".join(f"c.{ident(k)} IS NOT DISTINCT FROM d.{ident(k)}" for k in key)
    named = ", ".join(key)
    row_key = "concat_ws('|', " + ", ".join(f"c.{ident(k)}::VARCHAR" for k in key) + ")"
    split = "cannot split the record into the header's fields: "
    broken = pa.table(
        {
            "line": pa.array([b[0] for b in source.broken], pa.int64()),
            "text": pa.array([b[1] for b in source.broken], pa.string()),
            "reason": pa.array([split + b[2] for b in source.broken], pa.string()),
        }
    )
    entries = (
        "SELECT _line AS line, e.field AS field, e.raw AS raw_value, e.reason AS reason, "
        "_record AS record, _customer_ids AS customer_ids FROM ("
        "SELECT _line, unnest(_errors) AS e, _record, _customer_ids FROM _checked "
        "WHERE len(_errors) > 0) "
        f"UNION ALL SELECT c._line, {lit(named)}, {row_key}, "
        f"CASE WHEN d._n = 2 THEN {lit(f'the same key ({named}) as line ')} "
        "|| (d._first + d._last - c._line) "
        f"|| {lit(' with other values: neither row was loaded; keep the right one')} "
        f"ELSE {lit(f'the same key ({named}) as ')} || (d._n - 1) || ' other lines (' "
        "|| d._first || ' to ' || d._last || ') '"
        f"|| {lit('with other values: none of them was loaded; keep the right one')} END, "
        f"{_loaded_record(lay, 'c')}, {_customer_ids(table, 'c')} "
        f"FROM _checked c JOIN _keys d ON {same_key} WHERE len(c._errors) = 0 AND d._conflict "
        "UNION ALL SELECT line, NULL, text, reason, NULL::JSON, NULL::VARCHAR[] FROM _broken"
    )
    con.register("_broken", broken)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _rej AS SELECT x.*, EXISTS (SELECT 1 FROM rejects r "
            "WHERE r.table_name = ? AND r.reason = x.reason "
            "AND r.field IS NOT DISTINCT FROM x.field "
            "AND r.raw_value IS NOT DISTINCT FROM x.raw_value "
            f"AND r.record IS NOT DISTINCT FROM x.record) AS known FROM ({entries}) x",
            [table.name],
        )
    finally:
        con.unregister("_broken")
    con.execute(
        "INSERT INTO rejects SELECT ?, ?, ?, line, field, raw_value, reason, record, "
        "customer_ids FROM _rej WHERE NOT known ORDER BY line",
        meta,
    )
    report.already_rejected = _one(
        con, "SELECT count(*) FROM (SELECT line FROM _rej GROUP BY line HAVING bool_and(known))"
    )


def _loaded_record(lay: Layout, alias: str) -> str:
    """SQL: a good row as a record (the file's column names, the values as read), for a
    reject of a row that was valid on its own; its raw text is not staged for good rows."""
    parts = []
    for raw in sorted(lay.source_names, key=lambda c: int(c[1:])):
        column = lay.source_names[raw]
        field = next((f for f, r in lay.fields.items() if r == raw), None)
        value = (
            f"{alias}.{ident(field)}::VARCHAR"
            if field is not None
            else f"{alias}._extra->>{lit(column)}"
        )
        parts.append(f"{lit(column)}, {value}")
    return f"json_object({', '.join(parts)})" if parts else "NULL::JSON"


def _json(columns: list[str], alias: str, lay: Layout) -> str:
    parts = [f"{lit(c)}, {alias}.{ident(c)}" for c in columns]
    if lay.extras:
        parts.append(f"'_extra', {alias}._extra")
    return f"json_object({', '.join(parts)})" if parts else "NULL::JSON"


def _implicit_customers(
    con: duckdb.DuckDBPyConnection, table: Table, batch_id: int, file: str, *, updated_rows: int
) -> int:
    """Create customers referenced by this batch but not yet known, flagged implicit (the
    budget keeping its room for the ``updated_rows`` the batch updated)."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    if table.name == "customers" or not table.customer_columns:
        return 0
    refs = " UNION ALL ".join(
        f"SELECT {ident(c)} AS customer_id, _line FROM _cls WHERE {ident(c)} IS NOT NULL"
        for c in table.customer_columns
    )
    # Finding the new ids is an aggregate over them, and each will take room in the index:
    # make room for both first, from an estimate of the distinct ids (HyperLogLog, streamed).
    # 100M orders of 22.5M new customers ran out of a 1 GB budget here without the index's
    # room, and out of 5.5 GiB without the aggregate's (first load, 2026-12-07).
    referenced = _one(con, f"SELECT approx_count_distinct(customer_id) FROM ({refs}) r")
    fit_budget(
        con,
        new_keys=referenced,
        indexed_rows=_one(con, "SELECT count(*) FROM customers"),
        updated_rows=updated_rows,
        groups=referenced,
    )
    # One statement: the aggregate's groups go straight into the table (a temporary table
    # of them first took 1 s more at 50 million orders); its count is the insert's.
    return _one(
        con,
        "INSERT INTO customers (customer_id, implicit, _batch_id, _source_file, _source_line) "
        f"SELECT customer_id, true, ?, ?, min(_line) FROM ({refs}) r "
        "WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = r.customer_id) "
        "GROUP BY customer_id",
        [batch_id, file],
    )


def _waive_fees(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Fee-waiver gestures given (treatment arm) in this batch forgive their charge
    (``event_key = 'charge:<charge_id>'``): set ``waived_at``, recorded in row_changes."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
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
