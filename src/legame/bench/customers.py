"""The bench's customers, with two static covariates whose effects are planted.

The orders (:func:`legame.simulate.transactions`) are pure BG/NBD: each customer has a
purchase rate ``lam`` (per week) ~ Gamma(r, alpha) and a dropout chance ``p`` ~ Beta(a, b).
This module replays those draws (the simulator's seeds, :func:`latent`) and gives every
customer an ``acquisition_channel`` and a ``country`` drawn *given* ``lam`` and ``p``. A level
drawn with a probability proportional to ``exp(-k lam)`` tilts the Gamma to
Gamma(r, alpha + k); one proportional to ``p`` (or ``1 - p``) tilts the Beta to
Beta(a + 1, b) (or Beta(a, b + 1)); a constant probability leaves both as they are. So,
against the baselines (``web``, ``FR``; the most common levels, constant probabilities),
the covariate BG/NBD of Fader & Hardie's note 019 holds exactly for these levels, with
the coefficients of :data:`PLANTED`:

=====================  ==============================  =====================================
level                  probability given (lam, p)      what it does
=====================  ==============================  =====================================
channel ``web``        0.5                             baseline
channel ``marketplace``  0.3 exp(-6 lam)               alpha 6 -> 12: buys half as often
channel ``app``        the rest                        buys more often (a mixture: no value)
country ``FR``         0.45                            baseline
country ``IT``         0.2                             nothing
country ``DE``         0.35 (1 - p)                    b 4 -> 5: drops out less
country ``ES``         0.35 p                          a 0.8 -> 1.8: drops out more
=====================  ==============================  =====================================

``first_order_value`` (the third covariate the bench fits) has no effect on the purchase
rate or the dropout: spend is drawn apart from them.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from legame.errors import BenchError
from legame.simulate.params import DAY_SECONDS, START, WorldParams
from legame.simulate.transactions import _SPAWN_TAG, BLOCK

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The static covariates the bench fits (customers.parquet and the orders).
COVARIATES = ("acquisition_channel", "country", "first_order_value")
#: The seeds of the covariate draws: children of ``SeedSequence(seed)`` with this spawn key.
_TAG = 2_000_000
_W = WorldParams()
#: The tilt of ``marketplace``: P ∝ exp(-K_MARKETPLACE lam), lam per week.
K_MARKETPLACE = 6.0
#: Coefficients of :class:`~legame.models.CovariateBetaGeo` that the draws plant (zero where
#: a level leaves a process alone), and its baseline parameters (weeks).
PLANTED: dict[str, float] = {
    "r": _W.bgnbd_r,
    "alpha": _W.bgnbd_alpha,
    "a": _W.bgnbd_a,
    "b": _W.bgnbd_b,
    "beta_purchase_acquisition_channel=marketplace": -math.log(
        (_W.bgnbd_alpha + K_MARKETPLACE) / _W.bgnbd_alpha
    ),
    "beta_a_acquisition_channel=marketplace": 0.0,
    "beta_b_acquisition_channel=marketplace": 0.0,
    "beta_a_acquisition_channel=app": 0.0,
    "beta_b_acquisition_channel=app": 0.0,
    "beta_purchase_country=DE": 0.0,
    "beta_a_country=DE": 0.0,
    "beta_b_country=DE": math.log((_W.bgnbd_b + 1) / _W.bgnbd_b),
    "beta_purchase_country=ES": 0.0,
    "beta_a_country=ES": math.log((_W.bgnbd_a + 1) / _W.bgnbd_a),
    "beta_b_country=ES": 0.0,
    "beta_purchase_country=IT": 0.0,
    "beta_a_country=IT": 0.0,
    "beta_b_country=IT": 0.0,
    "beta_purchase_first_order_value": 0.0,
    "beta_a_first_order_value": 0.0,
    "beta_b_first_order_value": 0.0,
}


class Latent:
    """The simulator's per-customer draws, replayed block by block (cached)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._blocks: dict[int, tuple[FloatArray, FloatArray, FloatArray, FloatArray]] = {}

    def block(self, b: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Birth day, ``lam`` per week and ``p`` of block ``b``'s customers, and two uniforms
        per customer for the covariates (drawn as ``transactions`` draws them)."""
        if b not in self._blocks:
            root = np.random.SeedSequence(self.seed, spawn_key=(_SPAWN_TAG, b))
            rng = np.random.default_rng(root.spawn(3)[0])
            birth = rng.uniform(0.0, _W.birth_days, BLOCK)
            lam = rng.gamma(_W.bgnbd_r, 1.0 / _W.bgnbd_alpha, BLOCK)
            drop = np.clip(rng.beta(_W.bgnbd_a, _W.bgnbd_b, BLOCK), 1e-12, 1.0)
            own = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_TAG, b)))
            self._blocks = {b: (birth, lam, drop, own.random((BLOCK, 2)))}  # one block kept
        return self._blocks[b]

    def draw(self, index: IntArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Birth, ``lam``, ``p`` and the two uniforms of customers ``index`` (0-based)."""
        out = [np.empty(index.size) for _ in range(4)]
        uniforms = np.empty((index.size, 2))
        blocks = index // BLOCK
        for b in np.unique(blocks):
            rows = np.flatnonzero(blocks == b)
            birth, lam, drop, u = self.block(int(b))
            at = index[rows] % BLOCK
            out[0][rows], out[1][rows], out[2][rows] = birth[at], lam[at], drop[at]
            uniforms[rows] = u[at]
        return out[0], out[1], out[2], uniforms


def channel_and_country(
    lam: FloatArray, p: FloatArray, uniforms: FloatArray
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """The levels drawn given ``lam`` (per week) and ``p`` (see the module's table)."""
    u, v = uniforms[:, 0], uniforms[:, 1]
    market = 0.5 + 0.3 * np.exp(-K_MARKETPLACE * lam)
    channel = np.where(u < 0.5, "web", np.where(u < market, "marketplace", "app"))
    loyal = 0.65 + 0.35 * (1.0 - p)
    country = np.where(v < 0.45, "FR", np.where(v < 0.65, "IT", np.where(v < loyal, "DE", "ES")))
    return channel.astype(object), country.astype(object)


def customers_of(part: pa.Table, latent: Latent) -> pa.Table:
    """One row per customer of ``part`` (orders grouped by customer, in time order):
    ``customer_id``, ``country`` and ``acquisition_channel``. Checks that the replayed draws
    are the simulator's: each customer's first order is at the replayed birth."""
    ids = part.column("customer_id").combine_chunks()
    starts = _first_rows(ids)
    first_ids = ids.take(pa.array(starts))
    index = np.asarray(pc.cast(pc.utf8_slice_codeunits(first_ids, 1), pa.int64()), np.int64) - 1
    birth, lam, p, uniforms = latent.draw(index)
    stamps = part.column("ordered_at").combine_chunks().take(pa.array(starts))
    seconds = np.asarray(stamps.cast(pa.int64()), dtype=np.int64)
    expected = np.floor(birth * DAY_SECONDS).astype(np.int64) + int(START.timestamp())
    if not np.array_equal(seconds, expected):
        raise BenchError(
            "The bench's customers replay the simulator's draws (legame.simulate.transactions) "
            "and no longer match its orders: update legame/bench/customers.py to the draws."
        )
    channel, country = channel_and_country(lam, p, uniforms)
    return pa.table(
        {
            "customer_id": first_ids,
            "country": pa.array(country, pa.string()),
            "acquisition_channel": pa.array(channel, pa.string()),
        }
    )


def _first_rows(ids: pa.Array) -> IntArray:
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    changes = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))
    later = np.flatnonzero(np.asarray(changes.to_numpy(zero_copy_only=False))) + 1
    return np.r_[0, later].astype(np.int64)
