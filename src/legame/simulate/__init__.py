"""Synthetic multi-source data for two years of a business, with planted, known effects.

``simulate(out_dir, customers=5000, seed=0, effects_off=())`` writes one CSV per canonical
table and ``truth.json`` (every parameter, and for each planted effect whether it is on,
the true value of the estimand a finding computes, and what that estimand is).
``simulate_tables`` does the same in memory. ``transactions`` streams the bare purchase
process (BG/NBD + Gamma-Gamma) in chunks, for benchmarks.

The modules, in the order the world is drawn: ``params`` (every number), ``streams``
(seeded sub-streams), ``population`` (latent traits), ``purchases`` (the purchase loop with
tickets, fees and gestures), ``gratitude`` (randomized arms), ``surveys``, ``service``
(ticket details), ``contact`` (campaigns, messages, consents), ``experiments`` (the
randomized contact-frequency test, the NPS group at a gesture), ``referrals``, ``text`` and
``campaign_text`` (the words), ``tables`` and ``columns`` (Arrow tables), ``truth`` and
``experiment_truth`` (exact and Monte-Carlo truth), ``writer`` (files).

``policy_fragment(truth)`` is the TOML of the simulated contact-frequency test
(``[experiments.contact_tests.<name>]``), to append to a workspace's ``legame.toml`` so that
legame's governor and results read the test the data were simulated with.
"""

from legame.simulate.experiments import policy_fragment
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
    "policy_fragment",
    "simulate",
    "simulate_tables",
    "transactions",
]
