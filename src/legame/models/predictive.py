"""The predictive distribution of a customer's purchases in a coming period, and its interval.

In BG/NBD and Pareto/NBD (and the Modified BG/NBD) a customer who is alive at T starts afresh:
their future is a new process of the same model whose parameters the history has updated
(the purchase rate's gamma takes ``r + x, alpha + T``; BG/NBD's dropout beta ``a, b + x``;
Pareto/NBD's death-rate gamma ``s, beta + T``), so the number of purchases in (T, T + t] is

    P(X = k | history) = (1 - P(alive)) [k = 0] + P(alive) P(X = k | alive at T),

and the second factor depends on the history through (frequency, T) only. Each model gives it
as ``_alive_pmf(x, T, t, max_count)``: columns k = 0 .. max_count - 1, then the mass at
max_count or more. :func:`summarize_horizon` computes it once per distinct (frequency, T) and
mixes it with each history's P(alive): the probability of no purchase and the interval.

The interval (:func:`interval_rule`): with F the predictive CDF, ``tail = (1 - level) / 2``,

    low  = the smallest k with F(k) >= tail                      (the tail-quantile),
    L    = P(X < low)                                            (< tail),
    high = the smallest k with F(k) >= level + L.

So P(low <= X <= high) >= level for every customer. Where the lower tail holds its full
``tail`` this is the equal-tailed interval; a discrete count cannot always do that: for most
customers P(X = 0) alone exceeds 5 %, the interval starts at 0 with nothing left out below,
and the equal-tailed upper end (the 95 % quantile) would make a "90 %" interval hold 95 % or
more. There the upper end is the smallest count that brings the interval to ``level``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._inputs import FloatArray, IntArray

#: The fewest columns tabulated per distinct (frequency, T); more where the tail needs them.
FIRST_MAX_COUNT = 16
#: No distribution is tabulated beyond this count (its interval then ends at ">= it").
LAST_MAX_COUNT = 1 << 20
#: Counts scanned one by one before a binary search (:func:`first_at_least`).
_SCAN = 8


def mix_dead(alive: FloatArray, alive_pmf: FloatArray) -> FloatArray:
    """Each row's pmf given alive, mixed with a point mass at zero for the dead."""
    out = alive[:, None] * alive_pmf
    out[:, 0] += 1.0 - alive
    return out


def first_at_least(cdf: FloatArray, start: IntArray, width: IntArray, u: FloatArray) -> IntArray:
    """For each i, the smallest k < ``width[i]`` with ``cdf[start[i] + k] >= u[i]`` (``width[i]``
    when there is none), in a flat buffer of CDFs: a scan of the first counts, where nearly
    every answer is, over the rows still looking, then a binary search for the few left."""
    out = width.astype(np.int64, copy=True)
    rows = np.arange(start.size)
    for k in range(min(_SCAN, int(width.max(initial=0)))):
        rows = rows[width[rows] > k]
        if rows.size == 0:
            return out
        found = cdf.take(start[rows] + k) >= u[rows]
        out[rows[found]] = k
        rows = rows[~found]
    if rows.size == 0:
        return out
    hi = out[rows]
    lo = np.minimum(_SCAN, hi)  # a row narrower than the scan was scanned whole
    first, last, goal = start[rows], np.maximum(hi - 1, 0), u[rows]
    for _ in range(int(hi.max()).bit_length()):  # each step halves hi - lo
        mid = (lo + hi) >> 1
        below = cdf.take(first + np.minimum(mid, last)) < goal
        below &= lo < hi
        lo = np.where(below, mid + 1, lo)
        hi = np.where(below, hi, mid)
    out[rows] = lo
    return out


def interval_rule(
    cdf: FloatArray,
    start: IntArray,
    width: IntArray,
    alive: FloatArray,
    level: float,
) -> tuple[IntArray, IntArray]:
    """The interval of each history (see the module docstring): its CDF given alive is
    ``cdf[start[i] : start[i] + width[i]]`` (k = 0 .. width - 1), ``alive[i]`` its P(alive)."""
    tail = (1.0 - level) / 2.0

    def quantile(p: FloatArray | float, rows: IntArray) -> IntArray:
        # F(k) = 1 - A + A F_alive(k) >= p  <=>  F_alive(k) >= (p - 1 + A) / A
        a = alive[rows]
        u = np.where(a > 0, (p - 1.0 + a) / np.where(a > 0, a, 1.0), -np.inf)
        return first_at_least(cdf, start[rows], width[rows], u)

    # Most customers have P(X = 0) >= tail: their interval starts at 0, nothing left below.
    above = np.flatnonzero(1.0 - alive + alive * cdf.take(start) < tail)
    low = np.zeros(start.size, dtype=np.int64)
    low[above] = quantile(tail, above)
    below = np.zeros(start.size)
    a = alive[above]
    below[above] = 1.0 - a + a * cdf.take(start[above] + low[above] - 1)
    high = quantile(level + below, np.arange(start.size))
    return low, high


def first_widths(mean: FloatArray) -> IntArray:
    """Where to start tabulating each unit's pmf, from its mean given alive: the power of two
    at or above mean + 4 sqrt(mean) + 4 (a Poisson count's tail there is far below 5 %), at
    least :data:`FIRST_MAX_COUNT`; :func:`summarize_horizon` widens it where it is short."""
    guess = np.nan_to_num(mean, nan=0.0, posinf=float(LAST_MAX_COUNT))
    guess = np.maximum(guess, 0.0)
    need = np.minimum(guess + 4.0 * np.sqrt(guess) + 4.0, float(LAST_MAX_COUNT))
    powers = np.ceil(np.log2(np.maximum(need, float(FIRST_MAX_COUNT))))
    return np.asarray(2 ** powers.astype(np.int64), dtype=np.int64)


def summarize_horizon(
    alive_pmf: Callable[[IntArray, int], FloatArray],
    unit: IntArray,
    alive: FloatArray,
    level: float,
    *,
    mean: FloatArray,
) -> tuple[FloatArray, IntArray, IntArray]:
    """P(no purchase), and the interval's low and high, for each history.

    ``alive_pmf(units, max_count)`` gives the pmf given alive of some of the distinct
    (frequency, T) (last column: ``max_count`` or more); ``unit[i]`` is history i's,
    ``alive[i]`` its P(alive), ``mean`` each unit's expected purchases given alive. Each unit
    is tabulated up to a count whose tail given alive is below ``(1 - level) / 2``: from
    :func:`first_widths`, four times wider for the units that need it, so the interval
    always ends inside the table.
    """
    tail = (1.0 - level) / 2.0
    n_units = mean.size
    width = first_widths(mean)
    pending = np.ones(n_units, dtype=bool)
    offset = np.zeros(n_units, dtype=np.int64)
    tables: list[FloatArray] = []
    stored = 0
    while pending.any():
        max_count = int(width[pending].min())
        todo = np.flatnonzero(pending & (width == max_count))
        pmf = alive_pmf(todo, max_count)
        done = (pmf[:, max_count] <= tail) | (max_count >= LAST_MAX_COUNT)
        width[todo[~done]] = 4 * max_count
        finished = todo[done]
        pending[finished] = False
        offset[finished] = stored + max_count * np.arange(finished.size)
        cdf = np.cumsum(pmf[done, :max_count], axis=1)
        tables.append(cdf.reshape(-1))
        stored += cdf.size
    cdf = np.concatenate(tables) if tables else np.zeros(0)
    start = offset[unit]
    p0 = 1.0 - alive + alive * cdf.take(start)
    low, high = interval_rule(cdf, start, width[unit], alive, level)
    return p0, low, high
