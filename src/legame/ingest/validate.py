"""Turn raw text columns into typed canonical values, recording why a value is rejected.

All parsing happens in one SQL statement per batch (vectorised in DuckDB): each canonical
column gets a typed expression and an error expression; a row with any error is rejected
with one entry per failing field, and the good rows of the same file still load.
"""

from __future__ import annotations

from dataclasses import dataclass

from legame.ingest.options import ReadOptions
from legame.store.schema import CHOICE_SYNONYMS, Column, Table

#: Parsed values must fall in this span of years, to catch typos such as 2205.
YEARS = (1900, 2100)


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Layout:
    """Where each canonical field and each extra attribute sits in a source file."""

    fields: dict[str, str]  # canonical name -> raw column ("c3")
    extras: dict[str, str]  # source column name -> raw column
    source_names: dict[str, str]  # raw column -> name in the file


def layout(table: Table, columns: list[str], options: ReadOptions) -> tuple[Layout, list[str]]:
    """Match a file's header to the table; return the layout and the required fields missing."""
    raw = {name: f"c{i}" for i, name in enumerate(columns)}
    normal = {_normal(name): name for name in columns}
    fields: dict[str, str] = {}
    used: set[str] = set()
    for col in table.columns:
        source = options.mapping.get(col.name)
        if source is None and col.name in normal:
            source = normal[col.name]
        if source is None:
            continue
        if source not in raw:
            continue  # reported by the caller as an unknown mapped column
        fields[col.name] = raw[source]
        used.add(source)
    extras = {name: raw[name] for name in columns if name not in used}
    missing = [c.name for c in table.columns if c.required and c.name not in fields]
    return Layout(fields, extras, {v: k for k, v in raw.items()}), missing


def _normal(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def checked_select(table: Table, lay: Layout, options: ReadOptions, relation: str) -> str:
    """SELECT over ``relation`` (``_line``, ``c0``…) giving typed columns and ``_errors``."""
    typed: list[str] = []
    errors: list[str] = []
    for col in table.columns:
        raw = lay.fields.get(col.name)
        value, error = _column(col, raw, options)
        typed.append(f"{value} AS {ident(col.name)}")
        if error:
            errors.append(error)
    extra = (
        "CASE WHEN "
        + " AND ".join(f"NULLIF(trim({c}), '') IS NULL" for c in lay.extras.values())
        + " THEN NULL ELSE json_object("
        + ", ".join(f"{lit(name)}, NULLIF(trim({c}), '')" for name, c in lay.extras.items())
        + ") END"
        if lay.extras
        else "NULL::JSON"
    )
    record = (
        "json_object("
        + ", ".join(
            f"{lit(lay.source_names[c])}, {c}"
            for c in sorted(lay.source_names, key=lambda c: int(c[1:]))
        )
        + ")"
    )
    refs = [lay.fields[c] for c in table.customer_columns if c in lay.fields]
    customer_ids = (
        "list_filter(["
        + ", ".join(f"NULLIF(trim({c}), '')" for c in refs)
        + "], lambda x: x IS NOT NULL)"
        if refs
        else "[]::VARCHAR[]"
    )
    error_list = (
        "list_filter([" + ", ".join(errors) + "], lambda e: e IS NOT NULL)"
        if errors
        else "[]::STRUCT(field VARCHAR, raw VARCHAR, reason VARCHAR)[]"
    )
    return (
        "SELECT _line, " + ", ".join(typed) + f", {extra}::JSON AS _extra, "
        f"{error_list} AS _errors, {record} AS _record, {customer_ids} AS _customer_ids "
        f"FROM {relation}"
    )


def _error(col: Column, raw: str, condition: str, reason: str) -> str:
    return (
        f"CASE WHEN {condition} THEN {{'field': {lit(col.name)}, 'raw': {raw}, "
        f"'reason': {reason}}} END"
    )


def _column(col: Column, raw: str | None, options: ReadOptions) -> tuple[str, str | None]:
    """(typed expression, error expression or None) for one canonical column."""
    if raw is None:
        default = lit(col.default) if col.default is not None else "NULL"
        return f"{default}::{col.sql_type}", None
    v = f"NULLIF(trim({raw}), '')"
    missing = _error(col, raw, f"{v} IS NULL", lit("missing (required)")) if col.required else None
    parse = {
        "id": _text,
        "text": _text,
        "timestamp": _timestamp,
        "amount": _amount,
        "int": _int,
        "choice": _choice,
    }[col.kind]
    value, bad = parse(col, v, options)
    checks = [e for e in (missing, *(_error(col, raw, cond, reason) for cond, reason in bad)) if e]
    if not checks:
        return value, None
    if len(checks) == 1:
        return value, checks[0]
    # The first failing check explains the value; later ones would repeat it.
    return value, "coalesce(" + ", ".join(checks) + ")"


Checks = list[tuple[str, str]]


def _text(col: Column, v: str, options: ReadOptions) -> tuple[str, Checks]:
    value = {"lower": f"lower({v})", "upper": f"upper({v})"}.get(col.case or "", v)
    bad: Checks = []
    if col.name == "time_zone":
        bad.append(
            (
                f"{v} IS NOT NULL AND {v} NOT IN (SELECT name FROM pg_timezone_names())",
                lit("unknown time zone; use an IANA name such as Europe/Rome"),
            )
        )
    return value, bad


def _timestamp(col: Column, v: str, options: ReadOptions) -> tuple[str, Checks]:
    formats: list[str] = []
    if options.date_format:
        fmt = options.date_format
        formats.append(fmt)
        if "%H" not in fmt:
            formats += [f"{fmt} %H:%M", f"{fmt} %H:%M:%S"]
    iso = f"TRY_CAST({v} AS TIMESTAMPTZ)::TIMESTAMP"
    parsed = (
        f"coalesce(try_strptime({v}, [{', '.join(lit(f) for f in formats)}])::TIMESTAMP, {iso})"
        if formats
        else iso
    )
    expected = (
        f"{options.date_format} or ISO 8601"
        if options.date_format
        else "ISO 8601 such as 2025-01-31 or 2025-01-31 14:05; use --date-format for "
        "other layouts, e.g. %d/%m/%Y"
    )
    value = f"CASE WHEN year({parsed}) BETWEEN {YEARS[0]} AND {YEARS[1]} THEN {parsed} END"
    return value, [
        (
            f"{v} IS NOT NULL AND {parsed} IS NULL",
            lit(f"not a valid date/time (expected {expected})"),
        ),
        (
            f"{parsed} IS NOT NULL AND {value} IS NULL",
            lit(f"implausible date: outside the years {YEARS[0]}-{YEARS[1]}"),
        ),
    ]


def _number_text(v: str, options: ReadOptions) -> tuple[str, str]:
    """(normalised text with '.' decimals, condition that the text is a well-formed number)."""
    s = f"regexp_replace({v}, '[\\s€$£]', '', 'g')"
    if options.decimal == ",":
        grouped, plain = r"^[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$", r"^[+-]?[0-9]+(,[0-9]+)?$"
        normal = f"replace(replace({s}, '.', ''), ',', '.')"
    else:
        grouped, plain = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$", r"^[+-]?[0-9]+(\.[0-9]+)?$"
        normal = f"replace({s}, ',', '')"
    ok = f"(regexp_matches({s}, {lit(grouped)}) OR regexp_matches({s}, {lit(plain)}))"
    return normal, ok


def _range(col: Column, value: str) -> Checks:
    lo, hi = col.min, col.max

    def fmt(x: float) -> str:
        return f"{x:g}"

    if lo is not None and hi is not None:
        return [
            (
                f"{value} NOT BETWEEN {lo} AND {hi}",
                lit(f"out of range: must be {fmt(lo)} to {fmt(hi)}"),
            )
        ]
    if lo is not None:
        return [(f"{value} < {lo}", lit(f"out of range: must be at least {fmt(lo)}"))]
    if hi is not None:
        return [(f"{value} > {hi}", lit(f"out of range: must be at most {fmt(hi)}"))]
    return []


def _amount(col: Column, v: str, options: ReadOptions) -> tuple[str, Checks]:
    normal, ok = _number_text(v, options)
    value = f"CASE WHEN {ok} THEN TRY_CAST({normal} AS {col.sql_type}) END"
    other = "." if options.decimal == "," else ","
    numeric = f"regexp_matches({v}, '^[+-]?[0-9][0-9.,]*$')"
    return value, [
        (
            f"{v} IS NOT NULL AND {value} IS NULL AND {numeric}",
            lit(
                f"not a number with '{options.decimal}' as decimal separator; "
                f"if the file uses '{other}' for decimals, pass --decimal {other}"
            ),
        ),
        (f"{v} IS NOT NULL AND {value} IS NULL", lit("not a number")),
        *_range(col, value),
    ]


def _int(col: Column, v: str, options: ReadOptions) -> tuple[str, Checks]:
    value = f"CASE WHEN regexp_matches({v}, '^[+-]?[0-9]+$') THEN TRY_CAST({v} AS INTEGER) END"
    return value, [
        (f"{v} IS NOT NULL AND {value} IS NULL", lit("not a whole number")),
        *_range(col, value),
    ]


def _choice(col: Column, v: str, options: ReadOptions) -> tuple[str, Checks]:
    low = f"lower({v})"
    whens = []
    for choice in col.choices:
        words = (choice, *CHOICE_SYNONYMS.get(choice, ()))
        whens.append(f"WHEN {low} IN ({', '.join(lit(w) for w in words)}) THEN {lit(choice)}")
    default = lit(col.default) if col.default is not None else "NULL"
    value = f"CASE WHEN {v} IS NULL THEN {default} {' '.join(whens)} END"
    return value, [
        (f"{v} IS NOT NULL AND {value} IS NULL", lit(f"must be one of {', '.join(col.choices)}")),
    ]
