"""Recovery of planted parameters from simulated customers.

Why |estimate - truth| < 3 standard errors: the maximum-likelihood estimate is asymptotically
normal around the truth with the inverse observed information as covariance, which is what
``stderr_`` reports; with 20,000+ customers the approximation is tight, so a 3-SE miss has a
0.3 % chance per parameter under a correct implementation. Seeds are fixed, so each test is
deterministic; a biased likelihood, a wrong gradient or standard errors that are too small are
what make it fail.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from legame.models import BetaGeo, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from legame.models.base import BaseModel


def _assert_within_3_se(model: BaseModel, truth: dict[str, float]) -> None:
    for name, value in truth.items():
        gap = abs(model.params_[name] - value)
        assert gap < 3 * model.stderr_[name], (name, model.params_[name], model.stderr_[name])


def test_bgnbd_recovers_planted_parameters(sim: SimpleNamespace) -> None:
    truth = {"r": 0.5, "alpha": 8.0, "a": 0.7, "b": 2.5}
    rng = np.random.default_rng(20240501)
    T = rng.uniform(20, 60, 30_000)
    x, t_x, T = sim.bgnbd(rng, T, **truth)
    (x, t_x, T), counts = sim.compress(x, t_x, T)
    model = BetaGeo().fit(x, t_x, T, weights=counts)
    assert model.n_customers_ == 30_000
    _assert_within_3_se(model, truth)


def test_paretonbd_recovers_planted_parameters(sim: SimpleNamespace) -> None:
    truth = {"r": 0.6, "alpha": 10.0, "s": 0.8, "beta": 12.0}
    rng = np.random.default_rng(20240502)
    T = np.round(rng.uniform(20, 80, 20_000))  # whole weeks: fewer distinct histories
    x, t_x, T = sim.paretonbd(rng, T, **truth)
    (x, t_x, T), counts = sim.compress(x, t_x, T)
    model = ParetoNBD().fit(x, t_x, T, weights=counts)
    _assert_within_3_se(model, truth)


def test_gammagamma_recovers_planted_parameters(sim: SimpleNamespace) -> None:
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    rng = np.random.default_rng(20240503)
    x = 1.0 + rng.poisson(2.0, 20_000)
    m = sim.gammagamma(rng, x, **truth)
    model = GammaGamma().fit(x, m)
    _assert_within_3_se(model, truth)


def test_sbg_recovers_planted_parameters() -> None:
    truth = {"alpha": 0.9, "beta": 2.2}
    rng = np.random.default_rng(20240504)
    theta = rng.beta(truth["alpha"], truth["beta"], 20_000)
    lifetime = rng.geometric(theta)  # period of cancellation, 1, 2, ...
    horizon = 8
    alive = lifetime > horizon
    periods = np.where(alive, horizon, lifetime).astype(float)
    model = ShiftedBetaGeometric().fit(periods, alive)
    _assert_within_3_se(model, truth)


def test_bgnbd_standard_errors_match_the_spread_of_repeated_fits(sim: SimpleNamespace) -> None:
    """Over 40 independent samples of 3,000 customers, (estimate - truth) / stderr should have
    a standard deviation near 1 (0.6-1.5 allows for the sampling error of 40 draws, about
    +-0.11, and the small-sample skew of a 3,000-customer fit)."""
    truth = {"r": 0.5, "alpha": 8.0, "a": 0.7, "b": 2.5}
    rng = np.random.default_rng(20240505)
    z = []
    for _ in range(40):
        x, t_x, T = sim.bgnbd(rng, rng.uniform(20, 60, 3_000), **truth)
        model = BetaGeo().fit(x, t_x, T)
        z.append([(model.params_[n] - v) / model.stderr_[n] for n, v in truth.items()])
    spread = np.std(np.array(z), axis=0)
    assert np.all((spread > 0.6) & (spread < 1.5)), spread


@pytest.mark.parametrize("scale", [1.0, 7.0])
def test_bgnbd_time_unit_only_rescales_alpha(sim: SimpleNamespace, scale: float) -> None:
    """The same histories in days instead of weeks: alpha is multiplied by 7, the rest and the
    log-likelihood (up to the Jacobian x * log 7 of the recency density) are unchanged."""
    rng = np.random.default_rng(20240506)
    x, t_x, T = sim.bgnbd(rng, rng.uniform(20, 60, 5_000), r=0.5, alpha=8.0, a=0.7, b=2.5)
    weeks = BetaGeo().fit(x, t_x, T)
    other = BetaGeo().fit(x, t_x * scale, T * scale)
    assert other.params_["alpha"] == pytest.approx(weeks.params_["alpha"] * scale, rel=1e-6)
    for name in ("r", "a", "b"):
        assert other.params_[name] == pytest.approx(weeks.params_[name], rel=1e-6)
    shift = -np.log(scale) * x.sum()
    assert other.loglik_ == pytest.approx(weeks.loglik_ + shift, rel=1e-9)
