"""The rows a preset works on: an Arrow table of text columns named by the preset's keys.

A *frame* holds ``_line`` (the row's line in the file, kept through every step so that a
rejected row is reported where it is), one text column per column key of the export
(``order_id``, ``financial_status``, ...) and one per column the preset does not know,
under its header name. Names starting with ``_`` are the engine's own and never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

LINE = "_line"


@dataclass
class Run:
    """What the steps of one file share: the store (read-only until the file's
    transaction), the preset, the header language, the user's choices, and what the file
    teaches on the way (the links between a tool's customer ids and e-mails)."""

    con: duckdb.DuckDBPyConnection
    preset: str
    language: str
    label: str
    #: field -> the question the user named for it (``--nps-question``, ...).
    chosen: dict[str, str] = field(default_factory=dict)
    #: field -> the header ``find_questions`` chose for it, in this file.
    questions: dict[str, str] = field(default_factory=dict)
    #: (system, external id) -> (customer id, e-mail), found by ``email_key``.
    links: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


def text(frame: pa.Table, name: str) -> pa.Array:
    """Column ``name`` as one text array (nulls where it is absent)."""
    if name not in frame.column_names:
        return pa.nulls(frame.num_rows, pa.string())
    return frame.column(name).combine_chunks().cast(pa.string())


def blank(values: pa.Array) -> pa.Array:
    """Whether each value is missing: null, empty or only spaces."""
    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""), True)


def cleaned(values: pa.Array) -> pa.Array:
    """The values trimmed, with empty ones made null."""
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def put(frame: pa.Table, name: str, values: pa.Array) -> pa.Table:
    """``frame`` with column ``name`` set to ``values`` (added at the end if new)."""
    values = values.cast(pa.string())
    if name in frame.column_names:
        return frame.set_column(frame.column_names.index(name), name, values)
    return frame.append_column(name, values)
