"""Read one file through a preset: the canonical parts it loads, ready for ``load_parts``.

Each part is a :class:`~legame.ingest.readers.Source` whose batches are the file's rows
after the preset's steps, in canonical shape (``_line`` kept), and the layout of its
fields and ``_extra`` attributes; validation and the load then run exactly as for any
file. A part reads the file again on its own (the consents part too), so that memory stays
bounded by one batch whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from legame.ingest.load import Part
from legame.ingest.options import ReadOptions
from legame.ingest.presets.consents import FIELDS as CONSENT_FIELDS
from legame.ingest.presets.consents import consent_rows
from legame.ingest.presets.detect import Binding
from legame.ingest.presets.frame import LINE, Run, put, text
from legame.ingest.readers import Source, open_source
from legame.ingest.validate import Layout
from legame.store.schema import TABLES, Table

_CHOSEN = "_chosen:"


class Pipeline:
    """The steps of one export over one file's rows."""

    def __init__(self, binding: Binding, path: Path, options: ReadOptions, run: Run) -> None:
        self.binding, self.path, self.options, self.run = binding, path, options, run
        self.steps = binding.export.steps
        self.mapped = [f for f in options.mapping if f in binding.columns]

    def open(self) -> Source:
        return open_source(
            self.path, delimiter=self.options.delimiter, encoding=self.options.encoding
        )

    def prepare(self) -> None:
        """Let the steps that choose columns by their answers see the whole file first."""
        for step in self.steps:
            if step.needs_scan:
                undeclared = list(self.binding.undeclared.values())
                step.prepare(self._raw(self.open()), undeclared, self.run)

    def _raw(self, source: Source) -> Iterator[pa.Table]:
        for batch in source.batches():
            columns = {LINE: batch.column(0)}
            for key, i in self.binding.columns.items():
                columns[key] = batch.column(i + 1)
            for i, name in self.binding.undeclared.items():
                columns[name] = batch.column(i + 1)
            for field in self.mapped:
                columns[_CHOSEN + field] = batch.column(self.binding.columns[field] + 1)
            yield pa.table(columns)

    def frames(self, source: Source) -> Iterator[pa.Table]:
        """The file's rows after every step, batch by batch."""
        for step in self.steps:
            step.reset()
        for frame in self._raw(source):
            yield self._finish(self._through(frame, 0))
        for i, step in enumerate(self.steps):
            rest = step.finish(self.run)
            if rest is not None:
                yield self._finish(self._through(rest, i + 1))

    def _through(self, frame: pa.Table, first: int) -> pa.Table:
        for step in self.steps[first:]:
            frame = step.apply(frame, self.run)
        return frame

    def _finish(self, frame: pa.Table) -> pa.Table:
        """A field the user mapped with ``--map`` keeps the column named, whatever a step
        made of it."""
        for field in self.mapped:
            frame = put(frame, field, text(frame, _CHOSEN + field))
        return frame

    def parts(self, table: Table) -> list[Part]:
        """The main table's part, then the consents part if the export has consents."""
        export = self.binding.export
        fields, extras = self._names(table)
        parts = [self._part(table, fields, extras, primary=True)]
        if export.consents:
            extra = ["reason"] if any(c.reason for c in export.consents) else []
            parts.append(self._part(TABLES["consents"], list(CONSENT_FIELDS), extra, primary=False))
        return parts

    def _names(self, table: Table) -> tuple[list[str], list[str]]:
        export = self.binding.export
        present = [*self.binding.columns, *export.written(), *self.mapped]
        fields = [f for f in table.names if f in present]
        consumed = set(fields) | set(self.run.questions.values())
        extras = [
            *(
                k
                for c in export.columns
                if (k := c.key) in self.binding.columns and k not in consumed
            ),
            *(n for n in self.binding.undeclared.values() if n not in consumed),
            *(k for k in export.written() if k not in consumed),
        ]
        return fields, [n for n in dict.fromkeys(extras) if not n.startswith("_")]

    def _part(self, table: Table, fields: list[str], extras: list[str], *, primary: bool) -> Part:
        names = [*fields, *extras]
        raw = {name: f"c{i}" for i, name in enumerate(names)}
        lay = Layout(
            fields={f: raw[f] for f in fields},
            extras={e: raw[e] for e in extras},
            source_names={v: k for k, v in raw.items()},
        )
        first = self.open()
        source = Source(
            self.path,
            first.format,
            names,
            encoding=first.encoding,
            delimiter=first.delimiter,
            streams=False,
        )

        def batches() -> Iterator[pa.RecordBatch]:
            original = first if primary else self.open()
            for frame in self.frames(original):
                rows = (
                    frame
                    if primary
                    else consent_rows(frame, self.binding.export.consents, "customer_id")
                )
                yield _batch(rows, names)
            if primary:
                source.broken[:] = original.broken

        source.batches = batches
        return Part(table, source, lay)


def _batch(frame: pa.Table, names: list[str]) -> pa.RecordBatch:
    arrays = [frame.column(LINE).combine_chunks().cast(pa.int64())]
    arrays += [text(frame, n) for n in names]
    return pa.RecordBatch.from_arrays(arrays, names=[LINE, *(f"c{i}" for i in range(len(names)))])
