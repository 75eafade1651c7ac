"""Read CSV, Parquet and JSON Lines files as a stream of batches.

Every value is read as text so that validation (one place, in SQL) sees exactly what the
file holds and can report the raw value it rejects; the one exception, when the caller asks
for it (``typed``), is a Parquet file's timestamps, dates and numbers, which arrive in their
own types (``Source.typed``): validation checks them as such instead of parsing their text
(2 million Parquet orders: 2.67× DuckDB's keyed load read as text, 1.99× typed). Each
batch carries ``_line``: the line of the record in a text file (the header is line 1), or
the row number in a Parquet file.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from legame.errors import InputError

Format = Literal["csv", "parquet", "jsonl"]

_SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_DELIMITERS = (",", ";", "\t", "|")
BATCH_ROWS = 131_072


def format_of(path: Path) -> Format:
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise InputError(
            f"{path}: unknown file type {path.suffix!r}; legame reads "
            ".csv/.tsv/.txt, .parquet and .jsonl/.ndjson files."
        ) from None


def expand(paths: list[Path]) -> list[Path]:
    """Files to read: each path itself, or every readable file in a folder (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in _SUFFIXES
            )
            if not inside:
                raise InputError(f"{path}: the folder holds no .csv, .parquet or .jsonl file.")
            files.extend(inside)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder.")
    return files


@dataclass
class Source:
    """One open source file: its columns, how it was read, and its stream of batches."""

    path: Path
    format: Format
    columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    #: Records the reader itself could not split into fields: (line, text, reason).
    broken: list[tuple[int | None, str, str]] = field(default_factory=list)
    batches: Callable[[], Iterator[pa.RecordBatch]] = lambda: iter(())
    #: Whether DuckDB may pull the batches on its own threads while it validates them; not
    #: when making a batch runs queries on the same connection (a preset's steps).
    streams: bool = True
    #: The columns that arrive in their own type (raw name such as ``c2`` -> the SQL type
    #: DuckDB reads them as); every other column is text.
    typed: dict[str, str] = field(default_factory=dict)


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` for a BOM, ``utf-16`` for its BOM, ``utf-16-le``/``-be`` without one
    (text in Latin letters leaves a NUL byte beside each), ``utf-8`` if the whole file
    decodes, else cp1252/latin-1."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        utf16 = _utf16_without_bom(fh.read(1 << 16))
        if utf16:
            return utf16
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 22):
                if not chunk.isascii():  # ASCII is UTF-8: only other chunks need decoding
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        # Not UTF-8: Windows exports (Excel, Italian/Spanish tools) are cp1252, a superset
        # of Latin-1 with the euro sign at 0x80; plain Latin-1 when cp1252 cannot decode it.
        fh.seek(0)
        try:
            codecs.decode(fh.read(), "cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when NUL bytes sit at the odd (or even) offsets of
    most two-byte units, as an ASCII header and its values do in UTF-16; else None."""
    units = len(head) // 2
    if units < 2:
        return None
    even, odd = head[0 : 2 * units : 2], head[1 : 2 * units : 2]
    if odd.count(0) >= 0.6 * units and even.count(0) <= 0.1 * units:
        return "utf-16-le"
    if even.count(0) >= 0.6 * units and odd.count(0) <= 0.1 * units:
        return "utf-16-be"
    return None


def clean_file_name(name: str | None, *, default: str = "upload.csv") -> str:
    """A client's file name made safe to record and show: its last path part (``/`` or
    ``\\``), without control characters or surrounding spaces, at most 200 characters."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if base in ("", ".", ".."):
        return default
    stem, dot, suffix = base.rpartition(".")
    if len(base) > 200:
        base = (stem[:190] + dot + suffix[:9]) if dot else base[:200]
    return base


def sniff_delimiter(header: str) -> str:
    """The candidate delimiter that splits the header line into the most fields."""
    best, best_count = ",", 0
    for delim in _DELIMITERS:
        count = len(next(csv.reader([header], delimiter=delim)))
        if count > best_count:
            best, best_count = delim, count
    return best


def open_source(
    path: Path, *, delimiter: str | None, encoding: str | None, typed: bool = False
) -> Source:
    """Open a file by its extension. With ``typed``, a Parquet file's timestamp, date and
    number columns keep their types (``Source.typed``); otherwise every value is text."""
    fmt = format_of(path)
    if fmt == "csv":
        return _open_csv(path, delimiter=delimiter, encoding=encoding)
    if fmt == "parquet":
        return _open_parquet(path, typed=typed)
    return _open_jsonl(path, encoding=encoding)


def _open_csv(path: Path, *, delimiter: str | None, encoding: str | None) -> Source:
    enc = encoding or detect_encoding(path)
    try:
        with path.open("r", encoding=enc, newline="") as fh:
            header_line = fh.readline()
    except (LookupError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it as {enc}: {exc}") from exc
    if not header_line.strip():
        raise InputError(f"{path}: the file is empty (no header line).")
    if "\x00" in header_line:
        raise InputError(
            f"{path}: the header line holds NUL bytes: the file is not {enc}, probably UTF-16 "
            "or UTF-32 without a byte-order mark. Pass its encoding, e.g. --encoding utf-16-le "
            "(or utf-16-be, utf-32)."
        )
    delim = delimiter or sniff_delimiter(header_line.rstrip("\r\n"))
    columns = [c.strip() for c in next(csv.reader([header_line.rstrip("\r\n")], delimiter=delim))]
    _check_columns(path, columns)
    source = Source(path, "csv", columns, encoding=enc, delimiter=delim)
    arrow_encoding = "utf8" if enc in ("utf-8", "utf-8-sig") else enc

    # pyarrow numbers a broken record by its record number (the header is 1); lines are
    # placed once the records before it are known, to report the physical line.
    pending: dict[int, int] = {}  # record number -> index in source.broken

    def on_invalid(row: pacsv.InvalidRow) -> str:
        reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        source.broken.append((row.number, row.text, reason))
        if row.number is not None:
            pending[row.number] = len(source.broken) - 1
        return "skip"

    def batches() -> Iterator[pa.RecordBatch]:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=[f"c{i}" for i in range(len(columns))],
                skip_rows=1,
                encoding=arrow_encoding,
                block_size=1 << 24,
                use_threads=False,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(columns))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        cursor = _Cursor(source, pending)
        for batch in reader:
            yield _with_lines(batch, cursor.place(batch), columns)
        cursor.place_rest()

    source.batches = batches
    return source


class _Cursor:
    """Walks a CSV's records in order, giving each its physical line number.

    A record spans one line plus one per newline inside its quoted fields; records pyarrow
    could not split (``pending``) are skipped in the batches but still occupy lines.
    """

    def __init__(self, source: Source, pending: dict[int, int]) -> None:
        self.source, self.pending = source, pending
        self.record, self.line = 2, 2  # the header is record 1 on line 1

    def _skip_broken(self) -> None:
        while self.record in self.pending:
            index = self.pending.pop(self.record)
            _, text, reason = self.source.broken[index]
            self.source.broken[index] = (self.line, text, reason)
            self.line += text.count("\n") + 1
            self.record += 1

    def place(self, batch: pa.RecordBatch) -> np.ndarray:
        spans = np.ones(batch.num_rows, dtype=np.int64)
        for column in batch.columns:
            spans += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
        if not self.pending:
            starts = self.line + np.concatenate(([0], np.cumsum(spans)[:-1]))
            self.line += int(spans.sum())
            self.record += batch.num_rows
            return starts[: batch.num_rows].astype(np.int64)
        starts = np.empty(batch.num_rows, dtype=np.int64)
        for i, span in enumerate(spans.tolist()):
            self._skip_broken()
            starts[i] = self.line
            self.line += span
            self.record += 1
        return starts

    def place_rest(self) -> None:
        while self.pending:
            self._skip_broken()
            self.record += 1


def _open_parquet(path: Path, *, typed: bool) -> Source:
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(
            f"{path}: not a readable Parquet file (damaged, or another format named .parquet); "
            "a CSV file needs the .csv extension."
        ) from exc
    columns = list(pf.schema_arrow.names)
    _check_columns(path, columns)
    source = Source(path, "parquet", columns)
    kept = {
        i: sql_type
        for i, column_field in enumerate(pf.schema_arrow)
        if typed and (sql_type := _native_type(column_field.type)) is not None
    }
    source.typed = {f"c{i}": sql_type for i, sql_type in kept.items()}

    def batches() -> Iterator[pa.RecordBatch]:
        row = 1
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            values = [
                _as_native(batch.column(i)) if i in kept else _as_text(batch.column(i))
                for i in range(batch.num_columns)
            ]
            renamed = pa.RecordBatch.from_arrays(
                values, names=[f"c{i}" for i in range(len(values))]
            )
            yield _with_lines(renamed, np.arange(row, row + batch.num_rows), columns)
            row += batch.num_rows

    source.batches = batches
    return source


def _native_type(arrow: pa.DataType) -> str | None:
    """The SQL type a Parquet column is checked in, or None to check it as text: timestamps
    (any unit; with a time zone, as UTC), dates, decimals DuckDB holds, floats and integers
    that fit a BIGINT."""
    if pa.types.is_timestamp(arrow):
        return "TIMESTAMP"
    if pa.types.is_date(arrow):
        return "DATE"
    if pa.types.is_decimal128(arrow) and arrow.precision <= 38:
        return f"DECIMAL({arrow.precision}, {arrow.scale})"
    if pa.types.is_float32(arrow) or pa.types.is_float64(arrow):
        return "DOUBLE"
    if pa.types.is_signed_integer(arrow) or arrow in (pa.uint8(), pa.uint16(), pa.uint32()):
        return "BIGINT"
    return None


def _as_native(column: pa.Array) -> pa.Array:
    """A typed column as validation reads it: a timestamp with a time zone as naive UTC (the
    instants are stored in UTC), a date as date32, floats as float64, integers as int64."""
    if pa.types.is_timestamp(column.type):
        return column.cast(pa.timestamp(column.type.unit))
    if pa.types.is_date(column.type):
        return column.cast(pa.date32())
    if pa.types.is_floating(column.type):
        return column.cast(pa.float64())
    if pa.types.is_integer(column.type):
        return column.cast(pa.int64())
    return column


def _as_text(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))
    return column.cast(pa.string())


def _open_jsonl(path: Path, *, encoding: str | None) -> Source:
    enc = encoding or detect_encoding(path)
    columns: list[str] = []
    seen: set[str] = set()
    with path.open("r", encoding=enc) as fh:
        for text in fh:
            try:
                record = json.loads(text) if text.strip() else None
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                for key in record:
                    if key not in seen:
                        seen.add(key)
                        columns.append(key)
    if not columns:
        raise InputError(f"{path}: no JSON object found on any line.")
    source = Source(path, "jsonl", columns, encoding=enc)

    def batches() -> Iterator[pa.RecordBatch]:
        rows: list[list[str]] = []
        lines: list[int] = []
        with path.open("r", encoding=enc) as fh:
            for number, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    source.broken.append((number, text.rstrip("\n"), f"not valid JSON: {exc.msg}"))
                    continue
                if not isinstance(record, dict):
                    source.broken.append((number, text.rstrip("\n"), "not a JSON object"))
                    continue
                rows.append([_json_text(record.get(c)) for c in columns])
                lines.append(number)
                if len(rows) >= BATCH_ROWS:
                    yield _rows_batch(rows, lines, columns)
                    rows, lines = [], []
        if rows:
            yield _rows_batch(rows, lines, columns)

    source.batches = batches
    return source


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _rows_batch(rows: list[list[str]], lines: list[int], columns: list[str]) -> pa.RecordBatch:
    arrays = [pa.array([r[i] for r in rows], pa.string()) for i in range(len(columns))]
    return pa.RecordBatch.from_arrays(
        [pa.array(lines, pa.int64()), *arrays],
        names=["_line", *(f"c{i}" for i in range(len(columns)))],
    )


def _with_lines(batch: pa.RecordBatch, lines: np.ndarray, columns: list[str]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(lines, pa.int64()), *batch.columns],
        names=["_line", *(f"c{i}" for i in range(len(columns)))],
    )


def _check_columns(path: Path, columns: list[str]) -> None:
    blank = [i + 1 for i, c in enumerate(columns) if not c]
    if blank:
        raise InputError(f"{path}: header column {blank[0]} has no name.")
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        raise InputError(f"{path}: the header names the column {dup[0]!r} twice.")
