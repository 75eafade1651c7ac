"""Extreme histories and parameters stay finite and sane; fits that cannot converge say so."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from scipy.special import hyp2f1

from legame.errors import ConvergenceError, NotFittedError
from legame.models import BetaGeo, ParetoNBD, ShiftedBetaGeometric
from legame.models._special import hyp2f1_one, one_minus_exp_ratio
from legame.models.bgnbd import _BetaGeoLikelihood
from legame.models.paretonbd import _ParetoLikelihood

if TYPE_CHECKING:
    from conftest import CdnowSummary

CDNOW_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
# Heavy buyers: 500 repeat purchases over T = 5,000 time units.
X = np.array([500.0, 500.0, 500.0, 200.0, 0.0])
TX = np.array([4900.0, 4990.0, 5000.0, 4000.0, 0.0])
T = np.full(5, 5000.0)
# lifetimes 0.11.3 with params_ set to the published CDNOW values; for the third history
# (t_x = T) its Pareto/NBD returns nan, where P(alive) is exactly 1.
LT_BG_ALIVE = [
    0.02538534052329536,
    0.9957168938522011,
    0.9984210075684113,
    1.0434331097240864e-17,
    1.0,
]
LT_BG_COND_5000 = [
    9.466882297039286,
    371.3298478947756,
    372.3382852740449,
    1.5596803452046927e-15,
    0.21401861252994078,
]
LT_PNBD_ALIVE = [
    0.03276396848389251,
    0.9979230839226725,
    np.nan,
    1.1829685253599704e-17,
    0.001649015329354204,
]
LT_PNBD_COND_5000 = [
    13.04919249923092,
    397.4515610934033,
    np.nan,
    1.8877280201600595e-15,
    0.0007255826574932742,
]


def test_bgnbd_heavy_buyers_match_lifetimes() -> None:
    model = BetaGeo.from_params(CDNOW_BG)
    np.testing.assert_allclose(model.predict_alive(X, TX, T), LT_BG_ALIVE, rtol=1e-9)
    np.testing.assert_allclose(
        model.predict_purchases(5000.0, X, TX, T), LT_BG_COND_5000, rtol=1e-9
    )


def test_paretonbd_heavy_buyers_match_lifetimes_and_stay_finite_where_it_does_not() -> None:
    model = ParetoNBD.from_params(CDNOW_PNBD)
    alive = np.asarray(model.predict_alive(X, TX, T))
    bought = np.asarray(model.predict_purchases(5000.0, X, TX, T))
    ok = ~np.isnan(LT_PNBD_ALIVE)
    np.testing.assert_allclose(alive[ok], np.array(LT_PNBD_ALIVE)[ok], rtol=1e-9)
    np.testing.assert_allclose(bought[ok], np.array(LT_PNBD_COND_5000)[ok], rtol=1e-9)
    assert alive[2] == 1.0  # last purchase at T: certainly alive
    # alive, at the observed rate (r+x)/(alpha+T) per unit, discounted by dropout over 5,000
    rate = (CDNOW_PNBD["r"] + 500) / (CDNOW_PNBD["alpha"] + 5000)
    assert 0.5 * rate * 5000 < bought[2] < rate * 5000


@pytest.mark.parametrize(
    "params",
    [
        CDNOW_PNBD,
        {"r": 0.553, "alpha": 1000.0, "s": 0.606, "beta": 1.0},
        {"r": 0.553, "alpha": 1.0, "s": 0.606, "beta": 1000.0},
        {"r": 50.0, "alpha": 0.01, "s": 0.05, "beta": 1e5},
    ],
)
def test_paretonbd_likelihood_and_predictions_are_finite_at_frequency_500(
    params: dict[str, float],
) -> None:
    lik = _ParetoLikelihood(X, TX, T, np.ones(5))
    assert np.isfinite(lik.value(np.log(list(params.values()))))
    model = ParetoNBD.from_params(params)
    alive = np.asarray(model.predict_alive(X, TX, T))
    assert np.all((alive >= 0) & (alive <= 1))
    for t in (1.0, 5000.0, 1e6, 1e300):
        assert np.all(np.isfinite(model.predict_purchases(t, X, TX, T)))


@pytest.mark.parametrize(
    "params",
    [
        CDNOW_BG,
        {"r": 1e-3, "alpha": 1e4, "a": 50.0, "b": 0.01},
        {"r": 30.0, "alpha": 0.05, "a": 0.02, "b": 300.0},
        {"r": 2.0, "alpha": 40.0, "a": 1.0, "b": 3.0},
    ],
)
def test_bgnbd_likelihood_and_predictions_are_finite_at_frequency_500(
    params: dict[str, float],
) -> None:
    lik = _BetaGeoLikelihood(X, TX, T, np.ones(5))
    value, grad = lik.value_and_grad(np.log(list(params.values())))
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    model = BetaGeo.from_params(params)
    for t in (0.5, 5000.0, 1e6, 1e300):
        bought = np.asarray(model.predict_purchases(t, X, TX, T))
        assert np.all(np.isfinite(bought) & (bought >= 0))
    assert np.isfinite(model.expected_purchases(1e7))


def test_bgnbd_long_run_purchases_tend_to_their_limit() -> None:
    """With a > 1 a new customer's lifetime purchases are finite: E[X(t)] -> (a+b-1)/(a-1)."""
    model = BetaGeo.from_params({"r": 0.243, "alpha": 4.414, "a": 2.5, "b": 2.426})
    limit = (2.5 + 2.426 - 1) / 1.5
    assert model.expected_purchases(1e300) == pytest.approx(limit, rel=1e-12)
    assert model.expected_purchases(1e6) < limit


def test_bgnbd_expectation_is_continuous_through_a_equal_to_one() -> None:
    """At a = 1 the closed form is 0/0; values just below, at and above 1 must line up."""
    a_values = [1 - 2e-4, 1 - 5e-5, 1.0, 1 + 5e-5, 1 + 2e-4]
    out = np.array(
        [
            float(
                BetaGeo.from_params({"r": 0.5, "alpha": 10.0, "a": a, "b": 2.0}).predict_purchases(
                    52.0, 3, 20.0, 40.0
                )
            )
            for a in a_values
        ]
    )
    slopes = np.diff(out) / np.diff(a_values)
    assert np.all(np.isfinite(out))
    assert np.ptp(slopes) < 1e-3 * abs(np.mean(slopes)) + 1e-9


@pytest.mark.parametrize(
    ("p", "q", "z"),
    [
        (0.6, 1.8, 0.3),
        (500.5, 501.2, 0.95),
        (3.0, 400.0, 0.999),
        (0.2, 0.9, 0.0),
        (250.0, 250.3, 0.9999),
        (1.5, 1.5, 0.5),
    ],
)
def test_hyp2f1_one_matches_its_power_series(p: float, q: float, z: float) -> None:
    """The continued fraction against the defining series sum (p)_n/(q)_n z^n, summed in
    Python floats until the terms vanish (terms decrease since q >= p)."""
    total, term, n = 0.0, 1.0, 0
    while term > 1e-18 * total or n < 10:
        total += term
        term *= (p + n) / (q + n) * z
        n += 1
        if term == 0.0:
            break
    assert hyp2f1_one(p, q, z) == pytest.approx(total, rel=1e-11)


def test_hyp2f1_one_agrees_with_scipy_where_scipy_is_safe() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.1, 20, 500)
    q = p + rng.uniform(0.1, 20, 500)
    z = rng.uniform(0, 0.8, 500)
    np.testing.assert_allclose(hyp2f1_one(p, q, z), hyp2f1(1.0, p, q, z), rtol=1e-12)


def test_one_minus_exp_ratio_has_the_right_limit() -> None:
    L = np.array([0.3, 2.0])
    np.testing.assert_allclose(one_minus_exp_ratio(0.0, L), L, rtol=1e-15)
    np.testing.assert_allclose(one_minus_exp_ratio(1e-12, L), L, rtol=1e-11)
    np.testing.assert_allclose(one_minus_exp_ratio(0.7, L), -np.expm1(-0.7 * L) / 0.7, rtol=1e-15)


def test_fit_without_repeat_customers_raises_a_convergence_checklist() -> None:
    """Only first purchases: r tends to 0 and a, b are not identified."""
    zeros = np.zeros(200)
    with pytest.raises(ConvergenceError) as info:
        BetaGeo().fit(zeros, zeros, np.linspace(1, 50, 200))
    message = str(info.value)
    assert message.startswith("BetaGeo.fit did not converge:")
    for advice in ("repeat customers", "penalizer=0.001", "max_iter=400", "strict=False"):
        assert advice in message


def test_non_strict_fit_keeps_the_estimate_and_says_so() -> None:
    zeros = np.zeros(200)
    model = BetaGeo(strict=False).fit(zeros, zeros, np.linspace(1, 50, 200))
    assert model.converged_ is False
    assert repr(model).endswith(", NOT CONVERGED>")
    assert set(model.params_) == {"r", "alpha", "a", "b"}


def test_too_few_iterations_raise_a_convergence_error(cdnow: CdnowSummary) -> None:
    with pytest.raises(ConvergenceError, match=r"max_iter=2\)"):
        BetaGeo(max_iter=1).fit(cdnow.frequency, cdnow.recency, cdnow.T)


def test_sbg_with_everyone_gone_in_period_one_is_not_identified() -> None:
    with pytest.raises(ConvergenceError, match=r"some customers cancelled and some are still"):
        ShiftedBetaGeometric().fit(np.ones(50), np.zeros(50))


def test_a_failed_refit_leaves_no_stale_parameters(cdnow: CdnowSummary) -> None:
    model = BetaGeo().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    zeros = np.zeros(200)
    with pytest.raises(ConvergenceError):
        model.fit(zeros, zeros, np.linspace(1, 50, 200))
    assert not hasattr(model, "params_")
    with pytest.raises(NotFittedError):
        model.predict_alive(1, 2.0, 3.0)
