"""Gamma-Gamma with static covariates on the spend per purchase.

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves"; Fader & Hardie
2013, http://brucehardie.com/notes/025/): each purchase of a customer is worth
``z ~ Gamma(p, rate nu)``, ``nu ~ Gamma(q, rate gamma)``, so the mean spend per purchase is
``p gamma / (q - 1)``. Covariates scale the rate of ``nu``'s gamma, as Fader & Hardie (2007,
http://brucehardie.com/notes/019/) scale the rates of the BG/NBD's mixing distributions::

    gamma_i = gamma0 exp(g' z_i)

so ``exp(g)`` is the ratio of mean spend per purchase per unit of ``z`` (the sign is chosen
so that a positive coefficient means more spend; Fader & Hardie's later note on covariates
in this model, http://brucehardie.com/notes/045/, which could not be consulted offline, is
the reference to check the convention against). The likelihood of a customer is Gamma-Gamma's
at ``(p, q, gamma_i)``::

    ln f = ln G(p x + q) - ln G(p x) - ln G(q) + q ln gamma_i + (p x - 1) ln m + p x ln x
           - (p x + q) ln(gamma_i + x m).

As in :class:`~legame.models.gammagamma.GammaGamma`, the gamma functions are evaluated once
per distinct frequency and only ``ln(gamma_i + x m)`` needs a pass over the rows, which gives
the value, the analytic gradient and the analytic Hessian together, whatever the number of
covariate patterns (numeric covariates can be kept exact). With no covariate columns (or only
columns that never vary) the fit is Gamma-Gamma's.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln, polygamma

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood
from .base import BaseModel
from .covariates import CovariateModel, covariate_matrix, find_patterns, prediction_inputs
from .gammagamma import GammaGamma


class _SpendLikelihood(LogLikelihood):
    """Gamma-Gamma with ``gamma_i = exp(theta[2] + z_i' theta[3:])``; ``theta = (log p,
    log q, log gamma0, g)``: value, gradient and Hessian from one pass over the rows."""

    has_gradient = True
    has_hessian = True

    def __init__(self, x: FloatArray, m: FloatArray, w: FloatArray, Z: FloatArray) -> None:
        self._raw = (x, m, w, Z)
        self.n_rows = int(w.size)
        self.total_weight = float(w.sum())
        self.n_params = 3 + Z.shape[1]
        self.ux, xi = inp.factorize(x)
        self.Wx = np.bincount(xi, w, minlength=self.ux.size)
        self.w, self.wx, self.xm, self.Z = w, w * x, x * m, Z
        log_m = np.log(m)
        self.sum_w_log_m = inp.dot(w, log_m)
        self.sum_wx_log_xm = inp.dot(self.wx, log_m + np.log(x))
        self._hessian_at: tuple[FloatArray, FloatArray] | None = None

    def row_weights(self) -> FloatArray:
        return self.w

    def take(self, rows: IntArray, weights: FloatArray) -> _SpendLikelihood:
        x, m, _, Z = self._raw
        return _SpendLikelihood(x[rows], m[rows], weights, Z[rows])

    def value(self, phi: FloatArray) -> float:
        return self.value_and_grad(phi)[0]

    def hessian(self, phi: FloatArray) -> FloatArray:
        if self._hessian_at is None or not np.array_equal(self._hessian_at[0], phi):
            self.value_and_grad(phi)
        assert self._hessian_at is not None
        return self._hessian_at[1]

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        p, q = float(np.exp(phi[0])), float(np.exp(phi[1]))
        N, ux, Wx, w = self.total_weight, self.ux, self.Wx, self.w
        log_g = phi[2] + self.Z @ phi[3:]
        G = np.exp(log_g)
        L = np.log(G + self.xm)
        GR = G / (G + self.xm)  # gamma_i / (gamma_i + x m)
        px = p * ux
        ll = (
            Wx @ (gammaln(px + q) - gammaln(px))
            - N * gammaln(q)
            + q * inp.dot(w, log_g)
            + p * self.sum_wx_log_xm
            - self.sum_w_log_m
            - p * inp.dot(self.wx, L)
            - q * inp.dot(w, L)
        )
        psi = digamma(px + q)
        g_p = (Wx * ux) @ (psi - digamma(px)) + self.sum_wx_log_xm - inp.dot(self.wx, L)
        g_q = Wx @ psi - N * digamma(q) + inp.dot(w, log_g) - inp.dot(w, L)
        row_g = w * q - (p * self.wx + q * w) * GR  # d ll_i / d ln gamma_i, weighted
        Za = np.column_stack([np.ones(self.n_rows), self.Z])
        grad = np.r_[p * g_p, q * g_q, Za.T @ row_g]
        t1, t1_x = polygamma(1, px + q), polygamma(1, px)
        h_pp = (Wx * ux * ux) @ (t1 - t1_x)
        h_pq = (Wx * ux) @ t1
        h_qq = Wx @ t1 - N * polygamma(1, q)
        k = self.n_params
        H = np.empty((k, k))
        H[0, 0] = p * p * h_pp + p * g_p
        H[0, 1] = H[1, 0] = p * q * h_pq
        H[1, 1] = q * q * h_qq + q * g_q
        H[0, 2:] = H[2:, 0] = Za.T @ (-p * self.wx * GR)
        H[1, 2:] = H[2:, 1] = Za.T @ (q * (w - w * GR))
        row_h = -(p * self.wx + q * w) * GR * (1.0 - GR)
        H[2:, 2:] = Za.T @ (row_h[:, None] * Za)
        self._hessian_at = (phi.copy(), H)
        return float(ll), np.asarray(grad, dtype=np.float64)


def _log_spend_slopes(
    m: FloatArray, w: FloatArray, Z: FloatArray, columns: list[int]
) -> FloatArray:
    """Where the coefficients start: the weighted least-squares slopes of the log mean spend
    on the covariates that vary (E[spend] is proportional to gamma_i, so they estimate the
    same log ratios). From 0 instead, a covariate that moves spend a lot leaves Newton at a
    point where the log-likelihood is not concave, and the fit falls back to slow L-BFGS."""
    coef = np.zeros(Z.shape[1])
    if not columns:
        return coef
    sw = np.sqrt(w / w.sum())
    Zc = Z[:, columns] - (w @ Z[:, columns]) / w.sum()
    y = np.log(m) - inp.dot(w, np.log(m)) / w.sum()
    slopes = np.linalg.lstsq(Zc * sw[:, None], y * sw, rcond=None)[0]
    coef[columns] = np.clip(slopes, -5.0, 5.0)
    return coef


class CovariateGammaGamma(CovariateModel):
    """Gamma-Gamma with static covariates on the spend (see the module docstring).

    Parameters: ``covariate_names``, one name per column of ``covariates``. ``params_``:
    ``p, q, gamma`` (those of customers whose covariates are all 0), then
    ``beta_spend_<name>`` per covariate.
    """

    _base_names = ("p", "q", "gamma")
    _param_names = _base_names  # then the coefficients: see _names()
    _fit_args = "frequency, monetary_value, covariates, weights=..."
    _hyperparameters = ("covariate_names", *BaseModel._hyperparameters)

    def __init__(
        self,
        *,
        covariate_names: tuple[str, ...] = ("z",),
        penalizer: float = 0.0,
        tol: float = 1e-8,
        max_iter: int = 200,
        strict: bool = True,
        sample_histories: int = 100_000,
        random_state: int | np.random.Generator | None = 0,
    ) -> None:
        super().__init__(
            penalizer=penalizer,
            tol=tol,
            max_iter=max_iter,
            strict=strict,
            sample_histories=sample_histories,
            random_state=random_state,
        )
        self.covariate_names = covariate_names

    def _names(self) -> tuple[str, ...]:
        return (*self._base_names, *(f"beta_spend_{n}" for n in self.covariate_names))

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        covariates: ArrayLike | None = None,
        *,
        weights: ArrayLike | None = None,
    ) -> CovariateGammaGamma:
        """Fit on repeat customers (``frequency`` >= 1 repeat purchases, their mean value >
        0) with one row of ``covariates`` each (one column per name in
        ``covariate_names``); ``weights``: customers per row. Returns ``self``."""
        where = f"{type(self).__name__}.fit"
        self._start_fit()
        x = inp.as_column(frequency, name="frequency", where=where)
        m = inp.as_column(monetary_value, name="monetary_value", where=where)
        n = inp.same_length(where, {"frequency": x, "monetary_value": m})
        Z = covariate_matrix(
            covariates, names=self.covariate_names, rows=n, name="covariates", where=where
        )
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
        keep = w > 0
        if not keep.all():
            w, x, m, Z = w[keep], x[keep], m[keep], Z[keep]
        plain = GammaGamma(
            penalizer=self.penalizer,
            tol=self.tol,
            max_iter=self.max_iter,
            strict=False,
            sample_histories=self.sample_histories,
            random_state=self.random_state,
        ).fit(x, m, weights=w)
        base = np.log([plain.params_[name] for name in self._base_names])
        if not (np.all(np.isfinite(base)) and np.all(np.abs(base) < 15)):
            base = np.log([1.0, 2.0, inp.dot(w, m) / float(w.sum())])
        free = [0, 1, 2, *self._free(Z, 3, 1)]
        coef = _log_spend_slopes(m, w, Z, [i - 3 for i in free[3:]])
        base[2] -= inp.dot(w, Z @ coef) / float(w.sum())
        self._fit_theta(
            _SpendLikelihood(x, m, w, Z),
            np.r_[base, coef],
            free=np.array(free, dtype=np.intp),
            n_log=3,
            n_customers=float(w.sum()),
            n_histories=int(w.size),
        )
        return self

    def _hints(self) -> list[str]:
        return ["check that each covariate level holds repeat customers with a spend;"]

    def pattern_model(self, covariates: ArrayLike | None = None) -> GammaGamma:
        """The plain Gamma-Gamma of the customers with these static covariates (one value per
        name in ``covariate_names``): ``p, q`` and the pattern's ``gamma``, its ``cov_`` the
        covariance of ln(p, q, gamma) that the fit's gives (the coefficients held at 0
        counting as known; NaN where the fit has none)."""
        self._check_fitted("pattern_model")
        where = f"{type(self).__name__}.pattern_model"
        Z = covariate_matrix(
            None
            if covariates is None
            else np.reshape(inp.as_floats(covariates, name="covariates", where=where), (1, -1)),
            names=self.covariate_names,
            rows=1,
            name="covariates",
            where=where,
            rows_are="one row",
        )
        return self.pattern_models(Z)[0]

    def pattern_models(self, values: FloatArray) -> list[GammaGamma]:
        """:meth:`pattern_model` of each row of ``values`` (patterns x covariates)."""
        self._check_fitted("pattern_models")
        p, q = float(np.exp(self.phi_[0])), float(np.exp(self.phi_[1]))
        cov = self._known_cov()
        models = []
        for z in values:
            log_gamma = float(self.phi_[2] + z @ self.phi_[3:])
            model = GammaGamma.from_params({"p": p, "q": q, "gamma": float(np.exp(log_gamma))})
            if cov is not None:
                design = np.zeros((3, self.phi_.size))
                design[0, 0] = design[1, 1] = design[2, 2] = 1.0
                design[2, 3:] = z
                model.cov_ = design @ cov @ design.T
            models.append(model)
        return models

    def predict_spend(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        covariates: ArrayLike | None = None,
    ) -> FloatArray | float:
        """E[mean spend per purchase | history, covariates] (Gamma-Gamma's at the pattern's
        parameters). ``covariates``: shape ``(..., k)``, broadcasting with the histories
        (see :func:`~legame.models.covariates.prediction_inputs`)."""
        self._check_fitted("predict_spend")
        where = f"{type(self).__name__}.predict_spend"
        x = inp.as_floats(frequency, name="frequency", where=where)
        m = inp.as_floats(monetary_value, name="monetary_value", where=where, allow_nan=True)
        shape, (xf, mf), Z = prediction_inputs(
            where, {"frequency": x, "monetary_value": m}, covariates, self.covariate_names
        )
        patterns = find_patterns(Z)
        out = np.empty(xf.size)
        models = self.pattern_models(patterns.values)
        for index, rows in enumerate(patterns.rows()):
            if rows.size:
                out[rows] = models[index].predict_spend(xf[rows], mf[rows])
        return inp.shaped(out, shape)
