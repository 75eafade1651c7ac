"""MBG/NBD against lifetimes, a simulation of the model itself, and BG/NBD's closed forms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from scipy import integrate, stats

from legame.models import BetaGeo, ModifiedBetaGeo
from legame.models.mbgnbd import _ModifiedBetaGeoLikelihood

if TYPE_CHECKING:
    from conftest import CdnowSummary

# lifetimes 0.11.3 (numpy 1.26.4, scipy 1.12.0, pandas 3.0.6) on the fixture's CDNOW data
# (f, r, T = frequency, recency, T: calibration to 1997-09-30, weeks, purchase days):
#   m = ModifiedBetaGeoFitter().fit(f, r, T); m.params_, m.standard_errors_
#   -ModifiedBetaGeoFitter._negative_log_likelihood(log(m.params_), f, r, T, ones, 0) * 2357
#   m.conditional_probability_alive(...), m.conditional_expected_number_of_purchases_up_to_
#   time(39, ...) at ROWS, m.expected_number_of_purchases_up_to_time([1, 39, 78, 520]),
#   [m.probability_of_n_purchases_up_to_time(39, n) for n in range(6)]
LIFETIMES_PARAMS = {
    "r": 0.524842903149598,
    "alpha": 6.183081764399279,
    "a": 0.8913595172711999,
    "b": 1.6140029311982655,
}
LIFETIMES_SE = {
    "r": 0.08326808867855248,
    "alpha": 0.6956199090360954,
    "a": 0.15478993801746696,
    "b": 0.5374947939554452,
}
LIFETIMES_LOGLIK = -9582.135715553766
ROWS = [0, 1, 2, 19, 150, 1000]  # customers 1, 2, 3, 20, 151, 1001
LIFETIMES_ALIVE = [
    0.7061384907953513,
    0.1709510803310356,
    0.38972310430883694,
    0.39011973218551965,
    0.8254032736114113,
    0.4054134828384172,
]
LIFETIMES_COND39 = [
    1.2627588401713274,
    0.18894488774744078,
    0.15396600986397643,
    0.15455463174583078,
    2.6161595145759975,
    0.17866351426022786,
]
LIFETIMES_UNCOND = [0.053060332652605124, 1.1822798470838078, 1.8036305180327141, 4.410753068540901]
LIFETIMES_PMF39 = [
    0.5826050537745056,
    0.18276393736096092,
    0.08687084130258688,
    0.048550815802232,
    0.029759009043982924,
    0.019375746784891047,
]


@pytest.fixture(scope="module")
def mbg(cdnow: CdnowSummary) -> ModifiedBetaGeo:
    return ModifiedBetaGeo().fit(cdnow.frequency, cdnow.recency, cdnow.T)


def test_mbgnbd_estimates_loglik_and_standard_errors_match_lifetimes(mbg: ModifiedBetaGeo) -> None:
    """Estimates agree with lifetimes' ModifiedBetaGeoFitter to 1e-4 (it stops within 3e-6 of
    the optimum, where the log-likelihood is flat to 1e-10); standard errors (lifetimes:
    inverse of the autograd Hessian) to 0.5 %."""
    assert mbg.converged_
    for name, value in LIFETIMES_PARAMS.items():
        assert mbg.params_[name] == pytest.approx(value, rel=1e-4), name
        assert mbg.stderr_[name] == pytest.approx(LIFETIMES_SE[name], rel=5e-3), name
    assert mbg.loglik_ == pytest.approx(LIFETIMES_LOGLIK, rel=1e-10)


def test_mbgnbd_predictions_match_lifetimes(mbg: ModifiedBetaGeo, cdnow: CdnowSummary) -> None:
    f, r, T = cdnow.frequency[ROWS], cdnow.recency[ROWS], cdnow.T[ROWS]
    np.testing.assert_allclose(mbg.predict_alive(f, r, T), LIFETIMES_ALIVE, rtol=1e-4)
    np.testing.assert_allclose(mbg.predict_purchases(39, f, r, T), LIFETIMES_COND39, rtol=1e-4)
    np.testing.assert_allclose(
        mbg.expected_purchases([1.0, 39, 78, 520]), LIFETIMES_UNCOND, rtol=1e-4
    )


def test_mbgnbd_purchase_distribution_of_a_new_customer_matches_lifetimes(
    mbg: ModifiedBetaGeo,
) -> None:
    """A customer seen at their first purchase (x = 0, t_x = T = 0) is a new customer, whose
    P(X(39) = n) lifetimes gives (``probability_of_n_purchases_up_to_time``)."""
    zero = np.zeros(1)
    pmf = mbg._purchase_pmf(zero, zero, zero, 39.0, 6)
    assert pmf.shape == (1, 7)
    np.testing.assert_allclose(pmf[0, :6], LIFETIMES_PMF39, rtol=1e-4)
    assert pmf[0, 6] == pytest.approx(1 - sum(LIFETIMES_PMF39), rel=1e-3)


def test_mbgnbd_fit_on_distinct_histories_equals_fit_per_customer(
    mbg: ModifiedBetaGeo, cdnow_histories: tuple[np.ndarray, ...]
) -> None:
    x, t_x, T, counts = cdnow_histories
    compressed = ModifiedBetaGeo().fit(x, t_x, T, weights=counts)
    assert compressed.n_histories_ == x.size < 2357 == compressed.n_customers_
    for name, value in mbg.params_.items():
        assert compressed.params_[name] == pytest.approx(value, rel=1e-6), name
    assert compressed.loglik_ == pytest.approx(mbg.loglik_, rel=1e-10)


@pytest.mark.parametrize(
    "params",
    [
        LIFETIMES_PARAMS,
        {"r": 2.0, "alpha": 30.0, "a": 3.5, "b": 8.0},
        {"r": 0.05, "alpha": 1.0, "a": 0.3, "b": 0.2},
    ],
)
def test_mbgnbd_analytic_gradient_and_hessian_match_finite_differences(
    params: dict[str, float], cdnow_histories: tuple[np.ndarray, ...]
) -> None:
    x, t_x, T, counts = cdnow_histories
    lik = _ModifiedBetaGeoLikelihood(x, t_x, T, counts)
    phi = np.log(list(params.values()))
    _, grad = lik.value_and_grad(phi)
    hess = lik.hessian(phi)
    h = 1e-5
    for j in range(4):
        e = np.zeros(4)
        e[j] = h
        numeric = (lik.value(phi + e) - lik.value(phi - e)) / (2 * h)
        assert grad[j] == pytest.approx(numeric, rel=1e-6, abs=1e-4), j
        column = (lik.value_and_grad(phi + e)[1] - lik.value_and_grad(phi - e)[1]) / (2 * h)
        np.testing.assert_allclose(hess[:, j], column, rtol=1e-5, atol=1e-3)


def _conditional_by_quadrature(
    params: dict[str, float], x: float, t_x: float, T: float, t: float
) -> float:
    """E[Y(t) | x, t_x, T] from its definition: P(alive) E_p[(1 - ((alpha+T)/(alpha+T+p t))
    ^(r+x)) / p] with p ~ Beta(a, b + x + 1), the dropout probability of a customer who
    survived x + 1 chances (the first purchase is one)."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    dens = stats.beta(a, b + x + 1)

    def integrand(p: float) -> float:
        g = -np.expm1(-(r + x) * np.log1p(p * t / (alpha + T))) / p
        return float(g * dens.pdf(p))

    value, _ = integrate.quad(integrand, 0, 1, limit=400, epsabs=0, epsrel=1e-11)
    alive = ModifiedBetaGeo.from_params(params).predict_alive(x, t_x, T)
    return float(value * alive)


@pytest.mark.parametrize(
    "params",
    [LIFETIMES_PARAMS, {"r": 2.0, "alpha": 30.0, "a": 3.5, "b": 8.0}],
)
@pytest.mark.parametrize(
    ("x", "t_x", "T", "t"),
    [
        (0, 0.0, 38.9, 39.0),
        (2, 30.4, 38.9, 39.0),
        (7, 35.0, 38.0, 520.0),
        (60, 200.0, 210.0, 100.0),
    ],
)
def test_mbgnbd_conditional_expectation_matches_numerical_integration(
    params: dict[str, float], x: int, t_x: float, T: float, t: float
) -> None:
    model = ModifiedBetaGeo.from_params(params)
    expected = _conditional_by_quadrature(params, x, t_x, T, t)
    assert model.predict_purchases(t, x, t_x, T) == pytest.approx(expected, rel=1e-7)
    assert model.predict_purchases(np.array([t]), x, t_x, T)[0] == pytest.approx(expected, rel=1e-7)


def test_mbgnbd_one_time_buyers_are_not_surely_alive(mbg: ModifiedBetaGeo) -> None:
    """The point of the model: P(alive) of a one-time buyer is below 1 and falls with the time
    since their purchase, where BG/NBD says 1 whatever the time."""
    T = np.array([1.0, 10.0, 39.0])
    alive = np.asarray(mbg.predict_alive(0, 0.0, T))
    assert np.all(alive < 1) and np.all(np.diff(alive) < 0)
    bg = BetaGeo.from_params(dict(mbg.params_))
    assert np.all(np.asarray(bg.predict_alive(0, 0.0, T)) == 1.0)


def test_mbgnbd_purchase_distribution_sums_to_one_and_has_the_conditional_mean(
    mbg: ModifiedBetaGeo, cdnow: CdnowSummary
) -> None:
    f, r, T = cdnow.frequency, cdnow.recency, cdnow.T
    pmf = mbg._purchase_pmf(f, r, T, 39.0, 400)
    assert pmf.shape == (f.size, 401) and np.all(pmf >= 0)
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, atol=1e-12)
    assert pmf[:, -1].max() < 1e-12  # nothing left beyond 400 purchases
    mean = pmf[:, :-1] @ np.arange(400)
    np.testing.assert_allclose(mean, mbg.predict_purchases(39.0, f, r, T), rtol=1e-9, atol=1e-12)
    short = mbg._purchase_pmf(f, r, T, 39.0, 3)  # the last column holds the rest
    np.testing.assert_allclose(short[:, :3], pmf[:, :3], rtol=1e-12)
    np.testing.assert_allclose(short[:, 3], pmf[:, 3:].sum(axis=1), rtol=1e-9, atol=1e-14)
    at_zero = mbg._purchase_pmf(f[:5], r[:5], T[:5], 0.0, 2)
    np.testing.assert_array_equal(at_zero, np.tile([1.0, 0.0, 0.0], (5, 1)))


def _simulate_mbgnbd(
    rng: np.random.Generator, T: np.ndarray, t: float, r: float, alpha: float, a: float, b: float
) -> tuple[np.ndarray, ...]:
    """Customers drawn from the model: lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); they
    drop out right after purchase J ~ Geometric(p) (J = 1: after the first), so they make at
    most J - 1 repeat purchases, at the times of a Poisson(lambda) process. Returns the
    calibration history on (0, T] and the purchases in (T, T + t]."""
    n = T.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    most = rng.geometric(np.clip(p, 1e-12, 1.0)).astype(np.float64) - 1
    n_cal = rng.poisson(lam * T).astype(np.float64)
    n_hold = rng.poisson(lam * t).astype(np.float64)
    x = np.minimum(n_cal, most)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), n_cal - x + 1), 0.0)
    holdout = np.minimum(n_cal + n_hold, most) - x
    return x, t_x, T, holdout


def test_mbgnbd_probability_of_no_purchase_matches_a_simulation_of_the_model() -> None:
    """400,000 customers simulated from the model with CDNOW's parameters, 39 weeks of
    calibration and 39 of holdout: by calibration frequency, the share who buy nothing in the
    holdout equals the mean of P(k = 0 | history) within 4 binomial standard errors (and the
    mean holdout purchases the mean conditional expectation, within 4 standard errors)."""
    rng = np.random.default_rng(20260518)
    model = ModifiedBetaGeo.from_params(LIFETIMES_PARAMS)
    x, t_x, T, holdout = _simulate_mbgnbd(rng, np.full(400_000, 39.0), 39.0, **LIFETIMES_PARAMS)
    pmf = model._purchase_pmf(x, t_x, T, 39.0, 30)
    expected = np.asarray(model.predict_purchases(39.0, x, t_x, T))
    for group in (x == 0, x == 1, x == 2, (x >= 3) & (x < 7), x >= 7):
        n = int(group.sum())
        predicted = float(pmf[group, 0].mean())
        observed = float(np.mean(holdout[group] == 0))
        assert abs(observed - predicted) < 4 * np.sqrt(predicted * (1 - predicted) / n), (
            n,
            observed,
            predicted,
        )
        se = float(holdout[group].std()) / np.sqrt(n)
        assert abs(holdout[group].mean() - expected[group].mean()) < 4 * se


def test_mbgnbd_recovers_planted_parameters() -> None:
    """30,000 customers simulated from the model with T ~ U(20, 60) weeks: every estimate
    within 3 standard errors of the truth (see test_planted_truth.py for why 3)."""
    truth = {"r": 0.5, "alpha": 8.0, "a": 0.7, "b": 2.5}
    rng = np.random.default_rng(20260519)
    T = np.round(rng.uniform(20, 60, 30_000))
    x, t_x, _, _ = _simulate_mbgnbd(rng, T, 0.0, **truth)
    stacked = np.column_stack([x, t_x, T])
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    model = ModifiedBetaGeo().fit(uniq[:, 0], uniq[:, 1], uniq[:, 2], weights=counts)
    assert model.n_customers_ == 30_000
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 3 * model.stderr_[name], name


@pytest.mark.parametrize(
    "params",
    [LIFETIMES_PARAMS, {"r": 1e-3, "alpha": 1e4, "a": 50.0, "b": 0.01}],
)
def test_mbgnbd_is_finite_for_heavy_buyers_and_long_horizons(params: dict[str, float]) -> None:
    x = np.array([500.0, 500.0, 200.0, 0.0])
    t_x = np.array([4900.0, 5000.0, 4000.0, 0.0])
    T = np.full(4, 5000.0)
    lik = _ModifiedBetaGeoLikelihood(x, t_x, T, np.ones(4))
    value, grad = lik.value_and_grad(np.log(list(params.values())))
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    model = ModifiedBetaGeo.from_params(params)
    for t in (0.5, 5000.0, 1e6):
        bought = np.asarray(model.predict_purchases(t, x, t_x, T))
        assert np.all(np.isfinite(bought) & (bought >= 0))
        pmf = model._purchase_pmf(x, t_x, T, t, 50)
        assert np.all(np.isfinite(pmf)) and np.allclose(pmf.sum(axis=1), 1.0)
