"""Turn raw text columns into typed canonical values, recording why a value is rejected.

All parsing happens in one SQL statement per batch (vectorised in DuckDB): each canonical
column gets a typed expression and an error expression; a row with any error is rejected
with one entry per failing field, and the good rows of the same file still load.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from legame.ingest import ids
from legame.ingest.options import ReadOptions
from legame.policy import IdCase

# The one quoting module, under the short names the generated SQL reads best with.
from legame.sql.quote import identifier as ident
from legame.sql.quote import string_literal as lit
from legame.store.schema import CHOICE_SYNONYMS, Column, Table

#: Parsed values must fall in this span of years, to catch typos such as 2205.
YEARS = (1900, 2100)
#: Spellings of "no value" (any case) read as missing: an optional field is left empty,
#: a required one is rejected.
MISSING_WORDS = ("NA", "N/A", "-")
_SPELLED_MISSING = "missing (required): NA, N/A and - mean no value"
#: A field's checks: (condition, reason), both SQL; the reason is read where the condition
#: holds.
Checks = list[tuple[str, str]]


@dataclass(frozen=True)
class Rules:
    """What the workspace's policy (``[ingest]``) decides for one import.

    ``latest`` is the latest plausible instant (naive UTC: the import time plus
    ``tolerance``, as the policy writes it); later timestamps are rejected. ``None``: no limit.
    """

    latest: datetime | None = None
    tolerance: str = "1d"
    id_case: IdCase = "preserve"


def customer_id_columns(table: Table) -> tuple[str, ...]:
    """The columns of ``table`` that hold customer ids (the customers' own key included)."""
    own = ("customer_id",) if table.name == "customers" else ()
    return own + table.customer_columns


@dataclass(frozen=True)
class Layout:
    """Where each canonical field and each extra attribute sits in a source file."""

    fields: dict[str, str]  # canonical name -> raw column ("c3")
    extras: dict[str, str]  # source column name -> raw column
    source_names: dict[str, str]  # raw column -> name in the file
    #: The raw columns that arrive in their own type (``Source.typed``): raw -> SQL type.
    typed: dict[str, str] = field(default_factory=dict)


def layout(
    table: Table, columns: list[str], options: ReadOptions, typed: dict[str, str] | None = None
) -> tuple[Layout, list[str]]:
    """Match a file's header to the table; return the layout and the required fields missing.
    ``typed``: the raw columns that arrive in their own type (``Source.typed``)."""
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
    return Layout(fields, extras, {v: k for k, v in raw.items()}, dict(typed or {})), missing


def _normal(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def checked_select(
    table: Table,
    lay: Layout,
    options: ReadOptions,
    relation: str,
    rules: Rules | None = None,
    *,
    plain_given: Collection[str] = (),
) -> str:
    """SELECT over ``relation`` (``_line``, ``c0``…) giving typed columns, ``_errors`` (empty
    for a good row) and, for a rejected row only, ``_record`` and ``_customer_ids``.
    ``plain_given``: the text columns (``c3``) whose plain test the relation holds already
    (``p3``, from :func:`plain_columns` and ``ids.plain_mask``); the others are tested here."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    rules = rules or Rules()
    typed: list[str] = []
    errors: list[str] = []
    customers = customer_id_columns(table)
    native = _native_columns(table, lay)
    conditions: list[str] = []
    for col in table.columns:
        raw = lay.fields.get(col.name)
        if raw is not None and raw in native:
            value, checks = _native_column(col, raw, rules)
            text = f"CAST({raw} AS VARCHAR)"
        else:
            value, checks = _column(col, raw, options, rules, customer=col.name in customers)
            text = raw or "NULL"
        typed.append(f"{value} AS {ident(col.name)}")
        if checks:
            errors.append(_first_error(col, text, checks))
            conditions += [f"({cond})" for cond, _ in checks]
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
    # A rejected row's customer ids, as the rule reads them (or as written, if it refuses
    # them): what erasing the customer looks for.
    refs = [_normal_name(lay.fields[c]) for c in customers if c in lay.fields]
    customer_ids = (
        "list_filter(["
        + ", ".join(_fold(c, rules.id_case) for c in refs)
        + "], lambda x: x IS NOT NULL)"
        if refs
        else "[]::VARCHAR[]"
    )
    # The error list, the raw record and the customer ids are made only for a row where a
    # check fails (``_bad``, the checks' own conditions, tested once a row): making them on
    # every row was more than half the checks' time (2 million Parquet orders: 1.1 of 1.9 s
    # of CPU for the list alone).
    no_errors = "[]::STRUCT(field VARCHAR, raw VARCHAR, reason VARCHAR)[]"
    bad = " OR ".join(conditions) if conditions else "false"
    error_list = (
        f"CASE WHEN _bad THEN list_filter([{', '.join(errors)}], lambda e: e IS NOT NULL) "
        f"ELSE {no_errors} END"
        if errors
        else no_errors
    )
    # Each mapped text is tested once for being plain (``p3``: nothing to trim or refuse),
    # trimmed once (``t3`` beside the raw ``c3``), then its spellings of "missing" made NULL
    # (``n3``); an id is tested for control characters (``k3``), an amount for being a
    # plain number (``q3``); in inner SELECTs, for all the checks that read them: DuckDB
    # computes a shared expression once only within one SELECT, and not inside a CASE.
    mapped = [c for c in dict.fromkeys(lay.fields.values()) if c not in native]

    def of_kind(kind: str) -> list[str]:
        return list(
            dict.fromkeys(
                lay.fields[c.name] for c in table.columns if c.kind == kind and c.name in lay.fields
            )
        )

    plain = "".join(f", {_plain(c)} AS {_plain_name(c)}" for c in mapped if c not in plain_given)
    trims = "".join(f", {_trim(c)} AS {_trimmed_name(c)}" for c in mapped)
    normal = (
        "".join(f", {_normalised(c)} AS {_normal_name(c)}" for c in mapped)
        + "".join(f", {_control(c)} AS {_control_name(c)}" for c in of_kind("id"))
        + "".join(
            f", {_plain_number(c, options)} AS {_number_name(c)}"
            for c in of_kind("amount")
            if c not in native
        )
    )
    # A typed column that no field reads in its type (an integer id, an extra) is read as
    # text, as if the file had held its text.
    texts = [c for c in lay.typed if c not in native]
    if texts:
        casts = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in texts)
        relation = f"(SELECT * REPLACE ({casts}) FROM {relation})"
    # A timestamp's or an amount's text is parsed once (``d3``), for its value and checks.
    parsed = {raw: _parsed_timestamp(raw, options) for raw in of_kind("timestamp")}
    for col in table.columns:
        raw = lay.fields.get(col.name)
        if col.kind == "amount" and raw is not None:
            parsed.setdefault(raw, _parsed_amount(col, raw, options))
    parse = "".join(f", {e} AS {_parsed_name(r)}" for r, e in parsed.items() if r not in native)
    source = f"(SELECT *{normal} FROM (SELECT *{trims} FROM (SELECT *{plain} FROM {relation})))"
    if parse:
        source = f"(SELECT *{parse} FROM {source})"
    return (
        "SELECT _line, " + ", ".join(typed) + f", {extra}::JSON AS _extra, "
        f"{error_list} AS _errors, CASE WHEN _bad THEN {record} END AS _record, "
        f"CASE WHEN _bad THEN {customer_ids} END AS _customer_ids "
        f"FROM (SELECT *, coalesce({bad}, false) AS _bad FROM {source})"
    )


def plain_columns(table: Table, lay: Layout) -> dict[str, str]:
    """The raw columns that arrive as text and whose plain test the SQL reads (the fields'
    columns not in ``lay.typed``), each with the test's column name: ``c3`` -> ``p3``."""
    native = _native_columns(table, lay)
    return {
        c: _plain_name(c)
        for c in dict.fromkeys(lay.fields.values())
        if c not in native and c not in lay.typed
    }


#: Which kinds of field read a typed column in its own type, by the column's SQL type.
_NATIVE_KINDS = {
    "timestamp": ("TIMESTAMP", "DATE"),
    "amount": ("DOUBLE", "BIGINT", "DECIMAL"),
    "int": ("BIGINT",),
}


def _native_columns(table: Table, lay: Layout) -> set[str]:
    """The typed raw columns that every field reading them reads in their own type."""
    readers: dict[str, list[str]] = {}
    for col in table.columns:
        raw = lay.fields.get(col.name)
        if raw in lay.typed:
            readers.setdefault(raw, []).append(col.kind)
    return {
        raw
        for raw, kinds in readers.items()
        if all(lay.typed[raw].split("(")[0] in _NATIVE_KINDS.get(kind, ()) for kind in kinds)
    }


def _native_column(col: Column, raw: str, rules: Rules) -> tuple[str, Checks]:
    """(typed expression, checks) for a column that arrives in a type its field reads as it
    is: nothing to parse, only what the type cannot say is checked (a missing value, a
    plausible and not future date, a number's range and finiteness)."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    bad: Checks = [(f"{raw} IS NULL", lit("missing (required)"))] if col.required else []
    if col.kind == "timestamp":
        value, dated = _dated(f"CAST({raw} AS TIMESTAMP)", rules)
        bad += dated
    elif col.kind == "int":
        value = f"TRY_CAST({raw} AS INTEGER)"
        bad += [(f"{raw} IS NOT NULL AND {value} IS NULL", lit("not a whole number"))]
        bad += _range(col, value)
    else:
        value = f"TRY_CAST({raw} AS {col.sql_type})"
        bad += [(f"{raw} IS NOT NULL AND {value} IS NULL", lit("not a number"))]
        bad += _range(col, value)
    return value, bad


def _normal_name(raw: str) -> str:
    return "n" + raw[1:]  # c3 -> n3


def _trimmed_name(raw: str) -> str:
    return "t" + raw[1:]  # c3 -> t3


def _plain_name(raw: str) -> str:
    return "p" + raw[1:]  # c3 -> p3


def _control_name(raw: str) -> str:
    return "k" + raw[1:]  # c3 -> k3


def _number_name(raw: str) -> str:
    return "q" + raw[1:]  # c3 -> q3


def _plain_number(raw: str, options: ReadOptions) -> str:
    """SQL: whether the trimmed text is a plain number (digits, the decimal mark and more
    digits, a sign): one regular expression, where the general reading of a number (currency
    signs, grouping, ambiguity) takes four. Never when the grouping mark is the decimal one."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    if _group_mark(options) == options.decimal:
        return "false"
    d = "\\" + options.decimal
    return f"regexp_full_match({_trimmed_name(raw)}, {lit(f'[+-]?[0-9]+({d}[0-9]+)?')})"


def _plain(raw: str) -> str:
    """SQL: whether the raw text is plain (``ingest.ids.PLAIN_RE2``): nothing to trim, no
    character to refuse."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    return f"regexp_full_match({raw}, {lit(ids.PLAIN_RE2)})"


def _control(raw: str) -> str:
    """SQL: whether the trimmed text holds a character the id rule refuses (never for a
    plain one)."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    return f"CASE WHEN {_plain_name(raw)} THEN false ELSE {_has_control(_trimmed_name(raw))} END"


def _normalised(raw: str) -> str:
    """SQL: the trimmed text (``t3``, the id rule's whitespace), NULL if empty or a spelling
    of missing (NA, N/A, -)."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    trimmed = _trimmed_name(raw)
    words = ", ".join(lit(w) for w in MISSING_WORDS)
    longest = max(len(w) for w in MISSING_WORDS)
    return (
        f"CASE WHEN {trimmed} = '' OR (length({trimmed}) <= {longest} "
        f"AND upper({trimmed}) IN ({words})) THEN NULL ELSE {trimmed} END"
    )


def _trim(raw: str) -> str:
    """SQL: the raw text without the surrounding whitespace of the id rule (``ingest.ids``).
    A regular expression, tried only where the text is not plain and an end is a space:
    DuckDB's ``trim`` with a set of characters costs 8 times as much (1.5 s for 3 million
    values)."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    spaces = ids.SPACES_RE2
    return (
        f"CASE WHEN {_plain_name(raw)} THEN {raw} "
        f"WHEN regexp_matches({raw}, {lit(f'^{spaces}|{spaces}$')}) "
        f"THEN regexp_replace({raw}, {lit(f'^{spaces}+|{spaces}+$')}, '', 'g') ELSE {raw} END"
    )


def _has_control(expr: str) -> str:
    """SQL: whether ``expr`` holds a character the id rule refuses (``ingest.ids``)."""
    return f"regexp_matches({expr}, {lit(ids.CONTROL_RE2)})"


def _fold(expr: str, case: IdCase) -> str:
    """SQL: ``expr`` with its ASCII letters folded as the id rule says (``ingest.ids``)."""
    if case == "lower":
        return f"translate({expr}, {lit(ids.UPPER)}, {lit(ids.LOWER)})"
    if case == "upper":
        return f"translate({expr}, {lit(ids.LOWER)}, {lit(ids.UPPER)})"
    return expr


def _error(col: Column, raw: str, condition: str, reason: str) -> str:
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    return (
        f"CASE WHEN {condition} THEN {{'field': {lit(col.name)}, 'raw': {raw}, "
        f"'reason': {reason}}} END"
    )


def _first_error(col: Column, text: str, checks: Checks) -> str:
    """SQL: the error of the first failing check (later ones would repeat what it says), or
    NULL; ``text`` is the raw value as text, as the reject reports it."""
    errors = [_error(col, text, cond, reason) for cond, reason in checks]
    return errors[0] if len(errors) == 1 else "coalesce(" + ", ".join(errors) + ")"


def _column(
    col: Column, raw: str | None, options: ReadOptions, rules: Rules, *, customer: bool
) -> tuple[str, Checks]:
    """(typed expression, checks: condition and reason, in SQL) for one canonical column."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    if raw is None:
        default = lit(col.default) if col.default is not None else "NULL"
        return f"{default}::{col.sql_type}", []
    v = _normal_name(raw)
    written = f"{_trimmed_name(raw)} <> ''"
    missing: Checks = (
        [
            (
                f"{v} IS NULL",
                f"CASE WHEN {written} THEN {lit(_SPELLED_MISSING)} "
                f"ELSE {lit('missing (required)')} END",
            )
        ]
        if col.required
        else []
    )
    if col.kind == "id":
        value, bad = _id(raw, rules.id_case if customer else "preserve")
    elif col.kind == "timestamp":
        value, bad = _timestamp(col, raw, options, rules)
    elif col.kind == "amount":
        value, bad = _amount(col, raw, options)
    else:
        parse = {"text": _text, "int": _int, "choice": _choice}[col.kind]
        value, bad = parse(col, v, options)
    return value, missing + bad


def _id(raw: str, case: IdCase) -> tuple[str, Checks]:
    """An id under the id rule (``ingest.ids``): refused with a control character inside
    (``k3``, tested once per value); a customer id folded as the policy says."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    v, control = _normal_name(raw), _control_name(raw)
    return f"CASE WHEN NOT {control} THEN {_fold(v, case)} END", [
        (f"{v} IS NOT NULL AND {control}", lit(ids.CONTROL_REASON))
    ]


def _text(col: Column, v: str, options: ReadOptions) -> tuple[str, Checks]:
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
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


def _parsed_timestamp(raw: str, options: ReadOptions) -> str:
    """SQL: the normalised text (``n3``) read as a timestamp (``--date-format``, else ISO
    8601), NULL if it is not one; computed once a row, as ``d3``."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    v = _normal_name(raw)
    formats: list[str] = []
    if options.date_format:
        fmt = options.date_format
        formats.append(fmt)
        if "%H" not in fmt:
            formats += [f"{fmt} %H:%M", f"{fmt} %H:%M:%S"]
    iso = f"TRY_CAST({v} AS TIMESTAMPTZ)::TIMESTAMP"
    return (
        f"coalesce(try_strptime({v}, [{', '.join(lit(f) for f in formats)}])::TIMESTAMP, {iso})"
        if formats
        else iso
    )


def _timestamp(col: Column, raw: str, options: ReadOptions, rules: Rules) -> tuple[str, Checks]:
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    v, parsed = _normal_name(raw), _parsed_name(raw)
    expected = (
        f"{options.date_format} or ISO 8601"
        if options.date_format
        else "ISO 8601 such as 2025-01-31 or 2025-01-31 14:05; use --date-format for "
        "other layouts, e.g. %d/%m/%Y"
    )
    value, dated = _dated(parsed, rules)
    return value, [
        (
            f"{v} IS NOT NULL AND {parsed} IS NULL",
            lit(f"not a valid date/time (expected {expected})"),
        ),
        *dated,
    ]


def _dated(parsed: str, rules: Rules) -> tuple[str, Checks]:
    """(the timestamp ``parsed`` if plausible and not in the future, else NULL; the checks
    that say which it is not)."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    plausible = f"year({parsed}) BETWEEN {YEARS[0]} AND {YEARS[1]}"
    future = (
        f"{parsed} > {lit(rules.latest.isoformat(sep=' '))}::TIMESTAMP"
        if rules.latest is not None
        else "false"
    )
    return f"CASE WHEN {plausible} AND NOT {future} THEN {parsed} END", [
        (
            f"{parsed} IS NOT NULL AND NOT {plausible}",
            lit(f"implausible date: outside the years {YEARS[0]}-{YEARS[1]}"),
        ),
        (
            f"{parsed} IS NOT NULL AND {future}",
            lit(
                "in the future: later than the import time plus the tolerance of "
                f"{rules.tolerance} ([ingest] future_tolerance in legame.toml)"
            ),
        ),
    ]


def _number_text(v: str, options: ReadOptions) -> tuple[str, str, str]:
    """(normalised text with '.' decimals, condition that the text is a well-formed number,
    condition that it is ambiguous: one group of thousands that could be decimals, such as
    12,500 with '.' decimals, when ``--thousands`` does not say).

    A grouping separator is the other mark than the decimal one, or ``options.thousands``.
    """
    s = f"regexp_replace({v}, '[\\s€$£]', '', 'g')"
    d = "\\" + options.decimal
    g = "\\" + _group_mark(options)
    plain = f"^[+-]?[0-9]+({d}[0-9]+)?$"
    grouped = f"^[+-]?[1-9][0-9]{{0,2}}({g}[0-9]{{3}})+({d}[0-9]+)?$"
    normal = f"replace(replace({s}, {lit(_group_mark(options))}, ''), {lit(options.decimal)}, '.')"
    if options.thousands == "none":
        return normal, f"regexp_matches({s}, {lit(plain)})", "false"
    ambiguous = (
        f"regexp_matches({s}, {lit(f'^[+-]?[1-9][0-9]{{0,2}}{g}[0-9]{{3}}$')})"
        if options.thousands is None
        else "false"
    )
    ok = (
        f"(regexp_matches({s}, {lit(plain)}) OR "
        f"(regexp_matches({s}, {lit(grouped)}) AND NOT {ambiguous}))"
    )
    return normal, ok, ambiguous


def _group_mark(options: ReadOptions) -> str:
    if options.thousands in (",", "."):
        return options.thousands
    return "." if options.decimal == "," else ","


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


def _parsed_amount(col: Column, raw: str, options: ReadOptions) -> str:
    """SQL: the normalised text read as an amount of the column's type, NULL if it is not
    one: a plain number (``q3``) as it is (its decimal mark made '.'), any other text by the
    general rule; computed once a row, as ``d3``."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    v, plain = _normal_name(raw), _number_name(raw)
    normal, ok, _ = _number_text(v, options)
    as_is = v if options.decimal == "." else f"replace({v}, {lit(options.decimal)}, '.')"
    return (
        f"CASE WHEN {plain} THEN TRY_CAST({as_is} AS {col.sql_type}) "
        f"WHEN {ok} THEN TRY_CAST({normal} AS {col.sql_type}) END"
    )


def _parsed_name(raw: str) -> str:
    return "d" + raw[1:]  # c3 -> d3


def _amount(col: Column, raw: str, options: ReadOptions) -> tuple[str, Checks]:
    """An amount: a plain number (``q3``) is read as it is (its decimal mark made '.'),
    any other text by the general rule (currency signs, grouping, ambiguity). The general
    rule's regular expressions run only on the rows that need them (a CASE, not an AND:
    10 million CSV orders were checked in 4.0 s instead of 4.7)."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    v, plain, value = _normal_name(raw), _number_name(raw), _parsed_name(raw)
    _, _, general_ambiguous = _number_text(v, options)
    ambiguous = f"CASE WHEN {plain} THEN false ELSE {general_ambiguous} END"
    other = "." if options.decimal == "," else ","
    mark = _group_mark(options)
    numeric = f"regexp_matches({v}, '^[+-]?[0-9][0-9.,]*$')"
    grouping = (
        " and no thousands grouping (--thousands none)" if options.thousands == "none" else ""
    )
    return value, [
        (
            f"{v} IS NOT NULL AND {ambiguous}",
            lit(
                f"ambiguous number: '{mark}' may group thousands or mark decimals; pass "
                f"--thousands {mark} if it groups thousands (12{mark}500 is 12500), or "
                f"--decimal {mark} if it marks decimals"
            ),
        ),
        (
            _only_where(f"{v} IS NOT NULL AND {value} IS NULL", numeric),
            lit(
                f"not a number with '{options.decimal}' as decimal separator{grouping}; "
                f"if the file uses '{other}' for decimals, pass --decimal {other}"
            ),
        ),
        (f"{v} IS NOT NULL AND {value} IS NULL", lit("not a number")),
        *_range(col, value),
    ]


def _only_where(condition: str, costly: str) -> str:
    """SQL: ``condition AND costly``, with ``costly`` evaluated only on the rows where
    ``condition`` holds. DuckDB evaluates every operand of an AND in a SELECT list on every
    row; a CASE evaluates its branch on the rows that reach it. A NULL ``condition`` gives
    false, where the AND may give NULL: a check's condition reads NULL as false."""
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    return f"CASE WHEN {condition} THEN {costly} ELSE false END"


def _int(col: Column, v: str, options: ReadOptions) -> tuple[str, Checks]:
    # A whole number may be written with zero decimals (9.0, or 9,0 with --decimal ,).
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
    zeros = "\\" + options.decimal + "0+"
    value = (
        f"CASE WHEN regexp_matches({v}, {lit(f'^[+-]?[0-9]+({zeros})?$')}) "
        f"THEN TRY_CAST(regexp_replace({v}, {lit(zeros + '$')}, '') AS INTEGER) END"
    )
    return value, [
        (f"{v} IS NOT NULL AND {value} IS NULL", lit("not a whole number")),
        *_range(col, value),
    ]


def _choice(col: Column, v: str, options: ReadOptions) -> tuple[str, Checks]:
    # sql-built-function: SQL made from the schema; names via ident, values via lit or bound.
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
