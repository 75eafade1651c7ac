"""The bare purchase process, fast and in chunks: BG/NBD purchases with Gamma-Gamma spend.

Same world as ``simulate`` with every effect neutral (births uniform over the first 540
days, as-of 2026-01-01, the parameters of ``WorldParams``), but drawn without any loop over
customers or purchases, exactly:

* the first purchase at birth; ``K`` ~ Geometric(p) (support 1, 2, ...) repeat purchases
  until dropout, which can follow a repeat purchase only (as in BG/NBD),
* ``M`` ~ Poisson(lam * T) arrivals of the purchase process in the customer's ``T`` days,
* the customer's repeat purchases are the first ``min(K, M)`` of those arrivals; given
  ``M`` they are the first order statistics of ``M`` uniforms, drawn as ``T * S_k / S``
  with ``S_k`` partial sums of unit exponentials and ``S = S_n + Gamma(M + 1 - n)``.

Customers are drawn in fixed blocks of ``BLOCK`` with their own seeds (children of
``SeedSequence(seed)`` with spawn key ``(1_000_000, block)``), so the rows do not depend on
``chunk_customers``, and the first customers are the same whatever ``n_customers``.
"""

from __future__ import annotations

import numbers
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from legame.errors import InputError
from legame.simulate import columns
from legame.simulate.params import DAY_SECONDS, START, WorldParams

TRANSACTION_COLUMNS: tuple[str, ...] = ("order_id", "customer_id", "ordered_at", "amount")
BLOCK = 1 << 16
_SPAWN_TAG = 1_000_000
_ORDER_ID_WIDTH = 10
_WORKERS = 2

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Block:
    first_customer: int
    offsets: I64  # row offsets per customer, length customers + 1
    customer_id: pa.Array
    ordered_at: pa.Array
    amount: pa.Array


def _ids(prefix: str, number: I64, width: int) -> pa.Array:
    """``prefix`` + ``number`` zero-padded to ``width`` digits (fast path of
    ``columns.ids``: format ``10**width + number`` and replace its leading 1)."""
    big = pa.array(number + 10**width, type=pa.int64())
    return pc.utf8_replace_slice(pc.cast(big, pa.string()), 0, 1, prefix)


def _draw_block(b: int, n_customers: int, seed: int, p: WorldParams, width: int) -> _Block:
    root = np.random.SeedSequence(seed, spawn_key=(_SPAWN_TAG, b))
    cust_rng, gap_rng, spend_rng = (np.random.default_rng(s) for s in root.spawn(3))
    birth = cust_rng.uniform(0.0, p.birth_days, BLOCK)
    lam = cust_rng.gamma(p.bgnbd_r, 1.0 / p.bgnbd_alpha, BLOCK) / 7.0
    drop = np.clip(cust_rng.beta(p.bgnbd_a, p.bgnbd_b, BLOCK), 1e-12, 1.0)
    nu = cust_rng.gamma(p.gg_q, 1.0 / p.gg_gamma, BLOCK)
    span = p.end_day - birth
    k = cust_rng.geometric(drop)
    m = cust_rng.poisson(lam * span)
    n_rep = np.minimum(k, m)
    rest = cust_rng.gamma((m + 1 - n_rep).astype(float), 1.0)

    first = b * BLOCK
    size = min(BLOCK, n_customers - first)
    birth, span, nu, n_rep, rest = birth[:size], span[:size], nu[:size], n_rep[:size], rest[:size]
    cnt = n_rep + 1
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(cnt, out=offsets[1:])
    rows = int(offsets[-1])
    local = np.repeat(np.arange(size), cnt)
    is_rep = np.ones(rows, dtype=bool)
    is_rep[offsets[:-1]] = False  # the first purchase of each customer is at birth
    t = np.repeat(birth, cnt)
    if rows > size:
        # Partial sums of exponentials within each customer: the running total minus the
        # total before the customer's first repeat purchase.
        csum = np.cumsum(gap_rng.standard_exponential(rows - size))
        rep_local = local[is_rep]
        rep_end = np.cumsum(n_rep)
        rep_start = rep_end - n_rep
        before = np.where(rep_start > 0, csum[np.maximum(rep_start - 1, 0)], 0.0)
        s_n = np.where(n_rep > 0, csum[np.maximum(rep_end - 1, 0)] - before, 0.0)
        s_k = csum - before[rep_local]
        t[is_rep] += span[rep_local] * s_k / (s_n + rest)[rep_local]
    amount = spend_rng.gamma(p.gg_p, 1.0, rows) / np.repeat(nu, cnt)
    cents = np.maximum(np.round(amount * 100.0), 1.0).astype(np.int64)
    secs = np.floor(t * DAY_SECONDS).astype(np.int64) + int(START.timestamp())
    cust_ids = _ids("C", np.arange(first + 1, first + size + 1), width)
    return _Block(
        first_customer=first,
        offsets=offsets,
        customer_id=cust_ids.take(pa.array(local, type=pa.int64())),
        ordered_at=pa.array(secs, type=pa.int64()).cast(pa.timestamp("s")),
        amount=columns.money_from_cents(cents),
    )


def _check(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InputError(
            f"The {name!r} argument of transactions must be an integer >= "
            f"{minimum}. Got {value!r} instead."
        )
    return int(value)


def transactions(
    n_customers: int,
    *,
    seed: int,
    chunk_customers: int = 500_000,
    params: WorldParams | None = None,
) -> Iterator[pa.Table]:
    """Yield the completed orders of ``n_customers`` customers, ``chunk_customers``
    customers per table (the last may hold fewer), rows by customer then time.

    Columns: ``order_id`` (``O`` + 10 digits, numbered from 1 across chunks),
    ``customer_id`` (``C`` + zero-padded number), ``ordered_at`` (timestamp[s], UTC),
    ``amount`` (decimal128(18, 2), euros). Memory is bounded by one chunk plus one block
    of ``BLOCK`` customers.
    """
    n = _check("n_customers", n_customers, 1)
    seed = _check("seed", seed, 0)
    chunk = _check("chunk_customers", chunk_customers, 1)
    p = params if params is not None else WorldParams()
    width = columns.id_width(n)
    n_blocks = (n + BLOCK - 1) // BLOCK
    next_order = 1
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        pending: deque[Future[_Block]] = deque()
        submitted = 0
        block: _Block | None = None

        def next_block() -> _Block:
            nonlocal submitted
            while submitted < n_blocks and len(pending) < _WORKERS + 1:
                pending.append(pool.submit(_draw_block, submitted, n, seed, p, width))
                submitted += 1
            return pending.popleft().result()

        for c0 in range(0, n, chunk):
            c1 = min(c0 + chunk, n)
            parts: list[pa.Table] = []
            c = c0
            while c < c1:
                if block is None or c >= block.first_customer + BLOCK:
                    block = next_block()
                lo = c - block.first_customer
                hi = min(c1, block.first_customer + BLOCK) - block.first_customer
                r0, r1 = int(block.offsets[lo]), int(block.offsets[hi])
                parts.append(
                    pa.table(
                        [
                            block.customer_id.slice(r0, r1 - r0),
                            block.ordered_at.slice(r0, r1 - r0),
                            block.amount.slice(r0, r1 - r0),
                        ],
                        names=list(TRANSACTION_COLUMNS[1:]),
                    )
                )
                c = block.first_customer + hi
            body = pa.concat_tables(parts)
            rows = body.num_rows
            order_id = _ids(
                "O", np.arange(next_order, next_order + rows, dtype=np.int64), _ORDER_ID_WIDTH
            )
            next_order += rows
            yield body.add_column(0, TRANSACTION_COLUMNS[0], order_id)
