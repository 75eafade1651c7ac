"""The gratitude & reciprocity program: randomized arms, gestures and waived fees.

Two triggers fire on events during the purchase process (see ``purchases.py``):

* ``fee_forgiveness``: a late fee charged to a customer with at least 3 completed orders
  before the charge; treatment waives the fee 1-3 days after the charge.
* ``milestone_thanks``: the customer's 5th completed order; treatment is a thank-you note.

Arms are assigned per trigger (stratified) by permuted blocks, so each trigger's holdout
share is 30% up to one incomplete block. The gesture is given at the event time
(``given_at`` = the charge or order time, for both arms); a treated gesture multiplies
every later dropout hazard of that customer by ``gratitude_h`` while ``gratitude_uplift``
is on.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

TRIGGERS: tuple[str, ...] = ("fee_forgiveness", "milestone_thanks")
FEE_FORGIVENESS, MILESTONE_THANKS = 0, 1


class BlockRandomizer:
    """Holdout flags in permuted blocks: each block holds exactly ``share`` holdouts.

    The block length is the smallest one (up to 100) in which ``share`` is a whole number
    of events. ``draw(n)`` hands out the next ``n`` flags of one endless sequence.
    """

    def __init__(self, share: float, rng: np.random.Generator) -> None:
        frac = Fraction(share).limit_denominator(100)
        self._block = max(frac.denominator, 2)
        self._holdouts = round(share * self._block)
        self._rng = rng
        self._buffer = np.zeros(0, dtype=bool)

    def draw(self, n: int) -> npt.NDArray[np.bool_]:
        while self._buffer.size < n:
            n_blocks = max(1, (n - self._buffer.size) // self._block + 1)
            base = np.zeros(self._block, dtype=bool)
            base[: self._holdouts] = True
            blocks = np.tile(base, (n_blocks, 1))
            blocks = self._rng.permuted(blocks, axis=1)
            self._buffer = np.concatenate([self._buffer, blocks.ravel()])
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out
