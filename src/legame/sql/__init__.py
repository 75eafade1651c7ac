"""Every query legame runs for its analytics and its surfaces, written once in DuckDB SQL,
one file per query: ``legame/sql/NAME.sql``, or ``legame/sql/FOLDER/NAME.sql`` named
``FOLDER/NAME`` (``governor/plan``).

``render(name, **params)`` fills ``$name`` placeholders with SQL literals (dates,
timestamps, numbers, NULL, short words, data values marked ``Text`` and column names marked
``Name``, quoted: never free text spliced in); ``$1``, ``$2`` ... and ``?`` are left for
DuckDB to bind, for the values a user gives at run time (a customer id, a search).
``spark(sql)`` is what SQLGlot makes of it for Spark SQL. A snapshot test pins the Spark
text of every analytic query and a parity test runs both engines on the same data, so a
change to either shows up in review.

A quantity that several queries use (what makes a ticket poor, a message's contact
pressure) is defined once, in ``legame/sql/defs/NAME.sql``, and written ``{{ NAME }}``
where a query uses it: ``text`` puts the definition in its place (without its comment
lines) before the parameters are filled.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

import sqlglot

from legame.errors import InputError
from legame.sql.quote import identifier, string_literal

Param = date | datetime | int | float | str | tuple[int | float | str, ...] | None


class Text(str):
    """A data value (such as a customer id) to render as a quoted SQL string, its quotes
    doubled; a plain ``str`` parameter must be a short word."""


class Name(str):
    """A column name to render as a quoted SQL identifier (``ORDER BY s.$sort``)."""


_WORD = re.compile(r"^[A-Za-z0-9_.:\- ]*$")
_NAME = re.compile(r"^[a-z0-9_]+(?:/[a-z0-9_]+)*$")
_DEFINED = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")
#: The folder of the shared definitions: parts of queries, not queries.
DEFS = "defs"


#: ``$name`` is a parameter to render; ``$1``, ``$2`` ... stay, for DuckDB to bind.
_PLACEHOLDER = r"""
\$(?:
  (?P<escaped>\$) |
  (?P<named>[_a-z][_a-z0-9]*) |
  {(?P<braced>[_a-z][_a-z0-9]*)} |
  (?P<invalid>(?![0-9]))
)
"""


class _Query(string.Template):
    # string.Template compiles the pattern when the class is made: it is given as text.
    pattern = _PLACEHOLDER  # type: ignore[assignment]


def _read(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(f"no query named {name!r} in legame/sql")
    try:
        return (
            resources.files("legame.sql")
            .joinpath(*f"{name}.sql".split("/"))
            .read_text(encoding="utf-8")
        )
    except FileNotFoundError:
        raise InputError(f"no query named {name!r} in legame/sql") from None


def definition(name: str) -> str:
    """A shared definition, ``legame/sql/defs/NAME.sql``, without its comment lines, with
    the definitions it uses in their places."""
    lines = _read(f"{DEFS}/{name}").splitlines()
    body = "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip()
    return _DEFINED.sub(lambda m: definition(m.group(1)), body)


@cache
def text(name: str) -> str:
    """The DuckDB SQL of a query, as written in ``legame/sql/NAME.sql``, with each
    ``{{ definition }}`` it uses put in its place."""
    return _DEFINED.sub(lambda m: definition(m.group(1)), _read(name))


def names() -> list[str]:
    """Every query shipped (``FOLDER/NAME`` for those in a folder), sorted; the shared
    definitions are parts of queries, not queries."""

    def walk(folder: Traversable, prefix: str) -> Iterator[str]:
        for entry in folder.iterdir():
            if entry.is_dir() and entry.name != DEFS and not entry.name.startswith("_"):
                yield from walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".sql"):
                yield prefix + entry.name[:-4]

    return sorted(walk(resources.files("legame.sql"), ""))


def literal(value: Param) -> str:
    """A SQL literal for a parameter value, portable to Spark through SQLGlot (a tuple
    becomes a parenthesised list, for ``x IN $param``)."""
    if value is None:
        return "NULL"
    if isinstance(value, Name):
        return identifier(value)
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
    template = _Query(text(name))
    try:
        return template.substitute({k: literal(v) for k, v in params.items()})
    except KeyError as exc:
        raise InputError(f"query {name!r} needs the parameter {exc.args[0]!r}") from None


@cache
def spark(sql: str) -> str:
    """Spark SQL for a DuckDB query, by SQLGlot (pinned, so the output is stable)."""
    return sqlglot.transpile(sql, read="duckdb", write="spark", pretty=True)[0]
