"""The transforms a preset may use, one class each, and the simple ones among them.

A step reads column keys of the frame and writes others (a canonical field such as
``status``, or an attribute kept in ``_extra`` such as ``line_items``). A value a step
cannot read is passed on as written, so that validation rejects the row with the value
the file holds, its line and the reason. ``legame.ingest.presets.kinds`` lists them all;
``docs/presets.md`` documents each with its keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from legame.ingest.presets.frame import Run, blank, cleaned, put, text
from legame.ingest.presets.reader import ANY, Keys

#: The text a timestamp becomes: an instant in UTC, as validation reads it (ISO 8601).
ISO = "%Y-%m-%d %H:%M:%S"


class Step:
    """One transform: parsed (and checked) from its TOML table, then run on each frame."""

    kind: ClassVar[str]
    #: The TOML keys of the step besides ``kind``.
    keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, keys: Keys) -> None:
        keys.only("kind", *self.keys)
        self.where = keys.where

    def reads(self) -> tuple[str, ...]:
        """Column keys it reads (each must be a column of the export or written before)."""
        return ()

    def writes(self) -> tuple[str, ...]:
        """Keys it writes: canonical fields, or attributes kept in ``_extra``."""
        return ()

    def consumes(self, run: Run) -> tuple[str, ...]:
        """Headers of the file it turns into fields (not kept in ``_extra`` then)."""
        return ()

    def prepare(self, frames: Iterator[pa.Table], undeclared: list[str], run: Run) -> None:
        """Look at the whole file first (only steps that choose columns by their values)."""

    needs_scan: ClassVar[bool] = False

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        raise NotImplementedError

    def finish(self, run: Run) -> pa.Table | None:
        """Rows held back until the end of the file (a group that may go on), if any."""
        return None

    def reset(self) -> None:
        """Forget what a previous reading of a file left (each reading starts afresh)."""

    def describe(self) -> str:
        """One line for ``legame presets show``."""
        return self.kind


class Constant(Step):
    """``into`` = ``value`` on every row (e.g. a channel the export does not state)."""

    kind = "constant"
    keys = ("into", "value")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.into, self.value = keys.text("into"), keys.text("value")

    def writes(self) -> tuple[str, ...]:
        return (self.into,)

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        return put(frame, self.into, pa.array([self.value] * frame.num_rows, pa.string()))

    def describe(self) -> str:
        return f"constant: {self.into} = {self.value!r}"


class MapValues(Step):
    """Words of the vendor to canonical values: ``into`` = ``values[column]`` (any case);
    ``when`` rules first (a non-empty column sets a value: ``Cancelled at`` → cancelled);
    ``default`` for an empty value; an unknown word is passed on as written."""

    kind = "map_values"
    keys = ("column", "into", "values", "when", "default")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.column = keys.text("column")
        self.into = keys.optional_text("into") or self.column
        self.values = keys.words("values", required=True)
        self.default = keys.optional_text("default")
        self.when: list[tuple[str, str]] = []
        for rule in keys.tables("when"):
            rule.only("column", "value")
            self.when.append((rule.text("column"), rule.text("value")))

    def reads(self) -> tuple[str, ...]:
        return (self.column, *(c for c, _ in self.when))

    def writes(self) -> tuple[str, ...]:
        return (self.into,)

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        values = cleaned(text(frame, self.column))
        words = pc.utf8_lower(values)
        mapped = pc.index_in(words, pa.array(list(self.values), pa.string()))
        targets = pa.array(list(self.values.values()), pa.string())
        out = pc.coalesce(pc.take(targets, mapped), values)
        if self.default is not None:
            out = pc.coalesce(out, pa.scalar(self.default, pa.string()))
        for column, value in reversed(self.when):
            out = pc.if_else(blank(text(frame, column)), out, pa.scalar(value, pa.string()))
        return put(frame, self.into, out)

    def describe(self) -> str:
        pairs = ", ".join(f"{w} → {v}" for w, v in self.values.items())
        rules = "".join(f"; {c} set → {v}" for c, v in self.when)
        return f"map_values: {self.column} → {self.into} ({pairs}{rules})"


class Timestamp(Step):
    """Each of ``columns`` read with the first of ``formats`` (strptime, per header
    language) that fits; with an offset (``%z``: ``+0200``) the instant is kept, in UTC;
    without one, in ``time_zone`` if given, else as written. Others pass on as written
    (validation still reads ISO 8601)."""

    kind = "timestamp"
    keys = ("columns", "formats", "time_zone")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.columns = keys.texts("columns")
        self.formats = keys.by_language("formats")
        self.time_zone = keys.optional_text("time_zone")
        for lang, formats in self.formats.items():
            for fmt in formats:
                if "%" not in fmt:
                    keys.fail(f"formats.{lang}" if lang != ANY else "formats", f"{fmt!r} has no %")

    def reads(self) -> tuple[str, ...]:
        return self.columns

    def writes(self) -> tuple[str, ...]:
        return self.columns

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        formats = self.formats.get(run.language) or self.formats.get(ANY) or ()
        for column in self.columns:
            frame = put(frame, column, self.read(cleaned(text(frame, column)), formats))
        return frame

    def read(self, values: pa.Array, formats: tuple[str, ...]) -> pa.Array:
        out = pa.nulls(len(values), pa.string())
        for fmt in formats:
            parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
            if parsed.type.tz is None and self.time_zone and "%z" not in fmt:
                parsed = pc.assume_timezone(
                    parsed, timezone=self.time_zone, ambiguous="earliest", nonexistent="earliest"
                )
            if parsed.type.tz is not None:
                parsed = parsed.cast(pa.timestamp("s", tz="UTC"))
            out = pc.coalesce(out, pc.strftime(parsed, format=ISO))
        return pc.coalesce(out, values)

    def describe(self) -> str:
        formats = "; ".join(f"{lang}: {' | '.join(f)}" for lang, f in self.formats.items())
        zone = f", naive times in {self.time_zone}" if self.time_zone else ""
        return f"timestamp: {', '.join(self.columns)} read as {formats} → UTC{zone}"


class AddMinutes(Step):
    """``into`` = the timestamp ``start`` plus the number of ``minutes`` (a first reply
    given as minutes after the ticket was opened)."""

    kind = "add_minutes"
    keys = ("into", "start", "minutes")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.into, self.start, self.minutes = (keys.text(k) for k in ("into", "start", "minutes"))

    def reads(self) -> tuple[str, ...]:
        return (self.start, self.minutes)

    def writes(self) -> tuple[str, ...]:
        return (self.into,)

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        start = pc.strptime(text(frame, self.start), format=ISO, unit="s", error_is_null=True)
        raw = cleaned(text(frame, self.minutes))
        minutes = _numbers(raw)
        seconds = pc.cast(pc.round(pc.multiply(minutes, 60.0)), pa.int64())
        moved = pc.add(start, pc.cast(seconds, pa.duration("s")))
        out = pc.strftime(moved, format=ISO)
        # A minutes value that is not a number is passed on, for validation to reject.
        bad = pc.and_(pc.is_valid(raw), pc.is_null(minutes))
        return put(frame, self.into, pc.if_else(bad, raw, out))

    def describe(self) -> str:
        return f"add_minutes: {self.into} = {self.start} + {self.minutes} minutes"


def _numbers(values: pa.Array) -> pa.Array:
    """Text as numbers (``,`` or ``.`` decimals); null where it is not one."""
    normal = pc.replace_substring(values, ",", ".")
    ok = pc.fill_null(pc.match_substring_regex(normal, r"^[+-]?[0-9]+(\.[0-9]+)?$"), False)
    safe = pc.if_else(ok, normal, pa.scalar(None, pa.string()))
    return pc.cast(safe, pa.float64())


class HashId(Step):
    """``into`` = an id made from ``columns`` (``*``: every column of the file), for
    exports whose rows have none: the same row always gets the same id, so a re-import
    finds it again. ``prefix`` starts the id."""

    kind = "hash_id"
    keys = ("into", "columns", "prefix")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.into = keys.text("into")
        self.columns = keys.texts("columns")
        self.prefix = keys.optional_text("prefix") or ""

    def reads(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c != "*")

    def writes(self) -> tuple[str, ...]:
        return (self.into,)

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        names: list[str] = []
        for column in self.columns:
            if column == "*":
                names += [n for n in frame.column_names if not n.startswith("_")]
            else:
                names.append(column)
        columns = [text(frame, n).to_pylist() for n in names]
        rows = zip(*columns, strict=True) if columns else iter([()] * frame.num_rows)
        ids = [self.prefix + _digest(row) for row in rows]
        return put(frame, self.into, pa.array(ids, pa.string()))

    def describe(self) -> str:
        return f"hash_id: {self.into} = {self.prefix}hash({', '.join(self.columns)})"


def _digest(row: tuple[str | None, ...]) -> str:
    """20 hex digits of the SHA-256 of a row's trimmed values."""
    joined = "\x1f".join((v or "").strip() for v in row)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


class Coalesce(Step):
    """``into`` = the first non-empty of ``columns``, row by row (a response's submit
    time, else the time it was started)."""

    kind = "coalesce"
    keys = ("into", "columns")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.into = keys.text("into")
        self.columns = keys.texts("columns")

    def reads(self) -> tuple[str, ...]:
        return self.columns

    def writes(self) -> tuple[str, ...]:
        return (self.into,)

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        values = [cleaned(text(frame, c)) for c in self.columns]
        return put(frame, self.into, pc.coalesce(*values) if len(values) > 1 else values[0])

    def describe(self) -> str:
        return f"coalesce: {self.into} = the first non-empty of {', '.join(self.columns)}"
