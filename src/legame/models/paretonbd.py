"""Pareto/NBD: Poisson purchases while alive, exponential lifetimes (Schmittlein et al. 1987).

Purchase rate lambda ~ Gamma(r, alpha), death rate mu ~ Gamma(s, beta). For a history
(x, t_x, T) with m = r + x, the likelihood (Fader, Hardie & Lee 2005, "A note on implementing
the Pareto/NBD model in MATLAB") is

    L = G(r+x) alpha^r beta^s / G(r) * [ (alpha+T)^-m (beta+T)^-s + s (J1(t_x) - J1(T)) ],
    J1(tau) = integral_tau^inf (alpha+u)^-m (beta+u)^-(s+1) du,

whose classic form carries a 2F1 that overflows for heavy buyers. Here the bracket is rewritten
(integrating d/du[(alpha+u)^-m (beta+u)^-s] from T to infinity) as a sum of two positive terms,

    m * J(T; m+1, s) + s * J(t_x; m, s+1),
    J(tau; mu, nu) = int_tau^inf (alpha+u)^-mu (beta+u)^-nu du,

so nothing cancels, and each J is, with the larger of alpha and beta leading (z in [0, 1)),

    J = (alpha+tau)^-mu (beta+tau)^(1-nu) / (mu+nu-1) * 2F1(1, mu; mu+nu; (alpha-beta)/(alpha+tau))

(or the mirror image when beta > alpha). The 2F1(1, p; q; z) left is bounded by 1/(1-z) and is
computed by its continued fraction (:func:`~legame.models._special.hyp2f1_one`), in log space,
once per distinct (frequency, T) and (frequency, recency) pair.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood
from ._special import hyp2f1_one, one_minus_exp_ratio
from .base import PurchaseModel
from .predictive import mix_dead


def log_J(tau: FloatArray, alpha: float, mu: FloatArray, beta: float, nu: FloatArray) -> FloatArray:
    """log of int_tau^inf (alpha+u)^-mu (beta+u)^-nu du, for mu, nu > 0 and mu + nu > 1."""
    total = mu + nu
    if alpha >= beta:
        z = (alpha - beta) / (alpha + tau)
        lead = -mu * np.log(alpha + tau) + (1 - nu) * np.log(beta + tau)
        G = hyp2f1_one(mu, total, z)
    else:
        z = (beta - alpha) / (beta + tau)
        lead = -nu * np.log(beta + tau) + (1 - mu) * np.log(alpha + tau)
        G = hyp2f1_one(nu, total, z)
    return lead - np.log(total - 1) + np.log(G)


class _Pairs:
    """Distinct (frequency, time) pairs of a set of rows."""

    def __init__(self, ux: FloatArray, xi: IntArray, times: FloatArray) -> None:
        utime, ti = inp.factorize(times)
        keys, self.index = inp.factorize_pairs(xi, ux.size, ti, utime.size)
        self.x = ux[keys // utime.size]
        self.time = utime[keys % utime.size]


def _log_bracket(
    T: _Pairs, tx: _Pairs, r: float, alpha: float, s: float, beta: float
) -> tuple[FloatArray, FloatArray]:
    """Per pair: log(m J(T; m+1, s)) and log(s J(t_x; m, s+1))."""
    mT, mt = r + T.x, r + tx.x
    a_T = np.log(mT) + log_J(T.time, alpha, mT + 1, beta, np.full_like(mT, s))
    b_t = np.log(s) + log_J(tx.time, alpha, mt, beta, np.full_like(mt, s + 1))
    return a_T, b_t


class _ParetoLikelihood(LogLikelihood):
    n_params = 4

    def __init__(self, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray) -> None:
        self._raw = (x, t_x, T, w)
        self.n_rows = int(w.size)
        self.total_weight = float(w.sum())
        self.ux, xi = inp.factorize(x)
        self.Wx = np.bincount(xi, w, minlength=self.ux.size)
        self.pT = _Pairs(self.ux, xi, T)
        self.ptx = _Pairs(self.ux, xi, t_x)
        self.w = w

    def row_weights(self) -> FloatArray:
        return self.w

    def take(self, rows: IntArray, weights: FloatArray) -> _ParetoLikelihood:
        x, t_x, T, _ = self._raw
        return _ParetoLikelihood(x[rows], t_x[rows], T[rows], weights)

    def value(self, phi: FloatArray) -> float:
        r, alpha, s, beta = np.exp(phi)
        a_T, b_t = _log_bracket(self.pT, self.ptx, r, alpha, s, beta)
        rows = np.logaddexp(a_T[self.pT.index], b_t[self.ptx.index])
        ll = (
            self.Wx @ gammaln(r + self.ux)
            + self.total_weight * (r * np.log(alpha) + s * np.log(beta) - gammaln(r))
            + self.w @ rows
        )
        return float(ll)


#: Work arrays of the pmf's quadrature stay under this many elements (rows x nodes x counts).
_PMF_BLOCK = 1 << 21


def paretonbd_pmf(
    r: FloatArray, alpha: FloatArray, s: float, beta: FloatArray, t: float, max_count: int
) -> FloatArray:
    """P(X(t) = k) of a new Pareto/NBD customer, one row per (r, alpha, beta): columns
    k = 0 .. max_count - 1, then P(X(t) >= max_count) (what the others leave).

    The customer buys as a Poisson process while alive, lambda ~ Gamma(r, alpha), for a
    lifetime with P(tau > d) = (beta/(beta+d))^s (mu ~ Gamma(s, beta)). Whether they outlive t
    or die at d < t, their purchases are negative binomial over the time they had, so

        P(X = k) = (beta/(beta+t))^s NB(k; r, alpha/(alpha+t))
                   + int_0^t NB(k; r, alpha/(alpha+d)) s beta^s (beta+d)^-(s+1) dd,

    the expression of Fader & Hardie's note "Deriving an expression for P(X(t) = x) under the
    Pareto/NBD model" (2006) before its integral is written with Gauss's 2F1, whose
    parameters grow with r and k and whose terms then cancel. Here the integral is taken by
    Gauss-Legendre quadrature in theta = ln(1 + d/m), m = min(alpha, beta): there both
    (alpha+d) and (beta+d) are exponentials in theta with their zeros off the real line by pi,
    so the integrand is smooth and the quadrature converges geometrically; every term is
    summed from log space. 32 nodes give 1e-13 against Fader & Hardie's expression evaluated
    at 60 digits; rows with large r + max_count (heavy buyers) get up to 256 nodes.
    """
    r_, alpha_, beta_ = (np.asarray(v, dtype=np.float64).reshape(-1) for v in (r, alpha, beta))
    out = np.zeros((r_.size, max_count + 1))
    if max_count == 0 or t == 0:
        out[:, 0 if t == 0 else max_count] = 1.0
        return out
    need = 24.0 + 1.5 * np.sqrt(r_ + max_count)
    nodes = 32 * 2 ** np.clip(np.ceil(np.log2(np.maximum(need, 32.0) / 32.0)), 0, 3).astype(int)
    for n_nodes in np.unique(nodes):
        rows = np.flatnonzero(nodes == n_nodes)
        step = max(1, _PMF_BLOCK // (int(n_nodes) * max_count))
        for lo in range(0, rows.size, step):
            sel = rows[lo : lo + step]
            out[sel, :max_count] = _pmf_block(
                r_[sel], alpha_[sel], s, beta_[sel], t, max_count, int(n_nodes)
            )
    out[:, max_count] = np.maximum(1.0 - out[:, :max_count].sum(axis=1), 0.0)
    return out


@cache
def _gauss_legendre(n_nodes: int) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on [0, 1]."""
    u, w = np.polynomial.legendre.leggauss(n_nodes)
    return (u + 1.0) / 2.0, w / 2.0


def _pmf_block(
    r: FloatArray, alpha: FloatArray, s: float, beta: FloatArray, t: float, K: int, n_nodes: int
) -> FloatArray:
    """P(X(t) = k), k < K, for a block of rows (see :func:`paretonbd_pmf`).

    At each node the negative binomial's terms follow from the one before by the factor
    (r+k-1)/k (1-p): a product, where the k = 0 term, p^r times the node's weight, is a normal
    float (most rows); otherwise (a heavy buyer's large r) each term is taken from its log.
    """
    u, w = _gauss_legendre(n_nodes)
    r_, al, be = r[:, None], alpha[:, None], beta[:, None]
    m = np.minimum(al, be)
    span = np.log1p(t / m)
    theta = span * u  # (rows, nodes)
    d = m * np.expm1(theta)  # the time lived when death comes at the node
    log_ad = np.log(al + d)
    log_1p = np.log(d) - log_ad  # ln(1 - p), p = alpha/(alpha+d)
    # ln of: p^r, the Lomax density at d, dd/dtheta = m e^theta, the quadrature weight
    log_first = (
        r_ * (np.log(al) - log_ad)
        + np.log(s)
        + s * np.log(be)
        - (s + 1.0) * np.log(be + d)
        + np.log(m)
        + theta
        + np.log(span * w)
    )
    j = np.arange(1, K, dtype=np.float64)[None, :]
    rise = np.log((r_ + j - 1.0) / j)  # ln((r+k-1)/k), k = 1 .. K-1
    log_c = np.zeros((r.size, K))  # ln G(r+k)/(G(r) k!)
    log_c[:, 1:] = np.cumsum(rise, axis=1)
    died = np.empty((r.size, K))
    plain = log_first.min(axis=1) > -700.0
    if plain.any():
        term = np.exp(log_first[plain])
        step = np.exp(log_1p[plain])
        factor = np.exp(rise[plain])
        died[plain, 0] = term.sum(axis=1)
        for count in range(1, K):
            term *= step
            term *= factor[:, count - 1 : count]
            died[plain, count] = term.sum(axis=1)
    if not plain.all():
        heavy = ~plain
        k_ = np.arange(K, dtype=np.float64)
        terms = k_[None, None, :] * log_1p[heavy][:, :, None]
        terms += log_c[heavy][:, None, :]
        terms += log_first[heavy][:, :, None]
        np.exp(terms, out=terms)
        died[heavy] = terms.sum(axis=1)
    k = np.arange(K, dtype=np.float64)
    log_lives = s * (np.log(be) - np.log(be + t))
    lives = np.exp(
        log_c + k * (np.log(t) - np.log(al + t)) + r_ * (np.log(al) - np.log(al + t)) + log_lives
    )
    result: FloatArray = died + lives
    return result


class ParetoNBD(PurchaseModel):
    """Pareto/NBD purchase model, fitted on distinct (frequency, recency, T) with weights.

    Parameters: ``r, alpha`` (purchase-rate gamma) and ``s, beta`` (death-rate gamma), alpha and
    beta in the data's time unit. The gradient is taken by central differences (the model has
    no cheap analytic one), so an iteration costs about 9 likelihood passes.
    """

    _param_names = ("r", "alpha", "s", "beta")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        weights: ArrayLike | None = None,
    ) -> ParetoNBD:
        """Fit on histories: one row per distinct history, ``weights`` = customers sharing it.

        Same inputs and rules as :meth:`BetaGeo.fit`.
        """
        x, t_x, T_, w = self._fit_histories(frequency, recency, T, weights)
        mean_T = max(float(w @ T_ / w.sum()), 1e-6)
        mean_x = max(float(w @ x / w.sum()), 0.05)
        alpha0 = mean_T / mean_x / 4
        self._fit_likelihood(_ParetoLikelihood(x, t_x, T_, w), np.array([1.0, alpha0, 1.0, alpha0]))
        return self

    def _hints(self) -> list[str]:
        return [
            "check there are repeat customers and some who stopped buying long before T "
            "(with no sign of dropout, s and beta are not identified): a later --until DATE "
            "gives customers time to lapse;",
            "check the time unit: --unit week or --unit day (in Python, T and recency in days "
            "or weeks; alpha and beta scale with it);",
        ]

    # -- predictions -----------------------------------------------------------------------

    def _alive(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """(alpha+T)^-m (beta+T)^-s over the likelihood bracket, per row."""
        r, alpha, s, beta = self._theta("predict_alive")
        ux, xi = inp.factorize(x)
        pT, ptx = _Pairs(ux, xi, T), _Pairs(ux, xi, t_x)
        a_T, b_t = _log_bracket(pT, ptx, r, alpha, s, beta)
        log_H = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        log_den = np.logaddexp(a_T[pT.index], b_t[ptx.index])
        return np.minimum(np.exp(log_H - log_den), 1.0)

    def _per_row_purchases(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, t: FloatArray
    ) -> FloatArray:
        """P(alive) (r+x)(beta+T)/(alpha+T) (1 - ((beta+T)/(beta+T+t))^(s-1)) / (s-1)."""
        r, alpha, s, beta = self._theta("predict_purchases")
        per_alive = (
            (r + x)
            / (alpha + T)
            * (beta + T)
            * one_minus_exp_ratio(s - 1, np.log1p(t / (beta + T)))
        )
        return self._alive(x, t_x, T) * per_alive

    def _purchase_curve(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, alive: FloatArray | None = None
    ) -> Callable[[float], FloatArray]:
        r, alpha, s, beta = self._theta("predict_purchases")
        if alive is None:
            alive = self._alive(x, t_x, T)
        weight = alive * (r + x) / (alpha + T)
        uT, Ti = inp.factorize(T)

        def curve(t: float) -> FloatArray:
            per_T = (beta + uT) * one_minus_exp_ratio(s - 1, np.log1p(t / (beta + uT)))
            return weight * per_T[Ti]

        return curve

    def _alive_pmf(self, x: FloatArray, T: FloatArray, t: float, max_count: int) -> FloatArray:
        """Alive at T after x repeat purchases, the customer is a new Pareto/NBD customer with
        lambda ~ Gamma(r+x, alpha+T) and mu ~ Gamma(s, beta+T) (the posterior given alive):
        :func:`paretonbd_pmf` with those parameters."""
        r, alpha, s, beta = self._theta("predict_purchase_pmf")
        return paretonbd_pmf(r + x, alpha + T, s, beta + T, t, max_count)

    def _purchase_pmf(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, t: float, max_count: int
    ) -> FloatArray:
        """P(X(T, T+t] = k | history): the alive customer's :meth:`_alive_pmf`, computed once
        per distinct (frequency, T), mixed with P(alive); the dead buy nothing."""
        ux, xi = inp.factorize(x)
        uT, Ti = inp.factorize(T)
        keys, pair = inp.factorize_pairs(xi, ux.size, Ti, uT.size)
        per_pair = self._alive_pmf(ux[keys // uT.size], uT[keys % uT.size], t, max_count)
        return mix_dead(self._alive(x, t_x, T), per_pair[pair])

    def expected_purchases(self, t: ArrayLike) -> FloatArray | float:
        """Expected purchases in (0, t] of a new customer: r beta/(alpha (s-1)) (1-(..)^(s-1))."""
        r, alpha, s, beta = self._theta("expected_purchases")
        flat, shape = self._t_values("expected_purchases", t)
        return inp.shaped(
            (r / alpha) * beta * one_minus_exp_ratio(s - 1, np.log1p(flat / beta)), shape
        )
