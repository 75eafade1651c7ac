"""MBG/NBD: the modified BG/NBD purchase model (Batislam, Denizel & Filiztekin 2007).

As in BG/NBD, a customer buys at rate lambda ~ Gamma(r, alpha) while alive and drops out with
probability p ~ Beta(a, b) after a purchase, but here the first purchase (time 0) is a chance
to drop out too: a one-time buyer is not surely alive, and P(alive) falls with the time since
the first purchase for every customer. Same histories (x, t_x, T) as BG/NBD.

Log-likelihood of one history (Batislam et al. 2007, eq. 3, with the erratum of Wagner &
Hoppe 2008), in the log space of :mod:`legame.models.bgnbd`::

    ln L = ln G(r+x) - ln G(r) + r ln alpha - (r+x) ln(alpha+T) + ln B(a, b+x+1) - ln B(a, b)
           + softplus(ln a - ln(b+x) + (r+x)(ln(alpha+T) - ln(alpha+t_x)))

It is BG/NBD's with b+x-1 replaced by b+x, and the softplus term kept for x = 0 as well, so
the row pass runs over every distinct history (not only the repeat customers'). Gradient and
Hessian are analytic, from the same pass, as for BG/NBD.

Given a history and alive at T, the customer has survived x+1 dropout chances, so p follows
Beta(a, b+x+1) and lambda Gamma(r+x, alpha+T), and the future is a new BG/NBD customer with
those parameters: the conditional expectation is BG/NBD's with b shifted by one, and the
number of purchases in (T, T+t] has BG/NBD's distribution (FHL 2005, eq. 8) mixed with the
point mass at 0 of a customer who is already gone
(:func:`legame.models.predictive.mix_dead`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, expit, gammaln

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood
from .base import PurchaseModel
from .bgnbd import _BLOCK, _h, _RowSums, _trigamma, bgnbd_pmf
from .predictive import mix_dead


class _ModifiedBetaGeoLikelihood(LogLikelihood):
    n_params = 4
    has_gradient = True
    has_hessian = True

    def __init__(self, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray) -> None:
        self._raw = (x, t_x, T, w)
        self.n_rows = int(w.size)
        self.total_weight = float(w.sum())
        self.ux, self.xi = inp.factorize(x)
        self.uT, self.Ti = inp.factorize(T)
        self.utx, self.ti = inp.factorize(t_x)
        self.Wx = np.bincount(self.xi, w, minlength=self.ux.size)
        self.WT = np.bincount(self.Ti, w, minlength=self.uT.size)
        self.WxT = np.bincount(self.Ti, w * x, minlength=self.uT.size)
        self.w = w
        self._hessian_at: tuple[FloatArray, FloatArray] | None = None

    def row_weights(self) -> FloatArray:
        return self.w

    def take(self, rows: IntArray, weights: FloatArray) -> _ModifiedBetaGeoLikelihood:
        x, t_x, T, _ = self._raw
        return _ModifiedBetaGeoLikelihood(x[rows], t_x[rows], T[rows], weights)

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
        b_x = b + ux + 1  # B(a, b+x+1): one dropout chance more than BG/NBD's B(a, b+x)
        lT = np.log(alpha + self.uT)
        E1 = 1.0 / (alpha + self.uT)
        ll = (
            Wx @ (gammaln(c_x) + betaln(a, b_x))
            - N * (gammaln(r) - r * np.log(alpha) + betaln(a, b))
            - r * (self.WT @ lT)
            - self.WxT @ lT
        )
        rows = self._row_pass(r, alpha, a, b, lT, E1)
        ll += rows.softplus
        psi_ab = digamma(a + b)
        psi_abx = digamma(a + b_x)
        g_r = Wx @ digamma(c_x) - N * digamma(r) + N * np.log(alpha) - self.WT @ lT + rows.g[0]
        g_alpha = N * r / alpha - (r * self.WT + self.WxT) @ E1 + rows.g[1]
        g_a = Wx @ (digamma(a) - psi_abx) - N * (digamma(a) - psi_ab) + rows.g[2] / a
        g_b = Wx @ (digamma(b_x) - psi_abx) - N * (digamma(b) - psi_ab) - rows.g[3]
        grad = np.array([g_r, g_alpha, g_a, g_b])
        du = np.array([1.0, 1.0, 1.0 / a, -1.0])
        H = rows.M * np.outer(du, du)
        t1_ab, t1_abx = _trigamma(a + b), _trigamma(a + b_x)
        H[0, 0] += Wx @ _trigamma(c_x) - N * _trigamma(r)
        h_ra = N / alpha - self.WT @ E1 + rows.dE
        H[0, 1] += h_ra
        H[1, 0] += h_ra
        H[1, 1] += -N * r / alpha**2 + (r * self.WT + self.WxT) @ (E1 * E1) + rows.c_dF
        H[2, 2] += Wx @ (_trigamma(a) - t1_abx) - N * (_trigamma(a) - t1_ab) - rows.g[2] / a**2
        h_ab = N * t1_ab - Wx @ t1_abx
        H[2, 3] += h_ab
        H[3, 2] += h_ab
        H[3, 3] += Wx @ (_trigamma(b_x) - t1_abx) - N * (_trigamma(b) - t1_ab) + rows.inv2
        self._hessian_at = (phi.copy(), H * np.outer(theta, theta) + np.diag(theta * grad))
        return float(ll), grad * theta

    def _row_pass(
        self, r: float, alpha: float, a: float, b: float, lT: FloatArray, E1: FloatArray
    ) -> _RowSums:
        """Sums over every row of softplus(u) and its derivatives, where
        u = ln a - ln(b+x) + (r+x)(ln(alpha+T) - ln(alpha+t_x)); as BG/NBD's row pass
        (:meth:`legame.models.bgnbd._BetaGeoLikelihood._row_pass`) with 1/(b+x) for
        1/(b+x-1)."""
        ux = self.ux
        inv_bx = 1.0 / (b + ux)
        A_x = np.log(a) - np.log(b + ux)
        c_x = r + ux
        ltx = np.log(alpha + self.utx)
        E2 = 1.0 / (alpha + self.utx)
        E1s, E2s = E1 * E1, E2 * E2
        out = _RowSums()
        for lo in range(0, self.w.size, _BLOCK):
            sl = slice(lo, lo + _BLOCK)
            xi, Ti, ti, w = self.xi[sl], self.Ti[sl], self.ti[sl], self.w[sl]
            D = lT[Ti] - ltx[ti]
            cx = c_x[xi]
            u = A_x[xi] + cx * D
            e = np.exp(-np.abs(u))
            q = 1.0 / (1.0 + e)
            out.softplus += float(w @ (np.maximum(u, 0.0) + np.log1p(e)))
            ws = w * np.where(u >= 0, q, e * q)
            ws2 = w * (e * q * q)
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


class ModifiedBetaGeo(PurchaseModel):
    """MBG/NBD purchase model, fitted on distinct (frequency, recency, T) with weights.

    >>> model = ModifiedBetaGeo().fit(frequency, recency, T, weights=counts)  # doctest: +SKIP
    >>> model.predict_alive(frequency, recency, T)                           # doctest: +SKIP

    Parameters: ``r, alpha`` (purchase-rate gamma shape and rate, alpha in the data's time
    unit) and ``a, b`` (beta dropout, at the first purchase too). Where BG/NBD says every
    one-time buyer is surely alive, this model lets P(alive) of a one-time buyer fall with
    the time since their purchase. See :class:`~legame.models.base.BaseModel` for the
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
    ) -> ModifiedBetaGeo:
        """Fit on histories: one row per distinct history, ``weights`` = customers sharing it.

        Same inputs and rules as :meth:`~legame.models.BetaGeo.fit`.
        """
        x, t_x, T_, w = self._fit_histories(frequency, recency, T, weights)
        mean_T = max(inp.dot(w, T_) / float(w.sum()), 1e-6)
        mean_x = max(inp.dot(w, x) / float(w.sum()), 0.05)
        start = np.array([1.0, mean_T / mean_x / 4, 1.0, 2.0])
        self._fit_likelihood(_ModifiedBetaGeoLikelihood(x, t_x, T_, w), start)
        return self

    def _hints(self) -> list[str]:
        return [
            "check there are repeat customers (frequency > 0) and that frequency counts repeat "
            "purchase days, not all purchases (--merge day on the command line);",
            "check the time unit: --unit week or --unit day (in Python, T and recency in days "
            "or weeks; alpha scales with the unit);",
            "with few customers who stopped buying, a and b are weakly identified: compare with "
            "--model bgnbd, which has the same parameters, or try --penalizer 0.01;",
        ]

    # -- predictions -----------------------------------------------------------------------

    def _alive(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        """1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)) for every x (Batislam et al. 2007,
        appendix, eq. 5)."""
        r, alpha, a, b = self._theta("predict_alive")
        u = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.asarray(expit(-u), dtype=np.float64)

    def _purchase_curve(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, alive: FloatArray | None = None
    ) -> Callable[[float], FloatArray]:
        """E[purchases in (T, T+t] | history] (Wagner & Hoppe 2008) as a function of scalar t:
        P(alive) (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; z)],
        BG/NBD's with b+1 for b, evaluated once per distinct (frequency, T) pair."""
        r, alpha, a, b = self._theta("predict_purchases")
        if alive is None:
            alive = self._alive(x, t_x, T)
        ux, xi = inp.factorize(x)
        uT, Ti = inp.factorize(T)
        keys, pair = inp.factorize_pairs(xi, ux.size, Ti, uT.size)
        px, pT = ux[keys // uT.size], uT[keys % uT.size]
        scale = a + b + px

        def curve(t: float) -> FloatArray:
            per_pair = scale * _h(px, pT, t, r, alpha, a, b + 1)
            return alive * per_pair[pair]

        return curve

    def _per_row_purchases(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, t: FloatArray
    ) -> FloatArray:
        r, alpha, a, b = self._theta("predict_purchases")
        return self._alive(x, t_x, T) * (a + b + x) * _h(x, T, t, r, alpha, a, b + 1)

    def _alive_pmf(self, x: FloatArray, T: FloatArray, t: float, max_count: int) -> FloatArray:
        """Alive at T after x repeat purchases, the customer has survived x + 1 dropout chances:
        a new BG/NBD customer with lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x+1)
        (:func:`~legame.models.bgnbd.bgnbd_pmf` with those parameters)."""
        r, alpha, a, b = self._theta("predict_purchase_pmf")
        return bgnbd_pmf(r + x, alpha + T, a, b + x + 1, t, max_count)

    def _purchase_pmf(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, t: float, max_count: int
    ) -> FloatArray:
        """P(k purchases in (T, T+t] | history), shape (n, max_count + 1): columns
        k = 0 .. max_count-1, then P(k >= max_count). The alive customer's :meth:`_alive_pmf`,
        once per distinct (frequency, T), mixed with each row's P(alive); the gone buy nothing.
        """
        ux, xi = inp.factorize(x)
        uT, Ti = inp.factorize(T)
        keys, pair = inp.factorize_pairs(xi, ux.size, Ti, uT.size)
        per_pair = self._alive_pmf(ux[keys // uT.size], uT[keys % uT.size], t, max_count)
        return mix_dead(self._alive(x, t_x, T), per_pair[pair])

    def expected_purchases(self, t: ArrayLike) -> FloatArray | float:
        """Expected purchases in (0, t] of a new customer: b/(a-1) [1 - (alpha/(alpha+t))^r
        2F1(r, b+1; a+b; t/(alpha+t))] (Batislam et al. 2007)."""
        r, alpha, a, b = self._theta("expected_purchases")
        flat, shape = self._t_values("expected_purchases", t)
        zero = np.zeros_like(flat)
        return inp.shaped(b * _h(zero, zero, flat, r, alpha, a, b + 1), shape)
