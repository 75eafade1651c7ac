"""A BG/NBD purchase model whose dropout hazard depends on time-varying covariates.

Why not a Cox model on "time to the last purchase"? In a business without contracts a
customer's dropout is never seen: a silent customer may still be alive. Treating the last
purchase as the event mislabels every alive-but-quiet customer as churned, and the harm of a
covariate gets diluted towards a hazard ratio of 1. This model keeps dropout latent, as
BG/NBD does (Fader, Hardie & Lee 2005), and puts the covariates on the dropout hazard.

The model
---------
A customer's first purchase is at time 0 and the customer is observed until ``T``. While
alive they buy at rate ``lam`` (a Poisson process). After each *repeat* purchase ``j`` (``j =
1, 2, ...``; never after the first one) they drop out with probability

    P(drop after j) = 1 - (1 - p) ** c_j,      c_j = exp(w_j . beta),

i.e. the dropout hazard ``-log(1 - p)`` is multiplied by ``c_j`` (``beta = 0`` is BG/NBD).
``w_j`` holds the covariates known at purchase ``j``: whether the customer has had a poor
support ticket by then, and so on. Across customers ``lam ~ Gamma(r, rate alpha)`` and ``p ~
Beta(a, b)``.

The likelihood
--------------
A customer with ``x`` repeat purchases, the last at ``t_x``, survived the decisions after
purchases ``1 .. x-1`` and then either dropped after purchase ``x`` or did not buy again in
``(t_x, T]``. With ``C- = sum(c_j, j < x)`` and ``C = C- + c_x``, given ``lam`` and ``p``::

    L = lam^x e^{-lam t_x} (1-p)^{C-} [1 - (1-p)^{c_x} + (1-p)^{c_x} e^{-lam (T - t_x)}]
      = lam^x e^{-lam t_x} [(1-p)^{C-} - (1-p)^{C}] + lam^x e^{-lam T} (1-p)^{C}

and ``L = e^{-lam T}`` when ``x = 0``. (Deciding the dropout right after purchase ``x`` or at
the next would-be purchase gives the same ``L``: nothing observable happens in between.)
Both mixing integrals are analytic:

    E[(1-p)^c] = B(a, b + c) / B(a, b)
    E[lam^x e^{-lam t}] = Gamma(r + x) / Gamma(r) * alpha^r / (alpha + t)^(r + x)

so, for ``x > 0``::

    L = Gamma(r+x) alpha^r / (Gamma(r) B(a, b)) * {
            [B(a, b + C-) - B(a, b + C)] (alpha + t_x)^-(r+x)  +  B(a, b + C) (alpha + T)^-(r+x) }

With every ``c_j = 1`` this is the BG/NBD likelihood (``B(a, b+x-1) - B(a, b+x) = B(a+1,
b+x-1)``). The gradient is analytic (digamma functions of ``b + C``, ``a + b + C``); the
observed information is the central-difference Jacobian of the gradient, and Wald intervals
for ``beta`` come from its inverse: ``exp(beta)`` is the hazard ratio.

Parameters are fitted on the log scale for ``r, alpha, a, b`` and as is for ``beta``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize
from scipy.special import betaln, digamma, gammaln

from legame.errors import ConvergenceError, InputError, NotFittedError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

Z95 = 1.959963984540054
_BASE = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class DropoutData:
    """Histories and per-decision covariates, validated.

    ``x``, ``t_x``, ``T``: per customer, repeat purchases, time of the last purchase and
    length of observation since the first purchase (one time unit throughout).
    ``decision_customer``: for each dropout decision (one per repeat purchase: ``x`` rows per
    customer, in purchase order), the customer's row; ``covariates``: one row per decision.
    """

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    decision_customer: IntArray
    is_last: npt.NDArray[np.bool_]
    covariates: FloatArray

    @classmethod
    def build(cls, x: npt.ArrayLike, t_x: npt.ArrayLike, T: npt.ArrayLike,
              decision_customer: npt.ArrayLike, covariates: npt.ArrayLike) -> DropoutData:
        xs = np.asarray(x, dtype=float)
        tx = np.asarray(t_x, dtype=float)
        tt = np.asarray(T, dtype=float)
        dc = np.asarray(decision_customer, dtype=np.int64)
        cov = np.asarray(covariates, dtype=float)
        if cov.ndim == 1:
            cov = cov[:, None]
        if not (xs.shape == tx.shape == tt.shape) or xs.ndim != 1:
            raise InputError("x, t_x and T must be 1-d arrays of the same length.")
        if cov.shape[0] != dc.size:
            raise InputError("covariates need one row per decision "
                             f"({dc.size}); got {cov.shape[0]}.")
        if np.any(xs < 0) or np.any(xs != np.round(xs)):
            raise InputError("x (repeat purchases) must be whole numbers >= 0.")
        if np.any(tx < 0) or np.any(tx > tt) or np.any(~np.isfinite(tt)):
            raise InputError("need 0 <= t_x <= T, all finite.")
        if np.any(np.diff(dc) < 0) or np.any(np.bincount(dc, minlength=xs.size) != xs):
            raise InputError("decision_customer must list each customer's x decisions, "
                             "grouped and in customer order.")
        if not np.all(np.isfinite(cov)):
            raise InputError("covariates must be finite.")
        is_last = np.zeros(dc.size, dtype=bool)
        if dc.size:
            is_last[np.r_[dc[1:] != dc[:-1], True]] = True
        return cls(xs, tx, tt, dc, is_last, cov)

    @property
    def n_customers(self) -> int:
        return int(self.x.size)

    @property
    def n_covariates(self) -> int:
        return int(self.covariates.shape[1])


def loglik_and_grad(theta: FloatArray, data: DropoutData) -> tuple[float, FloatArray]:
    """Total log-likelihood and its gradient at ``theta = (log r, log alpha, log a, log b,
    beta...)``."""
    r, alpha, a, b = np.exp(theta[:4])
    beta = theta[4:]
    x, t_x, T = data.x, data.t_x, data.T
    n = x.size
    k = beta.size
    c = np.exp(data.covariates @ beta)
    cw = c[:, None] * data.covariates
    C = np.bincount(data.decision_customer, c, minlength=n)
    S = np.stack([np.bincount(data.decision_customer, cw[:, m], minlength=n)
                  for m in range(k)], axis=1) if k else np.zeros((n, 0))
    last_c = np.zeros(n)
    last_cw = np.zeros((n, k))
    dl = data.decision_customer[data.is_last]
    last_c[dl] = c[data.is_last]
    last_cw[dl] = cw[data.is_last]
    Cm = C - last_c  # C-: decisions survived
    Sm = S - last_cw

    ln_ab = betaln(a, b)
    rep = x > 0
    ll = np.empty(n)
    g = np.zeros((n, 4 + k))
    # x = 0: e^{-lam T} mixed over lam.
    z = ~rep
    ll[z] = r * (np.log(alpha) - np.log(alpha + T[z]))
    g[z, 0] = r * (np.log(alpha) - np.log(alpha + T[z]))
    g[z, 1] = alpha * (r / alpha - r / (alpha + T[z]))
    # x > 0.
    xr, txr, Tr = x[rep], t_x[rep], T[rep]
    Cmr, Cr = Cm[rep], C[rep]
    u = betaln(a, b + Cmr) - ln_ab  # ln E[(1-p)^{C-}]
    v = betaln(a, b + Cr) - ln_ab  # ln E[(1-p)^{C}]
    d = v - u  # < 0
    ln_one_minus = np.log(-np.expm1(d))
    ln_a_term = u + ln_one_minus
    rx = r + xr
    la_tx = np.log(alpha + txr)
    la_T = np.log(alpha + Tr)
    P = ln_a_term - rx * la_tx
    Q = v - rx * la_T
    M = np.logaddexp(P, Q)
    wP = np.exp(P - M)
    wQ = 1.0 - wP
    ll[rep] = gammaln(rx) - gammaln(r) + r * np.log(alpha) + M
    # d/d(log r), d/d(log alpha)
    dr = digamma(rx) - digamma(r) + np.log(alpha) - wP * la_tx - wQ * la_T
    dalpha = r / alpha - rx * (wP / (alpha + txr) + wQ / (alpha + Tr))
    # u, v partials.
    psi_ab = digamma(a + b)
    du_a = psi_ab - digamma(a + b + Cmr)
    dv_a = psi_ab - digamma(a + b + Cr)
    du_b = digamma(b + Cmr) - digamma(a + b + Cmr) - digamma(b) + psi_ab
    dv_b = digamma(b + Cr) - digamma(a + b + Cr) - digamma(b) + psi_ab
    du_C = digamma(b + Cmr) - digamma(a + b + Cmr)
    dv_C = digamma(b + Cr) - digamma(a + b + Cr)
    rho = np.exp(d - ln_one_minus)  # e^d / (1 - e^d)
    # d ln A = (1 + rho) du - rho dv
    da = wP * ((1 + rho) * du_a - rho * dv_a) + wQ * dv_a
    db = wP * ((1 + rho) * du_b - rho * dv_b) + wQ * dv_b
    g[rep, 0] = dr * r
    g[rep, 1] = dalpha * alpha
    g[rep, 2] = da * a
    g[rep, 3] = db * b
    if k:
        Smr, Sr = Sm[rep], S[rep]
        g[rep, 4:] = (wP * (1 + rho) * du_C)[:, None] * Smr + (
            (wQ - wP * rho) * dv_C)[:, None] * Sr
    return float(ll.sum()), g.sum(axis=0)


#: Upper bound of ``a + b``: beyond it the dropout probability is, for all purposes, the
#: same for every customer (the Beta's limit), and the fit stops there.
KAPPA_MAX = 1e4
_LOG_KAPPA_MAX = float(np.log(KAPPA_MAX))


def _theta(phi: FloatArray) -> FloatArray:
    """``(log r, log alpha, logit mu, log kappa, beta)`` -> ``(log r, log alpha, log a,
    log b, beta)`` with ``a = mu kappa`` and ``b = (1 - mu) kappa``."""
    log_mu = -np.logaddexp(0.0, -phi[2])
    log_1m_mu = -np.logaddexp(0.0, phi[2])
    return np.asarray(np.r_[phi[:2], log_mu + phi[3], log_1m_mu + phi[3], phi[4:]],
                      dtype=float)


def loglik_phi(phi: FloatArray, data: DropoutData) -> tuple[float, FloatArray]:
    """Log-likelihood and gradient on the optimiser's scale (see ``_theta``)."""
    value, g = loglik_and_grad(_theta(phi), data)
    mu = 1.0 / (1.0 + np.exp(-phi[2]))
    return value, np.r_[g[:2], g[2] * (1.0 - mu) - g[3] * mu, g[2] + g[3], g[4:]]


class LatentDropoutFitter:
    """BG/NBD with covariates on the dropout hazard (see the module docstring).

    ``fit(data)`` returns ``self``; fitted values: ``params_`` (r, alpha, a, b and one
    ``beta_<name>`` per covariate), ``stderr_`` (same keys; delta method for r, alpha, a, b;
    NaN for a and b when they sit at the bound), ``loglik_``, ``phi_`` and ``cov_`` (the
    fitted vector ``(log r, log alpha, logit(a / (a + b)), log(a + b), beta...)`` and its
    covariance), ``homogeneous_dropout_`` (true when ``a + b`` reached ``KAPPA_MAX``: the
    data show no spread in the dropout probability, and the fit is the limit with one
    common ``p``; the covariance is then conditional on that), ``n_customers_``.
    ``hazard_ratio(name)`` gives ``exp(beta)`` with its Wald interval.
    """

    def __init__(self, *, covariate_names: tuple[str, ...] = ("z",), max_iter: int = 500
                 ) -> None:
        self.covariate_names = covariate_names
        self.max_iter = max_iter

    def fit(self, data: DropoutData) -> LatentDropoutFitter:
        if data.n_covariates != len(self.covariate_names):
            raise InputError(f"The 'covariate_names' parameter of LatentDropoutFitter must name "
                             f"every covariate column ({data.n_covariates}). Got "
                             f"{self.covariate_names!r} instead.")
        if int(np.count_nonzero(data.x)) < 2:
            raise InputError("Need repeat purchases from at least two customers to fit.")
        scale = max(data.n_customers, 1)

        def fun(phi: FloatArray) -> tuple[float, FloatArray]:
            with np.errstate(all="ignore"):
                val, grad = loglik_phi(phi, data)
            if not np.isfinite(val) or not np.all(np.isfinite(grad)):
                return 1e300, np.zeros_like(phi)
            return -val / scale, -grad / scale

        k = data.n_covariates
        phi0 = np.r_[np.log(0.5), np.log(max(float(np.mean(data.T)), 1.0)), np.log(0.25),
                     np.log(4.0), np.zeros(k)]
        bounds = [(-12.0, 12.0), (-12.0, 12.0), (-12.0, 12.0), (-10.0, _LOG_KAPPA_MAX)] + [
            (-10.0, 10.0)] * k
        res = optimize.minimize(fun, phi0, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": self.max_iter, "ftol": 1e-14,
                                         "gtol": 1e-10})
        phi = np.asarray(res.x, dtype=float)
        free = np.ones(phi.size, dtype=bool)
        free[3] = phi[3] < _LOG_KAPPA_MAX - 1e-3
        phi = self._newton(phi, free, data)
        H = self._hessian(phi, data)[np.ix_(free, free)]
        try:
            np.linalg.cholesky(-H)
            cov_free = np.linalg.inv(-H)
        except np.linalg.LinAlgError:
            raise ConvergenceError(
                "The dropout model's log-likelihood is flat in some direction at the "
                "optimum (its Hessian is not negative definite). Try: more customers or a "
                "longer history; dropping a covariate that never varies; checking that "
                "there are repeat purchases after the covariate switches on."
            ) from None
        edge = [b for i, b in enumerate(bounds) if i != 3]
        inner = np.delete(phi, 3)
        at_bound = any(abs(v - lo) < 0.5 or abs(hi - v) < 0.5
                       for v, (lo, hi) in zip(inner, edge, strict=True)) or phi[3] < -9.5
        if at_bound or not np.all(np.isfinite(cov_free)):
            raise ConvergenceError(
                "The dropout model's fit reached a parameter bound (e.g. no dropout at all, "
                "or a covariate that perfectly predicts it). Try: more data, or leave out "
                "the covariate."
            )
        cov = np.full((phi.size, phi.size), np.nan)
        cov[np.ix_(free, free)] = cov_free
        theta = _theta(phi)
        self.phi_ = phi
        self.cov_ = cov
        self.homogeneous_dropout_ = not bool(free[3])
        self.loglik_ = loglik_and_grad(theta, data)[0]
        natural = np.r_[np.exp(theta[:4]), theta[4:]]
        self.params_ = {n: float(v) for n, v in zip(self.names, natural, strict=True)}
        self.stderr_ = {n: float(v) for n, v in zip(self.names, self._stderr(phi, cov),
                                                     strict=True)}
        self.n_customers_ = data.n_customers
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return (*_BASE, *(f"beta_{c}" for c in self.covariate_names))

    def hazard_ratio(self, covariate: str, *, z: float = Z95) -> tuple[float, float, float]:
        """``exp(beta)`` of one covariate and its Wald interval (``z`` standard errors)."""
        if not hasattr(self, "params_"):
            raise NotFittedError("LatentDropoutFitter is not fitted yet: call fit() first.")
        i = 4 + self.covariate_names.index(covariate)
        b, se = float(self.phi_[i]), float(np.sqrt(self.cov_[i, i]))
        return float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se))

    @staticmethod
    def _stderr(phi: FloatArray, cov: FloatArray) -> FloatArray:
        """Delta method: natural-scale standard errors of (r, alpha, a, b, beta...)."""
        r, alpha = np.exp(phi[:2])
        mu = 1.0 / (1.0 + np.exp(-phi[2]))
        kappa = np.exp(phi[3])
        J = np.zeros((phi.size, phi.size))
        J[0, 0], J[1, 1] = r, alpha
        # a = mu kappa, b = (1 - mu) kappa; d mu / d logit = mu (1 - mu)
        J[2, 2], J[2, 3] = kappa * mu * (1 - mu), mu * kappa
        J[3, 2], J[3, 3] = -kappa * mu * (1 - mu), (1 - mu) * kappa
        J[4:, 4:] = np.eye(phi.size - 4)
        if np.isnan(cov[3, 3]):  # kappa fixed at its bound
            J[2, 3] = J[3, 3] = 0.0
            cov = np.nan_to_num(cov)
            var = np.diag(J @ cov @ J.T).copy()
            var[2:4] = np.nan
            return np.sqrt(var)
        return np.sqrt(np.diag(J @ cov @ J.T))

    @staticmethod
    def _hessian(phi: FloatArray, data: DropoutData, h: float = 1e-5) -> FloatArray:
        k = phi.size
        cols = []
        for j in range(k):
            e = np.zeros(k)
            e[j] = h
            with np.errstate(all="ignore"):
                gp = loglik_phi(phi + e, data)[1]
                gm = loglik_phi(phi - e, data)[1]
            cols.append((gp - gm) / (2 * h))
        H = np.column_stack(cols)
        return 0.5 * (H + H.T)

    def _newton(self, phi: FloatArray, free: npt.NDArray[np.bool_], data: DropoutData,
                steps: int = 8) -> FloatArray:
        """A few Newton steps on the free coordinates from the L-BFGS optimum (it stops a
        little short of the top on flat likelihoods); a step is kept only if it raises the
        log-likelihood and keeps ``a + b`` within its bound."""
        f = loglik_phi(phi, data)[0]
        for _ in range(steps):
            with np.errstate(all="ignore"):
                _, g = loglik_phi(phi, data)
                H = self._hessian(phi, data)[np.ix_(free, free)]
            try:
                np.linalg.cholesky(-H)
                step = np.zeros_like(phi)
                step[free] = np.linalg.solve(-H, g[free])
            except np.linalg.LinAlgError:
                return phi
            t = 1.0
            while t > 1e-4:
                trial = phi + t * step
                with np.errstate(all="ignore"):
                    ft = loglik_phi(trial, data)[0]
                if np.isfinite(ft) and ft >= f and trial[3] <= _LOG_KAPPA_MAX:
                    break
                t *= 0.5
            else:
                return phi
            gain = ft - f
            phi, f = trial, ft
            if gain < 1e-9:
                break
        return phi

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"LatentDropoutFitter(covariates={list(self.covariate_names)}, not fitted)"
        p = " ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<LatentDropoutFitter: fitted on {self.n_customers_:,} customers; {p}>"
