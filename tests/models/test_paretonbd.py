"""Pareto/NBD against the published CDNOW fit, the classic 2F1 formula, quadrature, lifetimes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gammaln, hyp2f1

from legame.models import ParetoNBD
from legame.models.paretonbd import _ParetoLikelihood, log_J

if TYPE_CHECKING:
    from conftest import CdnowSummary

PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}

# lifetimes 0.11.3 on the same fixture data (ParetoNBDFitter().fit(f, r, T)); its optimiser
# stops a little earlier than ours (s differs in the 5th digit), hence rtol 1e-4 below.
ROWS = [0, 1, 2, 19, 150, 1000]
LIFETIMES_ALIVE = [
    0.8691355956367057,
    0.16799173795282588,
    0.295105856845302,
    0.2959464816863281,
    0.9618679265596739,
    0.32943148232871944,
]
LIFETIMES_COND39 = [
    1.4552152699298242,
    0.17111181540088813,
    0.10707054902570415,
    0.10764112800090678,
    2.91514092320924,
    0.1315627703060225,
]
LIFETIMES_UNCOND = [0.051007410950196036, 1.213418677549198, 1.9098916847670044, 5.42345432843958]


@pytest.fixture(scope="module")
def pnbd(cdnow: CdnowSummary) -> ParetoNBD:
    return ParetoNBD().fit(cdnow.frequency, cdnow.recency, cdnow.T)


def test_paretonbd_reproduces_fader_hardie_lee_matlab_note_on_cdnow(pnbd: ParetoNBD) -> None:
    """Fader, Hardie & Lee (2005), "A note on implementing the Pareto/NBD model in MATLAB",
    CDNOW sample, weeks: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669,
    LL = -9594.98."""
    for name, value in PUBLISHED.items():
        assert pnbd.params_[name] == pytest.approx(value, rel=0.01), name
    assert pnbd.loglik_ == pytest.approx(-9594.98, abs=0.5)
    assert pnbd.converged_
    assert all(np.isfinite(v) and v > 0 for v in pnbd.stderr_.values())


def _classic_loglik(p: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> float:
    """The MATLAB note's formula (its eq. for A0 with SciPy's hyp2f1), safe for small x."""
    r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
    m = r + x
    if alpha >= beta:

        def term(t: np.ndarray) -> np.ndarray:
            return hyp2f1(m + s, s + 1, m + s + 1, (alpha - beta) / (alpha + t)) / (alpha + t) ** (
                m + s
            )
    else:

        def term(t: np.ndarray) -> np.ndarray:
            return hyp2f1(m + s, m, m + s + 1, (beta - alpha) / (beta + t)) / (beta + t) ** (m + s)

    A0 = term(t_x) - term(T)
    bracket = 1 / ((alpha + T) ** m * (beta + T) ** s) + s / (m + s) * A0
    ll = gammaln(m) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.log(bracket)
    return float(ll.sum())


@pytest.mark.parametrize(
    "params",
    [
        PUBLISHED,
        {"r": 0.553, "alpha": 30.0, "s": 0.606, "beta": 3.0},  # alpha > beta branch
        {"r": 1.3, "alpha": 2.0, "s": 2.5, "beta": 40.0},  # alpha < beta, s > 1
    ],
)
def test_paretonbd_likelihood_equals_the_classic_2f1_formula(
    cdnow: CdnowSummary, params: dict[str, float]
) -> None:
    """On CDNOW (frequencies <= 29, where SciPy's hyp2f1 is safe) the overflow-free sum of two
    positive terms gives the same log-likelihood as the published formula."""
    x, t_x, T = cdnow.frequency, cdnow.recency, cdnow.T
    lik = _ParetoLikelihood(x, t_x, T, np.ones_like(x))
    value = lik.value(np.log([params[n] for n in ("r", "alpha", "s", "beta")]))
    assert value == pytest.approx(_classic_loglik(params, x, t_x, T), rel=1e-10)


@pytest.mark.parametrize(
    ("tau", "alpha", "mu", "beta", "nu"),
    [
        (0.0, 10.0, 0.6, 12.0, 1.6),
        (38.9, 10.6, 3.55, 11.7, 0.61),
        (5.0, 50.0, 2.0, 1.0, 0.8),
        (100.0, 1.0, 500.5, 200.0, 1.6),
        (4900.0, 10.6, 500.55, 11.7, 1.61),
        (1.0, 1000.0, 500.55, 1.0, 0.61),
        (2.0, 0.5, 0.3, 80.0, 1.3),
    ],
)
def test_log_J_matches_quadrature(
    tau: float, alpha: float, mu: float, beta: float, nu: float
) -> None:
    """log of int_tau^inf (alpha+u)^-mu (beta+u)^-nu du, against quad on the integrand scaled
    by its value at tau (so heavy buyers' 1e-1000 integrands do not underflow)."""

    def log_f(u: float) -> float:
        return -mu * np.log(alpha + u) - nu * np.log(beta + u)

    scale = log_f(tau)

    # substitute u = tau + v / (1 - v) to map [tau, inf) onto [0, 1)
    def g(v: float) -> float:
        u = tau + v / (1 - v)
        return float(np.exp(log_f(u) - scale) / (1 - v) ** 2)

    points = [1e-6, 1e-4, 1e-2, 0.1, 0.5]
    value, _ = integrate.quad(g, 0, 1, points=points, limit=500, epsabs=0, epsrel=1e-12)
    expected = scale + np.log(value)
    got = log_J(np.array([tau]), alpha, np.array([mu]), beta, np.array([nu]))[0]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_log_J_is_exact_when_alpha_equals_beta() -> None:
    """With alpha = beta the integral is (alpha+tau)^-(mu+nu-1) / (mu+nu-1), even for a tail as
    heavy as mu + nu = 1.1."""
    tau, alpha, mu, nu = np.array([0.0, 3.0, 4000.0]), 7.0, np.array([0.2, 0.2, 300.0]), 0.9
    got = log_J(tau, alpha, mu, alpha, np.full(3, nu))
    expected = -(mu + nu - 1) * np.log(alpha + tau) - np.log(mu + nu - 1)
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_paretonbd_predictions_match_lifetimes(pnbd: ParetoNBD, cdnow: CdnowSummary) -> None:
    f, r, T = cdnow.frequency[ROWS], cdnow.recency[ROWS], cdnow.T[ROWS]
    np.testing.assert_allclose(pnbd.predict_alive(f, r, T), LIFETIMES_ALIVE, rtol=1e-4)
    np.testing.assert_allclose(pnbd.predict_purchases(39, f, r, T), LIFETIMES_COND39, rtol=1e-4)
    np.testing.assert_allclose(
        pnbd.expected_purchases([1.0, 39, 78, 520]), LIFETIMES_UNCOND, rtol=1e-4
    )


def test_paretonbd_fit_on_distinct_histories_equals_fit_per_customer(
    pnbd: ParetoNBD, cdnow_histories: tuple[np.ndarray, ...]
) -> None:
    x, t_x, T, counts = cdnow_histories
    compressed = ParetoNBD().fit(x, t_x, T, weights=counts)
    for name, value in pnbd.params_.items():
        assert compressed.params_[name] == pytest.approx(value, rel=1e-6), name
    assert compressed.loglik_ == pytest.approx(pnbd.loglik_, rel=1e-10)


def test_paretonbd_alive_is_one_before_any_time_passes(pnbd: ParetoNBD) -> None:
    assert pnbd.predict_alive(0, 0.0, 0.0) == pytest.approx(1.0, rel=1e-12)
    assert pnbd.predict_alive(5, 20.0, 20.0) == pytest.approx(1.0, rel=1e-12)
    assert pnbd.predict_alive(5, 2.0, 40.0) < pnbd.predict_alive(5, 30.0, 40.0)
