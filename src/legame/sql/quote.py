"""The one place where a value or a name becomes SQL text.

Values reach DuckDB as bound parameters (``?``) wherever the statement allows one. Where it
does not (a name of a table or column, a literal inside generated validation SQL, a query
parameter of ``sql.render``), the text goes through ``identifier`` or ``literal`` here, and
nowhere else: ``tests/sql/test_quote.py`` feeds both hostile input.
"""

from __future__ import annotations

from legame.errors import InputError


def identifier(name: str) -> str:
    """A quoted SQL identifier: ``"name"``, its double quotes doubled."""
    if not name or "\x00" in name:
        raise InputError(f"not a usable SQL name: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def string_literal(text: str) -> str:
    """A SQL string literal: ``'text'``, its single quotes doubled."""
    if "\x00" in text:
        raise InputError(f"a NUL character cannot be part of a SQL string: {text!r}")
    return "'" + text.replace("'", "''") + "'"
