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

Fitting and predicting
----------------------
:class:`LatentDropout` keeps the model contract of :mod:`legame.models.base`. ``fit`` takes
one row per customer (``frequency`` = ``x``, ``recency`` = ``t_x``, ``T``) and one row of
``covariates`` per dropout decision: each customer's ``x`` rows in purchase order, customers
in the order of the other arguments; ``weights`` count the customers who share a row. Fitted
values: ``params_`` (``r, alpha, a, b`` and one ``beta_<name>`` per covariate), ``stderr_``,
``loglik_``; ``hazard_ratio(name)`` is ``exp(beta)`` with its Wald interval;
``predict_dropout`` and ``predict_alive`` are the model's chances of dropping out after a
purchase and of being alive at ``T``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Self

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike
from scipy import optimize
from scipy.special import betaln, digamma, gammaln

from legame.errors import ConvergenceError, InputError

from . import _inputs as inp
from .base import BaseModel

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

Z95 = 1.959963984540054
_BASE = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class DropoutData:
    """Histories, weights and per-decision covariates, validated.

    ``x``, ``t_x``, ``T``, ``w``: per customer, repeat purchases, time of the last purchase,
    length of observation since the first purchase (one time unit throughout) and the number
    of customers the row stands for. ``decision_customer``: for each dropout decision (one per
    repeat purchase: ``x`` rows per customer, in purchase order), the customer's row;
    ``covariates``: one row per decision.
    """

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    w: FloatArray
    decision_customer: IntArray
    is_last: npt.NDArray[np.bool_]
    covariates: FloatArray

    @classmethod
    def build(
        cls,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        covariates: ArrayLike,
        *,
        weights: ArrayLike | None = None,
        where: str = "DropoutData.build",
    ) -> DropoutData:
        """Check the arguments of ``where`` (errors name the argument, row and value) and
        leave out the rows of weight 0 with their decisions."""
        x = inp.as_column(frequency, name="frequency", where=where)
        t_x = inp.as_column(recency, name="recency", where=where)
        T_ = inp.as_column(T, name="T", where=where)
        n = inp.same_length(where, {"frequency": x, "recency": t_x, "T": T_})
        w = inp.check_weights(where, weights, n)
        t_x = inp.check_histories(where, x, t_x, T_)
        cov = inp.as_floats(covariates, name="covariates", where=where, allow_nan=True)
        if cov.ndim == 1:
            cov = cov[:, None]
        if cov.ndim != 2:
            raise inp.fail(
                where,
                "covariates",
                "be a 2-d array (one row per repeat purchase, one column per covariate)",
                f"an array of shape {cov.shape}",
            )
        missing = ~np.isfinite(cov).all(axis=1)
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise inp.fail(
                where,
                "covariates",
                "hold finite numbers",
                f"covariates={cov[i].tolist()} at row {i}",
                "Fill or drop missing values before fitting.",
            )
        decisions = int(x.sum())
        if cov.shape[0] != decisions:
            raise inp.fail(
                where,
                "covariates",
                f"have one row per repeat purchase ({decisions:,}, the sum of frequency)",
                f"{cov.shape[0]:,} rows",
                "List each customer's repeat purchases in order, customers in the "
                "order of frequency.",
            )
        dc = np.repeat(np.arange(n, dtype=np.int64), x.astype(np.int64))
        keep = w > 0
        if not keep.all():
            cov = cov[keep[dc]]
            x, t_x, T_, w = x[keep], t_x[keep], T_[keep], w[keep]
            dc = np.repeat(np.arange(x.size, dtype=np.int64), x.astype(np.int64))
        is_last = np.zeros(dc.size, dtype=bool)
        if dc.size:
            is_last[np.r_[dc[1:] != dc[:-1], True]] = True
        return cls(x, t_x, T_, w, dc, is_last, cov)

    @property
    def n_customers(self) -> int:
        """Rows (distinct histories)."""
        return int(self.x.size)

    @property
    def total_weight(self) -> float:
        return float(self.w.sum())

    @property
    def n_covariates(self) -> int:
        return int(self.covariates.shape[1])


class RepeatTerms(NamedTuple):
    """Per repeat customer (``x > 0``): the log-likelihood and its derivatives with respect
    to ``log r``, ``log alpha``, ``log a``, ``log b`` and to ``C-`` and ``C``."""

    loglik: FloatArray
    d_log_r: FloatArray
    d_log_alpha: FloatArray
    d_log_a: FloatArray
    d_log_b: FloatArray
    d_cm: FloatArray
    d_c: FloatArray


def repeat_terms(
    r: float,
    alpha: float | FloatArray,
    a: float | FloatArray,
    b: float | FloatArray,
    xr: FloatArray,
    txr: FloatArray,
    Tr: FloatArray,
    Cmr: npt.NDArray[Any],
    Cr: npt.NDArray[Any],
) -> RepeatTerms:
    """The likelihood of the module docstring for customers with ``x > 0``, row by row:
    ``alpha``, ``a`` and ``b`` are one value for all (this model) or one per row (the
    covariate model of :mod:`legame.models.covariates`, whose static covariates scale them);
    ``Cmr`` and ``Cr`` are ``C-`` and ``C``."""
    ln_ab = betaln(a, b)
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
    ll = gammaln(rx) - gammaln(r) + r * np.log(alpha) + M
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
    return RepeatTerms(
        loglik=ll,
        d_log_r=dr * r,
        d_log_alpha=dalpha * alpha,
        d_log_a=da * a,
        d_log_b=db * b,
        d_cm=wP * (1 + rho) * du_C,
        d_c=(wQ - wP * rho) * dv_C,
    )


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
    S = (
        np.stack(
            [np.bincount(data.decision_customer, cw[:, m], minlength=n) for m in range(k)], axis=1
        )
        if k
        else np.zeros((n, 0))
    )
    last_c = np.zeros(n)
    last_cw = np.zeros((n, k))
    dl = data.decision_customer[data.is_last]
    last_c[dl] = c[data.is_last]
    last_cw[dl] = cw[data.is_last]
    Cm = C - last_c  # C-: decisions survived
    Sm = S - last_cw

    rep = x > 0
    ll = np.empty(n)
    g = np.zeros((n, 4 + k))
    # x = 0: e^{-lam T} mixed over lam.
    z = ~rep
    ll[z] = r * (np.log(alpha) - np.log(alpha + T[z]))
    g[z, 0] = r * (np.log(alpha) - np.log(alpha + T[z]))
    g[z, 1] = alpha * (r / alpha - r / (alpha + T[z]))
    # x > 0.
    terms = repeat_terms(r, alpha, a, b, x[rep], t_x[rep], T[rep], Cm[rep], C[rep])
    ll[rep] = terms.loglik
    g[rep, 0] = terms.d_log_r
    g[rep, 1] = terms.d_log_alpha
    g[rep, 2] = terms.d_log_a
    g[rep, 3] = terms.d_log_b
    if k:
        Smr, Sr = Sm[rep], S[rep]
        g[rep, 4:] = terms.d_cm[:, None] * Smr + terms.d_c[:, None] * Sr
    # Weights count the customers who share a row (multiplying by 1.0 changes no bit).
    return float((ll * data.w).sum()), (g * data.w[:, None]).sum(axis=0)


#: Upper bound of ``a + b``: beyond it the dropout probability is, for all purposes, the
#: same for every customer (the Beta's limit), and the fit stops there.
KAPPA_MAX = 1e4
_LOG_KAPPA_MAX = float(np.log(KAPPA_MAX))


def _theta(phi: FloatArray) -> FloatArray:
    """``(log r, log alpha, logit mu, log kappa, beta)`` -> ``(log r, log alpha, log a,
    log b, beta)`` with ``a = mu kappa`` and ``b = (1 - mu) kappa``."""
    log_mu = -np.logaddexp(0.0, -phi[2])
    log_1m_mu = -np.logaddexp(0.0, phi[2])
    return np.asarray(np.r_[phi[:2], log_mu + phi[3], log_1m_mu + phi[3], phi[4:]], dtype=float)


def _to_phi(g: FloatArray, phi: FloatArray) -> FloatArray:
    """A gradient with respect to ``theta`` as one with respect to ``phi`` (see ``_theta``)."""
    mu = 1.0 / (1.0 + np.exp(-phi[2]))
    return np.asarray(np.r_[g[:2], g[2] * (1.0 - mu) - g[3] * mu, g[2] + g[3], g[4:]], dtype=float)


def loglik_phi(phi: FloatArray, data: DropoutData) -> tuple[float, FloatArray]:
    """Log-likelihood and gradient on the optimiser's scale (see ``_theta``)."""
    value, g = loglik_and_grad(_theta(phi), data)
    return value, _to_phi(g, phi)


def _objective(phi: FloatArray, data: DropoutData, penalizer: float) -> tuple[float, FloatArray]:
    """The penalised log-likelihood ``LL - N penalizer sum(natural**2)`` (N: the total
    weight; natural: ``r, alpha, a, b, beta``) and its gradient, on the optimiser's scale."""
    value, grad = loglik_phi(phi, data)
    if not penalizer:
        return value, grad
    theta = _theta(phi)
    natural = np.r_[np.exp(theta[:4]), theta[4:]]
    scale = data.total_weight * penalizer
    # d(e^{2 theta})/d theta = 2 e^{2 theta}; d(beta^2)/d beta = 2 beta
    pen_grad = 2 * scale * np.r_[natural[:4] ** 2, natural[4:]]
    return value - scale * float(np.sum(natural**2)), grad - _to_phi(pen_grad, phi)


class LatentDropout(BaseModel):
    """BG/NBD with time-varying covariates on the dropout hazard (see the module docstring).

    Parameters
    ----------
    covariate_names:
        One name per covariate column; the fitted effects are ``params_["beta_<name>"]``.
    penalizer:
        L2 penalty on ``r, alpha, a, b`` and the betas, added to the mean negative
        log-likelihood as ``penalizer * sum(value**2)`` (0: plain maximum likelihood).
    max_iter:
        Iterations allowed to the L-BFGS stage.

    Besides the contract's fitted values: ``phi_`` and ``cov_`` (the fitted vector ``(log r,
    log alpha, logit(a / (a + b)), log(a + b), beta...)`` and its covariance) and
    ``homogeneous_dropout_`` (true when ``a + b`` reached ``KAPPA_MAX``: the data show no
    spread in the dropout probability, and the fit is the limit with one common ``p``; the
    covariance is then conditional on that, and ``stderr_`` of ``a`` and ``b`` is NaN).
    A fit that does not converge raises :class:`~legame.errors.ConvergenceError` with what to
    try.
    """

    _param_names = _BASE  # then one beta_<name> per covariate: see _names()
    _fit_args = "frequency, recency, T, covariates, weights=..."
    _hyperparameters = ("covariate_names", "penalizer", "max_iter")
    _fitted_attributes = (*BaseModel._fitted_attributes, "phi_", "cov_", "homogeneous_dropout_")

    phi_: FloatArray
    cov_: FloatArray
    homogeneous_dropout_: bool

    def __init__(
        self,
        *,
        covariate_names: tuple[str, ...] = ("z",),
        penalizer: float = 0.0,
        max_iter: int = 500,
    ) -> None:
        self.covariate_names = covariate_names
        self.penalizer = penalizer
        self.max_iter = max_iter

    def _names(self) -> tuple[str, ...]:
        return (*_BASE, *(f"beta_{c}" for c in self.covariate_names))

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        covariates: ArrayLike,
        *,
        weights: ArrayLike | None = None,
    ) -> LatentDropout:
        """Fit on one row per customer and one row of ``covariates`` per repeat purchase.

        ``frequency``: repeat purchases ``x``; ``recency``: time from the first to the last
        purchase; ``T``: time from the first purchase to the end of observation.
        ``covariates``: ``sum(frequency)`` rows (each customer's repeat purchases in order,
        customers in the order above), one column per name in ``covariate_names``; the row of
        purchase ``j`` holds what is known at that purchase. ``weights``: customers per row.
        """
        name = type(self).__name__
        where = f"{name}.fit"
        self._start_fit()
        data = DropoutData.build(frequency, recency, T, covariates, weights=weights, where=where)
        if data.n_covariates != len(self.covariate_names):
            raise InputError(
                f"The 'covariate_names' parameter of {name} must name every "
                f"covariate column ({data.n_covariates}). Got "
                f"{self.covariate_names!r} instead."
            )
        repeaters = int(np.count_nonzero(data.x))
        if repeaters < 2:
            raise inp.fail(
                where,
                "frequency",
                "be > 0 for at least two customers",
                f"{repeaters} with repeat purchases",
                "The dropout is only seen after repeat purchases.",
            )
        scale = data.total_weight
        penalizer = float(self.penalizer)

        def fun(phi: FloatArray) -> tuple[float, FloatArray]:
            with np.errstate(all="ignore"):
                val, grad = _objective(phi, data, penalizer)
            if not np.isfinite(val) or not np.all(np.isfinite(grad)):
                return 1e300, np.zeros_like(phi)
            return -val / scale, -grad / scale

        k = data.n_covariates
        mean_T = float(np.average(data.T, weights=data.w))
        phi0 = np.r_[np.log(0.5), np.log(max(mean_T, 1.0)), np.log(0.25), np.log(4.0), np.zeros(k)]
        bounds = [(-12.0, 12.0), (-12.0, 12.0), (-12.0, 12.0), (-10.0, _LOG_KAPPA_MAX)] + [
            (-10.0, 10.0)
        ] * k
        res = optimize.minimize(
            fun,
            phi0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": int(self.max_iter), "ftol": 1e-14, "gtol": 1e-10},
        )
        phi = np.asarray(res.x, dtype=float)
        free = np.ones(phi.size, dtype=bool)
        free[3] = phi[3] < _LOG_KAPPA_MAX - 1e-3
        phi = self._newton(phi, free, data, penalizer)
        H = self._hessian(phi, data, penalizer)[np.ix_(free, free)]
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
        at_bound = (
            any(
                abs(v - lo) < 0.5 or abs(hi - v) < 0.5
                for v, (lo, hi) in zip(inner, edge, strict=True)
            )
            or phi[3] < -9.5
        )
        if at_bound or not np.all(np.isfinite(cov_free)):
            raise ConvergenceError(
                "The dropout model's fit reached a parameter bound (e.g. no dropout at all, "
                "or a covariate that perfectly predicts it). Try: more data, or leave out "
                "the covariate."
            )
        cov = np.full((phi.size, phi.size), np.nan)
        cov[np.ix_(free, free)] = cov_free
        theta = _theta(phi)
        names = self._names()
        self.phi_ = phi
        self.cov_ = cov
        self.homogeneous_dropout_ = not bool(free[3])
        self.loglik_ = loglik_and_grad(theta, data)[0]
        natural = np.r_[np.exp(theta[:4]), theta[4:]]
        self.params_ = {n: float(v) for n, v in zip(names, natural, strict=True)}
        self.stderr_ = {n: float(v) for n, v in zip(names, self._stderr(phi, cov), strict=True)}
        self.converged_ = True
        self.n_customers_ = data.total_weight
        self.n_histories_ = data.n_customers
        return self

    @classmethod
    def from_params(cls, params: dict[str, float], **hyperparameters: Any) -> Self:
        """A model with given parameters (``r, alpha, a, b`` > 0 and one finite
        ``beta_<name>`` per covariate); ``stderr_``, ``loglik_`` and ``cov_`` are NaN."""
        model = cls(**hyperparameters)
        model._check_hyperparameters()
        names = model._names()
        if set(params) != set(names):
            raise InputError(
                f"The 'params' argument of {cls.__name__}.from_params must have "
                f"the keys {', '.join(names)}. Got {', '.join(map(str, params))}."
            )
        for name in names:
            value = params[name]
            positive = name in _BASE
            if not (
                isinstance(value, int | float | np.floating | np.integer)
                and np.isfinite(value)
                and (value > 0 or not positive)
            ):
                must = "finite numbers > 0" if positive else "finite numbers"
                raise InputError(
                    f"The 'params' argument of {cls.__name__}.from_params must "
                    f"hold {must}. Got {name}={value!r}."
                )
        natural = np.array([float(params[n]) for n in names])
        a, b = natural[2], natural[3]
        model.phi_ = np.r_[np.log(natural[:2]), np.log(a / b), np.log(a + b), natural[4:]]
        model.cov_ = np.full((len(names), len(names)), np.nan)
        model.homogeneous_dropout_ = bool(a + b >= KAPPA_MAX)
        model.params_ = dict(zip(names, map(float, natural), strict=True))
        model.stderr_ = dict.fromkeys(names, float("nan"))
        model.loglik_ = float("nan")
        model.converged_ = True
        model.n_customers_ = 0.0
        model.n_histories_ = 0
        return model

    def hazard_ratio(self, covariate: str, *, z: float = Z95) -> tuple[float, float, float]:
        """``exp(beta)`` of one covariate and its Wald interval (``z`` standard errors)."""
        self._check_fitted("hazard_ratio")
        if covariate not in self.covariate_names:
            raise InputError(
                f"The 'covariate' argument of {type(self).__name__}.hazard_ratio "
                f"must be one of {', '.join(self.covariate_names) or '(none)'}. "
                f"Got {covariate!r}."
            )
        i = 4 + self.covariate_names.index(covariate)
        b, se = float(self.phi_[i]), float(np.sqrt(self.cov_[i, i]))
        return float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se))

    def predict_dropout(self, covariates: ArrayLike) -> FloatArray | float:
        """The chance that a customer drawn from the population drops out after a repeat
        purchase made with these covariate values: ``1 - B(a, b + c) / B(a, b)``, ``c =
        exp(w . beta)``. One row of values gives a float; a 2-d array, one chance per row."""
        self._check_fitted("predict_dropout")
        where = f"{type(self).__name__}.predict_dropout"
        k = len(self.covariate_names)
        w = inp.as_floats(covariates, name="covariates", where=where)
        if w.shape[-1:] != (k,) or w.ndim > 2:
            raise inp.fail(
                where,
                "covariates",
                f"have {k} values per row (one per covariate)",
                f"an array of shape {w.shape}",
            )
        _, _, a, b = (self.params_[n] for n in _BASE)
        beta = np.array([self.params_[f"beta_{c}"] for c in self.covariate_names])
        c = np.exp(w.reshape(int(np.prod(w.shape[:-1], dtype=int)), k) @ beta)
        chance = -np.expm1(betaln(a, b + c) - betaln(a, b))
        return inp.shaped(chance, w.shape[:-1])

    def predict_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, covariates: ArrayLike
    ) -> FloatArray | float:
        """P(alive at ``T`` | history, covariates) per customer (arguments as for ``fit``); a
        float for one customer given as scalars. A customer without repeat purchases has had
        no dropout decision, so is alive."""
        self._check_fitted("predict_alive")
        where = f"{type(self).__name__}.predict_alive"
        data = DropoutData.build(frequency, recency, T, covariates, where=where)
        if data.n_covariates != len(self.covariate_names):
            raise inp.fail(
                where,
                "covariates",
                f"have {len(self.covariate_names)} columns (one per covariate)",
                f"{data.n_covariates}",
            )
        r, alpha, a, b = (self.params_[n] for n in _BASE)
        beta = np.array([self.params_[f"beta_{c}"] for c in self.covariate_names])
        n = data.n_customers
        c = np.exp(data.covariates @ beta)
        C = np.bincount(data.decision_customer, c, minlength=n)
        last = np.zeros(n)
        last[data.decision_customer[data.is_last]] = c[data.is_last]
        rep = data.x > 0
        rx = r + data.x[rep]
        # ln of the two terms of L (module docstring): dropped after purchase x, or alive
        dropped = (
            np.log(-np.expm1(betaln(a, b + C[rep]) - betaln(a, b + C[rep] - last[rep])))
            + betaln(a, b + C[rep] - last[rep])
            - rx * np.log(alpha + data.t_x[rep])
        )
        alive_term = betaln(a, b + C[rep]) - rx * np.log(alpha + data.T[rep])
        alive = np.ones(n)
        alive[rep] = np.exp(alive_term - np.logaddexp(dropped, alive_term))
        return inp.shaped(alive, np.shape(frequency))

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
    def _hessian(
        phi: FloatArray, data: DropoutData, penalizer: float, h: float = 1e-5
    ) -> FloatArray:
        k = phi.size
        cols = []
        for j in range(k):
            e = np.zeros(k)
            e[j] = h
            with np.errstate(all="ignore"):
                gp = _objective(phi + e, data, penalizer)[1]
                gm = _objective(phi - e, data, penalizer)[1]
            cols.append((gp - gm) / (2 * h))
        H = np.column_stack(cols)
        return 0.5 * (H + H.T)

    def _newton(
        self,
        phi: FloatArray,
        free: npt.NDArray[np.bool_],
        data: DropoutData,
        penalizer: float,
        steps: int = 8,
    ) -> FloatArray:
        """A few Newton steps on the free coordinates from the L-BFGS optimum (it stops a
        little short of the top on flat likelihoods); a step is kept only if it raises the
        log-likelihood and keeps ``a + b`` within its bound."""
        f = _objective(phi, data, penalizer)[0]
        for _ in range(steps):
            with np.errstate(all="ignore"):
                _, g = _objective(phi, data, penalizer)
                H = self._hessian(phi, data, penalizer)[np.ix_(free, free)]
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
                    ft = _objective(trial, data, penalizer)[0]
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
