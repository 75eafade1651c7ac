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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from . import _inputs as inp
from ._inputs import FloatArray
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
    curve = purchase_model._purchase_curve(x, t_x, T_)
    return inp.shaped(_discounted(curve, x.size, horizon, ppy, d), shape)


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
    curve = purchase_model._purchase_curve(x, t_x, T_, alive)
    return curve(t_), alive, _discounted(curve, x.size, horizon, ppy, d)


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
