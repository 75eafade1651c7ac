"""``simulate``: two years of a business as ten CSVs plus ``truth.json``.

The world (customers, purchases, tickets, surveys, contact, fees, gestures, referrals) is
drawn from one seed; the truth of each planted effect is exact or computed by Monte Carlo
(``truth.py``). See ``legame.simulate`` for the overview.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from legame.errors import InputError
from legame.metrics import definitions
from legame.simulate import clock, columns, experiment_truth, experiments, tables, writer
from legame.simulate.contact import draw_contact
from legame.simulate.params import EFFECTS, PURE_PROCESS_EFFECTS_OFF, Effects, WorldParams
from legame.simulate.referrals import draw_referrals
from legame.simulate.service import draw_tickets
from legame.simulate.streams import Streams
from legame.simulate.truth import MC_BATCHES, MC_CUSTOMERS, MC_SEED, effects_truth, monte_carlo
from legame.simulate.world import build_world
from legame.store.schema import TABLES

TRUTH_FILE = "truth.json"

PURE_PROCESS = (
    "Completed orders come from BG/NBD (r, alpha, a, b; time unit weeks; first purchase at "
    "created_at) with Gamma-Gamma spend (p, q, gamma), rounded to cents. Refunded and "
    "cancelled orders (about 4% on top) are NOT part of that process. The process is exact "
    "when service_dropout, emotion_value, gratitude_uplift, acquisition_channel and "
    "contact_frequency_test are off (they change dropout, purchase rates or spend) and "
    "high_spend_not_loyalty is on (its 'on' state is the Gamma-Gamma independence of spend "
    "and purchasing; switched off, nu keeps its Gamma(q, gamma) marginal but is correlated "
    "with p through a Gaussian copula, rho = spend_loyalty_rho). The other effects do not "
    "touch orders."
)


@dataclass(frozen=True)
class SimulatedData:
    """The in-memory result: one Arrow table per canonical table, and the truth."""

    tables: dict[str, pa.Table]
    truth: dict[str, object]


@dataclass(frozen=True)
class SimulationResult:
    """What ``simulate`` wrote: ``paths[table]`` (plus ``paths["truth"]``) and the truth."""

    out_dir: Path
    paths: dict[str, Path]
    truth: dict[str, object] = field(repr=False)


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InputError(
            f"The {name!r} argument of simulate must be an integer >= {minimum}. "
            f"Got {value!r} instead."
        )
    return int(value)


def _definitions() -> dict[str, object]:
    """The shared constants of ``legame.metrics.definitions`` (upper-case names)."""
    consts = {
        k: v
        for k, v in vars(definitions).items()
        if k.isupper() and isinstance(v, int | float | str | tuple)
    }
    return {"module": "legame.metrics.definitions", **consts}


def _pure_orders(effects: Effects) -> bool:
    return all(not effects.on(e) for e in PURE_PROCESS_EFFECTS_OFF) and effects.on(
        "high_spend_not_loyalty"
    )


def simulate_tables(
    *,
    customers: int = 5000,
    seed: int = 0,
    effects_off: Iterable[str] = (),
    params: WorldParams | None = None,
    mc_customers: int = MC_CUSTOMERS,
) -> SimulatedData:
    """Simulate in memory: the ten canonical tables (pyarrow) and the truth dict."""
    n = _check_int("customers", customers, 1)
    seed = _check_int("seed", seed, 0)
    mc_n = _check_int("mc_customers", mc_customers, 10_000)
    effects = Effects.from_off(effects_off)
    p = params if params is not None else WorldParams()
    streams = Streams(seed)

    cust_ids = columns.ids("C", np.arange(1, n + 1), columns.id_width(n))
    arms = experiments.arms_of_ids(p, cust_ids.to_pylist())
    world = build_world(n, p, effects, streams, arms=arms)
    tk = draw_tickets(world.hist, p, streams["service"])
    contact = draw_contact(world.pop, p, effects, streams["contact"], arms=arms)
    refs = draw_referrals(world.pop, world.surveys, p, effects, streams["referrals"])
    orders = tables.draw_orders(world, streams)

    charges, gestures = tables.fee_tables(world, streams, orders, cust_ids)
    campaigns, messages, consents = tables.contact_tables(world, contact, cust_ids)
    out = {
        "customers": tables.customers_table(world, streams, cust_ids),
        "orders": tables.orders_table(world, orders, cust_ids),
        "tickets": tables.tickets_table(world, tk, cust_ids),
        "survey_responses": tables.surveys_table(world, streams, cust_ids),
        "campaigns": campaigns,
        "messages": messages,
        "consents": consents,
        "charges": charges,
        "gestures": gestures,
        "referrals": tables.referrals_table(refs, cust_ids),
    }
    assert list(out) == list(TABLES)
    truth: dict[str, object] = {
        "format": "legame-simulation-truth/1",
        "seed": seed,
        "customers": n,
        "start": clock.iso(0.0),
        "as_of": clock.iso(p.end_day),
        "outcome_window": {"start": clock.iso(p.window_start_day), "end": clock.iso(p.end_day)},
        "effects_off": sorted(effects.off),
        "effects": effects_truth(p, effects, mc_customers=mc_n),
        **experiment_truth.truth_keys(p, effects, monte_carlo(p, effects, mc_n), world),
        "pure_process": PURE_PROCESS,
        "pure_process_effects_off": list(PURE_PROCESS_EFFECTS_OFF),
        "orders_are_pure_process": _pure_orders(effects),
        "monte_carlo": {
            "customers": mc_n,
            "seed": MC_SEED,
            "batches": MC_BATCHES,
            "se_method": "batch means over customers",
        },
        "definitions": _definitions(),
        "rows": {name: t.num_rows for name, t in out.items()},
        "params": p.to_dict(),
    }
    # JSON-native (lists, not tuples): the dict equals what truth.json holds.
    truth = json.loads(json.dumps(truth, allow_nan=False))
    return SimulatedData(tables=out, truth=truth)


def simulate(
    out_dir: str | Path,
    *,
    customers: int = 5000,
    seed: int = 0,
    effects_off: Iterable[str] = (),
    params: WorldParams | None = None,
    mc_customers: int = MC_CUSTOMERS,
) -> SimulationResult:
    """Write ``customers.csv`` ... ``referrals.csv`` and ``truth.json`` into ``out_dir``.

    The same arguments write byte-identical files. ``effects_off`` names planted effects
    to switch off (see ``EFFECTS``); an unknown name raises ``InputError``.
    """
    effects = Effects.from_off(effects_off)  # validate before any work
    data = simulate_tables(
        customers=customers,
        seed=seed,
        effects_off=effects.off,
        params=params,
        mc_customers=mc_customers,
    )
    path = writer.prepare_dir(out_dir)
    paths = {name: writer.write_csv(t, path / f"{name}.csv") for name, t in data.tables.items()}
    paths["truth"] = writer.write_truth(data.truth, path / TRUTH_FILE)
    return SimulationResult(out_dir=path, paths=paths, truth=data.truth)


__all__ = ["EFFECTS", "SimulatedData", "SimulationResult", "simulate", "simulate_tables"]
