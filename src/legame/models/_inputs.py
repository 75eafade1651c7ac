"""Checking the arrays users hand to the models, and grouping them into distinct values.

Every check raises :class:`~legame.errors.InputError` with one wording, in the spirit of
scikit-learn's parameter constraints::

    The 'recency' argument of BetaGeo.fit must be <= T. Got recency=40.0, T=38.86 at row 12
    (3 rows in all). Check that recency and T use the same time unit and calibration end.

Rows are counted from 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from legame.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

# Integer-valued columns whose values fit below this bound are grouped with a counting pass
# (O(n)) instead of a sort (O(n log n)).
_DENSE_LIMIT = 1 << 24


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def fail(where: str, name: str, must: str, got: str, hint: str = "") -> InputError:
    """Build the one-shape error: argument, rule, offending value, and a fix."""
    message = f"The '{name}' argument of {where} must {must}. Got {got}."
    if hint:
        message += f" {hint}"
    return InputError(message)


def _rows(mask: NDArray[np.bool_]) -> tuple[int, str]:
    bad = np.flatnonzero(mask)
    first = int(bad[0])
    extra = f" ({bad.size:,} rows in all)" if bad.size > 1 else ""
    return first, extra


def as_floats(values: ArrayLike, *, name: str, where: str, allow_nan: bool = False) -> FloatArray:
    """One numeric float64 array (any shape), finite unless ``allow_nan``."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise fail(where, name, "be numeric", f"{_describe(values)}", f"({exc})") from None
    finite = np.isfinite(arr) | (np.isnan(arr) if allow_nan else False)
    if not finite.all():
        first, extra = _rows(~finite.ravel())
        raise fail(
            where,
            name,
            "hold finite numbers",
            f"{name}={arr.ravel()[first]} at row {first}{extra}",
            "Fill or drop missing values before fitting.",
        )
    return arr


def _describe(values: Any) -> str:
    text = repr(values)
    return text if len(text) <= 60 else text[:57] + "..."


def as_column(values: ArrayLike, *, name: str, where: str, allow_nan: bool = False) -> FloatArray:
    """A 1-D float64 column (a scalar becomes one row)."""
    arr = as_floats(values, name=name, where=where, allow_nan=allow_nan)
    if arr.ndim > 1:
        raise fail(where, name, "be one-dimensional", f"an array of shape {arr.shape}")
    return arr.reshape(-1)


def same_length(where: str, columns: dict[str, FloatArray]) -> int:
    """Check that the named columns have one length, and return it (> 0)."""
    lengths = {name: col.shape[0] for name, col in columns.items()}
    names = list(lengths)
    first = lengths[names[0]]
    for name in names[1:]:
        if lengths[name] != first:
            raise fail(
                where,
                name,
                f"have as many rows as '{names[0]}' ({first:,})",
                f"{lengths[name]:,} rows",
                "Pass one row per customer history in every argument.",
            )
    if first == 0:
        raise fail(where, names[0], "hold at least one row", "an empty array")
    return int(first)


def broadcast(
    where: str, columns: dict[str, FloatArray]
) -> tuple[tuple[int, ...], list[FloatArray]]:
    """Broadcast prediction inputs together; return the common shape and flat columns."""
    try:
        arrays = np.broadcast_arrays(*columns.values())
    except ValueError:
        shapes = ", ".join(f"{n}{c.shape}" for n, c in columns.items())
        names = list(columns)
        raise fail(
            where,
            names[-1],
            f"have a shape that broadcasts with {', '.join(names[:-1])}",
            f"shapes {shapes}",
            "Pass arrays of one length, or scalars.",
        ) from None
    shape = arrays[0].shape
    return shape, [np.ascontiguousarray(a).reshape(-1) for a in arrays]


def check_whole(
    where: str, name: str, arr: FloatArray, *, minimum: int = 0, hint: str = ""
) -> None:
    """Whole numbers >= ``minimum``."""
    bad = (arr < minimum) | (arr != np.floor(arr))
    if bad.any():
        first, extra = _rows(bad)
        raise fail(
            where,
            name,
            f"hold whole numbers >= {minimum}",
            f"{name}={_fmt(arr[first])} at row {first}{extra}",
            hint,
        )


def check_at_least(
    where: str, name: str, arr: FloatArray, minimum: float, *, strict: bool = False, hint: str = ""
) -> None:
    bad = arr <= minimum if strict else arr < minimum
    if bad.any():
        first, extra = _rows(bad)
        op = ">" if strict else ">="
        raise fail(
            where,
            name,
            f"be {op} {_fmt(minimum)}",
            f"{name}={_fmt(arr[first])} at row {first}{extra}",
            hint,
        )


def check_histories(
    where: str, frequency: FloatArray, recency: FloatArray, T: FloatArray
) -> FloatArray:
    """The rules of an RFM history; returns recency (clipped to T within rounding)."""
    check_whole(
        where,
        "frequency",
        frequency,
        hint="frequency counts repeat purchases (purchase days after the first).",
    )
    check_at_least(
        where,
        "recency",
        recency,
        0.0,
        hint="recency is the time from the first to the last purchase.",
    )
    check_at_least(
        where,
        "T",
        T,
        0.0,
        hint="T is the time from the first purchase to the end of the observation period.",
    )
    slack = 1e-9 * np.maximum(1.0, T)
    late = recency > T + slack
    if late.any():
        first, extra = _rows(late)
        raise fail(
            where,
            "recency",
            "be <= T",
            f"recency={_fmt(recency[first])}, T={_fmt(T[first])} at row {first}{extra}",
            "Check that recency and T use the same time unit and the same calibration end date.",
        )
    lonely = (frequency == 0) & (recency != 0)
    if lonely.any():
        first, extra = _rows(lonely)
        raise fail(
            where,
            "recency",
            "be 0 where frequency is 0",
            f"recency={_fmt(recency[first])} with frequency=0 at row {first}{extra}",
            "With no repeat purchase the last purchase is the first one, so recency is 0.",
        )
    return np.minimum(recency, T)


def check_weights(where: str, weights: ArrayLike | None, n: int) -> FloatArray:
    """Non-negative finite weights with a positive sum; ones when ``None``."""
    if weights is None:
        return np.ones(n)
    w = as_column(weights, name="weights", where=where)
    if w.shape[0] != n:
        raise fail(
            where,
            "weights",
            f"have one entry per row ({n:,})",
            f"{w.shape[0]:,} entries",
            "weights are the number of customers that share each history.",
        )
    check_at_least(
        where,
        "weights",
        w,
        0.0,
        hint="weights are customer counts; a negative count has no meaning.",
    )
    if not w.sum() > 0:
        raise fail(where, "weights", "have a positive sum", "all zeros")
    return w


def check_scalar(
    where: str,
    name: str,
    value: float,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """A finite number within [low, high] (or (low, high] when ``low_open``)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise fail(where, name, "be a number", _describe(value)) from None
    ok = np.isfinite(v)
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v <= high
    if not ok:
        bracket = "(" if low_open else "["
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        rng = f"{bracket}{lo}, {hi}]"
        raise fail(where, name, f"be a finite number in {rng}", f"{name}={value!r}")
    return v


def drop_zero_weights(weights: FloatArray, *columns: FloatArray) -> list[FloatArray]:
    """Keep the rows with a positive weight (the weights first, then the columns)."""
    keep = weights > 0
    if keep.all():
        return [weights, *columns]
    return [weights[keep], *(c[keep] for c in columns)]


def factorize(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values (sorted) and, for each row, the index of its value.

    Small non-negative whole numbers (frequencies, days) are grouped by counting in O(n).
    Other values that repeat a lot (times in weeks: a few thousand distinct among millions) are
    looked up, by binary search, among the distinct values of a strided sample completed with
    those it missed; anything else is sorted.
    """
    if values.size:
        lo, hi = float(values.min()), float(values.max())
        if lo >= 0 and hi < _DENSE_LIMIT and hi <= 4 * values.size + 1024:
            as_int = values.astype(np.intp)
            if np.array_equal(as_int, values):
                present = np.bincount(as_int, minlength=int(hi) + 1) > 0
                position = np.cumsum(present) - 1
                return np.flatnonzero(present).astype(np.float64), position[as_int]
        if values.size > _SAMPLE_FACTORIZE:
            found = _factorize_by_lookup(values)
            if found is not None:
                return found
    uniques, codes = np.unique(values, return_inverse=True)
    return uniques, codes.reshape(-1).astype(np.intp, copy=False)


_SAMPLE_FACTORIZE = 1 << 16


def _factorize_by_lookup(values: FloatArray) -> tuple[FloatArray, IntArray] | None:
    """``factorize`` by lookup among few distinct values; None when they are many."""
    candidates = np.unique(values[:: values.size // _SAMPLE_FACTORIZE])
    if candidates.size > _SAMPLE_FACTORIZE // 4:
        return None
    codes, found = _lookup(candidates, values)
    if not found.all():
        extra = np.unique(values[~found])
        if extra.size > _SAMPLE_FACTORIZE // 4:
            return None
        candidates = np.union1d(candidates, extra)
        codes, found = _lookup(candidates, values)
    return candidates, codes


def _lookup(candidates: FloatArray, values: FloatArray) -> tuple[IntArray, NDArray[np.bool_]]:
    """Each value's index in the sorted ``candidates``, and whether it is there exactly.

    When the candidates sit on a regular grid (times in weeks are whole days / 7), the index
    is arithmetic: (value - first) / step, through a table from grid points to candidates;
    otherwise it is a binary search. Either way a value is found only if equal to its
    candidate.
    """
    table = _grid_table(candidates, values.size)
    if table is not None:
        step = float(np.min(np.diff(candidates)))
        point = np.rint((values - candidates[0]) / step)
        np.clip(point, 0, table.size - 1, out=point)
        codes = table[point.astype(np.intp)]
        found = codes >= 0
        np.maximum(codes, 0, out=codes)
    else:
        codes = np.minimum(np.searchsorted(candidates, values), candidates.size - 1)
        found = np.ones(values.size, dtype=bool)
    found &= candidates[codes] == values
    return codes.astype(np.intp, copy=False), found


def _grid_table(candidates: FloatArray, n: int) -> IntArray | None:
    """grid point -> candidate index (-1 where none), when the candidates are whole multiples
    of their smallest gap above the first one and the grid is not much larger than ``n``."""
    if candidates.size < 2:
        return None
    step = float(np.min(np.diff(candidates)))
    offsets = (candidates - candidates[0]) / step
    points = np.rint(offsets)
    if not (step > 0 and points[-1] <= 4 * n + 1024 and np.all(np.abs(offsets - points) < 1e-6)):
        return None
    table = np.full(int(points[-1]) + 1, -1, dtype=np.intp)
    table[points.astype(np.intp)] = np.arange(candidates.size)
    return table


def factorize_pairs(
    codes_a: IntArray, n_a: int, codes_b: IntArray, n_b: int
) -> tuple[IntArray, IntArray]:
    """Distinct (a, b) code pairs: returns (pair keys as a*n_b+b, pair index per row)."""
    key = codes_a.astype(np.int64) * n_b + codes_b
    size = n_a * n_b
    if size <= max(4 * key.size, 1 << 20) and size < _DENSE_LIMIT * 4:
        present = np.bincount(key, minlength=size) > 0
        position = np.cumsum(present) - 1
        return np.flatnonzero(present), position[key]
    uniques, codes = np.unique(key, return_inverse=True)
    return uniques, codes.reshape(-1).astype(np.intp, copy=False)


def dot(a: FloatArray, b: FloatArray) -> float:
    """a @ b without BLAS. OpenBLAS runs dot products of more than about ten thousand
    elements on all its threads, which then spin between calls: twice the CPU for the same
    wall time, taken from whatever else the machine runs."""
    return float(np.einsum("i,i->", a, b))


def shaped(values: FloatArray, shape: tuple[int, ...]) -> FloatArray | float:
    """Flat results back in the callers' shape; a float for scalar input."""
    return float(values.reshape(-1)[0]) if shape == () else values.reshape(shape)
