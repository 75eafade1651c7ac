"""Named, independent random streams spawned from one seed.

Each part of the simulation draws from its own child of ``SeedSequence(seed)``, picked by
a fixed slot number, so adding draws to one part (or a new part in a new slot) leaves the
other parts' numbers unchanged.
"""

from __future__ import annotations

import numpy as np

#: Fixed slot per stream. Append new names; never renumber.
SLOTS: dict[str, int] = {
    "population": 0,
    "purchases": 1,
    "spend": 2,
    "gratitude": 3,
    "surveys": 4,
    "service": 5,
    "contact": 6,
    "referrals": 7,
    "text": 8,
    "extra_orders": 9,
    "identities": 10,
    "fees": 11,
    "order_details": 12,
    "acquisition": 13,
    "experiments": 14,
    "experiment_truth": 15,
}
_N_SLOTS = 32


class Streams:
    """``streams["surveys"]`` is the generator for the surveys, the same on every call."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._children = root.spawn(_N_SLOTS)
        self._cache: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._cache:
            self._cache[name] = np.random.default_rng(self._children[SLOTS[name]])
        return self._cache[name]
