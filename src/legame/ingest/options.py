"""How to read a source: column mapping and locale formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from legame.errors import InputError
from legame.store.schema import Table

Decimal = Literal[".", ","]


@dataclass(frozen=True)
class ReadOptions:
    """Options for one ingest run, the same for every file in it.

    ``mapping`` maps a canonical field to the source column that holds it
    (``{"order_id": "Numero Ordine"}``); ``delimiter``, ``encoding`` are detected when
    ``None``; ``date_format`` is a strptime format (``%d/%m/%Y``) tried before ISO 8601.
    """

    mapping: dict[str, str] = field(default_factory=dict)
    delimiter: str | None = None
    decimal: Decimal = "."
    date_format: str | None = None
    encoding: str | None = None

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
        if self.date_format is not None and "%" not in self.date_format:
            raise InputError(
                f"--date-format {self.date_format!r} has no % directive; "
                "write it like %d/%m/%Y or %d/%m/%Y %H:%M."
            )


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
