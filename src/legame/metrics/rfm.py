"""The RFM quintile cuts: where each of recency (the last order), frequency and revenue
changes quintile, found by selection rather than by sorting the customers three times. The
view ``customer_scores`` and holdout validation (``validate/holdout_histories``) score a
customer 1 + the number of cuts their value is above (docs/scores.md)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from legame import sql
from legame.arrow_numpy import to_arrow, to_numpy

#: The RFM scores: quintiles of these ``rfm_keys`` columns (equal values, equal scores:
#: see :func:`rfm_cuts`).
RFM_KEYS = {"r": "last_order_at", "f": "frequency", "m": "revenue"}
QUINTILES = 5


def quintile_starts(n: int, buckets: int = QUINTILES) -> list[int]:
    """0-based positions where buckets 2.. start under ``NTILE(buckets)`` over ``n`` rows:
    the first ``n % buckets`` buckets hold one row more than the others."""
    size, extra = divmod(n, buckets)
    return [(b - 1) * size + min(b - 1, extra) for b in range(2, buckets + 1)]


def rfm_cuts(keys: pa.Table) -> dict[str, sql.Param]:
    """For each RFM key, its quintile cuts ``r2`` .. ``r5``, ``f2`` .. , ``m2`` ..: the key of
    the customer just before quintile b starts in the sorted order (the key at position
    start - 1), or None where there are fewer customers than quintiles: the parameters of the
    view ``customer_scores``.

    A customer's score is then 1 + the number of cuts their key is above, which is the
    quintile ``NTILE(5) OVER (ORDER BY key)`` gives the first customer holding that key: it
    depends on the number of customers with a smaller key only. So equal keys get equal
    scores, a run of equal keys that straddles the start of a quintile stays in the quintile
    where it begins, and with distinct keys the scores are NTILE's. Each cut is found by
    selection (one partition of a buffer per key, at the four positions), so the cost is
    linear in the customers rather than three sorts of them.
    """
    n = keys.num_rows
    starts = quintile_starts(n)
    before = sorted({s - 1 for s in starts if s < n})  # a start below n is at least 1
    work = np.empty(n, dtype=np.int64)
    cuts: dict[str, sql.Param] = {}
    for score, name in RFM_KEYS.items():
        column = keys.column(name).combine_chunks()
        plain = column.cast(pa.int64()) if pa.types.is_timestamp(column.type) else column
        order = to_numpy(plain)
        nth = work.view(order.dtype) if order.dtype.itemsize == 8 else np.empty_like(order)
        np.copyto(nth, order)
        if before:
            nth.partition(before)
        for bucket, start in enumerate(starts, start=2):
            key: sql.Param = None
            if start < n:
                cut = to_arrow(nth[start - 1 : start], plain.type).cast(column.type)
                key = cut[0].as_py()
            cuts[f"{score}{bucket}"] = key
    return cuts
