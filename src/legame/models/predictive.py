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
    every answer is, over the rows still looking, then a binary search for the few left.

    The rows still looking are carried as their own compacted starts and goals (no lookup
    through row numbers), and a row's width is checked only from the narrowest width on: in
    the score every width is 16 or more, and the scan only 8 counts deep."""
    out = width.astype(np.int64, copy=True)
    scan = min(_SCAN, int(width.max(initial=0)))
    if scan == 0:
        return out
    narrowest = int(width.min())
    # k = 0 on every row at once, then the rows still looking, compacted.
    if narrowest > 0:
        found = cdf.take(start) >= u
    else:  # a row without counts may start past the buffer's end
        found = (cdf.take(start, mode="clip") >= u) & (width > 0)
    out[found] = 0
    rows = np.flatnonzero(~found)
    first, goal = start[rows], u[rows]
    for k in range(1, scan):
        if rows.size == 0:
            return out
        if k >= narrowest:
            keep = width[rows] > k
            rows, first, goal = rows[keep], first[keep], goal[keep]
        found = cdf.take(first + k) >= goal
        out[rows[found]] = k
        missed = ~found
        rows, first, goal = rows[missed], first[missed], goal[missed]
    if rows.size == 0:
        return out
    hi = out[rows]
    lo = np.minimum(_SCAN, hi)  # a row narrower than the scan was scanned whole
    last = np.maximum(hi - 1, 0)
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
    *,
    p0: FloatArray | None = None,
) -> tuple[IntArray, IntArray]:
    """The interval of each history (see the module docstring): its CDF given alive is
    ``cdf[start[i] : start[i] + width[i]]`` (k = 0 .. width - 1), ``alive[i]`` its P(alive);
    ``p0`` its P(no purchase), ``1 - alive + alive cdf[start]``, when the caller has it."""
    tail = (1.0 - level) / 2.0

    def goal(p: FloatArray | float, a: FloatArray) -> FloatArray:
        # F(k) = 1 - A + A F_alive(k) >= p  <=>  F_alive(k) >= (p - 1 + A) / A
        return np.where(a > 0, (p - 1.0 + a) / np.where(a > 0, a, 1.0), -np.inf)

    if p0 is None:
        p0 = 1.0 - alive + alive * cdf.take(start)
    # Most customers have P(X = 0) >= tail: their interval starts at 0, nothing left below.
    above = np.flatnonzero(p0 < tail)
    low = np.zeros(start.size, dtype=np.int64)
    below = np.zeros(start.size)
    if above.size:
        a, first = alive[above], start[above]
        low[above] = first_at_least(cdf, first, width[above], goal(tail, a))
        below[above] = 1.0 - a + a * cdf.take(first + low[above] - 1)
    high = first_at_least(cdf, start, width, goal(level + below, alive))
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
    low, high = interval_rule(cdf, start, width[unit], alive, level, p0=p0)
    return p0, low, high
