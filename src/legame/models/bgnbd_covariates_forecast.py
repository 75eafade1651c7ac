"""Forecasts of BG/NBD with covariates (:class:`~legame.models.CovariateBetaGeo`): each
customer's forecast is a plain BG/NBD's, computed by BG/NBD's own functions.

* **Static covariates**: the customers of one pattern share a BG/NBD (r and the pattern's
  alpha, a, b: ``CovariateBetaGeo.pattern_model``), which forecasts for them, P(alive)
  included (:func:`horizon` runs :func:`~legame.models.clv.horizon_table` per pattern).
* **Time-varying covariates** (on the dropout; :class:`Varying`): given alive at T, a
  customer's purchase rate is Gamma(r + x, alpha + T) and their dropout chance p is
  Beta(a, b + C), C the history's summed hazard multipliers (x when the covariates are all
  0). Each later purchase is survived with probability (1 - p)^c, c = exp(beta' w) at the
  customer's state at T, **held over the forecast** (the future values are not known). That
  survival is taken as the Beta with its mean: 1 - p* ~ Beta(b*, a) with b* / (a + b*) =
  E[(1 - p)^c] = B(a, b + C + c) / B(a, b + C); exact where c is 1 (b* = b + C), an
  approximation of the spread of p* otherwise (within 0.5 % of a simulation's expected
  purchases for c from 0.3 to 3, ``tests/covariates/test_forecasts.py``). Alive at T,
  the customer is then a new customer of BG/NBD (r + x, alpha + T, a, b*): the expected
  purchases are :func:`~legame.models.bgnbd._h`'s (FHL 2005, eq. 10 given alive) and their
  distribution :func:`~legame.models.bgnbd.bgnbd_pmf`'s, mixed with the history's own
  P(alive) (:func:`alive_from_sums`).

Both are computed once per distinct *unit* (static pattern, b* - x, x, T). ``_h`` takes one
(r, alpha, a, b) at a time and reads them as r + x and b + x, so the units that share
b* - x (to 1e-9) and their static pattern are one call at (r + s, alpha, a, b* - x + s) with
frequency x - s (s: their least frequency: every parameter positive), every month of the
horizon at once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import betaln

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from .bgnbd import BetaGeo, _h, bgnbd_pmf
from .clv import _discounted, expected_gap, horizon_table
from .predictive import summarize_horizon


class CovariateHorizon(NamedTuple):
    """Per history, what ``legame score`` stores: :class:`~legame.models.clv.HorizonTable`'s
    columns and the expected gap between purchases while alive."""

    expected: FloatArray
    alive: FloatArray
    discounted: FloatArray
    p_no_purchase: FloatArray
    purchases_low: IntArray
    purchases_high: IntArray
    discounted_log_sd: FloatArray
    expected_gap: FloatArray


def alive_from_sums(
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    params: FloatArray,
    Cm: FloatArray,
    C: FloatArray,
) -> FloatArray:
    """P(alive at T) with time-varying covariates (the latent-dropout model's, as
    :class:`~legame.models.LatentDropout` gives it), from each row's (r, alpha, a, b) and
    summed hazard multipliers before the last decision (``Cm``) and in all (``C``)."""
    alpha, a, b = params[:, 1], params[:, 2], params[:, 3]
    r = float(params[0, 0]) if params.shape[0] else 1.0
    rep = x > 0
    rx = r + x[rep]
    ar, br = a[rep], b[rep]
    ln_ab = betaln(ar, br)
    u = betaln(ar, br + Cm[rep]) - ln_ab
    v = betaln(ar, br + C[rep]) - ln_ab
    dropped = np.log(-np.expm1(v - u)) + u - rx * np.log(alpha[rep] + t_x[rep])
    alive_term = v - rx * np.log(alpha[rep] + T[rep])
    alive = np.ones(x.size)
    alive[rep] = np.exp(alive_term - np.logaddexp(dropped, alive_term))
    return alive


class Varying:
    """The forecasts of rows with time-varying covariates (see the module docstring): each
    row's frequency ``x``, ``T``, (r, alpha, a, b) ``params``, static pattern ``static``,
    summed hazard multipliers ``C``, multiplier at T ``c_now`` and P(alive) ``alive``."""

    def __init__(
        self,
        x: FloatArray,
        T: FloatArray,
        params: FloatArray,
        static: IntArray,
        C: FloatArray,
        c_now: FloatArray,
        alive: FloatArray,
    ) -> None:
        self.alive = alive
        self.r = float(params[0, 0]) if x.size else 1.0
        a, b = params[:, 2], params[:, 3]
        b_post = b + C
        log_mean = betaln(a, b_post + c_now) - betaln(a, b_post)
        with np.errstate(divide="ignore", invalid="ignore"):
            b_star = a * np.exp(log_mean) / -np.expm1(log_mean)
        b_eff = np.where(c_now == 1.0, b + (C - x), b_star - x)
        shared = np.round(b_eff, 9)
        keys = np.column_stack([static.astype(np.float64), shared, x, T])
        first, unit = _distinct(keys)
        self.unit = unit  # each row's unit
        self.x, self.T = x[first], T[first]
        self.alpha, self.a = params[first, 1], params[first, 2]
        self.b = b_eff[first] + self.x  # b*: the dropout beta's b of a unit alive at T
        # The calls to _h: units that share their static pattern and b* - x.
        self._calls = _split(_distinct(keys[first][:, :2])[1])

    def alive_expected(self, times: FloatArray) -> FloatArray:
        """E[purchases in (T, T + t] | alive at T] per unit (rows) and time (columns)."""
        out = np.empty((self.x.size, times.size))
        for units in self._calls:
            least = units[np.argmin(self.x[units])]
            s = float(self.x[least])
            a, alpha = float(self.a[least]), float(self.alpha[least])
            b = float(self.b[least])  # b* - x + s of them all (to 1e-9), > 0
            x = self.x[units, None] - s
            # FHL 2005, eq. 10 given alive, as BetaGeo._purchase_curve computes it
            h = _h(x, self.T[units, None], times[None, :], self.r + s, alpha, a, b)
            out[units] = (a + b + x - 1) * h
        return out

    def alive_pmf(self, units: IntArray, t: float, max_count: int) -> FloatArray:
        """P(k purchases in (T, T + t] | alive at T) of some units (BetaGeo._alive_pmf)."""
        out = np.empty((units.size, max_count + 1))
        a = self.a[units]
        for value in np.unique(a):
            rows = np.flatnonzero(a == value)
            u = units[rows]
            out[rows] = bgnbd_pmf(
                self.r + self.x[u], self.alpha[u] + self.T[u], float(value), self.b[u], t, max_count
            )
        return out

    def horizon(
        self, *, t: float, horizon: int, periods_per_year: float, discount_rate: float, level: float
    ) -> CovariateHorizon:
        """Per row, :func:`~legame.models.clv.horizon_table`'s values (the spread NaN: not
        computed) and the expected gap."""
        month = periods_per_year / 12.0
        months = np.arange(1, horizon + 1) * month
        curves = self.alive_expected(np.r_[t, months])
        at_t, by_month = curves[:, 0], curves[:, 1:]

        def curve(u: float) -> FloatArray:  # the months _discounted asks for, looked up
            return by_month[:, round(u / month) - 1]

        per_unit = _discounted(curve, self.x.size, horizon, periods_per_year, discount_rate)
        p0, low, high = summarize_horizon(
            lambda units, k: self.alive_pmf(units, t, k), self.unit, self.alive, level, mean=at_t
        )
        unit, alive = self.unit, self.alive
        gap = (self.alpha + self.T) / (self.r + self.x)
        return CovariateHorizon(
            alive * at_t[unit],
            alive,
            alive * per_unit[unit],
            p0,
            low,
            high,
            np.full(unit.size, np.nan),
            gap[unit],
        )


def horizon(
    models: list[BetaGeo],
    rows: list[IntArray],
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    *,
    t: float,
    horizon: int,
    periods_per_year: float,
    discount_rate: float,
    level: float,
) -> CovariateHorizon:
    """Per row, :func:`~legame.models.clv.horizon_table`'s values at the BG/NBD of its static
    pattern (``models[p]`` for the rows ``rows[p]``), and the expected gap."""
    n = x.size
    columns: dict[str, np.ndarray] = {name: np.empty(n) for name in CovariateHorizon._fields}
    columns["purchases_low"] = np.empty(n, np.int64)
    columns["purchases_high"] = np.empty(n, np.int64)
    for model, members in zip(models, rows, strict=True):
        if not members.size:
            continue
        table = horizon_table(
            model,
            x[members],
            t_x[members],
            T[members],
            t=t,
            horizon=horizon,
            periods_per_year=periods_per_year,
            discount_rate=discount_rate,
            level=level,
        )
        for name, values in table._asdict().items():
            columns[name][members] = values
        columns["expected_gap"][members] = expected_gap(model, x[members], T[members])
    return CovariateHorizon(**columns)


def _distinct(keys: FloatArray) -> tuple[IntArray, IntArray]:
    """The first row of each distinct row of ``keys``, and each row's index among them."""
    codes = np.zeros(keys.shape[0], dtype=np.int64)
    for j in range(keys.shape[1]):
        uniq, col = inp.factorize(np.ascontiguousarray(keys[:, j]))
        codes = np.unique(codes * uniq.size + col, return_inverse=True)[1].reshape(-1)
    first = np.zeros(int(codes.max()) + 1 if codes.size else 0, dtype=np.int64)
    first[codes[::-1]] = np.arange(codes.size - 1, -1, -1)
    return first, codes.astype(np.int64)


def _split(groups: IntArray) -> list[IntArray]:
    """The indices of each group's members."""
    order = np.argsort(groups, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(groups[order])) + 1) if groups.size else []
