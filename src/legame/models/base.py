"""The contract every legame model keeps, in one base class.

* ``__init__`` stores keyword hyperparameters and nothing else; they are checked in ``fit``.
* ``fit(...)`` validates its input, fits on distinct histories with weights, and returns
  ``self``.
* Fitted values end in ``_``: ``params_`` and ``stderr_`` (dicts keyed by parameter name),
  ``loglik_`` (total weighted log-likelihood at the estimate, without the penalty),
  ``converged_``, ``n_customers_`` (the sum of the weights), ``n_histories_`` (rows fitted)
  and ``fit_status_`` (``"converged"``, ``"penalized (0.01)"``, ``"not converged"``, or what
  :func:`legame.models.robust.fit_robust` fell back to, e.g. ``"reduced: no dropout observed
  yet"``).
* ``cov_`` is the covariance matrix of the estimate in log parameters (rows and columns in
  the order of ``params_``): ``stderr_`` and the intervals of CLV come from it.
* Predictions are ``predict_*`` methods; using them before ``fit`` raises
  :class:`~legame.errors.NotFittedError`.
* A fit that does not converge raises :class:`~legame.errors.ConvergenceError` whose message is
  a checklist of what to try; with ``strict=False`` it keeps the estimate instead and sets
  ``converged_ = False`` (the repr then says so).

Standard errors come from the inverse observed information (minus the Hessian of the
penalised log-likelihood at the optimum, in log parameters), mapped to the natural scale by the
delta method. With ``penalizer > 0`` they describe the penalised estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike

from legame.errors import ConvergenceError, InputError, NotFittedError

from . import _inputs as inp
from . import predictive
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood, maximize, natural_stderr


def log_covariance(hessian: FloatArray) -> FloatArray:
    """The covariance of the estimate in log parameters: the inverse of minus the Hessian of
    the (penalised) log-likelihood there; NaN where that matrix is singular."""
    try:
        cov = np.linalg.inv(-np.asarray(hessian, dtype=np.float64))
    except np.linalg.LinAlgError:
        return np.full(np.shape(hessian), np.nan)
    return np.asarray((cov + cov.T) / 2.0, dtype=np.float64)


def _fmt_param(value: float) -> str:
    return f"{value:.3f}" if 1e-3 <= abs(value) < 1e5 else f"{value:.4g}"


def _fmt_count(value: float) -> str:
    return f"{round(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _number(v: object) -> bool:
    return isinstance(v, int | float | np.floating | np.integer) and not isinstance(v, bool)


def _whole(v: object, low: int) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool) and bool(v >= low)


#: Every hyperparameter's rule, as (what it must be, check): one wording for every model.
_CONSTRAINTS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "penalizer": ("a finite float >= 0", lambda v: _number(v) and np.isfinite(v) and v >= 0),
    "tol": ("a float > 0", lambda v: _number(v) and np.isfinite(v) and v > 0),
    "max_iter": ("an int >= 1", lambda v: _whole(v, 1)),
    "sample_histories": ("an int >= 1000", lambda v: _whole(v, 1000)),
    "strict": ("a bool", lambda v: isinstance(v, bool)),
    "random_state": (
        "an int >= 0, a numpy Generator or None",
        lambda v: v is None or isinstance(v, np.random.Generator) or _whole(v, 0),
    ),
    "covariate_names": (
        "a tuple of distinct non-empty strings",
        lambda v: (
            isinstance(v, tuple)
            and len(set(v)) == len(v)
            and all(isinstance(c, str) and c for c in v)
        ),
    ),
}


class BaseModel:
    """Shared hyperparameters, fitting driver, fitted attributes and repr.

    Parameters
    ----------
    penalizer:
        L2 penalty on the natural parameters, added to the mean negative log-likelihood as
        ``penalizer * sum(theta**2)`` (the convention of the ``lifetimes`` package). 0 fits the
        plain maximum-likelihood estimate; a small value (0.001-0.01) tames flat likelihoods.
    tol:
        Stop when the Newton decrement says the total log-likelihood could still rise by less
        than ``tol`` (or, on millions of rows, when the decrement stops shrinking below 1e-4:
        the rounding noise of the sum, about 1 % of a standard error from the optimum).
    max_iter:
        Iterations allowed to each optimiser stage (L-BFGS warm start, then Newton).
    strict:
        When the fit does not converge: raise :class:`~legame.errors.ConvergenceError` (True)
        or keep the estimate and set ``converged_ = False`` (False).
    sample_histories:
        With more distinct histories than this, the warm start runs on a weighted sample of
        this many customers; Newton steps on all rows then finish the fit.
    random_state:
        Seed (or generator) of that sample.
    """

    _param_names: ClassVar[tuple[str, ...]] = ()
    _fit_args: ClassVar[str] = "..."
    #: The keyword arguments of ``__init__``, checked in ``fit`` against ``_CONSTRAINTS``.
    _hyperparameters: ClassVar[tuple[str, ...]] = (
        "penalizer",
        "tol",
        "max_iter",
        "strict",
        "sample_histories",
        "random_state",
    )
    #: What ``fit`` sets (and a new ``fit`` forgets first).
    _fitted_attributes: ClassVar[tuple[str, ...]] = (
        "params_",
        "stderr_",
        "loglik_",
        "converged_",
        "n_customers_",
        "n_histories_",
        "fit_status_",
        "cov_",
    )

    params_: dict[str, float]
    stderr_: dict[str, float]
    loglik_: float
    converged_: bool
    n_customers_: float
    n_histories_: int
    fit_status_: str
    cov_: FloatArray

    def __init__(
        self,
        *,
        penalizer: float = 0.0,
        tol: float = 1e-8,
        max_iter: int = 200,
        strict: bool = True,
        sample_histories: int = 100_000,
        random_state: int | np.random.Generator | None = 0,
    ) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter
        self.strict = strict
        self.sample_histories = sample_histories
        self.random_state = random_state

    # -- hyperparameters -------------------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters given to ``__init__``."""
        return {name: getattr(self, name) for name in self._hyperparameters}

    def _bad_param(self, name: str, must: str, value: object) -> InputError:
        return InputError(
            f"The '{name}' parameter of {type(self).__name__} must be {must}. "
            f"Got {value!r} instead."
        )

    def _start_fit(self) -> None:
        """Check the hyperparameters and forget any earlier fit (so a failed refit cannot leave
        stale ``params_`` behind)."""
        self._check_hyperparameters()
        for name in self._fitted_attributes:
            self.__dict__.pop(name, None)

    def _check_hyperparameters(self) -> None:
        for name in self._hyperparameters:
            must, ok = _CONSTRAINTS[name]
            value = getattr(self, name)
            if not ok(value):
                raise self._bad_param(name, must, value)

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, *args: Any, **kwargs: Any) -> Self:
        """Fit on the model's data (each model documents its arguments); returns ``self``."""
        raise NotImplementedError

    def _hints(self) -> list[str]:
        """Model-specific lines for the ConvergenceError checklist."""
        return []

    def _fit_likelihood(self, lik: LogLikelihood, theta0: np.ndarray) -> None:
        rng = np.random.default_rng(self.random_state)
        result = maximize(
            lik,
            np.log(theta0),
            penalizer=float(self.penalizer),
            tol=float(self.tol),
            max_iter=int(self.max_iter),
            sample_rows=int(self.sample_histories),
            rng=rng,
        )
        if not result.converged and self.strict:
            raise ConvergenceError(self._checklist(result.reason, np.exp(result.phi)))
        theta = np.exp(result.phi)
        stderr = natural_stderr(result.phi, result.hessian)
        self.params_ = {n: float(v) for n, v in zip(self._param_names, theta, strict=True)}
        self.stderr_ = {n: float(v) for n, v in zip(self._param_names, stderr, strict=True)}
        self.loglik_ = result.loglik
        self.converged_ = result.converged
        self.n_customers_ = float(lik.total_weight)
        self.n_histories_ = int(lik.n_rows)
        self.cov_ = log_covariance(result.hessian)
        self.fit_status_ = (
            "not converged"
            if not result.converged
            else f"penalized ({self.penalizer:g})"
            if self.penalizer
            else "converged"
        )

    def _checklist(self, reason: str, theta: np.ndarray) -> str:
        name = type(self).__name__
        where = ", ".join(
            f"{n}={_fmt_param(v)}" for n, v in zip(self._param_names, theta, strict=True)
        )
        lines = [
            f"{name}.fit did not converge: {reason} (last estimate {where}). What to try:",
            *(f"  - {hint}" for hint in self._hints()),
            "  - add a small penalty: --penalizer 0.001 on the command line "
            f"({name}(penalizer=0.001) in Python), then 0.01 if needed;",
            f"  - in Python, allow more iterations: {name}(max_iter={2 * int(self.max_iter)});",
            f"  - in Python, keep the estimate anyway: {name}(strict=False), then read "
            "converged_ and stderr_ before trusting it (the command line falls back by itself: "
            "legame.models.robust.fit_robust).",
        ]
        return "\n".join(lines)

    @classmethod
    def from_params(cls, params: dict[str, float], **hyperparameters: Any) -> Self:
        """A model with given parameters (published ones, or saved from an earlier fit).

        It predicts like a fitted model; ``stderr_``, ``loglik_`` and ``cov_`` are NaN and
        ``n_customers_`` and ``n_histories_`` are 0, since it was fitted on nothing.
        """
        model = cls(**hyperparameters)
        names = cls._param_names
        if set(params) != set(names):
            raise InputError(
                f"The 'params' argument of {cls.__name__}.from_params must have "
                f"the keys {', '.join(names)}. Got {', '.join(map(str, params))}."
            )
        for name in names:
            value = params[name]
            if not (
                isinstance(value, int | float | np.floating | np.integer)
                and np.isfinite(value)
                and value > 0
            ):
                raise InputError(
                    f"The 'params' argument of {cls.__name__}.from_params must "
                    f"hold finite numbers > 0. Got {name}={value!r}."
                )
        model.params_ = {n: float(params[n]) for n in names}
        model.stderr_ = dict.fromkeys(names, float("nan"))
        model.loglik_ = float("nan")
        model.converged_ = True
        model.n_customers_ = 0.0
        model.n_histories_ = 0
        model.cov_ = np.full((len(names), len(names)), np.nan)
        model.fit_status_ = "given parameters"
        return model

    # -- fitted state ----------------------------------------------------------------------

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "params_"):
            name = type(self).__name__
            raise NotFittedError(
                f"This {name} is not fitted yet: call {name}().fit({self._fit_args}) before "
                f"{method}()."
            )

    def _theta(self, method: str) -> tuple[float, ...]:
        self._check_fitted(method)
        return tuple(self.params_[n] for n in self._param_names)

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            defaults = type(self)().get_params()
            changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
            extra = "".join(f" {k}={v!r}" for k, v in changed.items())
            return f"<{name}{extra}, not fitted>"
        params = " ".join(f"{n}={_fmt_param(v)}" for n, v in self.params_.items())
        if self.n_histories_ == 0:
            return f"<{name} {params}, from given parameters>"
        flag = "" if self.converged_ else ", NOT CONVERGED"
        status = getattr(self, "fit_status_", "converged")
        if status not in ("converged", "not converged"):
            flag += f", {status}"
        return (
            f"<{name} {params}, {_fmt_count(self.n_customers_)} customers in "
            f"{self.n_histories_:,} histories{flag}>"
        )


class PurchaseModel(BaseModel):
    """What BG/NBD and Pareto/NBD share: history inputs, the conditional expectation and the
    predictive distribution of purchases.

    Subclasses provide ``_alive`` (P(alive) per row), ``_purchase_curve`` (t -> expected
    purchases per row, with the per-history work done once: P(alive) times the expected
    purchases of a customer alive at T, which depend on frequency and T only),
    ``_per_row_purchases``, ``_purchase_pmf`` (the distribution of purchases in (T, T + t]
    given the history) and, optionally, ``_alive_pmf`` (the same given alive at T, which
    depends on frequency and T only: with it the intervals are computed once per distinct
    (frequency, T) instead of once per history).
    """

    _fit_args = "frequency, recency, T, weights=..."

    def _fit_histories(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None
    ) -> tuple[FloatArray, ...]:
        """Validated (frequency, recency, T, weights) with zero-weight rows dropped."""
        where = f"{type(self).__name__}.fit"
        self._start_fit()
        x = inp.as_column(frequency, name="frequency", where=where)
        t_x = inp.as_column(recency, name="recency", where=where)
        T_ = inp.as_column(T, name="T", where=where)
        n = inp.same_length(where, {"frequency": x, "recency": t_x, "T": T_})
        w = inp.check_weights(where, weights, n)
        t_x = inp.check_histories(where, x, t_x, T_)
        w, x, t_x, T_ = inp.drop_zero_weights(w, x, t_x, T_)
        return x, t_x, T_, w

    def _histories(
        self,
        where: str,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        extra: dict[str, ArrayLike] | None = None,
    ) -> tuple[tuple[int, ...], list[FloatArray]]:
        """Validated, broadcast, flattened prediction inputs and their common shape."""
        cols = {
            "frequency": inp.as_floats(frequency, name="frequency", where=where),
            "recency": inp.as_floats(recency, name="recency", where=where),
            "T": inp.as_floats(T, name="T", where=where),
        }
        for name, values in (extra or {}).items():
            cols[name] = inp.as_floats(values, name=name, where=where, allow_nan=True)
        shape, flat = inp.broadcast(where, cols)
        flat[1] = inp.check_histories(where, flat[0], flat[1], flat[2])
        return shape, flat

    def _alive(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        raise NotImplementedError

    def _purchase_curve(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, alive: FloatArray | None = None
    ) -> Callable[[float], FloatArray]:
        """t -> expected purchases in (T, T+t] per row; ``alive`` is ``_alive(x, t_x, T)``
        when the caller has it already."""
        raise NotImplementedError

    def _per_row_purchases(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, t: FloatArray
    ) -> FloatArray:
        raise NotImplementedError

    def _purchase_pmf(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, t: float, max_count: int
    ) -> FloatArray:
        """Shape (n, max_count + 1): column k < max_count is P(X(T, T+t] = k | history), the
        last P(X(T, T+t] >= max_count | history)."""
        raise NotImplementedError

    def _alive_pmf(self, x: FloatArray, T: FloatArray, t: float, max_count: int) -> FloatArray:
        """As ``_purchase_pmf`` for a customer alive at T with frequency x (optional)."""
        raise NotImplementedError

    def _log_alive_gradient(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, alive: FloatArray
    ) -> FloatArray | None:
        """d ln P(alive) / d ln(parameter), shape (parameters, n), where the model has it in
        closed form; None sends the delta method of CLV to differences."""
        return None

    def _horizon_distribution(
        self,
        x: FloatArray,
        t_x: FloatArray,
        T: FloatArray,
        t: float,
        level: float,
        alive: FloatArray | None = None,
        pairs: tuple[FloatArray, FloatArray, IntArray, FloatArray] | None = None,
    ) -> tuple[FloatArray, IntArray, IntArray]:
        """P(no purchase in (T, T+t]) and the ``level`` interval of the purchases there, per
        row (:mod:`legame.models.predictive`); ``alive`` is ``_alive(x, t_x, T)`` and
        ``pairs`` (the distinct frequency and T, each row's, and the expected purchases in
        (T, T+t] of a customer alive at each) when the caller has them already."""
        if type(self)._alive_pmf is PurchaseModel._alive_pmf:
            return predictive.summarize_horizon(
                lambda rows, k: self._purchase_pmf(x[rows], t_x[rows], T[rows], t, k),
                np.arange(x.size),
                np.ones(x.size),
                level,
                mean=self._purchase_curve(x, t_x, T, alive)(t),
            )
        if pairs is None:
            ux, xi = inp.factorize(x)
            uT, Ti = inp.factorize(T)
            keys, pair = inp.factorize_pairs(xi, ux.size, Ti, uT.size)
            px, pT = ux[keys // uT.size], uT[keys % uT.size]
            mean = self._purchase_curve(px, pT, pT, np.ones(px.size))(t)
        else:
            px, pT, pair, mean = pairs
        return predictive.summarize_horizon(
            lambda rows, k: self._alive_pmf(px[rows], pT[rows], t, k),
            pair,
            self._alive(x, t_x, T) if alive is None else alive,
            level,
            mean=mean,
        )

    def _horizon_inputs(
        self, method: str, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> tuple[str, float, tuple[int, ...], list[FloatArray]]:
        self._check_fitted(method)
        where = f"{type(self).__name__}.{method}"
        t_ = inp.check_scalar(where, "t", t, low=0.0)
        shape, flat = self._histories(where, frequency, recency, T)
        return where, t_, shape, flat

    def predict_purchase_pmf(
        self,
        t: float,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        max_count: int = 10,
    ) -> FloatArray:
        """The distribution of the number of purchases in the next ``t`` time units (T, T + t]
        given each history, exact under the model (:mod:`legame.models.predictive`).

        Shape: the histories' shape plus one axis of ``max_count + 1``: P(k purchases) for
        k = 0 .. max_count - 1, then P(max_count or more). Each row sums to 1.
        """
        where, t_, shape, (x, t_x, T_) = self._horizon_inputs(
            "predict_purchase_pmf", t, frequency, recency, T
        )
        if not (
            isinstance(max_count, int | np.integer)
            and not isinstance(max_count, bool)
            and 1 <= max_count <= predictive.LAST_MAX_COUNT
        ):
            raise inp.fail(
                where,
                "max_count",
                f"be a whole number in [1, {predictive.LAST_MAX_COUNT}]",
                f"max_count={max_count!r}",
            )
        pmf = self._purchase_pmf(x, t_x, T_, t_, int(max_count))
        return pmf.reshape(*shape, int(max_count) + 1)

    def predict_p_no_purchase(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray | float:
        """P(no purchase in the next ``t`` time units | history) for each history: the dead
        and the alive who happen not to buy."""
        _, t_, shape, (x, t_x, T_) = self._horizon_inputs(
            "predict_p_no_purchase", t, frequency, recency, T
        )
        return inp.shaped(self._purchase_pmf(x, t_x, T_, t_, 1)[:, 0], shape)

    def predict_purchase_interval(
        self,
        t: float,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        level: float = 0.9,
    ) -> tuple[IntArray, IntArray] | tuple[int, int]:
        """The ``level`` predictive interval (low, high) of the number of purchases in the next
        ``t`` time units given each history: it holds at least ``level`` of the predictive
        probability, with at most ``(1 - level) / 2`` left out below and the rest above (the
        rule, and why it is not plainly equal-tailed for counts: :mod:`~legame.models.
        predictive`). Whole numbers; ints for one history."""
        where, t_, shape, (x, t_x, T_) = self._horizon_inputs(
            "predict_purchase_interval", t, frequency, recency, T
        )
        if not (isinstance(level, int | float | np.floating) and 0 < level < 1):
            raise inp.fail(where, "level", "be a number in (0, 1), e.g. 0.9", f"level={level!r}")
        _, low, high = self._horizon_distribution(x, t_x, T_, t_, float(level))
        if shape == ():
            return int(low[0]), int(high[0])
        return low.reshape(shape), high.reshape(shape)

    def predict_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray | float:
        """P(alive at T | history) for each history."""
        self._check_fitted("predict_alive")
        where = f"{type(self).__name__}.predict_alive"
        shape, (x, t_x, T_) = self._histories(where, frequency, recency, T)
        return inp.shaped(self._alive(x, t_x, T_), shape)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray | float:
        """Expected purchases in the next ``t`` time units (T, T + t] given each history.

        ``t`` is a scalar (fast path: the per-history work is shared) or an array that
        broadcasts with the histories.
        """
        self._check_fitted("predict_purchases")
        where = f"{type(self).__name__}.predict_purchases"
        t_arr = inp.as_floats(t, name="t", where=where)
        inp.check_at_least(where, "t", t_arr.reshape(-1), 0.0)
        if t_arr.ndim == 0:
            shape, (x, t_x, T_) = self._histories(where, frequency, recency, T)
            return inp.shaped(self._purchase_curve(x, t_x, T_)(float(t_arr)), shape)
        shape, (x, t_x, T_, tt) = self._histories(where, frequency, recency, T, {"t": t_arr})
        return inp.shaped(self._per_row_purchases(x, t_x, T_, tt), shape)

    def _t_values(self, method: str, t: ArrayLike) -> tuple[FloatArray, tuple[int, ...]]:
        where = f"{type(self).__name__}.{method}"
        t_arr = inp.as_floats(t, name="t", where=where)
        inp.check_at_least(where, "t", t_arr.reshape(-1), 0.0)
        return t_arr.reshape(-1), t_arr.shape
