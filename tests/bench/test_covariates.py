"""The bench's customers carry static covariates with planted effects, and its PyMC-Marketing
reference fits the same covariate BG/NBD as legame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from legame.bench import pymc_reference
from legame.bench.customers import PLANTED, Latent, channel_and_country, customers_of
from legame.bench.data import write_transactions
from legame.errors import BenchError


def test_customers_replay_the_simulators_draws_and_say_when_they_do_not(tmp_path: Path) -> None:
    """Each customer's first order is at the birth the replay draws; with another seed the
    replay is someone else's world, and the bench says so instead of planting nonsense."""
    data = write_transactions(20_000, tmp_path, seed=3)
    people = pq.read_table(data.customers_parquet)
    orders = pq.read_table(data.parquet)
    assert people.num_rows == data.customers
    assert people.column("customer_id").to_pylist() == sorted(
        set(orders.column("customer_id").to_pylist())
    )
    assert set(people.column("acquisition_channel").to_pylist()) == {"web", "marketplace", "app"}
    assert set(people.column("country").to_pylist()) == {"FR", "IT", "DE", "ES"}
    with pytest.raises(BenchError, match="no longer match"):
        customers_of(orders.slice(0, 1000), Latent(seed=4))


def test_levels_follow_the_planted_probabilities() -> None:
    """web below 0.5; marketplace up to 0.5 + 0.3 exp(-6 lam); FR below 0.45, IT to 0.65, DE
    to 0.65 + 0.35 (1 - p), ES above."""
    lam = np.array([0.0, 0.0, 5.0, 0.0])
    p = np.array([0.0, 1.0, 0.5, 0.5])
    uniforms = np.array([[0.49, 0.44], [0.79, 0.64], [0.79, 0.8], [0.81, 0.9]])
    channel, country = channel_and_country(lam, p, uniforms)
    assert channel.tolist() == ["web", "marketplace", "app", "app"]
    assert country.tolist() == ["FR", "IT", "DE", "ES"]
    _, country = channel_and_country(lam, p, np.array([[0, 0.99], [0, 0.66], [0, 0.82], [0, 0]]))
    assert country.tolist() == ["DE", "ES", "DE", "FR"]


def test_planted_coefficients_are_the_tilted_gamma_and_beta() -> None:
    """exp(-6 lam) turns Gamma(0.6, 6) into Gamma(0.6, 12): half the purchase rate; p turns
    Beta(0.8, 4) into Beta(1.8, 4), 1 - p into Beta(0.8, 5)."""
    assert PLANTED["beta_purchase_acquisition_channel=marketplace"] == pytest.approx(-np.log(2))
    assert PLANTED["beta_a_country=ES"] == pytest.approx(np.log(1.8 / 0.8))
    assert PLANTED["beta_b_country=DE"] == pytest.approx(np.log(5 / 4))


def test_compare_sets_each_coefficient_beside_legames_in_its_standard_errors() -> None:
    ours = {
        "params": {"r": 1.0, "alpha": 2.0, "a": 0.5, "b": 4.0, "beta_purchase_z": 0.3},
        "stderr": {"r": 0.1, "alpha": 0.1, "a": 0.1, "b": 0.1, "beta_purchase_z": 0.02},
        "loglik": -100.0,
    }
    theirs = pymc_reference.PymcReference(
        status="ok",
        params={"r": 1.001, "alpha": 2.0, "a": 0.5, "b": 4.0, "beta_purchase_z": 0.301},
        loglik=-100.5,
    )
    compared = pymc_reference.compare(ours, theirs)
    assert compared["unmatched"] == []
    assert compared["max_coef_abs_diff"] == pytest.approx(0.001)
    assert compared["max_coef_diff_in_se"] == pytest.approx(0.05)
    assert compared["max_base_rel_diff"] == pytest.approx(0.001 / 1.001, rel=1e-2)
    assert compared["loglik_diff"] == pytest.approx(0.5)
    theirs.params["beta_a_z"] = 0.0
    assert pymc_reference.compare(ours, theirs)["unmatched"] == ["beta_a_z"]
