"""What the covariate models share: covariate patterns, the likelihood over them, the fit.

A *static* covariate is one value per customer (a country, an acquisition channel, a first
order value, coded as numbers by the caller: one-hot columns, standardised values). Each
covariate model maps its parameters to those of the plain model, one *pattern* (distinct row
of covariate values) at a time, linearly on the log scale::

    phi_p = A_p theta

(``theta``: log base parameters, then the coefficients; ``phi_p``: the plain model's log
parameters for the customers of pattern ``p``). The log-likelihood is then the plain model's
summed over patterns, its gradient ``sum A_p' g_p`` and its Hessian ``sum A_p' H_p A_p``:
the plain models' own analytic passes, run once per pattern on that pattern's distinct
histories. So the cost grows with distinct (history, pattern) rows, not with customers.

Coefficients are unbounded; base parameters are positive and fitted on the log scale. A
covariate column that takes one value on every fitted row carries no information (it is the
intercept again): its coefficients are held at 0, reported with a NaN standard error, and
the rest of the fit is the plain model's when every column is like that.

The penalty (``penalizer > 0``) is ``N * penalizer * (sum(base**2) + sum(coef**2))``, N the
total weight: the plain models' L2 penalty on the natural parameters, with the coefficients
penalised as themselves (not as ``exp(coef)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike

from legame.errors import ConvergenceError, InputError

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood, maximize
from .base import _CONSTRAINTS, BaseModel

#: The standard normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Patterns:
    """Rows grouped by their covariate values: ``values[index[i]]`` is row ``i``'s."""

    values: FloatArray  # (patterns, columns)
    index: IntArray  # (rows,)

    @property
    def count(self) -> int:
        return int(self.values.shape[0])

    def rows(self, subset: IntArray | None = None) -> list[IntArray]:
        """The rows of each pattern (among ``subset`` when given), in row order."""
        idx = self.index if subset is None else self.index[subset]
        order = np.argsort(idx, kind="stable")
        bounds = np.searchsorted(idx[order], np.arange(self.count + 1))
        base = order if subset is None else subset[order]
        return [base[bounds[p] : bounds[p + 1]] for p in range(self.count)]


def find_patterns(Z: FloatArray) -> Patterns:
    """The distinct rows of ``Z`` (rows x columns); one all-zero pattern without columns."""
    n, k = Z.shape
    if k == 0:
        return Patterns(np.zeros((1, 0)), np.zeros(n, dtype=np.intp))
    codes = np.zeros(n, dtype=np.int64)
    size = 1
    for j in range(k):  # mixed-radix code of each row's values, column by column
        uniq, col = inp.factorize(np.ascontiguousarray(Z[:, j]))
        if size * uniq.size >= 1 << 62:  # too many combinations to code: sort the rows
            values, index = np.unique(Z, axis=0, return_inverse=True)
            return Patterns(values, index.reshape(-1).astype(np.intp))
        codes = codes * uniq.size + col
        size *= uniq.size
    keys, index = np.unique(codes, return_inverse=True)
    first = np.zeros(keys.size, dtype=np.intp)
    first[index[::-1]] = np.arange(n - 1, -1, -1)  # the first row of each pattern
    return Patterns(np.ascontiguousarray(Z[first]), index.reshape(-1).astype(np.intp))


def covariate_matrix(
    values: ArrayLike | None,
    *,
    names: Sequence[str],
    rows: int,
    name: str,
    where: str,
    rows_are: str = "as many rows as 'frequency'",
) -> FloatArray:
    """A (rows, len(names)) float matrix of finite covariate values (``None``: no columns);
    ``rows_are`` says what the rows must be, for the error when they are not ``rows``."""
    k = len(names)
    if values is None:
        if k:
            raise inp.fail(
                where,
                name,
                f"be given: one column per name in covariate_names ({', '.join(names)})",
                "None",
            )
        return np.zeros((rows, 0))
    Z = inp.as_floats(values, name=name, where=where)
    if Z.ndim == 1 and k == 1:
        Z = Z[:, None]
    if Z.ndim != 2 or Z.shape[1] != k:
        raise inp.fail(
            where,
            name,
            f"be a 2-d array with {k} column(s), one per covariate name ({', '.join(names)})",
            f"an array of shape {Z.shape}",
        )
    if Z.shape[0] != rows:
        raise inp.fail(where, name, f"have {rows_are} ({rows:,})", f"{Z.shape[0]:,} rows")
    return Z


def prediction_inputs(
    where: str,
    columns: dict[str, FloatArray],
    covariates: ArrayLike | None,
    names: Sequence[str],
) -> tuple[tuple[int, ...], list[FloatArray], FloatArray]:
    """Prediction arguments broadcast together: the common shape, the flat columns, and one
    row of covariates per flat entry. ``covariates`` has shape ``(..., k)``, its leading
    shape broadcasting with the columns (one row ``(k,)`` for all; with one covariate, a
    1-d array of several values is one value per entry); ``None`` when ``k`` is 0."""
    k = len(names)
    if covariates is None:
        if k:
            raise inp.fail(
                where,
                "covariates",
                f"be given: one value per covariate ({', '.join(names)})",
                "None",
            )
        cov: FloatArray = np.zeros((0,))
        lead: tuple[int, ...] = ()
    else:
        cov = inp.as_floats(covariates, name="covariates", where=where)
        if k == 1 and cov.ndim <= 1 and cov.size != 1:
            cov = cov.reshape(*cov.shape, 1)
        if cov.ndim == 0 or cov.shape[-1] != k:
            raise inp.fail(
                where,
                "covariates",
                f"have {k} value(s) in its last dimension, one per covariate "
                f"({', '.join(names) or 'none'})",
                f"an array of shape {cov.shape}",
            )
        lead = cov.shape[:-1]
    shapes = [c.shape for c in columns.values()]
    try:
        shape = np.broadcast_shapes(*shapes, lead)
    except ValueError:
        described = ", ".join(f"{n}{c.shape}" for n, c in columns.items())
        raise inp.fail(
            where,
            "covariates",
            "have a leading shape that broadcasts with the other arguments",
            f"covariates{cov.shape} with {described}",
            "Pass one row of covariates for all, or one row per history.",
        ) from None
    flat = [np.ascontiguousarray(np.broadcast_to(c, shape)).reshape(-1) for c in columns.values()]
    n = int(np.prod(shape, dtype=np.int64))
    if k == 0:
        return shape, flat, np.zeros((n, 0))
    Z = np.ascontiguousarray(np.broadcast_to(cov, (*shape, k))).reshape(n, k)
    return shape, flat, Z


class PatternLikelihood(LogLikelihood):
    """A plain model's likelihood summed over covariate patterns at ``phi_p = A_p theta``.

    ``make(rows, weights)`` builds the plain likelihood of some rows (indices into the
    caller's arrays); ``design[p]`` is ``A_p``.
    """

    has_gradient = True
    has_hessian = True

    def __init__(
        self,
        make: Callable[[IntArray, FloatArray], LogLikelihood],
        design: FloatArray,
        patterns: Patterns,
        weights: FloatArray,
        rows: IntArray | None = None,
    ) -> None:
        self._make, self._design, self._patterns = make, design, patterns
        self._rows = np.arange(weights.size) if rows is None else rows
        self._w = weights
        self.n_params = int(design.shape[2])
        self.n_rows = int(weights.size)
        self.total_weight = float(weights.sum())
        position = np.empty(patterns.index.size, dtype=np.intp)
        position[self._rows] = np.arange(self._rows.size)
        self._parts: list[tuple[int, LogLikelihood]] = []
        for p, members in enumerate(patterns.rows(self._rows)):
            if members.size:
                self._parts.append((p, make(members, weights[position[members]])))
        self._hessian_at: tuple[FloatArray, FloatArray] | None = None

    def row_weights(self) -> FloatArray:
        return self._w

    def take(self, rows: IntArray, weights: FloatArray) -> PatternLikelihood:
        return PatternLikelihood(
            self._make, self._design, self._patterns, weights, self._rows[rows]
        )

    def value(self, phi: FloatArray) -> float:
        return self.value_and_grad(phi)[0]

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        total, grad = 0.0, np.zeros(self.n_params)
        H = np.zeros((self.n_params, self.n_params))
        for p, part in self._parts:
            A = self._design[p]
            v, g = part.value_and_grad(A @ phi)
            total += v
            grad += A.T @ g
            H += A.T @ part.hessian(A @ phi) @ A
        self._hessian_at = (phi.copy(), H)
        return total, grad

    def hessian(self, phi: FloatArray) -> FloatArray:
        if self._hessian_at is None or not np.array_equal(self._hessian_at[0], phi):
            self.value_and_grad(phi)
        assert self._hessian_at is not None
        return self._hessian_at[1]


class _Restricted(LogLikelihood):
    """The free parameters of a likelihood (the others held at their values in ``full``),
    with the penalty ``N * penalizer * (sum(exp(2 theta[:n_log])) + sum(theta[n_log:]**2))``."""

    def __init__(
        self,
        inner: LogLikelihood,
        free: IntArray,
        full: FloatArray,
        n_log: int,
        penalizer: float,
    ) -> None:
        self.inner, self.free, self.full = inner, free, full
        self.n_log, self.penalizer = n_log, penalizer
        self.n_params = int(free.size)
        self.n_rows, self.total_weight = inner.n_rows, inner.total_weight
        self.has_gradient, self.has_hessian = inner.has_gradient, inner.has_hessian

    def expand(self, phi: FloatArray) -> FloatArray:
        theta = self.full.copy()
        theta[self.free] = phi
        return theta

    def penalty(self, theta: FloatArray) -> float:
        if not self.penalizer:
            return 0.0
        log, coef = theta[: self.n_log], theta[self.n_log :]
        return self.total_weight * self.penalizer * float(np.sum(np.exp(2 * log)) + coef @ coef)

    def _penalty_derivatives(self, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        scale = self.total_weight * self.penalizer
        d1 = np.r_[2 * np.exp(2 * theta[: self.n_log]), 2 * theta[self.n_log :]] * scale
        d2 = np.r_[4 * np.exp(2 * theta[: self.n_log]), np.full(theta.size - self.n_log, 2.0)]
        return d1, d2 * scale

    def value(self, phi: FloatArray) -> float:
        theta = self.expand(phi)
        return self.inner.value(theta) - self.penalty(theta)

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        theta = self.expand(phi)
        v, g = self.inner.value_and_grad(theta)
        if self.penalizer:
            d1, _ = self._penalty_derivatives(theta)
            v, g = v - self.penalty(theta), g - d1
        return v, g[self.free]

    def hessian(self, phi: FloatArray) -> FloatArray:
        theta = self.expand(phi)
        H = self.inner.hessian(theta)
        if self.penalizer:
            H = H - np.diag(self._penalty_derivatives(theta)[1])
        return H[np.ix_(self.free, self.free)]

    def take(self, rows: IntArray, weights: FloatArray) -> _Restricted:
        return _Restricted(
            self.inner.take(rows, weights), self.free, self.full, self.n_log, self.penalizer
        )

    def row_weights(self) -> FloatArray:
        return self.inner.row_weights()


def _positive_definite_inverse(A: FloatArray) -> FloatArray | None:
    try:
        np.linalg.cholesky(A)
        return np.asarray(np.linalg.inv(A), dtype=np.float64)
    except np.linalg.LinAlgError:
        return None


def _names_rule(value: object) -> bool:
    return _CONSTRAINTS["covariate_names"][1](value)


class CovariateModel(BaseModel):
    """A plain model with covariates: the shared hyperparameter checks, fit and repr.

    Fitted values besides the contract's: ``phi_`` (log base parameters, then the
    coefficients) and ``cov_`` (their covariance: the inverse observed information; NaN
    rows and columns for coefficients held at 0), ``fixed_`` (names of the coefficients
    held at 0 because their column never varies).
    """

    _base_names: ClassVar[tuple[str, ...]] = ()
    _fitted_attributes = (*BaseModel._fitted_attributes, "phi_", "cov_", "fixed_")
    #: Hyperparameters that are tuples of covariate names (checked by one rule).
    _name_lists: ClassVar[tuple[str, ...]] = ("covariate_names",)

    phi_: FloatArray
    cov_: FloatArray
    fixed_: tuple[str, ...]

    def _names(self) -> tuple[str, ...]:
        """``params_``'s keys: the base parameters, then one name per coefficient."""
        raise NotImplementedError

    def _check_hyperparameters(self) -> None:
        name_lists = set(self._name_lists)
        for name in self._hyperparameters:
            value = getattr(self, name)
            if name in name_lists:
                if not _names_rule(value):
                    raise self._bad_param(name, _CONSTRAINTS["covariate_names"][0], value)
                continue
            if name in ("purchase", "dropout"):
                known = getattr(self, "covariate_names", ())
                ok = value is None or (
                    _names_rule(value) and isinstance(known, tuple) and set(value) <= set(known)
                )
                if not ok:
                    raise self._bad_param(
                        name, "None or a tuple of distinct names from covariate_names", value
                    )
                continue
            must, rule = _CONSTRAINTS[name]
            if not rule(value):
                raise self._bad_param(name, must, value)

    def _fit_theta(
        self,
        lik: LogLikelihood,
        start: FloatArray,
        *,
        free: IntArray,
        n_log: int,
        n_customers: float,
        n_histories: int,
    ) -> None:
        """Maximise ``lik`` over the ``free`` entries of ``theta`` from ``start`` and set the
        fitted attributes (raising ConvergenceError when ``strict`` and it fails)."""
        names = self._names()
        restricted = _Restricted(lik, free, start, n_log, float(self.penalizer))
        result = maximize(
            restricted,
            start[free],
            penalizer=0.0,
            tol=float(self.tol),
            max_iter=int(self.max_iter),
            sample_rows=int(self.sample_histories),
            rng=np.random.default_rng(self.random_state),
        )
        theta = restricted.expand(result.phi)
        if not result.converged and self.strict:
            raise ConvergenceError(self._checklist(result.reason, self._natural(theta)))
        cov = np.full((theta.size, theta.size), np.nan)
        inverse = _positive_definite_inverse(-result.hessian)
        if inverse is not None:
            cov[np.ix_(free, free)] = inverse
        natural = self._natural(theta)
        scale = np.r_[natural[:n_log], np.ones(theta.size - n_log)]
        stderr = np.sqrt(np.abs(np.diag(cov))) * scale
        self.phi_, self.cov_ = theta, cov
        self.params_ = dict(zip(names, map(float, natural), strict=True))
        self.stderr_ = dict(zip(names, map(float, stderr), strict=True))
        self.loglik_ = float(result.loglik + restricted.penalty(theta))
        self.converged_ = bool(result.converged)
        self.fixed_ = tuple(n for i, n in enumerate(names) if i not in set(free.tolist()))
        self.n_customers_ = float(n_customers)
        self.n_histories_ = int(n_histories)

    def _natural(self, theta: FloatArray) -> FloatArray:
        n_log = len(self._base_names)
        return np.asarray(np.r_[np.exp(theta[:n_log]), theta[n_log:]], dtype=np.float64)

    def _checklist(self, reason: str, theta: np.ndarray) -> str:
        name = type(self).__name__
        where = ", ".join(f"{n}={v:.4g}" for n, v in zip(self._names(), theta, strict=True))
        lines = [
            f"{name}.fit did not converge: {reason} (last estimate {where}). What to try:",
            "  - leave out a covariate whose levels hold few customers, or merge rare levels;",
            f"  - add a small penalty: {name}(penalizer=0.001), then 0.01 if needed;",
            f"  - allow more iterations: {name}(max_iter={2 * int(self.max_iter)});",
            f"  - keep the estimate anyway: {name}(strict=False), then read converged_ and "
            "stderr_ before trusting it.",
        ]
        return "\n".join(lines)

    @staticmethod
    def _free(columns: FloatArray, offset: int, repeats: int) -> list[int]:
        """Indices (from ``offset``) of the coefficients of the columns that vary, for
        ``repeats`` consecutive blocks of coefficients over the same columns."""
        k = columns.shape[1]
        varies = [j for j in range(k) if columns.shape[0] and np.ptp(columns[:, j]) > 0]
        return [offset + block * k + j for block in range(repeats) for j in varies]

    @classmethod
    def from_params(cls, params: dict[str, float], **hyperparameters: Any) -> Self:
        """A model with given parameters (base ones > 0, coefficients finite); it predicts
        like a fitted one; ``stderr_``, ``loglik_`` and ``cov_`` are NaN."""
        model = cls(**hyperparameters)
        model._check_hyperparameters()
        names = model._names()
        if set(params) != set(names):
            raise InputError(
                f"The 'params' argument of {cls.__name__}.from_params must have "
                f"the keys {', '.join(names)}. Got {', '.join(map(str, params))}."
            )
        n_log = len(cls._base_names)
        for i, name in enumerate(names):
            value = params[name]
            positive = i < n_log
            if not (
                isinstance(value, int | float | np.floating | np.integer)
                and not isinstance(value, bool)
                and np.isfinite(value)
                and (value > 0 or not positive)
            ):
                must = "finite numbers > 0" if positive else "finite numbers"
                raise InputError(
                    f"The 'params' argument of {cls.__name__}.from_params must "
                    f"hold {must}. Got {name}={value!r}."
                )
        natural = np.array([float(params[n]) for n in names])
        model.phi_ = np.r_[np.log(natural[:n_log]), natural[n_log:]]
        model.cov_ = np.full((len(names), len(names)), np.nan)
        model.fixed_ = ()
        model.params_ = dict(zip(names, map(float, natural), strict=True))
        model.stderr_ = dict.fromkeys(names, float("nan"))
        model.loglik_ = float("nan")
        model.converged_ = True
        model.n_customers_ = 0.0
        model.n_histories_ = 0
        return model

    def _known_cov(self) -> FloatArray | None:
        """``cov_`` with the coefficients held at 0 as known (their rows and columns 0), for
        the covariance of a pattern's parameters; None where the fit has no covariance
        (``from_params``, a singular information)."""
        names = self._names()
        held = [names.index(n) for n in self.fixed_]
        cov = np.array(self.cov_, dtype=np.float64)
        cov[held, :] = 0.0
        cov[:, held] = 0.0
        return cov if np.all(np.isfinite(cov)) else None

    def coefficient(self, name: str, *, z: float = Z95) -> tuple[float, float, float, float]:
        """One coefficient of ``params_`` (a ``beta_*`` name): estimate, standard error and
        its Wald interval (``z`` standard errors)."""
        return self.contrast({name: 1.0}, z=z)

    def contrast(
        self, weights: dict[str, float], *, z: float = Z95
    ) -> tuple[float, float, float, float]:
        """A linear combination of coefficients (``{name: weight}``): estimate, standard
        error (from ``cov_``) and Wald interval."""
        self._check_fitted("contrast")
        names = self._names()
        n_log = len(self._base_names)
        vector = np.zeros(len(names))
        for name, weight in weights.items():
            if name not in names[n_log:]:
                raise InputError(
                    f"The 'weights' argument of {type(self).__name__}.contrast must name "
                    f"coefficients ({', '.join(names[n_log:]) or 'none'}). Got {name!r}."
                )
            vector[names.index(name)] = weight
        used = vector != 0
        estimate = float(vector @ self.phi_)
        cov = self.cov_[np.ix_(used, used)]
        se = float(np.sqrt(vector[used] @ cov @ vector[used])) if used.any() else 0.0
        return estimate, se, estimate - z * se, estimate + z * se

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return super().__repr__()
        n_log = len(self._base_names)
        params = " ".join(
            f"{n}={v:.3f}" if i >= n_log or 1e-3 <= abs(v) < 1e5 else f"{n}={v:.4g}"
            for i, (n, v) in enumerate(self.params_.items())
        )
        if self.n_histories_ == 0:
            return f"<{name} {params}, from given parameters>"
        flag = "" if self.converged_ else ", NOT CONVERGED"
        customers = self.n_customers_
        count = f"{round(customers):,}" if float(customers).is_integer() else f"{customers:,.1f}"
        return f"<{name} {params}, {count} customers in {self.n_histories_:,} histories{flag}>"
