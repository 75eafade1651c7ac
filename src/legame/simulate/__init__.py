"""Synthetic multi-source data for two years of a business, with planted, known effects.

``simulate(out_dir, customers=5000, seed=0, effects_off=())`` writes one CSV per canonical
table and ``truth.json`` (every parameter, and for each planted effect whether it is on,
the true value of the estimand a finding computes, and what that estimand is).
``simulate_tables`` does the same in memory. ``transactions`` streams the bare purchase
process (BG/NBD + Gamma-Gamma) in chunks, for benchmarks.

The modules, in the order the world is drawn: ``params`` (every number), ``streams``
(seeded sub-streams), ``population`` (latent traits), ``purchases`` (the purchase loop with
tickets, fees and gestures), ``gratitude`` (randomized arms), ``surveys``, ``service``
(ticket details), ``contact`` (campaigns, messages, consents), ``referrals``, ``text`` and
``campaign_text`` (the words), ``tables`` and ``columns`` (Arrow tables), ``truth`` (exact
and Monte-Carlo truth), ``writer`` (files).
"""

from legame.simulate.params import EFFECTS, PURE_PROCESS_EFFECTS_OFF, WorldParams
from legame.simulate.simulation import (
    SimulatedData,
    SimulationResult,
    simulate,
    simulate_tables,
)
from legame.simulate.transactions import TRANSACTION_COLUMNS, transactions

__all__ = [
    "EFFECTS",
    "PURE_PROCESS_EFFECTS_OFF",
    "TRANSACTION_COLUMNS",
    "SimulatedData",
    "SimulationResult",
    "WorldParams",
    "simulate",
    "simulate_tables",
    "transactions",
]
