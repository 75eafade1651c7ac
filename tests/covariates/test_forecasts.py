"""Forecasts of BG/NBD and Gamma-Gamma with covariates, per customer
(``CovariateBetaGeo.horizon_table``, ``pattern_model``; ``legame.models.
bgnbd_covariates_forecast``).

References: a pattern's forecast is plain BG/NBD's at the pattern's parameters (Fader &
Hardie 2007, http://brucehardie.com/notes/019/); with time-varying covariates whose
coefficients are 0 the model is BG/NBD (the latent-dropout model with every hazard
multiplier 1); with a hazard multiplier c held over the forecast, the expected purchases of
a new customer are pinned to a seeded simulation of the model itself (each repeat purchase
survived with probability (1 - p)^c), which the mean-matched Beta reproduces within 1 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from legame.covariates.coding import Coding, apply
from legame.models import BetaGeo, CovariateBetaGeo, CovariateGammaGamma
from legame.models.clv import horizon_table

BASE = {"r": 0.6, "alpha": 6.0, "a": 0.8, "b": 4.0}
OPTIONS = {"t": 52.0, "horizon": 12, "periods_per_year": 52.18, "discount_rate": 0.1}


def _histories(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.poisson(2.0, n).astype(float)
    T = np.round(rng.uniform(10, 50, n), 1)
    t_x = np.where(x > 0, np.round(rng.uniform(0, 1, n) * T, 1), 0.0)
    return x, t_x, T


def test_time_varying_covariates_at_zero_forecast_as_plain_bgnbd() -> None:
    x, t_x, T = _histories(2000, 0)
    rng = np.random.default_rng(1)
    model = CovariateBetaGeo.from_params(
        {**BASE, "beta_purchase_z": 0.0, "beta_a_z": 0.0, "beta_b_z": 0.0, "beta_hazard_w": 0.0},
        covariate_names=("z",),
        varying_names=("w",),
    )
    got = model.horizon_table(
        x,
        t_x,
        T,
        rng.integers(0, 2, (x.size, 1)).astype(float),
        rng.integers(0, 3, (int(x.sum()), 1)).astype(float),
        rng.integers(0, 3, (x.size, 1)).astype(float),
        **OPTIONS,
    )
    want = horizon_table(BetaGeo.from_params(BASE), x, t_x, T, **OPTIONS)
    for name in ("expected", "alive", "discounted", "p_no_purchase"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-10)
    np.testing.assert_array_equal(got.purchases_low, want.purchases_low)
    np.testing.assert_array_equal(got.purchases_high, want.purchases_high)
    assert np.isnan(got.discounted_log_sd).all()  # not computed with time-varying covariates


def _bgnbd(z: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histories simulated as BG/NBD over 52 weeks, z = 1 buying 0.7x as often."""
    rng = np.random.default_rng(seed)
    n = z.size
    lam = rng.gamma(BASE["r"], 1.0 / BASE["alpha"], n) * np.exp(np.log(0.7) * z)
    p = rng.beta(BASE["a"], BASE["b"], n)
    x, t_x, T = np.zeros(n), np.zeros(n), np.full(n, 52.0)
    t, alive = np.zeros(n), np.ones(n, dtype=bool)
    while alive.any():
        t += rng.exponential(1.0 / lam)
        bought = alive & (t <= 52.0)
        x += bought
        t_x = np.where(bought, np.round(t, 1), t_x)
        alive = bought & (rng.random(n) >= p)
    return x, t_x, T


def test_a_patterns_forecast_is_its_plain_bgnbds_with_the_fits_covariance() -> None:
    """Fitted on histories simulated as BG/NBD, the static pattern z = 1 forecasts as
    ``pattern_model([1])``, whose covariance is A cov_ A' (the CLV spread included)."""
    z = (np.arange(4000) % 2).astype(float)
    x, t_x, T = _bgnbd(z, 2)
    model = CovariateBetaGeo().fit(x, t_x, T, z)
    table = model.horizon_table(x, t_x, T, z, **OPTIONS)
    one = z == 1
    plain = model.pattern_model([1.0])
    want = horizon_table(plain, x[one], t_x[one], T[one], **OPTIONS)
    for name in ("expected", "alive", "discounted", "p_no_purchase", "discounted_log_sd"):
        np.testing.assert_allclose(getattr(table, name)[one], getattr(want, name), rtol=1e-12)
    A = np.zeros((4, 7))
    A[np.arange(4), np.arange(4)] = 1.0
    A[1, 4], A[2, 5], A[3, 6] = -1.0, 1.0, 1.0
    np.testing.assert_allclose(plain.cov_, A @ model.cov_ @ A.T, rtol=1e-12)
    p = model.params_
    assert plain.params_["alpha"] == pytest.approx(p["alpha"] * np.exp(-p["beta_purchase_z"]))
    assert np.all(np.isfinite(table.discounted_log_sd))


def test_a_spend_patterns_model_has_its_gamma_and_covariance() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    z = (np.arange(n) % 2).astype(float)
    x = rng.integers(1, 6, n).astype(float)
    m = rng.gamma(6.0, 1.0 / rng.gamma(4.0, 1.0 / (15.0 * np.exp(0.4 * z))), n) / 1.0
    model = CovariateGammaGamma().fit(x, m, z)
    plain = model.pattern_model([1.0])
    g = model.params_
    assert plain.params_["gamma"] == pytest.approx(g["gamma"] * np.exp(g["beta_spend_z"]))
    B = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 1.0]])
    np.testing.assert_allclose(plain.cov_, B @ model.cov_ @ B.T, rtol=1e-12)
    np.testing.assert_allclose(
        plain.predict_spend(x[z == 1], m[z == 1]), model.predict_spend(x, m, z)[z == 1]
    )


def _simulated_purchases(a: float, b: float, c: float, seed: int, n: int = 200_000) -> float:
    """Mean purchases in (0, 52] of new customers under BG/NBD whose every repeat purchase
    is survived with probability (1 - p)^c."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(BASE["r"], 1.0 / BASE["alpha"], n)
    drop = 1.0 - (1.0 - rng.beta(a, b, n)) ** c
    t, alive, count = np.zeros(n), np.ones(n, dtype=bool), np.zeros(n)
    while alive.any():
        t += rng.exponential(1.0 / lam)
        bought = alive & (t <= 52.0)
        count += bought
        alive = bought & (rng.random(n) >= drop)
    return float(count.mean())


@pytest.mark.parametrize(("a", "b", "c"), [(0.8, 4.0, 3.0), (0.8, 4.0, 0.4), (2.0, 1.0, 3.0)])
def test_a_hazard_multiplier_held_over_the_forecast_matches_a_simulation(
    a: float, b: float, c: float
) -> None:
    """The survival (1 - p)^c taken as the Beta with its mean: the expected purchases of a
    new customer within 1 % of 200,000 simulated ones (their standard error is about
    0.3 %), both against the plain model (c = 1) and the state's."""
    model = CovariateBetaGeo.from_params(
        {**BASE, "a": a, "b": b, "beta_hazard_w": float(np.log(c))},
        covariate_names=(),
        varying_names=("w",),
    )
    held = model.expected_purchases(52.0, None, [1.0])
    assert held == pytest.approx(_simulated_purchases(a, b, c, seed=5), rel=0.01)
    plain = BetaGeo.from_params({**BASE, "a": a, "b": b}).expected_purchases(52.0)
    assert model.expected_purchases(52.0, None, [0.0]) == pytest.approx(plain, rel=1e-12)
    assert (held < plain) == (c > 1)


def test_forecasts_with_time_varying_covariates_need_their_state_at_the_end() -> None:
    model = CovariateBetaGeo.from_params(
        {**BASE, "beta_hazard_w": 0.5}, covariate_names=(), varying_names=("w",)
    )
    with pytest.raises(ValueError, match="future values of time-varying covariates"):
        model.horizon_table([1.0], [2.0], [5.0], None, [[1.0]], None, **OPTIONS)
    alive = model.predict_alive([1.0], [2.0], [5.0], None, [[1.0]])
    expected = model.predict_purchases(52.0, [1.0], [2.0], [5.0], None, [[1.0]], [[1.0]])
    assert 0 < expected[0] < alive[0] * 52


def test_new_values_are_coded_as_the_fit_coded_its_own() -> None:
    import pyarrow as pa

    nps = Coding(
        name="nps_group",
        kind="categorical",
        columns=("nps_group=detractor", "nps_group=promoter"),
        levels=("detractor", "promoter"),
        baseline="none",
    )
    got = apply(nps, pa.array(["promoter", "none", "passive", None, "detractor"]))
    np.testing.assert_array_equal(got, [[0, 1], [0, 0], [0, 0], [0, 0], [1, 0]])
    gestures = Coding(name="gesture", kind="count", columns=("gesture",))
    np.testing.assert_array_equal(apply(gestures, pa.array([0, 2, None])), [[0.0], [2.0], [0.0]])
