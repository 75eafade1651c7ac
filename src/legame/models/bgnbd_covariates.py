"""BG/NBD with covariates: static ones on the purchase rate and the dropout, time-varying
ones on the dropout hazard.

Static covariates ``z`` (Fader & Hardie 2007, "Incorporating time-invariant covariates into
the Pareto/NBD and BG/NBD models", http://brucehardie.com/notes/019/, section 3): a
customer's purchase-rate gamma and dropout beta have

    alpha_i = alpha0 exp(-g1' z_i),   a_i = a0 exp(g2' z_i),   b_i = b0 exp(g3' z_i),

so ``exp(g1)`` is the ratio of mean purchase rates (``E[lambda] = r / alpha_i``) per unit of
``z`` and ``exp(g2 - g3)`` the ratio of the odds ``a_i / b_i`` of the mean dropout chance
``E[p] = a_i / (a_i + b_i)`` after a repeat purchase. (CLVTools uses one coefficient for both
``a`` and ``b``, which moves only the spread of ``p``; PyMC-Marketing's ``BetaGeoModel`` and
this module follow the note's two.) The likelihood of a customer is BG/NBD's at
``(r, alpha_i, a_i, b_i)``: the customers of one covariate pattern share a BG/NBD, fitted with
:class:`~legame.models.bgnbd.BetaGeo`'s analytic pass (value, gradient and Hessian) on that
pattern's distinct histories, and :mod:`legame.models.covariates` sums the patterns.

Time-varying covariates ``w_j`` on the dropout (``varying_names``): after repeat purchase
``j`` the customer drops out with probability ``1 - (1 - p)^exp(beta' w_j)``: the model of
:class:`~legame.models.dropout.LatentDropout` (its likelihood, ``repeat_terms``, is the one
used here), with the static covariates above on top. A customer's likelihood depends on the
``w_j`` only through ``C- = sum_{j<x} exp(beta' w_j)`` and ``exp(beta' w_x)``, so a customer
is summarised by (x, t_x, T, static pattern, how many decisions before the last had each
distinct ``w``, the last one's ``w``), and customers who share that are one weighted row.
This path has an analytic gradient; the Hessian is its forward difference. It is also
the path for static covariates with more than ``MAX_PATTERNS`` patterns (numeric covariates
kept exact), whose rows it takes one at a time, vectorised.

With no covariate columns (or only columns that never vary) the fit is BG/NBD's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from . import _inputs as inp
from . import bgnbd_covariates_forecast as fc
from ._inputs import FloatArray, IntArray
from ._optimize import LogLikelihood
from .base import BaseModel
from .bgnbd import BetaGeo, _BetaGeoLikelihood
from .clv import _check_horizon
from .covariates import (
    CovariateModel,
    PatternLikelihood,
    Patterns,
    covariate_matrix,
    find_patterns,
)
from .dropout import repeat_terms

#: Up to this many covariate patterns, the likelihood is BG/NBD's analytic pass per pattern
#: (value, gradient and Hessian); beyond, one vectorised pass over the rows (value and
#: gradient; the Hessian by differences of the gradient), whose cost does not grow with the
#: number of patterns. Numeric covariates kept exact make one pattern per value.
MAX_PATTERNS = 256


class _Decisions:
    """Per-row summaries of the dropout decisions' time-varying covariates: the distinct
    vectors ``W`` (V x m), for the decisions before the last one (row, vector, count)
    triples, and each row's last vector (-1 for rows without a repeat purchase)."""

    def __init__(self, x: FloatArray, varying: FloatArray) -> None:
        n = x.size
        m = varying.shape[1]
        dec_row = np.repeat(np.arange(n, dtype=np.int64), x.astype(np.int64))
        if varying.shape[0] and m:
            self.W, v = np.unique(varying, axis=0, return_inverse=True)
            v = v.reshape(-1).astype(np.int64)
        else:  # no time-varying covariates: every decision has the one vector of none
            self.W, v = np.zeros((1, m)), np.zeros(varying.shape[0], dtype=np.int64)
        V = max(self.W.shape[0], 1)
        is_last = np.zeros(dec_row.size, dtype=bool)
        if dec_row.size:
            is_last[np.r_[dec_row[1:] != dec_row[:-1], True]] = True
        self.last = np.full(n, -1, dtype=np.int64)
        self.last[dec_row[is_last]] = v[is_last]
        keys, counts = np.unique(dec_row[~is_last] * V + v[~is_last], return_counts=True)
        self.row, self.vec = keys // V, keys % V
        self.count = counts.astype(np.float64)

    def take(self, rows: IntArray) -> _Decisions:
        """The summaries of some rows (in the given order, repeats allowed)."""
        out = object.__new__(_Decisions)
        out.W, out.last = self.W, self.last[rows]
        # Triples of each wanted row, renumbered to its position in ``rows``.
        order = np.argsort(self.row, kind="stable")
        starts = np.searchsorted(self.row[order], rows)
        ends = np.searchsorted(self.row[order], rows, side="right")
        lengths = ends - starts
        picked = order[np.repeat(starts, lengths) + _ranges(lengths)]
        out.row = np.repeat(np.arange(rows.size, dtype=np.int64), lengths)
        out.vec, out.count = self.vec[picked], self.count[picked]
        return out

    def sums(self, beta: FloatArray, n: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``c_v = exp(W beta)``, ``C-`` and ``C`` per row."""
        c = np.exp(self.W @ beta) if self.W.shape[0] else np.ones(1)
        Cm = np.bincount(self.row, self.count * c[self.vec], minlength=n).astype(np.float64)
        C = Cm + np.where(self.last >= 0, c[np.maximum(self.last, 0)], 0.0)
        return np.asarray(c, dtype=np.float64), Cm, np.asarray(C, dtype=np.float64)


def _ranges(lengths: IntArray) -> IntArray:
    """0, 1, ..., n-1 for each n in ``lengths``, concatenated."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - starts


class _RowLikelihood(LogLikelihood):
    """BG/NBD with static covariates on (alpha, a, b) and time-varying ones on the dropout
    hazard, row by row with weights (each row its own alpha, a, b: the path for
    time-varying covariates, and for static ones with more than ``MAX_PATTERNS`` patterns);
    ``theta = (log r, log alpha0, log a0, log b0, g1, g2, g3, beta)``."""

    has_gradient = True

    def __init__(
        self,
        x: FloatArray,
        t_x: FloatArray,
        T: FloatArray,
        w: FloatArray,
        Zp: FloatArray,
        Zd: FloatArray,
        decisions: _Decisions,
    ) -> None:
        self.x, self.t_x, self.T, self.w = x, t_x, T, w
        self.Zp, self.Zd, self.decisions = Zp, Zd, decisions
        self.n_rows = int(w.size)
        self.total_weight = float(w.sum())
        self.n_params = 4 + Zp.shape[1] + 2 * Zd.shape[1] + decisions.W.shape[1]
        self.rep = x > 0

    def row_weights(self) -> FloatArray:
        return self.w

    def take(self, rows: IntArray, weights: FloatArray) -> _RowLikelihood:
        return _RowLikelihood(
            self.x[rows],
            self.t_x[rows],
            self.T[rows],
            weights,
            self.Zp[rows],
            self.Zd[rows],
            self.decisions.take(rows),
        )

    def value(self, phi: FloatArray) -> float:
        return self.value_and_grad(phi)[0]

    def value_and_grad(self, phi: FloatArray) -> tuple[float, FloatArray]:
        kp, kd = self.Zp.shape[1], self.Zd.shape[1]
        g1, g2, g3 = phi[4 : 4 + kp], phi[4 + kp : 4 + kp + kd], phi[4 + kp + kd : 4 + kp + 2 * kd]
        beta = phi[4 + kp + 2 * kd :]
        r = float(np.exp(phi[0]))
        alpha = np.exp(phi[1] - self.Zp @ g1)
        a = np.exp(phi[2] + self.Zd @ g2)
        b = np.exp(phi[3] + self.Zd @ g3)
        c, Cm, C = self.decisions.sums(beta, self.n_rows)
        rep, w = self.rep, self.w
        zero = ~rep
        ll = np.empty(self.n_rows)
        d_r, d_alpha = np.empty(self.n_rows), np.empty(self.n_rows)
        d_a, d_b = np.zeros(self.n_rows), np.zeros(self.n_rows)
        d_cm, d_c = np.zeros(self.n_rows), np.zeros(self.n_rows)
        az, Tz = alpha[zero], self.T[zero]
        ll[zero] = r * (np.log(az) - np.log(az + Tz))
        d_r[zero] = ll[zero]
        d_alpha[zero] = az * (r / az - r / (az + Tz))
        terms = repeat_terms(
            r, alpha[rep], a[rep], b[rep], self.x[rep], self.t_x[rep], self.T[rep], Cm[rep], C[rep]
        )
        ll[rep] = terms.loglik
        d_r[rep], d_alpha[rep] = terms.d_log_r, terms.d_log_alpha
        d_a[rep], d_b[rep] = terms.d_log_a, terms.d_log_b
        d_cm[rep], d_c[rep] = terms.d_cm, terms.d_c
        wa, wb = w * d_a, w * d_b
        grad = [
            [inp.dot(w, d_r)],
            [inp.dot(w, d_alpha)],
            [wa.sum()],
            [wb.sum()],
            -(self.Zp.T @ (w * d_alpha)),
            self.Zd.T @ wa,
            self.Zd.T @ wb,
            self._beta_gradient(c, w * (d_cm + d_c), w * d_c),
        ]
        return inp.dot(w, ll), np.concatenate([np.asarray(g, dtype=np.float64) for g in grad])

    def _beta_gradient(self, c: FloatArray, before: FloatArray, last: FloatArray) -> FloatArray:
        """sum_i [d_cm S-_i + d_c S_i] with S-_i = sum count c_v W_v over the decisions
        before the last, S_i = S-_i + c_last W_last; ``before`` = w (d_cm + d_c), ``last`` =
        w d_c per row."""
        dec = self.decisions
        V = dec.W.shape[0]
        if not V or not dec.W.shape[1]:
            return np.zeros(dec.W.shape[1])
        per_v = np.bincount(dec.vec, before[dec.row] * dec.count, minlength=V)
        has = dec.last >= 0
        per_v += np.bincount(dec.last[has], last[has], minlength=V)
        return np.asarray(dec.W.T @ (per_v * c), dtype=np.float64)


class CovariateBetaGeo(CovariateModel):
    """BG/NBD with static covariates on the purchase rate and the dropout (Fader & Hardie
    2007) and time-varying ones on the dropout hazard (see the module docstring).

    >>> model = CovariateBetaGeo(covariate_names=("marketplace",)).fit(
    ...     frequency, recency, T, covariates, weights=counts)           # doctest: +SKIP

    Parameters
    ----------
    covariate_names:
        One name per column of ``covariates`` (static, one row per history).
    purchase, dropout:
        The names among ``covariate_names`` that act on the purchase rate and on the
        dropout; ``None`` (default): all of them.
    varying_names:
        One name per column of ``varying`` (one row per dropout decision); empty: none.

    ``params_``: ``r, alpha, a, b`` (those of the customers whose covariates are all 0), then
    ``beta_purchase_<name>`` (``g1``), ``beta_a_<name>`` (``g2``), ``beta_b_<name>`` (``g3``)
    and ``beta_hazard_<name>`` (``beta``). See :class:`~legame.models.covariates.CovariateModel`
    and :class:`~legame.models.base.BaseModel` for the rest.
    """

    _base_names = ("r", "alpha", "a", "b")
    _param_names = _base_names  # then the coefficients: see _names()
    _fit_args = "frequency, recency, T, covariates, varying=..., weights=..."
    _name_lists = ("covariate_names", "varying_names")
    _hyperparameters = (
        "covariate_names",
        "purchase",
        "dropout",
        "varying_names",
        *BaseModel._hyperparameters,
    )

    def __init__(
        self,
        *,
        covariate_names: tuple[str, ...] = ("z",),
        purchase: tuple[str, ...] | None = None,
        dropout: tuple[str, ...] | None = None,
        varying_names: tuple[str, ...] = (),
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
        self.purchase = purchase
        self.dropout = dropout
        self.varying_names = varying_names

    # -- names ------------------------------------------------------------------------------

    def _purchase(self) -> tuple[str, ...]:
        return self.covariate_names if self.purchase is None else self.purchase

    def _dropout(self) -> tuple[str, ...]:
        return self.covariate_names if self.dropout is None else self.dropout

    def _names(self) -> tuple[str, ...]:
        return (
            *self._base_names,
            *(f"beta_purchase_{n}" for n in self._purchase()),
            *(f"beta_a_{n}" for n in self._dropout()),
            *(f"beta_b_{n}" for n in self._dropout()),
            *(f"beta_hazard_{n}" for n in self.varying_names),
        )

    def _split(self, Z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The purchase and dropout columns of a static covariate matrix."""
        names = list(self.covariate_names)
        purchase = [names.index(n) for n in self._purchase()]
        dropout = [names.index(n) for n in self._dropout()]
        return Z[:, purchase], Z[:, dropout]

    # -- fitting ----------------------------------------------------------------------------

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        covariates: ArrayLike | None = None,
        varying: ArrayLike | None = None,
        *,
        weights: ArrayLike | None = None,
    ) -> CovariateBetaGeo:
        """Fit on histories with their covariates; returns ``self``.

        ``frequency``, ``recency``, ``T`` and ``weights`` as for
        :meth:`~legame.models.bgnbd.BetaGeo.fit` (one row per distinct history and pattern,
        ``weights`` = customers sharing it); ``covariates``: one row per history, one column
        per name in ``covariate_names``; ``varying`` (when ``varying_names`` is set): one row
        per dropout decision, i.e. per repeat purchase - each row's ``frequency`` rows, in
        purchase order, rows in the order of ``frequency`` - holding what was known at that
        purchase.
        """
        where = f"{type(self).__name__}.fit"
        self._start_fit()
        x = inp.as_column(frequency, name="frequency", where=where)
        t_x = inp.as_column(recency, name="recency", where=where)
        T_ = inp.as_column(T, name="T", where=where)
        n = inp.same_length(where, {"frequency": x, "recency": t_x, "T": T_})
        Z = covariate_matrix(
            covariates, names=self.covariate_names, rows=n, name="covariates", where=where
        )
        w = inp.check_weights(where, weights, n)
        t_x = inp.check_histories(where, x, t_x, T_)
        dec = self._decision_rows(where, x, varying)
        keep = w > 0
        if not keep.all():
            dec = dec[np.repeat(keep, x.astype(np.int64))]
            w, x, t_x, T_, Z = w[keep], x[keep], t_x[keep], T_[keep], Z[keep]
        Zp, Zd = self._split(Z)
        kp, kd, m = Zp.shape[1], Zd.shape[1], dec.shape[1]
        start = np.r_[self._plain_start(x, t_x, T_, w), np.zeros(kp + 2 * kd + m)]
        free = [0, 1, 2, 3, *self._free(Zp, 4, 1), *self._free(Zd, 4 + kp, 2)]
        free += self._free(dec, 4 + kp + 2 * kd, 1)
        lik: LogLikelihood
        patterns = find_patterns(Z)
        if m or patterns.count > MAX_PATTERNS:
            lik = _RowLikelihood(x, t_x, T_, w, Zp, Zd, _Decisions(x, dec))
        else:
            lik = PatternLikelihood(
                lambda rows, weights: _BetaGeoLikelihood(x[rows], t_x[rows], T_[rows], weights),
                self._design(patterns),
                patterns,
                w,
            )
        self._fit_theta(
            lik,
            start,
            free=np.array(sorted(free), dtype=np.intp),
            n_log=4,
            n_customers=float(w.sum()),
            n_histories=int(w.size),
        )
        return self

    def _decision_rows(self, where: str, x: FloatArray, varying: ArrayLike | None) -> FloatArray:
        m = len(self.varying_names)
        decisions = int(x.sum())
        if not m:
            if varying is not None:
                raise inp.fail(
                    where,
                    "varying",
                    "be None when varying_names is empty",
                    "an array",
                    "Name its columns with varying_names=(...).",
                )
            return np.zeros((decisions, 0))
        return covariate_matrix(
            varying,
            names=self.varying_names,
            rows=decisions,
            name="varying",
            where=where,
            rows_are="one row per repeat purchase, in purchase order (the sum of frequency)",
        )

    def _plain_start(
        self, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray
    ) -> FloatArray:
        """log (r, alpha, a, b) of BG/NBD without covariates (the coefficients start at 0)."""
        plain = BetaGeo(
            penalizer=self.penalizer,
            tol=self.tol,
            max_iter=self.max_iter,
            strict=False,
            sample_histories=self.sample_histories,
            random_state=self.random_state,
        ).fit(x, t_x, T, weights=w)
        theta = np.log([plain.params_[n] for n in self._base_names])
        if np.all(np.isfinite(theta)) and np.all(np.abs(theta) < 15):
            return np.asarray(theta, dtype=np.float64)
        mean_T = max(inp.dot(w, T) / float(w.sum()), 1e-6)
        mean_x = max(inp.dot(w, x) / float(w.sum()), 0.05)
        return np.log([1.0, mean_T / mean_x / 4, 1.0, 2.0])

    def _design(self, patterns: Patterns) -> FloatArray:
        """``A_p``: (log r, log alpha_p, log a_p, log b_p) = A_p theta for each pattern."""
        Zp, Zd = self._split(patterns.values)
        kp, kd = Zp.shape[1], Zd.shape[1]
        A = np.zeros((patterns.count, 4, 4 + kp + 2 * kd))
        A[:, 0, 0] = A[:, 1, 1] = A[:, 2, 2] = A[:, 3, 3] = 1.0
        A[:, 1, 4 : 4 + kp] = -Zp
        A[:, 2, 4 + kp : 4 + kp + kd] = Zd
        A[:, 3, 4 + kp + kd :] = Zd
        return A

    def _hints(self) -> list[str]:
        return ["check that each covariate level holds repeat customers (frequency > 0);"]

    # -- predictions ------------------------------------------------------------------------

    def _pattern_params(self, Z: FloatArray) -> FloatArray:
        """(r, alpha, a, b) of the customers with static covariates ``Z`` (rows x k)."""
        self._check_fitted("predict")
        kp, kd = len(self._purchase()), len(self._dropout())
        Zp, Zd = self._split(Z)
        phi = self.phi_
        out = np.empty((Z.shape[0], 4))
        out[:, 0] = np.exp(phi[0])
        out[:, 1] = np.exp(phi[1] - Zp @ phi[4 : 4 + kp])
        out[:, 2] = np.exp(phi[2] + Zd @ phi[4 + kp : 4 + kp + kd])
        out[:, 3] = np.exp(phi[3] + Zd @ phi[4 + kp + kd : 4 + kp + 2 * kd])
        return out

    def _inputs(
        self,
        method: str,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        covariates: ArrayLike | None,
        extra: dict[str, ArrayLike] | None = None,
    ) -> tuple[tuple[int, ...], list[FloatArray], FloatArray]:
        """Validated, broadcast prediction inputs, and one row of covariates per history
        (``covariates``: one row for all, or one row per history)."""
        self._check_fitted(method)
        where = f"{type(self).__name__}.{method}"
        cols = {
            "frequency": inp.as_floats(frequency, name="frequency", where=where),
            "recency": inp.as_floats(recency, name="recency", where=where),
            "T": inp.as_floats(T, name="T", where=where),
        }
        for name, values in (extra or {}).items():
            cols[name] = inp.as_floats(values, name=name, where=where)
        shape, flat = inp.broadcast(where, cols)
        flat[1] = inp.check_histories(where, flat[0], flat[1], flat[2])
        return shape, flat, self._rows_of_covariates(where, covariates, flat[0].size)

    def _rows_of_covariates(
        self,
        where: str,
        covariates: ArrayLike | None,
        n: int,
        names: tuple[str, ...] | None = None,
        name: str = "covariates",
    ) -> FloatArray:
        """One row of ``covariates`` (columns ``names``: default ``covariate_names``) per
        history, from one row for all or one row per history."""
        names = self.covariate_names if names is None else names
        k = len(names)
        if covariates is None and k == 0:
            return np.zeros((n, 0))
        values = None if covariates is None else inp.as_floats(covariates, name=name, where=where)
        single = values is not None and values.ndim == 1 and values.size == k
        Z = covariate_matrix(
            values[None, :] if single and values is not None else values,
            names=names,
            rows=1 if single else n,
            name=name,
            where=where,
            rows_are="one row for all histories, or one row per history",
        )
        return np.repeat(Z, n, axis=0) if single else Z

    # -- the plain BG/NBD of a pattern, and forecasts -----------------------------------------

    def pattern_model(self, covariates: ArrayLike | None = None) -> BetaGeo:
        """The plain BG/NBD of the customers with these static covariates (one value per name
        in ``covariate_names``): ``r`` and the pattern's ``alpha, a, b``. Its ``cov_`` is the
        covariance of those four log parameters that the fit's gives (``A cov_ A'``, the
        coefficients held at 0 counting as known; NaN where the fit has none), so its CLV
        spread (:func:`~legame.models.clv.discounted_log_sd`) is the fit's. It predicts what
        this model predicts for those customers (with time-varying covariates: for those
        whose every decision had them all at 0)."""
        self._check_fitted("pattern_model")
        Z = self._rows_of_covariates(f"{type(self).__name__}.pattern_model", covariates, 1)
        return self._pattern_models(Z[:1])[0]

    def _pattern_models(self, values: FloatArray) -> list[BetaGeo]:
        """The plain BG/NBD of each pattern (row of ``values``), with its covariance."""
        params = self._pattern_params(values)
        design = self._design(Patterns(values, np.zeros(0, dtype=np.intp)))
        cov = self._known_cov()
        models = []
        for p in range(values.shape[0]):
            model = BetaGeo.from_params(
                dict(zip(self._base_names, map(float, params[p]), strict=True))
            )
            if cov is not None:
                k = design.shape[2]
                model.cov_ = design[p] @ cov[:k, :k] @ design[p].T
            models.append(model)
        return models

    def _by_pattern(
        self, Z: FloatArray, compute: Callable[[BetaGeo, IntArray], FloatArray]
    ) -> FloatArray:
        """``compute(plain BG/NBD of the pattern, its rows)`` for each pattern of ``Z``."""
        patterns = find_patterns(Z)
        models = self._pattern_models(patterns.values)
        out = np.empty(Z.shape[0])
        for p, rows in enumerate(patterns.rows()):
            if rows.size:
                out[rows] = compute(models[p], rows)
        return out

    def _state_rows(self, where: str, state: ArrayLike | None, n: int) -> FloatArray:
        """The time-varying covariates at the end of each history, held over a forecast."""
        if state is None:
            raise inp.fail(
                where,
                "state",
                "be given for a model with time-varying covariates",
                "None",
                "Forecasts need the future values of time-varying covariates, which are not "
                "known: pass each history's values at its end (T), one column per name in "
                "varying_names; they are held over the forecast.",
            )
        return self._rows_of_covariates(where, state, n, self.varying_names, "state")

    def _varying(
        self,
        where: str,
        x: FloatArray,
        t_x: FloatArray,
        T: FloatArray,
        Z: FloatArray,
        varying: ArrayLike | None,
        state: ArrayLike | None,
    ) -> fc.Varying:
        """The forecasts of histories with time-varying covariates, their state at T held
        (:class:`~legame.models.bgnbd_covariates_forecast.Varying`)."""
        S = self._state_rows(where, state, x.size)
        params, Cm, C = self._varying_sums(where, x, Z, varying)
        alive = fc.alive_from_sums(x, t_x, T, params, Cm, C)
        c_now = np.exp(S @ self.phi_[len(self.phi_) - S.shape[1] :])
        return fc.Varying(x, T, params, find_patterns(Z).index, C, c_now, alive)

    def _varying_sums(
        self, where: str, x: FloatArray, Z: FloatArray, varying: ArrayLike | None
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Each row's (r, alpha, a, b) and summed hazard multipliers before its last decision
        and in all (``varying``: one row per repeat purchase, as for ``fit``)."""
        dec = self._decision_rows(where, x, varying)
        beta = self.phi_[len(self.phi_) - len(self.varying_names) :]
        _, Cm, C = _Decisions(x, dec).sums(beta, x.size)
        return self._pattern_params(Z), Cm, C

    def predict_alive(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        covariates: ArrayLike | None = None,
        varying: ArrayLike | None = None,
    ) -> FloatArray | float:
        """P(alive at T | history, covariates) per history. ``covariates``: one row for all
        histories or one per history; ``varying`` (models with ``varying_names``): one row
        per repeat purchase, as for ``fit``."""
        shape, (x, t_x, T_), Z = self._inputs("predict_alive", frequency, recency, T, covariates)
        if self.varying_names:
            where = f"{type(self).__name__}.predict_alive"
            params, Cm, C = self._varying_sums(where, x, Z, varying)
            return inp.shaped(fc.alive_from_sums(x, t_x, T_, params, Cm, C), shape)
        out = self._by_pattern(Z, lambda m, rows: m._alive(x[rows], t_x[rows], T_[rows]))
        return inp.shaped(out, shape)

    def predict_purchases(
        self,
        t: ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        covariates: ArrayLike | None = None,
        varying: ArrayLike | None = None,
        state: ArrayLike | None = None,
    ) -> FloatArray | float:
        """Expected purchases in (T, T + t] given each history and its covariates: BG/NBD's
        conditional expectation at the pattern's parameters. With time-varying covariates
        (``varying`` as for ``fit``; ``state``: their values at T, one row per history or
        one for all), ``t`` is one number and the state at T is held over (T, T + t]
        (:mod:`~legame.models.bgnbd_covariates_forecast`)."""
        self._check_fitted("predict_purchases")
        where = f"{type(self).__name__}.predict_purchases"
        if self.varying_names:
            t_ = inp.check_scalar(where, "t", t, low=0.0)  # type: ignore[arg-type]
            shape, (x, t_x, T_), Z = self._inputs(
                "predict_purchases", frequency, recency, T, covariates
            )
            forecast = self._varying(where, x, t_x, T_, Z, varying, state)
            given = forecast.alive_expected(np.array([t_]))[:, 0]
            return inp.shaped(forecast.alive * given[forecast.unit], shape)
        shape, (x, t_x, T_, tt), Z = self._inputs(
            "predict_purchases", frequency, recency, T, covariates, {"t": t}
        )
        inp.check_at_least(where, "t", tt, 0.0)
        out = self._by_pattern(
            Z, lambda m, rows: m._per_row_purchases(x[rows], t_x[rows], T_[rows], tt[rows])
        )
        return inp.shaped(out, shape)

    def expected_purchases(
        self, t: ArrayLike, covariates: ArrayLike | None = None, state: ArrayLike | None = None
    ) -> FloatArray | float:
        """Expected purchases in (0, t] of a new customer with these static covariates (one
        row), and with time-varying ones at ``state`` (one row), held."""
        self._check_fitted("expected_purchases")
        where = f"{type(self).__name__}.expected_purchases"
        t_arr = inp.as_floats(t, name="t", where=where)
        inp.check_at_least(where, "t", t_arr.reshape(-1), 0.0)
        Z = self._rows_of_covariates(where, covariates, 1)
        if not self.varying_names:
            return self._pattern_models(Z)[0].expected_purchases(t_arr)
        zero, none = np.zeros(1), np.zeros((0, len(self.varying_names)))
        forecast = self._varying(where, zero, zero, zero, Z, none, state)
        flat = t_arr.reshape(-1)
        return inp.shaped(forecast.alive_expected(flat)[0], t_arr.shape)

    def horizon_table(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        covariates: ArrayLike | None = None,
        varying: ArrayLike | None = None,
        state: ArrayLike | None = None,
        *,
        t: float,
        horizon: int,
        periods_per_year: float,
        discount_rate: float,
        level: float = 0.9,
    ) -> fc.CovariateHorizon:
        """What ``legame score --covariates`` stores per history: the values of
        :func:`~legame.models.clv.horizon_table` at each customer's own pattern (and, with
        time-varying covariates, history and state at T held over the horizon:
        :mod:`~legame.models.bgnbd_covariates_forecast`), and the expected gap between
        purchases while alive. The spread of
        ln(discounted purchases) is the fit's (:meth:`pattern_model`) with static covariates
        only; with time-varying ones it is NaN (not computed)."""
        where = f"{type(self).__name__}.horizon_table"
        _, (x, t_x, T_), Z = self._inputs("horizon_table", frequency, recency, T, covariates)
        t_ = inp.check_scalar(where, "t", t, low=0.0)
        level_ = inp.check_scalar(where, "level", level, low=0.0, low_open=True, high=1.0 - 1e-9)
        _check_horizon(where, horizon)
        inp.check_scalar(where, "periods_per_year", periods_per_year, low=0.0, low_open=True)
        inp.check_scalar(where, "discount_rate", discount_rate, low=0.0)
        options = {"t": t_, "periods_per_year": periods_per_year, "level": level_}
        if self.varying_names:
            forecast = self._varying(where, x, t_x, T_, Z, varying, state)
            return forecast.horizon(horizon=horizon, discount_rate=discount_rate, **options)
        patterns = find_patterns(Z)
        return fc.horizon(
            self._pattern_models(patterns.values),
            patterns.rows(),
            x,
            t_x,
            T_,
            horizon=horizon,
            discount_rate=discount_rate,
            **options,
        )
