"""numpy arrays to Arrow columns of the canonical types, and tables in schema order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from legame.simulate.clock import to_epoch_seconds
from legame.store.schema import TABLES

F64 = npt.NDArray[np.float64]
MONEY = pa.decimal128(18, 2)


def timestamps(days: npt.ArrayLike) -> pa.Array:
    """Simulation days (NaN: null) as ``timestamp[s]`` in UTC (naive, as the store keeps)."""
    d = np.asarray(days, dtype=float)
    missing = np.isnan(d)
    secs = to_epoch_seconds(np.where(missing, 0.0, d))
    return pa.array(secs, type=pa.int64(), mask=missing).cast(pa.timestamp("s"))


def money_from_cents(cents: npt.NDArray[np.int64]) -> pa.Array:
    """Whole cents as ``decimal128(18, 2)`` euros (no nulls)."""
    c = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((c.size, 2), dtype=np.int64)
    words[:, 0] = c
    words[:, 1] = np.where(c < 0, -1, 0)
    return pa.Array.from_buffers(MONEY, c.size, [None, pa.py_buffer(words.tobytes())])


def money(values: npt.ArrayLike) -> pa.Array:
    """Euros (NaN: null) as ``decimal128(18, 2)``, exact to the cent."""
    v = np.asarray(values, dtype=float)
    missing = np.isnan(v)
    arr = money_from_cents(np.round(np.where(missing, 0.0, v) * 100.0).astype(np.int64))
    if missing.any():
        arr = pc.if_else(pa.array(missing), pa.scalar(None, MONEY), arr)
    return arr


def integers(values: npt.ArrayLike) -> pa.Array:
    """Whole numbers (NaN: null) as ``int64``."""
    v = np.asarray(values, dtype=float)
    missing = np.isnan(v)
    return pa.array(np.where(missing, 0, v).astype(np.int64), type=pa.int64(), mask=missing)


def strings(values: Sequence[str | None] | npt.NDArray[np.object_]) -> pa.Array:
    return pa.array(
        list(values) if not isinstance(values, np.ndarray) else values, type=pa.string()
    )


def pick(labels: Sequence[str], index: npt.ArrayLike) -> pa.Array:
    """``labels[index]`` per row, as strings (negative index: null)."""
    idx = np.asarray(index, dtype=np.int64)
    dictionary = pa.array(list(labels), type=pa.string())
    codes = pa.array(np.maximum(idx, 0), type=pa.int32(), mask=idx < 0)
    return pa.DictionaryArray.from_arrays(codes, dictionary).cast(pa.string())


def ids(prefix: str, number: npt.ArrayLike, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``number`` per row (negative number: null)."""
    num = np.asarray(number, dtype=np.int64)
    arr = pa.array(np.maximum(num, 0), type=pa.int64(), mask=num < 0)
    padded = pc.utf8_lpad(pc.cast(arr, pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def id_width(count: int, minimum: int = 6) -> int:
    return max(minimum, len(str(max(count, 1))))


def table(
    name: str, columns: dict[str, pa.Array], extra: dict[str, pa.Array] | None = None
) -> pa.Table:
    """The canonical table ``name`` with exactly its schema's columns, in order, then the
    ``extra`` columns (attributes outside the schema: the store keeps them in ``_extra``)."""
    names = TABLES[name].names
    missing = [c for c in names if c not in columns]
    unexpected = [c for c in columns if c not in names]
    if missing or unexpected:  # a programming error, not a user's
        raise AssertionError(f"{name}: missing {missing}, unexpected {unexpected}")
    more = extra or {}
    return pa.table([columns[c] for c in names] + list(more.values()), names=[*names, *more])
