"""``collapse_rows``: an export that writes one row per line item, one order per group.

Consecutive rows with the same ``key`` are one row: each column takes its first non-empty
value in the group (the order's totals sit on its first row), the row keeps the line of
the group's first row, and the items are counted into ``_extra``: ``line_items`` (rows),
``items_quantity`` (the sum of ``quantity``) and ``items`` (a JSON list of the ``items``
columns of each row). A group may go on in the next batch of the file, so the last group
of a batch is held back until the next one (or the end of the file).
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from legame.ingest.presets.frame import LINE, Run, cleaned, put, text
from legame.ingest.presets.reader import Keys
from legame.ingest.presets.steps import Step, _numbers

_GROUP = "_group"


class CollapseRows(Step):
    kind = "collapse_rows"
    keys = ("key", "items", "quantity")

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.key = keys.text("key")
        self.items = keys.texts("items", required=False)
        self.quantity = keys.optional_text("quantity")
        self.held: pa.Table | None = None

    def reset(self) -> None:
        self.held = None

    def reads(self) -> tuple[str, ...]:
        return (self.key, *self.items, *((self.quantity,) if self.quantity else ()))

    def writes(self) -> tuple[str, ...]:
        out: tuple[str, ...] = ("line_items",)
        if self.quantity:
            out += ("items_quantity",)
        return (*out, "items") if self.items else out

    def apply(self, frame: pa.Table, run: Run) -> pa.Table:
        if self.held is not None:
            frame = pa.concat_tables([self.held, frame.cast(self.held.schema)])
            self.held = None
        groups = _groups(cleaned(text(frame, self.key)))
        if frame.num_rows:
            last = int(np.flatnonzero(groups == groups[-1])[0])
            self.held, frame = frame.slice(last), frame.slice(0, last)
            groups = groups[:last]
        return self._collapse(frame, groups)

    def finish(self, run: Run) -> pa.Table | None:
        held, self.held = self.held, None
        if held is None:
            return None
        return self._collapse(held, _groups(cleaned(text(held, self.key))))

    def _collapse(self, frame: pa.Table, groups: np.ndarray) -> pa.Table:
        names = [n for n in frame.column_names if n != LINE]
        work = pa.table(
            {
                _GROUP: pa.array(groups, pa.int64()),
                LINE: frame.column(LINE),
                **{n: cleaned(text(frame, n)) for n in names},
                "_qty": _numbers(cleaned(text(frame, self.quantity)))
                if self.quantity
                else pa.nulls(frame.num_rows, pa.float64()),
                "_item": pa.array(self._item_texts(frame), pa.string()),
            }
        )
        aggregates = [(LINE, "min"), *((n, "first") for n in names)]
        aggregates += [(LINE, "count"), ("_qty", "sum"), ("_item", "list")]
        done = work.group_by(_GROUP, use_threads=False).aggregate(aggregates)
        done = done.sort_by(f"{LINE}_min")
        out = pa.table({LINE: done.column(f"{LINE}_min")})
        for name in names:
            out = out.append_column(name, done.column(f"{name}_first"))
        out = put(out, "line_items", pc.cast(done.column(f"{LINE}_count"), pa.string()))
        if self.quantity:
            out = put(out, "items_quantity", _plain(done.column("_qty_sum")))
        if self.items:
            joined = pc.binary_join(done.column("_item_list"), ", ")
            out = put(out, "items", pc.binary_join_element_wise("[", joined, "]", ""))
        return out

    def _item_texts(self, frame: pa.Table) -> list[str]:
        if not self.items:
            return [""] * frame.num_rows
        columns = {k: cleaned(text(frame, k)).to_pylist() for k in self.items}
        return [
            json.dumps({k: columns[k][i] for k in self.items}, ensure_ascii=False)
            for i in range(frame.num_rows)
        ]

    def describe(self) -> str:
        items = f"; items: {', '.join(self.items)}" if self.items else ""
        qty = f"; quantity: {self.quantity}" if self.quantity else ""
        return f"collapse_rows: consecutive rows with the same {self.key} → one row{items}{qty}"


def _groups(keys: pa.Array) -> np.ndarray:
    """A group number per row: a new group where the key changes or is missing."""
    values = keys.to_pylist()
    starts = np.ones(len(values), dtype=bool)
    for i in range(1, len(values)):
        starts[i] = values[i] is None or values[i] != values[i - 1]
    return np.cumsum(starts)


def _plain(numbers: pa.ChunkedArray) -> pa.Array:
    """Sums as text: ``3`` rather than ``3.0`` for whole numbers."""
    return pa.array(
        [
            None if v is None else (f"{v:.0f}" if float(v).is_integer() else f"{v:g}")
            for v in numbers.to_pylist()
        ],
        pa.string(),
    )
