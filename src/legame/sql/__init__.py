"""Every analytic query legame runs, written once in DuckDB SQL, one file per query.

``render(name, **params)`` fills ``$name`` placeholders with SQL literals (dates,
timestamps, numbers, NULL, short words, and data values marked ``Text``, quoted: never free
text spliced in); ``spark(sql)`` is what SQLGlot makes of it for Spark SQL. A snapshot test
pins the Spark text and a parity test runs both engines on the same data, so a change to
either shows up in review.
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from functools import cache
from importlib import resources

import sqlglot

from legame.errors import InputError
from legame.sql.quote import string_literal

Param = date | datetime | int | float | str | tuple[int | float | str, ...] | None


class Text(str):
    """A data value (such as a customer id) to render as a quoted SQL string, its quotes
    doubled; a plain ``str`` parameter must be a short word."""


_WORD = re.compile(r"^[A-Za-z0-9_.:\- ]*$")


@cache
def text(name: str) -> str:
    """The DuckDB SQL of a query, as written in ``legame/sql/NAME.sql``."""
    try:
        return resources.files("legame.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no query named {name!r} in legame/sql") from None


def names() -> list[str]:
    """Every query shipped, sorted."""
    return sorted(
        entry.name[:-4]
        for entry in resources.files("legame.sql").iterdir()
        if entry.name.endswith(".sql")
    )


def literal(value: Param) -> str:
    """A SQL literal for a parameter value, portable to Spark through SQLGlot (a tuple
    becomes a parenthesised list, for ``x IN $param``)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Parsed as DOUBLE, exactly: a bare 0.1 would be a DECIMAL, converted with rounding.
        return f"CAST('{float(value)!r}' AS DOUBLE)"
    if isinstance(value, Text) and "\x00" not in value:
        return string_literal(value)
    if isinstance(value, str) and _WORD.match(value):
        return "'" + value + "'"
    if isinstance(value, tuple) and value:
        return "(" + ", ".join(literal(v) for v in value) + ")"  # for `x IN $param`
    raise InputError(f"query parameters are dates, numbers or short words; got {value!r}")


def render(name: str, **params: Param) -> str:
    """The query with every ``$param`` replaced by its literal (all must be given)."""
    template = string.Template(text(name))
    try:
        return template.substitute({k: literal(v) for k, v in params.items()})
    except KeyError as exc:
        raise InputError(f"query {name!r} needs the parameter {exc.args[0]!r}") from None


@cache
def spark(sql: str) -> str:
    """Spark SQL for a DuckDB query, by SQLGlot (pinned, so the output is stable)."""
    return sqlglot.transpile(sql, read="duckdb", write="spark", pretty=True)[0]
