"""Arms of a randomized test, by a seeded hash: the same customer always lands in the same arm.

``arm_index(seed, test, customer_id, shares)`` hashes ``"{seed}|{test}|{customer_id}"``
with SHA-256, reads the first 8 bytes as a uniform number ``u`` in [0, 1) and returns the
first arm whose cumulative share exceeds ``u``. Nothing is stored: the contact governor
(which enforces each customer's arm), the results (which compare the arms) and the
simulator (which plants an effect per arm) compute the same arm from the same inputs.
The hash is independent of every trait of the customer, so the arms are a random split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from legame.errors import InputError


def uniform(seed: int, test: str, customer_id: str) -> float:
    """The customer's uniform draw in [0, 1) for ``test``."""
    digest = hashlib.sha256(f"{seed}|{test}|{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _cuts(shares: Sequence[float]) -> npt.NDArray[np.float64]:
    total = float(sum(shares))
    if not shares or total <= 0 or any(s < 0 for s in shares):
        raise InputError(f"arm shares must be ≥ 0 with a positive sum; got {list(shares)}")
    return np.cumsum(np.asarray(shares, dtype=float)) / total


def arm_index(seed: int, test: str, customer_id: str, shares: Sequence[float]) -> int:
    """The index of the customer's arm (shares need not sum to 1: they are normalised)."""
    cuts = _cuts(shares)
    return min(
        int(np.searchsorted(cuts, uniform(seed, test, customer_id), side="right")), len(cuts) - 1
    )


def arm_indices(
    seed: int, test: str, customer_ids: Iterable[str], shares: Sequence[float]
) -> npt.NDArray[np.int64]:
    """:func:`arm_index` of every customer, in order."""
    cuts = _cuts(shares)
    u = np.fromiter((uniform(seed, test, str(c)) for c in customer_ids), dtype=np.float64)
    return np.minimum(np.searchsorted(cuts, u, side="right"), len(cuts) - 1).astype(np.int64)
