"""A planted workspace for the experiments' tests: the findings' planted world (10,000
customers, seed 12, every effect on, scored), built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.insights.conftest import PLANTED_CUSTOMERS, PLANTED_SEED, Built, build_workspace


@pytest.fixture(scope="session")
def planted_experiment(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder: Path = tmp_path_factory.mktemp("experiments_planted")
    return build_workspace(folder, customers=PLANTED_CUSTOMERS, seed=PLANTED_SEED, score=True)


@pytest.fixture(scope="session")
def gratitude_off(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder: Path = tmp_path_factory.mktemp("experiments_off")
    return build_workspace(
        folder, customers=PLANTED_CUSTOMERS, seed=PLANTED_SEED, effects_off=("gratitude_uplift",)
    )


#: The surfaces' workspace (CLI, API): the demo's size and seed, scored, with a policy that
#: pre-registers the program's end (passed: the fixed-horizon intervals are valid), a
#: margin rate of its own and one contact-frequency test over June-August 2025.
SURFACES_POLICY = """\
[gratitude]
end = "2025-06-01"

[experiments]
margin_rate = 0.4

[experiments.contact_tests.weekly_cap]
start = "2025-06-01"
end = "2025-09-01"
seed = 7
channel = "all"
arms.low = { share = 0.5, per_7_days = 2 }
arms.high = { share = 0.5, per_7_days = 4 }
"""


@pytest.fixture(scope="session")
def surfaces_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 simulated customers (seed 0), scored, with :data:`SURFACES_POLICY` beside."""
    folder: Path = tmp_path_factory.mktemp("experiments_surfaces")
    built = build_workspace(folder, customers=3000, seed=0, score=True)
    (folder / "legame.toml").write_text(SURFACES_POLICY, encoding="utf-8")
    return built.db
