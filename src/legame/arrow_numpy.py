"""Numeric columns between Arrow and NumPy, without pyarrow's bridge to pandas.

pyarrow's ``to_numpy`` and ``pa.array(ndarray)`` import pandas on their first use: 0.3 to
0.4 s in a fresh process here, a tenth of a score of 10M orders, paid by every ``legame
score`` command though no pandas object is made. A numeric column without nulls is a buffer
NumPy reads in place, and a NumPy array one Arrow reads in place: these two functions do
that, and fall back on pyarrow's conversions only for what they do not cover (nulls in a
column read, other types).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

#: The Arrow types read and written here, with their NumPy types.
_TYPES: dict[pa.DataType, np.dtype] = {
    pa.float64(): np.dtype(np.float64),
    pa.float32(): np.dtype(np.float32),
    pa.int64(): np.dtype(np.int64),
    pa.int32(): np.dtype(np.int32),
    pa.int16(): np.dtype(np.int16),
    pa.int8(): np.dtype(np.int8),
    pa.uint64(): np.dtype(np.uint64),
    pa.uint32(): np.dtype(np.uint32),
    pa.uint16(): np.dtype(np.uint16),
    pa.uint8(): np.dtype(np.uint8),
}


def to_numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The values of a column as a NumPy array (read-only where it is Arrow's own buffer).
    A numeric column without nulls is read in place (a column in several chunks is joined
    first); any other goes through pyarrow's ``to_numpy``, which loads pandas."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    dtype = _TYPES.get(array.type)
    if dtype is None or array.null_count:
        return array.to_numpy(zero_copy_only=False)
    data = array.buffers()[1]
    if data is None:  # an empty array may have no buffer
        return np.empty(0, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def to_arrow(
    values: np.ndarray, type: pa.DataType | None = None, *, null: np.ndarray | None = None
) -> pa.Array:
    """A one-dimensional NumPy array as an Arrow array of ``type`` (by default that of its
    NumPy type), NULL where ``null`` is true. The values are converted to ``type``'s NumPy
    type first (as ``astype`` does: truncating floats to integers), then read in place."""
    arrow_type = type or next((t for t, d in _TYPES.items() if d == values.dtype), None)
    if arrow_type is None or arrow_type not in _TYPES:
        raise TypeError(f"no Arrow numeric type for {values.dtype} to {type}")
    data = np.ascontiguousarray(values, dtype=_TYPES[arrow_type])
    if data.ndim != 1:
        raise ValueError(f"expected a one-dimensional array, got shape {data.shape}")
    validity, nulls = None, 0
    if null is not None:
        missing = np.asarray(null, dtype=bool)
        if missing.shape != data.shape:
            raise ValueError(f"null mask of shape {missing.shape} for values of {data.shape}")
        nulls = int(missing.sum())
        if nulls:
            validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    return pa.Array.from_buffers(
        arrow_type, data.size, [validity, pa.py_buffer(data)], null_count=nulls
    )
