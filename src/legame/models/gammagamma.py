"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves").

Each purchase of a customer is worth z ~ Gamma(p, rate nu); nu ~ Gamma(q, rate gamma) across
customers. The observed input is, for each repeat customer, the number of repeat purchases x
and their mean value m_x; x m_x ~ Gamma(p x, rate nu), so (lifetimes' convention, the density
of m_x)

    ln f(m_x | x) = ln G(p x + q) - ln G(p x) - ln G(q) + q ln gamma + (p x - 1) ln m_x
                    + p x ln x - (p x + q) ln(gamma + x m_x).

Only ln(gamma + x m_x) depends on a parameter and a row at once, so one pass over the rows per
evaluation gives the value, the analytic gradient and the analytic Hessian.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln, polygamma

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood
from .base import BaseModel


class _GammaGammaLikelihood(LogLikelihood):
    n_params = 3
    has_gradient = True
    has_hessian = True

    def __init__(self, x: FloatArray, m: FloatArray, w: FloatArray) -> None:
        self._raw = (x, m, w)
        self.n_rows = int(w.size)
        self.total_weight = float(w.sum())
        self.ux, xi = inp.factorize(x)
        self.Wx = np.bincount(xi, w, minlength=self.ux.size)
        self.w, self.wx, self.xm = w, w * x, x * m
        log_m = np.log(m)
        self.sum_w_log_m = inp.dot(w, log_m)
        self.sum_wx_log_xm = inp.dot(self.wx, log_m + np.log(x))
        self._hessian_at: tuple[FloatArray, FloatArray] | None = None

    def row_weights(self) -> FloatArray:
        return self.w

    def take(self, rows: IntArray, weights: FloatArray) -> _GammaGammaLikelihood:
        x, m, _ = self._raw
        return _GammaGammaLikelihood(x[rows], m[rows], weights)

    def value(self, phi: FloatArray) -> float:
        return self.value_and_grad(phi)[0]

    def hessian(self, phi: FloatArray) -> FloatArray:
        if self._hessian_at is None or not np.array_equal(self._hessian_at[0], phi):
            self.value_and_grad(phi)
        assert self._hessian_at is not None
        return self._hessian_at[1]

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(phi)
        p, q, gamma = theta
        N, ux, Wx = self.total_weight, self.ux, self.Wx
        px = p * ux
        L = np.log(gamma + self.xm)
        R = 1.0 / (gamma + self.xm)
        wx_L, w_L = inp.dot(self.wx, L), inp.dot(self.w, L)
        wx_R, w_R = inp.dot(self.wx, R), inp.dot(self.w, R)
        R *= R
        wx_R2, w_R2 = inp.dot(self.wx, R), inp.dot(self.w, R)
        ll = (
            Wx @ (gammaln(px + q) - gammaln(px))
            - N * gammaln(q)
            + N * q * np.log(gamma)
            + p * self.sum_wx_log_xm
            - self.sum_w_log_m
            - p * wx_L
            - q * w_L
        )
        psi = digamma(px + q)
        g_p = (Wx * ux) @ (psi - digamma(px)) + self.sum_wx_log_xm - wx_L
        g_q = Wx @ psi - N * digamma(q) + N * np.log(gamma) - w_L
        g_gamma = N * q / gamma - p * wx_R - q * w_R
        grad = np.array([g_p, g_q, g_gamma])
        t1, t1_x = polygamma(1, px + q), polygamma(1, px)
        h_pq, h_pg, h_qg = (Wx * ux) @ t1, -wx_R, N / gamma - w_R
        H = np.array(
            [
                [(Wx * ux * ux) @ (t1 - t1_x), h_pq, h_pg],
                [h_pq, Wx @ t1 - N * polygamma(1, q), h_qg],
                [h_pg, h_qg, -N * q / gamma**2 + p * wx_R2 + q * w_R2],
            ]
        )
        self._hessian_at = (phi.copy(), H * np.outer(theta, theta) + np.diag(theta * grad))
        return float(ll), grad * theta


#: Above this |correlation| of frequency and spend per purchase, :func:`independence_warning`.
CORRELATION_WARNING = 0.3


def independence_warning(correlation: float) -> str | None:
    """What to do when frequency and spend per purchase are correlated beyond
    :data:`CORRELATION_WARNING` (None otherwise): Gamma-Gamma assumes they are independent."""
    if not abs(correlation) > CORRELATION_WARNING:
        return None
    more = "more" if correlation > 0 else "less"
    return (
        f"frequency and spend per purchase are correlated (r = {correlation:.2f}; customers who "
        f"buy more often spend {more} per purchase), but Gamma-Gamma assumes they are "
        "independent, so its expected spend and the CLV may be biased: consider fitting "
        "segments of similar customers apart, or the covariate spend model (--covariates)."
    )


def _correlation(x: FloatArray, m: FloatArray, w: FloatArray) -> float:
    """Weighted Pearson correlation; NaN when either column is constant."""
    W = float(w.sum())
    dx = x - inp.dot(w, x) / W
    dm = m - inp.dot(w, m) / W
    var = inp.dot(w, dx * dx) * inp.dot(w, dm * dm)
    return inp.dot(w, dx * dm) / float(np.sqrt(var)) if var > 0 else float("nan")


class GammaGamma(BaseModel):
    """Gamma-Gamma model of the average value of a customer's purchases.

    Fit on repeat customers only (frequency > 0), with their mean spend per repeat purchase
    (``monetary_value``). Parameters ``p, q, gamma``; the population mean spend per purchase is
    p gamma / (q - 1) (finite when q > 1). The model assumes spend is independent of frequency;
    ``fit`` records their (weighted Pearson) correlation on the data as
    ``frequency_spend_correlation_``: check it before using the model for CLV
    (:func:`independence_warning`).
    """

    _param_names = ("p", "q", "gamma")
    _fit_args = "frequency, monetary_value, weights=..."
    _fitted_attributes = (*BaseModel._fitted_attributes, "frequency_spend_correlation_")

    frequency_spend_correlation_: float

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, *, weights: ArrayLike | None = None
    ) -> GammaGamma:
        """Fit on repeat customers: ``frequency`` >= 1 repeat purchases, their mean value > 0."""
        where = f"{type(self).__name__}.fit"
        self._start_fit()
        x = inp.as_column(frequency, name="frequency", where=where)
        m = inp.as_column(monetary_value, name="monetary_value", where=where)
        n = inp.same_length(where, {"frequency": x, "monetary_value": m})
        w = inp.check_weights(where, weights, n)
        inp.check_whole(
            where,
            "frequency",
            x,
            minimum=1,
            hint="Gamma-Gamma is fitted on repeat customers only: pass the rows "
            "with frequency > 0 (e.g. mask = frequency > 0).",
        )
        inp.check_at_least(
            where,
            "monetary_value",
            m,
            0.0,
            strict=True,
            hint="monetary_value is the mean value of the repeat purchases; "
            "drop returns-only customers or floor refunds before fitting.",
        )
        w, x, m = inp.drop_zero_weights(w, x, m)
        lik = _GammaGammaLikelihood(x, m, w)
        mean_m = inp.dot(w, m) / float(w.sum())
        self._fit_likelihood(lik, np.array([1.0, 2.0, mean_m]))
        self.frequency_spend_correlation_ = _correlation(x, m, w)
        return self

    def _hints(self) -> list[str]:
        return [
            "check monetary_value is the mean value per repeat purchase, in one currency, "
            "with no zero or negative amounts;",
            "a few extreme spenders can make q tend to 1 (infinite mean): inspect the top "
            "values or cap them;",
        ]

    def predict_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> FloatArray | float:
        """E[mean spend per purchase | history] = p (gamma + x m_x) / (p x + q - 1).

        For frequency 0 it is the population mean p gamma / (q - 1), whatever monetary_value
        holds (0 or NaN are fine there). Where p x + q <= 1 the mean is infinite: inf.
        """
        p, q, gamma = self._theta("predict_spend")
        where = f"{type(self).__name__}.predict_spend"
        x = inp.as_floats(frequency, name="frequency", where=where)
        m = inp.as_floats(monetary_value, name="monetary_value", where=where, allow_nan=True)
        shape, (x, m) = inp.broadcast(where, {"frequency": x, "monetary_value": m})
        inp.check_whole(where, "frequency", x)
        repeat = x > 0
        bad = repeat & ~(m > 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise inp.fail(
                where,
                "monetary_value",
                "be > 0 where frequency > 0",
                f"monetary_value={m[i]} with frequency={x[i]:g} at row {i}",
            )
        den = p * x + q - 1
        num = p * (gamma + np.where(repeat, x * np.nan_to_num(m), 0.0))
        with np.errstate(divide="ignore"):
            out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
        return inp.shaped(out, shape)
