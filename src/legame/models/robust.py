"""Fits that do not fail on small or young data: :func:`fit_robust`.

A young shop (a few hundred orders, nobody has stopped buying yet) gives the purchase models a
likelihood whose maximum sits on a boundary of the parameter space: the dropout parameters run
to 0 or infinity, and with few customers the spread of the purchase rates too. The plain fit
then has no proper optimum and ``fit`` raises :class:`~legame.errors.ConvergenceError`.
:func:`fit_robust` keeps going, in this order, and records what it did in ``fit_status_``:

1. **The plain fit** (maximum likelihood, or the penalty the caller asks for), kept when it
   reaches a proper optimum: the Newton decrement below ``tol``, the Hessian negative
   definite, every parameter between e^-19 and e^19 (not run to 0 or infinity), and the
   likelihood not flat: the standard error of every log parameter below :data:`SE_LOG_MAX`
   = 5 (a 95 % interval narrower than a factor e^10 either way; on CDNOW the largest is
   0.3). ``fit_status_`` is ``"converged"``, or ``"penalized (0.01)"`` with the caller's
   penalty.
2. **A reduced model**, the plain model with parameters fixed at the boundary it ran to, kept
   when the data do not reject it (the plain fit's log-likelihood exceeds the reduced one's
   by less than :data:`LR_MARGIN` = 3.0, a likelihood-ratio test at 5 % on two parameters) and
   it reaches a proper optimum itself. Each step below is tried on the previous one:

   * BG/NBD, MBG/NBD and Pareto/NBD: **"no dropout observed yet"**. Nobody drops out, every
     customer is alive, and purchases follow the NBD (rate lambda ~ Gamma(r, alpha)), fitted
     on its own likelihood ``ln G(r+x) - ln G(r) + r ln alpha - (r+x) ln(alpha+T)``, which
     is each model's limit there. The dropout is fixed at that limit (:data:`NO_DROPOUT`):
     a = 1e-300, b = 2 for BG/NBD and MBG/NBD (p ~ Beta(a, b) is 0), s = 1e-300, beta = 1 for
     Pareto/NBD (mu ~ Gamma(s, beta) is 0); the model's own predictions then equal the NBD's
     (P(alive) = 1, E[purchases in t] = t (r+x)/(alpha+T)) to rounding.
   * then **"same purchase rate for all"**: when the purchase rates do not differ between
     customers enough to estimate their spread (r runs to infinity), the Poisson limit, one
     rate lambda = sum(x) / sum(T); r is fixed at 1e6 and alpha = r / lambda.
   * Gamma-Gamma: **"same average spend for all"**: when average spend does not differ between
     customers enough to estimate its spread (q and gamma run to infinity), each purchase is
     worth Gamma(p, rate nu) for everyone; q is fixed at 1e6 and gamma = (q - 1) / nu, so the
     population mean p gamma / (q - 1) is p / nu.

   ``fit_status_`` is e.g. ``"reduced: no dropout observed yet"``.
3. **The smallest penalty that gives a proper optimum**: the penalizers of :data:`LADDER`
   (larger than the caller's) in turn, each on the deepest reduced model kept in step 2, then
   on the plain model: ``"penalized (0.001)"`` or ``"reduced: no dropout observed yet,
   penalized (0.001)"``. The penalty is the models' L2 on the natural parameters
   (:class:`~legame.models.base.BaseModel`); it shrinks them towards 0 and depends on the time
   unit, which is why the reduced models come first.
4. None of these: :class:`~legame.errors.ConvergenceError` whose checklist names the
   command-line flags and the Python calls.

Standard errors (``stderr_``) say what they are (:func:`stderr_note`): those of a penalised fit
are of the penalised estimate; those of a reduced fit are given the reduction, and a fixed
parameter's is 0 (so is its row and column of ``cov_``, whose free part is the reduced fit's:
the intervals of CLV then hold given the reduction). ``loglik_`` of a reduced fit is the
reduced model's (without the penalty).
On data with a proper optimum, such as CDNOW, step 1 is the whole fit: nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln, polygamma

from legame.errors import ConvergenceError

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood, maximize
from .base import BaseModel, log_covariance
from .bgnbd import BetaGeo
from .gammagamma import GammaGamma
from .mbgnbd import ModifiedBetaGeo
from .paretonbd import ParetoNBD

M = TypeVar("M", bound=BaseModel)

#: Penalizers tried in turn when neither the plain nor a reduced model has a proper optimum.
LADDER: Final = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
#: Larger standard errors of a log parameter mean a flat likelihood: no proper optimum.
SE_LOG_MAX: Final = 5.0
#: A reduced model is kept when the plain fit's log-likelihood exceeds its own by less than
#: this: half the 95 % point of chi-square with 2 degrees of freedom (5.99 / 2).
LR_MARGIN: Final = 3.0
#: Where each purchase model's dropout vanishes: its dropout parameters, fixed there.
NO_DROPOUT: Final[dict[type[BaseModel], dict[str, float]]] = {
    BetaGeo: {"a": 1e-300, "b": 2.0},
    ModifiedBetaGeo: {"a": 1e-300, "b": 2.0},
    ParetoNBD: {"s": 1e-300, "beta": 1.0},
}
#: The shape fixed for "the same for all": Gamma(1e6, .) has a coefficient of variation of 0.1 %.
SAME_FOR_ALL: Final = 1e6

NO_DROPOUT_LABEL: Final = "no dropout observed yet"
SAME_RATE_LABEL: Final = "same purchase rate for all"
SAME_SPEND_LABEL: Final = "same average spend for all"


def fit_robust(
    model_class: type[M],
    *columns: ArrayLike,
    weights: ArrayLike | None = None,
    penalizer: float | None = None,
    **hyperparameters: Any,
) -> M:
    """Fit ``model_class`` on ``columns`` (the positional arguments of its ``fit``), falling
    back to a reduced or penalised model where the plain fit has no proper optimum (see the
    module docstring); the fitted model's ``fit_status_`` says which.

    ``penalizer`` is the penalty of the first fit (None: 0); ``hyperparameters`` go to the
    model (``strict`` is set by this function).

    >>> fit_robust(BetaGeo, frequency, recency, T, weights=counts).fit_status_  # doctest: +SKIP
    'reduced: no dropout observed yet'
    """
    first_penalty = 0.0 if penalizer is None else penalizer
    plain = model_class(penalizer=first_penalty, strict=False, **hyperparameters)
    plain.fit(*columns, weights=weights)
    if _proper(plain):
        plain.strict = True
        return plain
    data = _data(model_class, columns, weights)
    labels: list[str] = []
    reductions: list[_Reduction] = []
    loglik_above = plain.loglik_
    for reduction in _REDUCTIONS.get(model_class, ()):
        fit = reduction.fit(data, plain, first_penalty)
        if np.isfinite(loglik_above) and loglik_above - fit.loglik >= LR_MARGIN:
            break  # the data reject it: the boundary is not where the plain fit went
        labels.append(reduction.label)
        reductions.append(reduction)
        if fit.converged:
            return _reduced_model(model_class, plain, reduction, fit, labels, first_penalty)
        loglik_above = fit.loglik
    for penalty in (p for p in LADDER if p > first_penalty):
        if reductions:
            fit = reductions[-1].fit(data, plain, penalty)
            if fit.converged:
                return _reduced_model(model_class, plain, reductions[-1], fit, labels, penalty)
        model = model_class(penalizer=penalty, strict=False, **hyperparameters)
        model.fit(*columns, weights=weights)
        if _proper(model):
            model.strict = True
            return model
    raise ConvergenceError(_checklist(plain))


def describe(model: BaseModel) -> str | None:
    """One line on what a fit that is not plainly converged is (None when it is), naming the
    flags that change it: what the command line prints.

    >>> describe(fit_robust(BetaGeo, frequency, recency, T))  # doctest: +SKIP
    'BetaGeo: no customer has stopped buying yet, so it was fitted without dropout (every
    customer alive; a, b fixed). Score again once customers have had time to lapse, or try
    --penalizer 0.01 to fit the full model with a penalty.'
    """
    status = getattr(model, "fit_status_", "converged")
    name = type(model).__name__
    if status in ("converged", "given parameters"):
        return None
    if status == "not converged":
        return f"{name} did not converge: do not trust its estimates."
    parts: list[str] = []
    if NO_DROPOUT_LABEL in status:
        fixed = ", ".join(NO_DROPOUT.get(type(model), {}))
        parts.append(
            "no customer has stopped buying yet, so it was fitted without dropout (every "
            f"customer alive; {fixed} fixed)"
        )
    if SAME_RATE_LABEL in status:
        parts.append(
            "purchase rates do not differ enough between customers to estimate their spread, "
            "so everyone buys at one rate (r fixed)"
        )
    if SAME_SPEND_LABEL in status:
        parts.append(
            "average spend does not differ enough between customers to estimate its spread, "
            "so everyone gets one expected spend per purchase (q fixed)"
        )
    penalty = _penalty(status)
    if penalty is not None:
        parts.append(
            f"it was fitted with --penalizer {penalty:g}, the smallest tried that gives a "
            "proper optimum (estimates shrunk towards 0)"
        )
    line = f"{name}: {'; '.join(parts)}."
    if NO_DROPOUT_LABEL in status:
        line += (
            " Score again once customers have had time to lapse, or try --penalizer 0.01 to "
            "fit the full model with a penalty."
        )
    return line


def stderr_note(model: BaseModel) -> str:
    """What ``stderr_`` of this fit is."""
    status = getattr(model, "fit_status_", "converged")
    fixed = fixed_params(model)
    if status == "given parameters":
        return "none: the parameters were given, not fitted"
    if status == "not converged":
        return "not to be trusted: the fit did not converge"
    what = "the maximum-likelihood estimate (inverse observed information)"
    penalty = _penalty(status)
    if penalty is not None:
        what = f"the penalised estimate (penalizer {penalty:g}), not the maximum-likelihood one"
    if fixed:
        return f"of {what}, given the reduced model: {', '.join(fixed)} fixed (standard error 0)"
    return f"of {what}"


def fixed_params(model: BaseModel) -> list[str]:
    """The parameters a reduced fit fixed (none for any other fit)."""
    status = getattr(model, "fit_status_", "converged")
    names: list[str] = []
    if SAME_RATE_LABEL in status:
        names.append("r")
    if NO_DROPOUT_LABEL in status:
        names.extend(NO_DROPOUT.get(type(model), {}))
    if SAME_SPEND_LABEL in status:
        names.append("q")
    return names


def fit_summary(model: BaseModel) -> dict[str, object]:
    """``fit_status``, ``fixed_params`` and ``stderr_note`` of a fit: what ``--json`` shows."""
    return {
        "fit_status": getattr(model, "fit_status_", "converged"),
        "fixed_params": fixed_params(model),
        "stderr_note": stderr_note(model),
    }


# -- what a fit is ---------------------------------------------------------------------------


def _proper(model: BaseModel) -> bool:
    """Converged, and no standard error says the likelihood is flat (the delta method's
    se / theta is the standard error of log theta)."""
    return bool(model.converged_) and all(
        np.isfinite(se) and 0 < se <= SE_LOG_MAX * model.params_[n]
        for n, se in model.stderr_.items()
    )


def _penalty(status: str) -> float | None:
    if "penalized (" not in status:
        return None
    return float(status.rsplit("penalized (", 1)[1].rstrip(")"))


def _status(labels: list[str], penalty: float) -> str:
    parts = [f"reduced: {', '.join(labels)}"] if labels else []
    if penalty > 0:
        parts.append(f"penalized ({penalty:g})")
    return ", ".join(parts) if parts else "converged"


def _checklist(plain: BaseModel) -> str:
    name = type(plain).__name__
    where = ", ".join(f"{n}={v:.4g}" for n, v in plain.params_.items())
    return "\n".join(
        [
            f"{name}.fit found no proper optimum, even reduced or with a penalty up to "
            f"{LADDER[-1]:g} (plain fit: {where}). What to try:",
            *(f"  - {hint}" for hint in plain._hints()),
            "  - more history: a later --until DATE, once more customers have bought again;",
            "  - a larger penalty: --penalizer 10 (in Python: "
            f"fit_robust({name}, ..., penalizer=10));",
            f"  - in Python, keep the estimate anyway: {name}(strict=False), then read "
            "converged_ and stderr_ before trusting it.",
        ]
    )


# -- the data and the reduced models ---------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    columns: list[FloatArray]
    w: FloatArray


def _data(model_class: type[BaseModel], columns: tuple[ArrayLike, ...], weights: Any) -> _Data:
    """The fit's columns as floats, zero-weight rows dropped (``fit`` has checked them)."""
    where = f"{model_class.__name__}.fit"
    cols = [inp.as_column(c, name=f"column {i}", where=where) for i, c in enumerate(columns)]
    w = inp.check_weights(where, weights, cols[0].shape[0])
    w, *kept = inp.drop_zero_weights(w, *cols)
    return _Data(kept, w)


@dataclass(frozen=True)
class _ReducedFit:
    theta: FloatArray  # the free parameters, natural scale
    cov: FloatArray  # the covariance of their logs
    loglik: float
    converged: bool


@dataclass(frozen=True)
class _Reduction:
    label: str
    likelihood: Callable[[_Data], LogLikelihood]
    start: Callable[[_Data, BaseModel], FloatArray]
    #: free parameters -> every parameter of the model, in its order
    params: Callable[[type[BaseModel], FloatArray], dict[str, float]]
    #: the model's parameters that are not fixed: (index of the free parameter, sign), where
    #: the log of the one is the log of the other times the sign, plus a constant
    free: dict[str, tuple[int, float]]

    def fit(self, data: _Data, plain: BaseModel, penalty: float) -> _ReducedFit:
        lik = self.likelihood(data)
        result = maximize(
            lik,
            np.log(self.start(data, plain)),
            penalizer=penalty,
            tol=float(plain.tol),
            max_iter=int(plain.max_iter),
            sample_rows=int(plain.sample_histories),
            rng=np.random.default_rng(plain.random_state),
        )
        cov = log_covariance(result.hessian)
        se = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
        converged = result.converged and bool(np.all(se <= SE_LOG_MAX))  # False for NaN
        return _ReducedFit(np.exp(result.phi), cov, result.loglik, converged)


def _reduced_model(
    model_class: type[M],
    plain: M,
    reduction: _Reduction,
    fit: _ReducedFit,
    labels: list[str],
    penalty: float,
) -> M:
    params = reduction.params(model_class, fit.theta)
    hyper = {**plain.get_params(), "penalizer": penalty, "strict": True}
    model = model_class.from_params(params, **hyper)
    # The covariance of every log parameter: the free ones' from the reduced fit, 0 for the
    # fixed ones (given the reduction they are known).
    names = list(params)
    cov = np.zeros((len(names), len(names)))
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if a in reduction.free and b in reduction.free:
                (ia, sa), (ib, sb) = reduction.free[a], reduction.free[b]
                cov[i, j] = sa * sb * fit.cov[ia, ib]
    model.cov_ = cov
    model.stderr_ = {n: float(params[n] * np.sqrt(cov[i, i])) for i, n in enumerate(names)}
    model.loglik_ = fit.loglik
    model.n_customers_ = plain.n_customers_
    model.n_histories_ = plain.n_histories_
    model.fit_status_ = _status(labels, penalty)
    # What a model's own fit records about the data (beyond the shared fitted values) stays.
    for name in set(model_class._fitted_attributes) - set(BaseModel._fitted_attributes):
        if not hasattr(model, name) and hasattr(plain, name):
            setattr(model, name, getattr(plain, name))
    return model


class _Likelihood(LogLikelihood):
    """A small closed-form likelihood: value, gradient and Hessian in one pass (``_terms``)."""

    has_gradient = True
    has_hessian = True

    def __init__(self, columns: list[FloatArray], w: FloatArray) -> None:
        self.columns = columns
        self.w = w
        self.n_rows = int(w.size)
        self.total_weight = float(w.sum())

    def _terms(self, theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Value, gradient and Hessian in the natural parameters."""
        raise NotImplementedError

    def row_weights(self) -> FloatArray:
        return self.w

    def take(self, rows: IntArray, weights: FloatArray) -> LogLikelihood:
        return type(self)([c[rows] for c in self.columns], weights)

    def value(self, phi: FloatArray) -> float:
        return self._terms(np.exp(phi))[0]

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(phi)
        v, g, _ = self._terms(theta)
        return v, g * theta

    def hessian(self, phi: FloatArray) -> FloatArray:
        theta = np.exp(phi)
        _, g, H = self._terms(theta)
        return np.asarray(H * np.outer(theta, theta) + np.diag(theta * g), dtype=np.float64)


class _NBDLikelihood(_Likelihood):
    """Purchases at rate lambda ~ Gamma(r, alpha), nobody drops out; columns (x, t_x, T)."""

    n_params = 2

    def _terms(self, theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        r, alpha = theta
        x, _, T = self.columns
        w = self.w
        with np.errstate(all="ignore"):
            lT = np.log(alpha + T)
            value = w @ (gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * lT)
            g_r = w @ (digamma(r + x) - digamma(r) + np.log(alpha) - lT)
            g_alpha = w @ (r / alpha - (r + x) / (alpha + T))
            h_rr = w @ (polygamma(1, r + x) - polygamma(1, r))
            h_ra = w @ (1 / alpha - 1 / (alpha + T))
            h_aa = w @ (-r / alpha**2 + (r + x) / (alpha + T) ** 2)
        return float(value), np.array([g_r, g_alpha]), np.array([[h_rr, h_ra], [h_ra, h_aa]])


class _PoissonLikelihood(_Likelihood):
    """One purchase rate lambda for everyone, nobody drops out; columns (x, t_x, T)."""

    n_params = 1

    def _terms(self, theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        (lam,) = theta
        x, _, T = self.columns
        X, S = float(self.w @ x), float(self.w @ T)
        return X * np.log(lam) - lam * S, np.array([X / lam - S]), np.array([[-X / lam**2]])


class _SameSpendLikelihood(_Likelihood):
    """Each purchase worth Gamma(p, rate nu) for everyone: the density of the mean m of x
    purchases, ``p x ln nu + (p x - 1) ln m + p x ln x - ln G(p x) - nu x m``; columns
    (x, m)."""

    n_params = 2

    def _terms(self, theta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        p, nu = theta
        x, m = self.columns
        w = self.w
        px = p * x
        value = w @ (px * np.log(nu) + (px - 1) * np.log(m) + px * np.log(x) - gammaln(px)) - nu * (
            w @ (x * m)
        )
        g_p = w @ (x * (np.log(nu) + np.log(m) + np.log(x) - digamma(px)))
        g_nu = p * (w @ x) / nu - w @ (x * m)
        h_pp = -(w @ (x * x * polygamma(1, px)))
        h_pn = (w @ x) / nu
        h_nn = -p * (w @ x) / nu**2
        return float(value), np.array([g_p, g_nu]), np.array([[h_pp, h_pn], [h_pn, h_nn]])


def _nbd_start(data: _Data, plain: BaseModel) -> FloatArray:
    x, _, T = data.columns
    rate = max(float(data.w @ x) / max(float(data.w @ T), 1e-12), 1e-6)
    return np.array([1.0, 1.0 / rate])


def _nbd_params(model_class: type[BaseModel], theta: FloatArray) -> dict[str, float]:
    found = {"r": float(theta[0]), "alpha": float(theta[1]), **NO_DROPOUT[model_class]}
    return {n: found[n] for n in model_class._param_names}


def _poisson_start(data: _Data, plain: BaseModel) -> FloatArray:
    x, _, T = data.columns
    return np.array([max(float(data.w @ x) / max(float(data.w @ T), 1e-12), 1e-9)])


def _poisson_params(model_class: type[BaseModel], theta: FloatArray) -> dict[str, float]:
    rate = float(theta[0])
    found = {"r": SAME_FOR_ALL, "alpha": SAME_FOR_ALL / rate, **NO_DROPOUT[model_class]}
    return {n: found[n] for n in model_class._param_names}


def _spend_start(data: _Data, plain: BaseModel) -> FloatArray:
    x, m = data.columns
    p = float(plain.params_["p"]) if np.isfinite(plain.params_["p"]) else 1.0
    p = min(max(p, 1e-3), 1e3)
    return np.array([p, p * float(data.w @ x) / float(data.w @ (x * m))])


def _spend_params(model_class: type[BaseModel], theta: FloatArray) -> dict[str, float]:
    p, nu = float(theta[0]), float(theta[1])
    return {"p": p, "q": SAME_FOR_ALL, "gamma": (SAME_FOR_ALL - 1) / nu}


_NO_DROPOUT = _Reduction(
    NO_DROPOUT_LABEL,
    lambda d: _NBDLikelihood(d.columns, d.w),
    _nbd_start,
    _nbd_params,
    {"r": (0, 1.0), "alpha": (1, 1.0)},
)
_SAME_RATE = _Reduction(
    SAME_RATE_LABEL,
    lambda d: _PoissonLikelihood(d.columns, d.w),
    _poisson_start,
    _poisson_params,
    {"alpha": (0, -1.0)},  # alpha = r / lambda
)
_SAME_SPEND = _Reduction(
    SAME_SPEND_LABEL,
    lambda d: _SameSpendLikelihood(d.columns, d.w),
    _spend_start,
    _spend_params,
    {"p": (0, 1.0), "gamma": (1, -1.0)},  # gamma = (q - 1) / nu
)
#: Each model's reductions, each tried on the one before it.
_REDUCTIONS: Final[dict[type[BaseModel], tuple[_Reduction, ...]]] = {
    **{cls: (_NO_DROPOUT, _SAME_RATE) for cls in NO_DROPOUT},
    GammaGamma: (_SAME_SPEND,),
}
