"""BG/NBD: the beta-geometric / negative binomial purchase model (Fader, Hardie & Lee 2005).

While alive, a customer buys at rate lambda ~ Gamma(r, alpha); after each repeat purchase they
drop out with probability p ~ Beta(a, b). A history is (frequency x = repeat purchases,
recency t_x = time of the last purchase since the first, T = time since the first purchase),
all in one time unit (days or weeks: whatever the summary used; alpha carries that unit).

Log-likelihood of one history, in log space (FHL 2005, eq. 6 rearranged)::

    ln L = ln G(r+x) - ln G(r) + r ln alpha - (r+x) ln(alpha+T) + ln B(a, b+x) - ln B(a, b)
           + [x > 0] softplus(ln a - ln(b+x-1) + (r+x)(ln(alpha+T) - ln(alpha+t_x)))

Only the softplus term needs a pass over the rows; everything else is computed once per
distinct frequency or distinct T and multiplied by the summed weights. The gradient and the
Hessian are analytic and come out of the same pass, which runs in cache-sized blocks over the
repeat customers' distinct histories, gathering the per-frequency and per-time terms.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1, polygamma

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood
from ._special import one_minus_exp_ratio
from .base import PurchaseModel
from .predictive import mix_dead

# Rows per block of the likelihood pass: a block's dozen work arrays stay in the L2 cache.
_BLOCK = 1 << 13


class _BetaGeoLikelihood(LogLikelihood):
    n_params = 4
    has_gradient = True
    has_hessian = True

    def __init__(self, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray) -> None:
        self._raw = (x, t_x, T, w)
        self.n_rows = int(w.size)
        self.total_weight = float(w.sum())
        self.ux, xi = inp.factorize(x)
        self.uT, Ti = inp.factorize(T)
        self.Wx = np.bincount(xi, w, minlength=self.ux.size)
        self.WT = np.bincount(Ti, w, minlength=self.uT.size)
        self.WxT = np.bincount(Ti, w * x, minlength=self.uT.size)
        repeat = x > 0
        self.utx, ti = inp.factorize(t_x[repeat])
        self.p_xi: IntArray = xi[repeat]
        self.p_Ti: IntArray = Ti[repeat]
        self.p_ti: IntArray = ti
        self.p_w: FloatArray = w[repeat]
        self._hessian_at: tuple[FloatArray, FloatArray] | None = None

    def row_weights(self) -> FloatArray:
        return self._raw[3]

    def take(self, rows: IntArray, weights: FloatArray) -> _BetaGeoLikelihood:
        x, t_x, T, _ = self._raw
        return _BetaGeoLikelihood(x[rows], t_x[rows], T[rows], weights)

    def value(self, phi: FloatArray) -> float:
        return self.value_and_grad(phi)[0]

    def hessian(self, phi: FloatArray) -> FloatArray:
        if self._hessian_at is None or not np.array_equal(self._hessian_at[0], phi):
            self.value_and_grad(phi)
        assert self._hessian_at is not None
        return self._hessian_at[1]

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(phi)
        r, alpha, a, b = theta
        N, ux, Wx = self.total_weight, self.ux, self.Wx
        c_x = r + ux
        lT = np.log(alpha + self.uT)
        E1 = 1.0 / (alpha + self.uT)
        ll = (
            Wx @ (gammaln(c_x) + betaln(a, b + ux))
            - N * (gammaln(r) - r * np.log(alpha) + betaln(a, b))
            - r * (self.WT @ lT)
            - self.WxT @ lT
        )
        rows = self._row_pass(r, alpha, a, b, lT, E1)
        ll += rows.softplus
        psi_ab = digamma(a + b)
        psi_abx = digamma(a + b + ux)
        g_r = Wx @ digamma(c_x) - N * digamma(r) + N * np.log(alpha) - self.WT @ lT + rows.g[0]
        g_alpha = N * r / alpha - (r * self.WT + self.WxT) @ E1 + rows.g[1]
        g_a = Wx @ (digamma(a) - psi_abx) - N * (digamma(a) - psi_ab) + rows.g[2] / a
        g_b = Wx @ (digamma(b + ux) - psi_abx) - N * (digamma(b) - psi_ab) - rows.g[3]
        grad = np.array([g_r, g_alpha, g_a, g_b])
        # Hessian in theta: the rows' s(1-s) du du' and s d2u terms, then the closed-form part.
        du = np.array([1.0, 1.0, 1.0 / a, -1.0])  # du/dtheta = rows' U scaled by these
        H = rows.M * np.outer(du, du)
        t1_ab, t1_abx = _trigamma(a + b), _trigamma(a + b + ux)
        H[0, 0] += Wx @ _trigamma(c_x) - N * _trigamma(r)
        h_ra = N / alpha - self.WT @ E1 + rows.dE
        H[0, 1] += h_ra
        H[1, 0] += h_ra
        H[1, 1] += -N * r / alpha**2 + (r * self.WT + self.WxT) @ (E1 * E1) + rows.c_dF
        H[2, 2] += Wx @ (_trigamma(a) - t1_abx) - N * (_trigamma(a) - t1_ab) - rows.g[2] / a**2
        h_ab = N * t1_ab - Wx @ t1_abx
        H[2, 3] += h_ab
        H[3, 2] += h_ab
        H[3, 3] += Wx @ (_trigamma(b + ux) - t1_abx) - N * (_trigamma(b) - t1_ab) + rows.inv2
        # phi = log theta: d2/dphi2 = diag(theta) H diag(theta) + diag(theta * grad).
        self._hessian_at = (phi.copy(), H * np.outer(theta, theta) + np.diag(theta * grad))
        return float(ll), grad * theta

    def _row_pass(
        self, r: float, alpha: float, a: float, b: float, lT: FloatArray, E1: FloatArray
    ) -> _RowSums:
        """Sums over the repeat rows of softplus(u) and of its derivatives, where
        u = ln a - ln(b+x-1) + (r+x)(ln(alpha+T) - ln(alpha+t_x)).

        With s = sigmoid(u) and U = (du/dr, du/dalpha, a du/da, -du/db) = (D, (r+x) dE, 1,
        1/(b+x-1)), D = ln(alpha+T) - ln(alpha+t_x), dE = 1/(alpha+T) - 1/(alpha+t_x):
        g = sum w s U, M = sum w s(1-s) U U', and the s-weighted second derivatives of u.
        """
        ux = self.ux
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_bx = np.where(ux > 0, 1.0 / (b + ux - 1), 0.0)
            A_x = np.where(ux > 0, np.log(a) - np.log(b + ux - 1), 0.0)
        c_x = r + ux
        ltx = np.log(alpha + self.utx)
        E2 = 1.0 / (alpha + self.utx)
        E1s, E2s = E1 * E1, E2 * E2
        out = _RowSums()
        for lo in range(0, self.p_w.size, _BLOCK):
            sl = slice(lo, lo + _BLOCK)
            xi, Ti, ti, w = self.p_xi[sl], self.p_Ti[sl], self.p_ti[sl], self.p_w[sl]
            D = lT[Ti] - ltx[ti]
            cx = c_x[xi]
            u = A_x[xi] + cx * D
            e = np.exp(-np.abs(u))
            q = 1.0 / (1.0 + e)
            out.softplus += float(w @ (np.maximum(u, 0.0) + np.log1p(e)))
            ws = w * np.where(u >= 0, q, e * q)  # w s
            ws2 = w * (e * q * q)  # w s (1 - s)
            dE = E1[Ti] - E2[ti]
            cdE = cx * dE
            inv = inv_bx[xi]
            wD, wC, wI = ws2 * D, ws2 * cdE, ws2 * inv
            out.g += (ws @ D, ws @ cdE, ws.sum(), ws @ inv)
            out.M += np.array(
                [
                    [wD @ D, wD @ cdE, wD.sum(), wD @ inv],
                    [0.0, wC @ cdE, wC.sum(), wC @ inv],
                    [0.0, 0.0, ws2.sum(), wI.sum()],
                    [0.0, 0.0, 0.0, wI @ inv],
                ]
            )
            out.dE += float(ws @ dE)
            out.c_dF += float((ws * cx) @ (E2s[ti] - E1s[Ti]))
            out.inv2 += float((ws * inv) @ inv)
        out.M = np.triu(out.M) + np.triu(out.M, 1).T
        return out


class _RowSums:
    """What the row pass of the BG/NBD likelihood adds up (see ``_row_pass``)."""

    def __init__(self) -> None:
        self.softplus = 0.0
        self.g = np.zeros(4)
        self.M = np.zeros((4, 4))
        self.dE = 0.0
        self.c_dF = 0.0
        self.inv2 = 0.0


def _trigamma(v: FloatArray | float) -> FloatArray:
    return np.asarray(polygamma(1, v), dtype=np.float64)


def _h(
    x: FloatArray, T: FloatArray, t: FloatArray | float, r: float, alpha: float, a: float, b: float
) -> FloatArray:
    """[1 - ((alpha+T)/(alpha+T+t))**(r+x) 2F1(r+x, b+x; a+b+x-1; z)] / (a - 1), z = t/(alpha+T+t).

    Euler's transformation turns the product into (1-z)**(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z),
    whose upper parameters no longer grow with x: SciPy's hyp2f1 stays accurate there (checked
    against 60-digit mpmath to 3e-11 over r, a in [0.02, 50], b up to 1000, x up to 1000, z up
    to 1 - 1e-6) and nothing overflows. That form's 2F1 blows up as z -> 1 when
    x + r + 1 < a (its c - a - b is negative), so those rows keep the original form, whose 2F1
    then converges at z = 1. The ratio is split as (1 - (1-z)**(a-1))/(a-1) minus
    (1-z)**(a-1) (F-1)/(a-1) and, within 1e-4 of a = 1 (where both parts are 0/0),
    interpolated linearly in a.
    """
    ratio = t / (alpha + T)
    z = np.minimum(ratio / (1.0 + ratio), 1.0 - 2.0**-53)  # < 1 even when t dwarfs alpha + T
    L = np.log1p(ratio)  # -log(1 - z), without the cancellation in 1 - z
    x_, z_, L_ = np.broadcast_arrays(np.asarray(x, np.float64), z, L)

    def f21(
        A: float | FloatArray, B: float | FloatArray, C: FloatArray, zz: FloatArray
    ) -> FloatArray:
        F = np.asarray(hyp2f1(A, B, C, zz), dtype=np.float64)
        bad = ~np.isfinite(F)
        if bad.any():  # SciPy's z -> 1 formula overflows for large c; F(1 - 1e-13) ~ F(1)
            F = F.copy()
            F[bad] = hyp2f1(
                np.broadcast_to(A, F.shape)[bad],
                np.broadcast_to(B, F.shape)[bad],
                C[bad],
                1.0 - 1e-13,
            )
        return F

    def at(a_: float) -> FloatArray:
        out = np.empty(x_.shape)
        steep = x_ + r + 1 < a_
        for rows, euler in ((~steep, True), (steep, False)):
            if not rows.any():
                continue
            xs, zs, Ls = x_[rows], z_[rows], L_[rows]
            C = a_ + b + xs - 1
            if euler:
                decay = np.exp(-(a_ - 1) * Ls)
                out[rows] = one_minus_exp_ratio(a_ - 1, Ls) - decay * (
                    f21(a_ + b - 1 - r, a_ - 1, C, zs) - 1.0
                ) / (a_ - 1)
            else:
                product = np.exp(-(r + xs) * Ls) * f21(r + xs, b + xs, C, zs)
                out[rows] = (1.0 - product) / (a_ - 1)
        return out

    delta = 1e-4
    with np.errstate(over="ignore"):
        if abs(a - 1) >= delta:
            return at(a)
        lo, hi = at(1 - delta), at(1 + delta)
        return lo + (hi - lo) * (a - (1 - delta)) / (2 * delta)


def bgnbd_pmf(
    r: FloatArray, alpha: FloatArray, a: float, b: FloatArray, t: float, max_count: int
) -> FloatArray:
    """P(X(t) = k) of a new BG/NBD customer (FHL 2005, eq. 8), one row per (r, alpha, b):
    columns k = 0 .. max_count - 1, then P(X(t) >= max_count).

    With N ~ NB(r, q), q = alpha/(alpha+t), the purchases of a customer who never drops out::

        P(X = k)  = B(a, b+k)/B(a, b) P(N = k) + [k > 0] B(a+1, b+k-1)/B(a, b) P(N >= k),
        P(X >= K) = B(a, b+K-1)/B(a, b) P(N >= K)

    (K or more purchases: N reaches K and the customer stays after the first K - 1). Every
    factor is built in log space from its ratios, ln P(N = k) = r ln q + sum_{j<=k}
    ln((r+j-1)/j (1-q)) and ln B(a, b+k)/B(a, b) = sum_{j<=k} ln((b+j-1)/(a+b+j-1)), so large
    r (a heavy buyer's r + x) and long t neither overflow nor lose the small terms; the ratio
    sums are tabulated once per distinct r and b (a history's r + x and b + x take few
    values). P(N >= k) is 1 - P(N < k): exact to about 1e-15 in absolute terms (the
    regularised incomplete beta I_{1-q}(k, r) would keep the relative accuracy of tails below
    that, at 1 microsecond a value, which no probability here needs). Rows sum to 1 up to
    rounding.
    """
    r_, alpha_, b_ = (np.asarray(v, dtype=np.float64).reshape(-1) for v in (r, alpha, b))
    out = np.zeros((r_.size, max_count + 1))
    if max_count == 0 or t == 0:
        out[:, 0 if t == 0 else max_count] = 1.0
        return out
    K = max_count
    j = np.arange(1, K + 1, dtype=np.float64)
    # The ratio sums depend on r or on b alone: tabulated once per distinct value, then gathered.
    ur, ri = inp.factorize(r_)
    ub, bi = inp.factorize(b_)
    log_rise = np.zeros((ur.size, K + 1))  # ln G(r+k)/(G(r) k!), k = 0 .. K
    log_rise[:, 1:] = np.cumsum(np.log((ur[:, None] + j - 1) / j), axis=1)
    log_beta = np.zeros((ub.size, K + 1))  # ln B(a, b+k)/B(a, b), k = 0 .. K
    log_beta[:, 1:] = np.cumsum(np.log((ub[:, None] + j - 1) / (a + ub[:, None] + j - 1)), axis=1)
    beta_ratio = np.exp(log_beta)
    # k >= 1: B(a+1, b+k-1)/B(a, b) = a/(a+b+k-1) B(a, b+k-1)/B(a, b)
    stay_to = a / (a + ub[:, None] + j[: K - 1] - 1) * beta_ratio[:, : K - 1]
    log_q = -np.log1p(t / alpha_)  # ln q
    log_1q = np.log(t) - np.log(alpha_ + t)  # ln(1 - q)
    k = np.arange(K, dtype=np.float64)
    nb = log_rise[ri, :K]
    nb += (r_ * log_q)[:, None]
    nb += k * log_1q[:, None]
    np.exp(nb, out=nb)  # P(N = k), k < K
    at_least = 1.0 - np.cumsum(nb, axis=1)  # P(N >= k), k = 1 .. K
    np.maximum(at_least, 0.0, out=at_least)
    out[:, :K] = beta_ratio[bi, :K] * nb
    out[:, 1:K] += stay_to[bi] * at_least[:, : K - 1]
    out[:, K] = beta_ratio[bi, K - 1] * at_least[:, K - 1]
    return out


class BetaGeo(PurchaseModel):
    """BG/NBD purchase model, fitted on distinct (frequency, recency, T) with weights.

    >>> model = BetaGeo().fit(frequency, recency, T, weights=counts)   # doctest: +SKIP
    >>> model.predict_purchases(39, frequency, recency, T)              # doctest: +SKIP

    Parameters: ``r, alpha`` (purchase-rate gamma shape and rate, alpha in the data's time
    unit) and ``a, b`` (beta dropout). See :class:`~legame.models.base.BaseModel` for the
    hyperparameters and the fitted attributes.
    """

    _param_names = ("r", "alpha", "a", "b")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        weights: ArrayLike | None = None,
    ) -> BetaGeo:
        """Fit on histories: one row per distinct history, ``weights`` = customers sharing it.

        ``frequency`` counts repeat purchases (whole numbers), ``recency`` is the time from the
        first to the last purchase (0 when frequency is 0) and ``T`` the time from the first
        purchase to the end of the calibration period (recency <= T). Fitting time grows with
        the number of rows, not with the weights.
        """
        x, t_x, T_, w = self._fit_histories(frequency, recency, T, weights)
        mean_T = max(inp.dot(w, T_) / float(w.sum()), 1e-6)
        mean_x = max(inp.dot(w, x) / float(w.sum()), 0.05)
        start = np.array([1.0, mean_T / mean_x / 4, 1.0, 2.0])
        self._fit_likelihood(_BetaGeoLikelihood(x, t_x, T_, w), start)
        return self

    def _hints(self) -> list[str]:
        return [
            "check there are repeat customers (frequency > 0) and that frequency counts repeat "
            "purchase days, not all purchases (--merge day on the command line);",
            "check the time unit: --unit week or --unit day (in Python, T and recency in days "
            "or weeks; alpha scales with the unit);",
        ]

    # -- predictions -----------------------------------------------------------------------

    def _alive(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))  (FHL 2005, eq. 11)."""
        r, alpha, a, b = self._theta("predict_alive")
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(x > 0, expit(-u), 1.0)

    def _log_alive_gradient(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, alive: FloatArray
    ) -> FloatArray:
        """ln P(alive) = -softplus(u) for x > 0 (0 otherwise), so its gradient in ln(r, alpha,
        a, b) is -(1 - P(alive)) times u's: (r D, alpha (r+x) (1/(alpha+T) - 1/(alpha+t_x)),
        1, -b/(b+x-1)), D = ln(alpha+T) - ln(alpha+t_x)."""
        r, alpha, _, b = self._theta("predict_alive")
        repeat = x > 0
        gone = np.where(repeat, alive - 1.0, 0.0)  # -(1 - P(alive)), 0 without repeats
        # Each row is computed in its place (the same operations in the same order as the
        # formulas above): the score calls this on a million histories.
        grad = np.empty((4, x.size))
        at_T, at_tx = alpha + T, alpha + t_x
        with np.errstate(divide="ignore", invalid="ignore"):
            np.log(at_T, out=grad[0])
            grad[0] -= np.log(at_tx)
            grad[0] *= r
            np.divide(1.0, at_T, out=grad[1])
            grad[1] -= np.divide(1.0, at_tx, out=at_tx)
            grad[1] *= np.multiply(alpha, np.add(r, x, out=at_T), out=at_T)
            grad[2] = 1.0
            np.divide(-b, np.subtract(np.add(b, x, out=at_T), 1.0, out=at_T), out=grad[3])
        np.copyto(grad[3], 0.0, where=~repeat)
        grad *= gone
        return grad

    def _purchase_curve(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, alive: FloatArray | None = None
    ) -> Callable[[float], FloatArray]:
        """E[purchases in (T, T+t] | history] (FHL 2005, eq. 10) as a function of scalar t.

        The hypergeometric part depends on (x, T, t) only: it is evaluated once per distinct
        (frequency, T) pair and spread back to the rows.
        """
        r, alpha, a, b = self._theta("predict_purchases")
        if alive is None:
            alive = self._alive(x, t_x, T)
        ux, xi = inp.factorize(x)
        uT, Ti = inp.factorize(T)
        keys, pair = inp.factorize_pairs(xi, ux.size, Ti, uT.size)
        px, pT = ux[keys // uT.size], uT[keys % uT.size]
        scale = a + b + px - 1

        def curve(t: float) -> FloatArray:
            per_pair = scale * _h(px, pT, t, r, alpha, a, b)
            return alive * per_pair[pair]

        return curve

    def _per_row_purchases(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, t: FloatArray
    ) -> FloatArray:
        r, alpha, a, b = self._theta("predict_purchases")
        return self._alive(x, t_x, T) * (a + b + x - 1) * _h(x, T, t, r, alpha, a, b)

    def _alive_pmf(self, x: FloatArray, T: FloatArray, t: float, max_count: int) -> FloatArray:
        """Alive at T after x repeat purchases, the customer is a new BG/NBD customer with
        lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x) (the posterior that gives FHL 2005,
        eq. 10): :func:`bgnbd_pmf` with those parameters."""
        r, alpha, a, b = self._theta("predict_purchase_pmf")
        return bgnbd_pmf(r + x, alpha + T, a, b + x, t, max_count)

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
        """Expected purchases in (0, t] of a new customer (FHL 2005, eq. 9)."""
        r, alpha, a, b = self._theta("expected_purchases")
        flat, shape = self._t_values("expected_purchases", t)
        zero = np.zeros_like(flat)
        return inp.shaped((a + b - 1) * _h(zero, zero, flat, r, alpha, a, b), shape)
