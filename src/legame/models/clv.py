"""Discounted customer lifetime value from a purchase model and a spend model.

Units. ``frequency``, ``recency`` and ``T`` are in the time unit the purchase model was fitted
in (days or weeks: whatever the summary used). ``periods_per_year`` says how many of those
units make a year (365.25 for days, 52.18 for weeks) so that the function can step through the
horizon month by month: one month is ``periods_per_year / 12`` units. ``horizon`` is a number
of months, ``discount_rate`` an annual rate (0.10 = 10 % a year) and ``margin`` the share of
spend that is profit (1.0 gives discounted revenue).

Computation::

    month k = 1..horizon:  purchases_k = E[Y(k u) | history] - E[Y((k-1) u) | history]
                           (u = periods_per_year / 12, E[Y(t)] = purchase_model's conditional
                           expectation, so purchases_k is what the customer buys in month k)
    CLV = margin * E[spend per purchase | history] * sum_k purchases_k / (1 + d)^(k / 12)

i.e. each month's purchases are discounted from the end of that month at the annual rate d.
The expensive parts (P(alive), the hypergeometric terms) are computed once per history or per
distinct (frequency, T), then each month costs a few array operations.

Parameter uncertainty (:func:`discounted_log_sd`). The discounted purchases D of a history are
P(alive) times C, the discounted purchases of a customer alive at T, which depends on
(frequency, T) only. Their uncertainty from the estimate is taken by the delta method in log
parameters phi (the fit's ``cov_``):

    Var(ln D) = g' cov_ g,   g = d ln P(alive)/d phi + d ln C/d phi,

the gradient by forward differences (step 1e-5 in each ln parameter): one more P(alive) per
history (unless the model gives d ln P(alive)/d phi in closed form, as BG/NBD does) and one
more C per distinct (frequency, T) for each of the four parameters, C summed by quarters for
this (:func:`_quarterly_discounted`). CLV's interval adds the spend model's
own uncertainty (see ``docs/scores.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import ArrayLike

from . import _inputs as inp
from ._inputs import FloatArray, IntArray
from .base import PurchaseModel


class SpendModel(Protocol):
    """A fitted spend model such as :class:`~legame.models.GammaGamma`."""

    def predict_spend(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> FloatArray | float: ...


def customer_lifetime_value(
    purchase_model: PurchaseModel,
    spend_model: SpendModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: int,
    periods_per_year: float,
    discount_rate: float,
    margin: float,
) -> FloatArray | float:
    """Discounted CLV over the next ``horizon`` months for each history (see module docstring).

    ``purchase_model`` is a fitted :class:`~legame.models.BetaGeo` or
    :class:`~legame.models.ParetoNBD`, ``spend_model`` a fitted
    :class:`~legame.models.GammaGamma`. ``monetary_value`` is the mean spend of the repeat
    purchases (ignored where frequency is 0, where the population mean is used).

    >>> customer_lifetime_value(bg, gg, f, r, T, m, horizon=12, periods_per_year=52.18,
    ...                         discount_rate=0.10, margin=0.3)              # doctest: +SKIP
    """
    where = "customer_lifetime_value"
    margin_ = inp.check_scalar(where, "margin", margin, low=0.0, high=1.0)
    purchases = discounted_purchases(
        purchase_model,
        frequency,
        recency,
        T,
        horizon=horizon,
        periods_per_year=periods_per_year,
        discount_rate=discount_rate,
        monetary_value=monetary_value,
        _where=where,
    )
    shape, (x, _, _, m) = purchase_model._histories(
        where, frequency, recency, T, {"monetary_value": monetary_value}
    )
    spend = np.asarray(spend_model.predict_spend(x, m), dtype=np.float64)
    return inp.shaped(margin_ * spend * np.asarray(purchases).ravel(), shape)


def discounted_purchases(
    purchase_model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    horizon: int,
    periods_per_year: float,
    discount_rate: float,
    monetary_value: ArrayLike | None = None,
    _where: str = "discounted_purchases",
) -> FloatArray | float:
    """Expected purchases over the next ``horizon`` months, each month discounted at the
    annual rate: ``sum_k purchases_k / (1 + d)^(k / 12)`` (see the module docstring).

    CLV is this times the expected spend per purchase times the margin; computing it once
    per distinct history and multiplying per customer is how ``legame score`` scales.
    """
    where = _where
    _check_horizon(where, horizon)
    ppy = inp.check_scalar(where, "periods_per_year", periods_per_year, low=0.0, low_open=True)
    d = inp.check_scalar(where, "discount_rate", discount_rate, low=0.0)
    _check_model(where, purchase_model)
    extra = {} if monetary_value is None else {"monetary_value": monetary_value}
    shape, columns = purchase_model._histories(where, frequency, recency, T, extra)
    x, t_x, T_ = columns[:3]
    pairs = _pairs(x, T_)
    per_pair = _pair_discounted(purchase_model, pairs, horizon, ppy, d)
    return inp.shaped(purchase_model._alive(x, t_x, T_) * per_pair[pairs.row], shape)


def horizon_predictions(
    purchase_model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    t: float,
    horizon: int,
    periods_per_year: float,
    discount_rate: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """For each history at once: expected purchases in the next ``t`` time units, P(alive),
    and :func:`discounted_purchases` over ``horizon`` months: the same values as the three
    calls, with the per-history work (validation, P(alive), the distinct frequency and T
    values) done once instead of three times."""
    where = "horizon_predictions"
    _check_horizon(where, horizon)
    t_ = inp.check_scalar(where, "t", t, low=0.0)
    ppy = inp.check_scalar(where, "periods_per_year", periods_per_year, low=0.0, low_open=True)
    d = inp.check_scalar(where, "discount_rate", discount_rate, low=0.0)
    _check_model(where, purchase_model)
    _, (x, t_x, T_) = purchase_model._histories(where, frequency, recency, T)
    alive = purchase_model._alive(x, t_x, T_)
    expected = purchase_model._purchase_curve(x, t_x, T_, alive)(t_)
    pairs = _pairs(x, T_)
    per_pair = _pair_discounted(purchase_model, pairs, horizon, ppy, d)
    return expected, alive, alive * per_pair[pairs.row]


def expected_gap(purchase_model: PurchaseModel, x: ArrayLike, T: ArrayLike) -> FloatArray:
    """The expected time between purchases while alive, per history: the reciprocal of the
    posterior mean purchase rate (r + x) / (alpha + T) of the gamma mixing of every purchase
    model here, in the model's time unit. Churn risk calls a silence longer than twice this
    a signal (``sql/defs/churn_risk.sql``)."""
    params = purchase_model.params_
    rate = (params["r"] + np.asarray(x, dtype=np.float64)) / (
        params["alpha"] + np.asarray(T, dtype=np.float64)
    )
    return np.asarray(1.0 / np.maximum(rate, 1e-12), dtype=np.float64)


class HorizonTable(NamedTuple):
    """What ``legame score`` stores per distinct history (:func:`horizon_table`)."""

    expected: FloatArray
    alive: FloatArray
    discounted: FloatArray
    p_no_purchase: FloatArray
    purchases_low: IntArray
    purchases_high: IntArray
    discounted_log_sd: FloatArray


def horizon_table(
    purchase_model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    t: float,
    horizon: int,
    periods_per_year: float,
    discount_rate: float,
    level: float = 0.9,
) -> HorizonTable:
    """:func:`horizon_predictions`, then P(no purchase in the next ``t`` time units), the
    ``level`` predictive interval of the purchases there (the values of
    ``predict_p_no_purchase`` and ``predict_purchase_interval``) and
    :func:`discounted_log_sd`, for each history at once, the work they share done once."""
    where = "horizon_table"
    _check_horizon(where, horizon)
    t_ = inp.check_scalar(where, "t", t, low=0.0)
    ppy = inp.check_scalar(where, "periods_per_year", periods_per_year, low=0.0, low_open=True)
    d = inp.check_scalar(where, "discount_rate", discount_rate, low=0.0)
    level_ = inp.check_scalar(where, "level", level, low=0.0, low_open=True, high=1.0 - 1e-9)
    _check_model(where, purchase_model)
    _, (x, t_x, T_) = purchase_model._histories(where, frequency, recency, T)
    alive = purchase_model._alive(x, t_x, T_)
    pairs = _pairs(x, T_)
    # The spread's extra curves run beside the distribution (NumPy and SciPy release the GIL).
    with ThreadPoolExecutor(1) as pool:
        spread = pool.submit(_log_sd, purchase_model, x, t_x, T_, pairs, alive, horizon, ppy, d)
        curve = purchase_model._purchase_curve(pairs.x, pairs.T, pairs.T, np.ones(pairs.x.size))
        at_t = curve(t_)  # given alive, per distinct (frequency, T)
        per_pair = _discounted(curve, pairs.x.size, horizon, ppy, d)
        p0, low, high = purchase_model._horizon_distribution(
            x, t_x, T_, t_, level_, alive, (pairs.x, pairs.T, pairs.row, at_t)
        )
        return HorizonTable(
            alive * at_t[pairs.row],
            alive,
            alive * per_pair[pairs.row],
            p0,
            low,
            high,
            spread.result(),
        )


def discounted_log_sd(
    purchase_model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    horizon: int,
    periods_per_year: float,
    discount_rate: float,
) -> FloatArray | float:
    """The standard deviation of ln :func:`discounted_purchases` that the uncertainty of the
    purchase model's estimate gives (its ``cov_``), per history, by the delta method (see the
    module docstring); NaN for a model without a covariance (``from_params``).

    A 90 % interval of the discounted purchases is then D exp(-+1.645 sd).
    """
    where = "discounted_log_sd"
    _check_horizon(where, horizon)
    ppy = inp.check_scalar(where, "periods_per_year", periods_per_year, low=0.0, low_open=True)
    d = inp.check_scalar(where, "discount_rate", discount_rate, low=0.0)
    _check_model(where, purchase_model)
    shape, (x, t_x, T_) = purchase_model._histories(where, frequency, recency, T)
    spread = _log_sd(purchase_model, x, t_x, T_, _pairs(x, T_), None, horizon, ppy, d)
    return inp.shaped(spread, shape)


#: The forward-difference step of the delta method, in ln parameters.
_STEP = 1e-5
#: Below any probability the logs need to tell apart.
TINY = 1e-300


class _Pairs(NamedTuple):
    """The distinct (frequency, T) of some histories, and each history's."""

    x: FloatArray
    T: FloatArray
    row: IntArray


def _pairs(x: FloatArray, T: FloatArray) -> _Pairs:
    ux, xi = inp.factorize(x)
    uT, Ti = inp.factorize(T)
    keys, index = inp.factorize_pairs(xi, ux.size, Ti, uT.size)
    return _Pairs(ux[keys // uT.size], uT[keys % uT.size], index)


def _pair_discounted(
    model: PurchaseModel, pairs: _Pairs, horizon: int, ppy: float, d: float
) -> FloatArray:
    """The discounted purchases of a customer alive at T, per distinct (frequency, T): the
    purchase curve's factor beside P(alive), which depends on frequency and T only."""
    curve = model._purchase_curve(pairs.x, pairs.T, pairs.T, np.ones(pairs.x.size))
    return _discounted(curve, pairs.x.size, horizon, ppy, d)


def _log_sd(
    model: PurchaseModel,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    pairs: _Pairs,
    alive: FloatArray | None,
    horizon: int,
    ppy: float,
    d: float,
) -> FloatArray:
    """:func:`discounted_log_sd` on validated histories; ``alive`` is P(alive) at the estimate
    when the caller has it."""
    cov = np.asarray(model.cov_, dtype=np.float64)
    if not np.all(np.isfinite(cov)):
        return np.full(x.size, np.nan)

    def log_pair(m: PurchaseModel) -> FloatArray:
        curve = m._purchase_curve(pairs.x, pairs.T, pairs.T, np.ones(pairs.x.size))
        return np.log(np.maximum(_quarterly_discounted(curve, pairs.x.size, horizon, ppy, d), TINY))

    def log_alive(m: PurchaseModel) -> FloatArray:
        return np.log(np.maximum(m._alive(x, t_x, T), TINY))

    names = model._param_names
    phi = np.log([model.params_[name] for name in names])
    if alive is None:
        alive = model._alive(x, t_x, T)
    # The gradient of ln P(alive) in closed form where the model has it (then each row of it
    # takes its pair's term in place), else by differences.
    closed = model._log_alive_gradient(x, t_x, T, alive)
    grad = np.empty((len(names), x.size)) if closed is None else closed
    alive0 = np.log(np.maximum(alive, TINY)) if closed is None else None
    pair0 = log_pair(model)
    for i in range(len(names)):
        bumped = phi.copy()
        bumped[i] += _STEP
        other = type(model).from_params(dict(zip(names, np.exp(bumped), strict=True)))
        if alive0 is not None:
            grad[i] = (log_alive(other) - alive0) / _STEP
        grad[i] += ((log_pair(other) - pair0) / _STEP)[pairs.row]
    var: FloatArray = np.einsum("in,ij,jn->n", grad, cov, grad)
    return np.sqrt(np.maximum(var, 0.0))


def _check_horizon(where: str, horizon: int) -> None:
    if not (
        isinstance(horizon, int | np.integer)
        and not isinstance(horizon, bool)
        and 1 <= horizon <= 1200
    ):
        raise inp.fail(
            where, "horizon", "be a whole number of months in [1, 1200]", f"horizon={horizon!r}"
        )


def _check_model(where: str, purchase_model: PurchaseModel) -> None:
    if not isinstance(purchase_model, PurchaseModel):
        raise inp.fail(
            where,
            "purchase_model",
            "be a BetaGeo or ParetoNBD model",
            type(purchase_model).__name__,
        )
    purchase_model._check_fitted(where)


def _quarterly_discounted(
    curve: Callable[[float], FloatArray], n: int, horizon: int, ppy: float, d: float
) -> FloatArray:
    """:func:`_discounted` on steps of three months (the last one shorter), each step's
    purchases discounted from the end of its middle month: what the delta method
    differentiates, a third of the curve's evaluations (the standard deviation it gives is
    within 0.1 % of the monthly sum's on the benchmark's data)."""
    month = ppy / 12.0
    total = np.zeros(n)
    before = np.zeros(n)
    start = 0
    for end in (*range(3, horizon, 3), horizon):
        now = curve(end * month)
        total += (now - before) / (1.0 + d) ** ((start + 1 + end) / 24.0)
        before, start = now, end
    return total


def _discounted(
    curve: Callable[[float], FloatArray], n: int, horizon: int, ppy: float, d: float
) -> FloatArray:
    month = ppy / 12.0
    total = np.zeros(n)
    before = np.zeros(n)
    for k in range(1, int(horizon) + 1):
        now = curve(k * month)
        total += (now - before) / (1.0 + d) ** (k / 12.0)
        before = now
    return total
