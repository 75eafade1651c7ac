"""Maximum likelihood on compressed histories: a warm start on a weighted sample, then Newton.

Every model parameter is positive, so the optimiser works on log parameters (phi = log theta)
and reports standard errors on the natural scale by the delta method.

1. **Warm start.** With more than ``sample_rows`` distinct histories, L-BFGS runs on a weighted
   sample of customers (a multinomial draw over the rows, seeded), whose likelihood costs a
   fraction of the full one; otherwise on all rows.
2. **Newton on all rows.** From there, Newton steps with the Hessian of the full log-likelihood
   (analytic where a model provides it: then one pass over the rows gives the value, the
   gradient and the Hessian, and a fit on millions of rows takes three or four passes; otherwise
   forward differences of the analytic gradient, or second differences of the value when a
   model has no gradient), with backtracking. It stops when the Newton decrement says the
   log-likelihood can rise by less than ``tol``; a negative-definite Hessian at that point,
   and parameters away from the bounds, mean "converged".

The standard errors come from the inverse observed information at the optimum: the inverse of
minus that Hessian, mapped to the natural scale with diag(theta).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

FloatArray = NDArray[np.float64]

#: log-parameter bounds: natural parameters between 2e-9 and 5e8.
LOG_BOUND = 20.0
_AT_BOUND = LOG_BOUND - 1.0


class LogLikelihood(ABC):
    """A weighted log-likelihood over distinct histories, as a function of log parameters."""

    n_params: int
    n_rows: int
    total_weight: float
    has_gradient: bool = False
    #: True when ``value_and_grad`` also computes the analytic Hessian (see ``hessian``).
    has_hessian: bool = False

    @abstractmethod
    def value(self, phi: FloatArray) -> float:
        """Total weighted log-likelihood."""

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        """Value and gradient (with respect to phi); central differences by default."""
        return self.value(phi), _central_gradient(self.value, phi)

    def hessian(self, phi: FloatArray) -> FloatArray:
        """The analytic Hessian (with respect to phi) where ``has_hessian``: a by-product of
        the last ``value_and_grad`` pass when that was at ``phi``, else one more pass."""
        raise NotImplementedError

    @abstractmethod
    def take(self, rows: NDArray[np.intp], weights: FloatArray) -> LogLikelihood:
        """The same likelihood on a subset of rows, with new weights."""

    @abstractmethod
    def row_weights(self) -> FloatArray:
        """The weight of each row."""


@dataclass(frozen=True)
class FitResult:
    phi: FloatArray
    loglik: float  # unpenalised, total
    hessian: FloatArray  # of the penalised objective, phi scale
    converged: bool
    iterations: int
    reason: str


def _central_gradient(
    fun: Callable[[FloatArray], float], phi: FloatArray, h: float = 2e-5
) -> FloatArray:
    grad = np.empty_like(phi)
    for j in range(phi.size):
        e = np.zeros_like(phi)
        e[j] = h
        grad[j] = (fun(phi + e) - fun(phi - e)) / (2 * h)
    return grad


class _Objective:
    """Penalised log-likelihood: LL(phi) - N * penalizer * sum(theta**2)."""

    def __init__(self, lik: LogLikelihood, penalizer: float) -> None:
        self.lik = lik
        self.penalizer = penalizer
        self.scale = lik.total_weight

    def penalty(self, phi: FloatArray) -> float:
        return self.scale * self.penalizer * float(np.sum(np.exp(2 * phi)))

    def value(self, phi: FloatArray) -> float:
        return self.lik.value(phi) - self.penalty(phi)

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        v, g = self.lik.value_and_grad(phi)
        pen_grad = 2 * self.scale * self.penalizer * np.exp(2 * phi)
        return v - self.penalty(phi), g - pen_grad

    def hessian(self, phi: FloatArray, grad: FloatArray) -> FloatArray:
        """The analytic Hessian where the model has one; else forward differences of the
        gradient (k gradient passes) or, for a model without an analytic gradient, forward
        second differences of the value (k(k+3)/2 + 1 passes)."""
        k = phi.size
        if self.lik.has_hessian:
            pen = 4 * self.scale * self.penalizer * np.exp(2 * phi)
            return self.lik.hessian(phi) - np.diag(pen)
        if self.lik.has_gradient:
            h = 1e-6
            cols = []
            for j in range(k):
                e = np.zeros(k)
                e[j] = h
                cols.append((self.value_and_grad(phi + e)[1] - grad) / h)
            H = np.column_stack(cols)
        else:
            h = 2e-4
            f0 = self.value(phi)
            eye = np.eye(k) * h
            f1 = np.array([self.value(phi + eye[i]) for i in range(k)])
            H = np.empty((k, k))
            for i in range(k):
                for j in range(i, k):
                    fij = self.value(phi + eye[i] + eye[j])
                    H[i, j] = H[j, i] = (fij - f1[i] - f1[j] + f0) / h**2
        return 0.5 * (H + H.T)


def _lbfgs(obj: _Objective, phi0: FloatArray, max_iter: int) -> FloatArray:
    scale = obj.scale

    def fun(phi: FloatArray) -> tuple[float, FloatArray]:
        with np.errstate(all="ignore"):
            v, g = obj.value_and_grad(phi)
        if not np.isfinite(v) or not np.all(np.isfinite(g)):
            return 1e300, np.zeros_like(phi)
        return -v / scale, -g / scale

    res = minimize(
        fun,
        phi0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * phi0.size,
        options={"maxiter": max_iter, "ftol": 1e-13, "gtol": 1e-9},
    )
    return np.asarray(res.x, dtype=np.float64)


def _warm_start(obj: _Objective, phi: FloatArray, *, tol: float, max_iter: int) -> FloatArray:
    """Where Newton on all rows starts: with an analytic Hessian, Newton itself from the
    initial guess (a dozen passes, and no LAPACK: L-BFGS-B's small factorizations wake all
    of OpenBLAS's threads, which then spin through the rest of the fit); L-BFGS when the
    model has no Hessian or Newton does not get there (the likelihood is not concave
    everywhere in log parameters)."""
    if obj.lik.has_hessian:
        newton = _newton_exact(obj, phi, tol=tol, max_iter=max_iter, polished=True)
        if newton.converged:
            return newton.phi
    return _lbfgs(obj, phi, max_iter)


def _sample(lik: LogLikelihood, rows: int, rng: np.random.Generator) -> LogLikelihood:
    w = lik.row_weights()
    counts = rng.multinomial(rows, w / w.sum())
    keep = np.flatnonzero(counts)
    return lik.take(keep, counts[keep].astype(np.float64))


def _negative_definite(H: FloatArray) -> bool:
    """Whether -H has a Cholesky factor: unrolled here for these few parameters, since
    LAPACK's (OpenBLAS) wakes all its threads even for a 4 x 4 matrix."""
    A = -np.asarray(H, dtype=np.float64)
    if not np.all(np.isfinite(A)):
        return False
    k = A.shape[0]
    L = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1):
            rest = A[i, j] - float(np.sum(L[i, :j] * L[j, :j]))
            if i == j:
                if not rest > 0:
                    return False
                L[i, i] = np.sqrt(rest)
            else:
                L[i, j] = rest / L[j, j]
    return True


def maximize(
    lik: LogLikelihood,
    phi0: FloatArray,
    *,
    penalizer: float,
    tol: float,
    max_iter: int,
    sample_rows: int,
    rng: np.random.Generator,
) -> FitResult:
    """Maximise the penalised log-likelihood; never raises on non-convergence."""
    full = _Objective(lik, penalizer)
    phi = np.clip(np.asarray(phi0, dtype=np.float64), -_AT_BOUND, _AT_BOUND)
    if lik.n_rows > sample_rows:
        phi = _warm_start(
            _Objective(_sample(lik, sample_rows, rng), penalizer), phi, tol=tol, max_iter=max_iter
        )
    else:
        phi = _warm_start(full, phi, tol=tol, max_iter=max_iter)
    polished = lik.n_rows <= sample_rows
    if lik.has_hessian:
        return _newton_exact(full, phi, tol=tol, max_iter=max_iter, polished=polished)
    reason = f"no Newton step met the tolerance tol={tol:g} within max_iter={max_iter}"
    converged = False
    H: FloatArray | None = None
    previous = np.inf
    iterations = 0
    with np.errstate(all="ignore"):
        while iterations < max_iter:
            iterations += 1
            f, g = full.value_and_grad(phi)
            if not (np.isfinite(f) and np.all(np.isfinite(g))):
                reason = "the log-likelihood is not finite at the current parameters"
                break
            if H is None or previous > 1e-2:  # near the optimum the Hessian is kept (chord)
                H = full.hessian(phi, g)
            if not _negative_definite(H):
                if not polished:  # the sample's optimum is not close enough: L-BFGS on all rows
                    phi, polished, H = _lbfgs(full, phi, max_iter), True, None
                    continue
                reason = _NOT_IDENTIFIED
                break
            step = np.linalg.solve(-H, g)
            decrement = float(g @ step)
            t = 1.0
            while t > 1e-6:
                trial = phi + t * step
                ft = full.value(trial)
                if np.isfinite(ft) and ft >= f - 1e-12 * abs(f):
                    break
                t *= 0.5
            else:
                trial = phi
            phi = np.clip(trial, -LOG_BOUND, LOG_BOUND)
            if _small(decrement, previous, tol):
                converged = True
                break
            previous = decrement
    if converged:
        f, g = full.value_and_grad(phi)
        H = full.hessian(phi, g)
        if not _negative_definite(H):
            converged = False
            reason = "the Hessian at the optimum is not negative definite"
    if H is None:
        H = np.full((phi.size, phi.size), np.nan)
    return _result(full, phi, f if converged else np.nan, H, converged, iterations, reason)


_NOT_IDENTIFIED = (
    "the log-likelihood is flat or curved upwards in some direction "
    "(Hessian not negative definite): a parameter is not identified"
)


def _small(decrement: float, previous: float, tol: float) -> bool:
    """Converged when the log-likelihood can rise by less than tol, or when the decrement has
    stopped shrinking at a level far below one standard error (the floating-point noise floor
    of a sum over millions of rows)."""
    return decrement / 2 < tol or (decrement < 1e-4 and decrement > 0.25 * previous)


def _newton_exact(
    full: _Objective, phi: FloatArray, *, tol: float, max_iter: int, polished: bool
) -> FitResult:
    """Newton with the model's analytic Hessian: each pass over the rows gives the value, the
    gradient and the Hessian, and the pass that accepts a step is the next iteration's.
    Convergence is judged at the current point, so value, parameters and Hessian agree."""
    reason = f"no Newton step met the tolerance tol={tol:g} within max_iter={max_iter}"
    converged = False
    previous = np.inf
    iterations = 0
    with np.errstate(all="ignore"):
        f, g = full.value_and_grad(phi)
        H = full.hessian(phi, g)
        while iterations < max_iter:
            iterations += 1
            if not (np.isfinite(f) and np.all(np.isfinite(g))):
                reason = "the log-likelihood is not finite at the current parameters"
                break
            if not _negative_definite(H):
                if not polished:  # the sample's optimum is not close enough: L-BFGS on all rows
                    phi, polished = _lbfgs(full, phi, max_iter), True
                    f, g = full.value_and_grad(phi)
                    H = full.hessian(phi, g)
                    continue
                reason = _NOT_IDENTIFIED
                break
            step = np.linalg.solve(-H, g)
            decrement = float(g @ step)
            if _small(decrement, previous, tol):
                converged = True
                break
            t = 1.0
            while t > 1e-6:
                trial = np.clip(phi + t * step, -LOG_BOUND, LOG_BOUND)
                ft, gt = full.value_and_grad(trial)
                if np.isfinite(ft) and ft >= f - 1e-12 * abs(f):
                    break
                t *= 0.5
            else:
                reason = "no step along the Newton direction raised the log-likelihood"
                break
            phi, f, g = trial, ft, gt
            H = full.hessian(phi, g)
            previous = decrement
    return _result(full, phi, f, H, converged, iterations, reason)


def _result(
    full: _Objective,
    phi: FloatArray,
    f: float,
    H: FloatArray,
    converged: bool,
    iterations: int,
    reason: str,
) -> FitResult:
    """The fit's outcome; ``f`` is the penalised objective at ``phi`` when ``converged``."""
    if converged and np.any(np.abs(phi) >= _AT_BOUND):
        converged = False
        reason = "a parameter ran to the edge of its range (it tends to 0 or infinity)"
    if converged:
        reason = ""
        loglik = f + full.penalty(phi)
    else:
        loglik = full.lik.value(phi)
    return FitResult(
        phi=phi,
        loglik=float(loglik),
        hessian=H,
        converged=converged,
        iterations=iterations,
        reason=reason,
    )


def natural_stderr(phi: FloatArray, hessian: FloatArray) -> FloatArray:
    """Standard errors of theta = exp(phi) from the phi-scale Hessian (delta method)."""
    theta = np.exp(phi)
    try:
        cov_phi = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full(phi.size, np.nan)
    var = np.diag(cov_phi) * theta**2
    return np.where(var > 0, np.sqrt(np.abs(var)), np.nan)
