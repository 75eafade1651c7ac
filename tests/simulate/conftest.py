"""Simulated data sets shared by the simulator's tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from legame.simulate import SimulatedData, SimulationResult, simulate, simulate_tables

#: Small Monte-Carlo populations keep the tests fast; the default (1,000,000) is for users.
MC_FAST = 20_000


@pytest.fixture(scope="session")
def sim_data() -> SimulatedData:
    """5,000 customers in memory, every effect on."""
    return simulate_tables(customers=5000, seed=7, mc_customers=MC_FAST)


@pytest.fixture(scope="session")
def sim_files(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    """1,500 customers written to CSV files."""
    out: Path = tmp_path_factory.mktemp("sim") / "out"
    return simulate(out, customers=1500, seed=3, mc_customers=MC_FAST)
