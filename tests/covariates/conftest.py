"""Simulated workspaces for the covariate tests, built once per session.

``planted``: 10,000 customers with every effect on (the acquisition channel's static effects,
the service and gratitude effects on the dropout); ``unplanted``: the same seed with those
three switched off, where every interval should cover "no effect". Seed 12, as the findings'
planted workspace (``tests/insights/conftest.py``): the first seed tried; its calibration is
measured over other seeds in ``docs/covariates.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from legame.demo import LOAD_ORDER
from legame.ingest import ingest
from legame.simulate import simulate
from legame.store import Workspace

CUSTOMERS = 10_000
SEED = 12
#: The effects whose truth the covariates estimate.
COVARIATE_EFFECTS = (
    "acquisition_channel",
    "service_dropout",
    "gratitude_uplift",
    # off in the unplanted run too: the contact test's extra quitting in its high arm is
    # a dropout no covariate names
    "contact_frequency_test",
)


@dataclass(frozen=True)
class Built:
    db: Path
    truth: dict[str, object]


def _build(folder: Path, effects_off: tuple[str, ...]) -> Built:
    sim = simulate(
        folder / "data",
        customers=CUSTOMERS,
        seed=SEED,
        effects_off=effects_off,
        mc_customers=10_000,
    )
    db = folder / "ws.duckdb"
    with Workspace.create(db) as ws:
        for table in LOAD_ORDER:
            ingest(ws, table, [sim.paths[table]])
    return Built(db, sim.truth)


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory.mktemp("planted_covariates"), ())


@pytest.fixture(scope="session")
def unplanted(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory.mktemp("unplanted_covariates"), COVARIATE_EFFECTS)
