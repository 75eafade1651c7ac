"""How to read a source: column mapping and locale formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import duckdb

from legame.errors import InputError
from legame.store.schema import Table

Decimal = Literal[".", ","]
Thousands = Literal[",", ".", "none"]


@dataclass(frozen=True)
class ReadOptions:
    """Options for one ingest run, the same for every file in it.

    ``mapping`` maps a canonical field to the source column that holds it
    (``{"order_id": "Numero Ordine"}``); ``delimiter``, ``encoding`` are detected when
    ``None``; ``date_format`` is a strptime format (``%d/%m/%Y``) tried before ISO 8601.

    ``thousands`` says how numbers group their thousands. ``None`` (the default) accepts a
    grouping only where it cannot be a decimal mark: ``1,234.50`` or ``1,234,567`` with
    ``decimal="."``; a number such as ``12,500`` (one group, no decimals) could be either,
    so it is rejected with a reason naming both options. ``","`` or ``"."`` (not the
    decimal mark) confirm that grouping: ``12,500`` is 12500. ``"none"`` allows no grouping.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    delimiter: str | None = None
    decimal: Decimal = "."
    date_format: str | None = None
    encoding: str | None = None
    thousands: Thousands | None = None
    #: Read the file through this preset (``legame.ingest.presets``): a tool's export.
    preset: str | None = None
    #: Survey exports: the question (header) of ``nps``, ``csat``, ``ces`` or ``comment``.
    questions: dict[str, str] = field(default_factory=dict)

    def validate(self, table: Table) -> None:
        unknown = sorted(set(self.mapping) - set(table.names))
        if unknown:
            raise InputError(
                f"--map names {', '.join(unknown)}, not a field of {table.name}; "
                f"its fields are: {', '.join(table.names)}."
            )
        sources = list(self.mapping.values())
        doubled = sorted({s for s in sources if sources.count(s) > 1})
        if doubled:
            raise InputError(f"--map uses the column {doubled[0]!r} for more than one field.")
        if self.decimal not in (".", ","):
            raise InputError(f"--decimal must be '.' or ','; got {self.decimal!r}.")
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise InputError(f"--delimiter must be one character; got {self.delimiter!r}.")
        if self.thousands not in (None, ",", ".", "none"):
            raise InputError(f"--thousands must be ',', '.' or none; got {self.thousands!r}.")
        if self.thousands == self.decimal:
            raise InputError(
                f"--thousands {self.thousands} is also the decimal separator (--decimal); "
                "they must differ."
            )
        if self.date_format is not None:
            _check_date_format(self.date_format)
        if self.encoding is not None:
            _check_encoding(self.encoding)
        if self.questions and (self.preset is None or table.name != "survey_responses"):
            option = f"--{next(iter(self.questions))}-question"
            raise InputError(
                f"{option} names a question of a survey export: use it with a preset "
                "(--preset) that loads survey_responses."
            )


def _check_date_format(fmt: str) -> None:
    if "%" not in fmt:
        raise InputError(
            f"--date-format {fmt!r} has no % directive; write it like %d/%m/%Y or %d/%m/%Y %H:%M."
        )
    with duckdb.connect() as con:  # the engine that will read the dates says what it reads
        try:
            con.execute("SELECT try_strptime('', ?)", [fmt])
        except duckdb.Error:
            raise InputError(
                f"--date-format {fmt!r} is not a strptime format the reader knows (check each "
                "%-directive); write it like %d/%m/%Y, %d.%m.%Y %H:%M or %m/%d/%y."
            ) from None


def _check_encoding(encoding: str) -> None:
    try:
        b"x".decode(encoding)
    except LookupError:
        raise InputError(
            f"--encoding {encoding!r} is not a text encoding; use e.g. utf-8, cp1252, latin-1, "
            "utf-16-le or utf-16-be."
        ) from None
    except UnicodeError:
        pass  # a text encoding that "x" alone is too short for (utf-16, utf-32)


def parse_mapping(items: list[str]) -> dict[str, str]:
    """Turn ``["order_id=Numero Ordine", ...]`` into a mapping, with clear errors."""
    mapping: dict[str, str] = {}
    for item in items:
        field_name, sep, column = item.partition("=")
        field_name, column = field_name.strip(), column.strip()
        if not sep or not field_name or not column:
            raise InputError(
                f'--map expects FIELD=COLUMN, e.g. order_id="Numero Ordine"; got {item!r}.'
            )
        if field_name in mapping:
            raise InputError(f"--map gives the field {field_name} twice.")
        mapping[field_name] = column
    return mapping
