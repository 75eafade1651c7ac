"""Discounted CLV: against lifetimes, and against its own definition step by step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from legame.errors import InputError, NotFittedError
from legame.models import BetaGeo, GammaGamma, ParetoNBD, customer_lifetime_value

if TYPE_CHECKING:
    from conftest import CdnowSummary

ROWS = [0, 1, 2, 19, 150, 1000]
# lifetimes 0.11.3, same fixture data: gg.customer_lifetime_value(model, f, r, T, m, time=...,
# discount_rate=0.01, freq="W"), i.e. months of 4.345 weeks, 1 % a month, margin 1.
LIFETIMES_CLV_BG_12 = [
    36.27397745116146,
    4.6409361264847195,
    8.344480971584149,
    8.368828062053135,
    81.92857321209183,
    9.35303885207564,
]
LIFETIMES_CLV_PNBD_24 = [
    70.57169278703165,
    6.364866280796385,
    7.407374722113839,
    7.444760699038982,
    148.57582893888969,
    9.002052838881276,
]
LIFETIMES_UNITS: dict[str, Any] = {
    "periods_per_year": 12 * 4.345,
    "discount_rate": 1.01**12 - 1,
    "margin": 1.0,
}


@pytest.fixture(scope="module")
def models(cdnow: CdnowSummary) -> tuple[BetaGeo, ParetoNBD, GammaGamma]:
    f, r, T, m = cdnow.frequency, cdnow.recency, cdnow.T, cdnow.monetary_value
    return (BetaGeo().fit(f, r, T), ParetoNBD().fit(f, r, T), GammaGamma().fit(f[f > 0], m[f > 0]))


def _rows(cdnow: CdnowSummary) -> tuple[np.ndarray, ...]:
    return (cdnow.frequency[ROWS], cdnow.recency[ROWS], cdnow.T[ROWS], cdnow.monetary_value[ROWS])


def test_clv_matches_lifetimes_for_bgnbd_and_paretonbd(models: tuple, cdnow: CdnowSummary) -> None:
    """lifetimes discounts month k by (1 + monthly rate)^k; an annual rate of 1.01^12 - 1
    applied per month as (1 + annual)^(k/12) is the same factor."""
    bg, pnbd, gg = models
    got_bg = customer_lifetime_value(bg, gg, *_rows(cdnow), horizon=12, **LIFETIMES_UNITS)
    np.testing.assert_allclose(got_bg, LIFETIMES_CLV_BG_12, rtol=1e-5)
    got_p = customer_lifetime_value(pnbd, gg, *_rows(cdnow), horizon=24, **LIFETIMES_UNITS)
    np.testing.assert_allclose(got_p, LIFETIMES_CLV_PNBD_24, rtol=1e-4)


def test_clv_is_the_discounted_sum_of_monthly_purchases_times_spend(
    models: tuple, cdnow: CdnowSummary
) -> None:
    bg, _, gg = models
    f, r, T, m = cdnow.frequency, cdnow.recency, cdnow.T, cdnow.monetary_value
    weeks_per_month = 52.18 / 12
    expected = np.zeros(f.size)
    for k in range(1, 7):
        bought = bg.predict_purchases(k * weeks_per_month, f, r, T) - bg.predict_purchases(
            (k - 1) * weeks_per_month, f, r, T
        )
        expected += bought / 1.08 ** (k / 12)
    expected *= 0.3 * np.asarray(gg.predict_spend(f, m))
    got = customer_lifetime_value(
        bg, gg, f, r, T, m, horizon=6, periods_per_year=52.18, discount_rate=0.08, margin=0.3
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_undiscounted_clv_is_spend_times_expected_purchases_over_the_horizon(
    models: tuple, cdnow: CdnowSummary
) -> None:
    _, pnbd, gg = models
    f, r, T, m = _rows(cdnow)
    got = customer_lifetime_value(
        pnbd, gg, f, r, T, m, horizon=36, periods_per_year=52.0, discount_rate=0.0, margin=1.0
    )
    expected = np.asarray(gg.predict_spend(f, m)) * pnbd.predict_purchases(156.0, f, r, T)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_clv_grows_with_the_horizon_and_falls_with_the_discount_rate(
    models: tuple, cdnow: CdnowSummary
) -> None:
    bg, _, gg = models
    args = (bg, gg, *_rows(cdnow))
    short = customer_lifetime_value(
        *args, horizon=12, periods_per_year=52.18, discount_rate=0.1, margin=1.0
    )
    long = customer_lifetime_value(
        *args, horizon=60, periods_per_year=52.18, discount_rate=0.1, margin=1.0
    )
    dear = customer_lifetime_value(
        *args, horizon=60, periods_per_year=52.18, discount_rate=0.3, margin=1.0
    )
    assert np.all(long > short) and np.all(dear < long) and np.all(short > 0)


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"horizon": 0}, r"'horizon'.*months in \[1, 1200\]"),
        ({"horizon": 1.5}, r"'horizon'"),
        ({"periods_per_year": 0}, r"'periods_per_year'.*Got periods_per_year=0"),
        ({"discount_rate": -0.1}, r"'discount_rate'.*\[0, inf\]"),
        ({"margin": 1.5}, r"'margin'.*\[0, 1\]"),
    ],
)
def test_clv_rejects_bad_units_naming_the_argument(
    models: tuple, cdnow: CdnowSummary, changes: dict, pattern: str
) -> None:
    bg, _, gg = models
    kwargs: dict[str, Any] = {
        "horizon": 12,
        "periods_per_year": 52.18,
        "discount_rate": 0.1,
        "margin": 1.0,
    }
    kwargs.update(changes)
    with pytest.raises(InputError, match=pattern):
        customer_lifetime_value(bg, gg, *_rows(cdnow), **kwargs)


def test_clv_needs_a_fitted_purchase_model(models: tuple, cdnow: CdnowSummary) -> None:
    _, _, gg = models
    kwargs: dict[str, Any] = {
        "horizon": 12,
        "periods_per_year": 52.18,
        "discount_rate": 0.1,
        "margin": 1.0,
    }
    with pytest.raises(NotFittedError, match=r"BetaGeo.*fit\(frequency, recency, T"):
        customer_lifetime_value(BetaGeo(), gg, *_rows(cdnow), **kwargs)
    with pytest.raises(InputError, match=r"'purchase_model'.*BetaGeo or ParetoNBD"):
        customer_lifetime_value(gg, gg, *_rows(cdnow), **kwargs)


def test_clv_is_discounted_purchases_times_spend_times_margin(cdnow) -> None:
    """One CLV = margin x expected spend x discounted purchases: the identity `legame score`
    relies on when it computes discounted purchases once per distinct history."""
    from legame.models import BetaGeo, GammaGamma, customer_lifetime_value, discounted_purchases

    x, t_x, T, m = cdnow.frequency, cdnow.recency, cdnow.T, cdnow.monetary_value
    bg = BetaGeo().fit(x, t_x, T)
    repeat = x > 0
    gg = GammaGamma().fit(x[repeat], m[repeat])
    clv = customer_lifetime_value(
        bg, gg, x, t_x, T, m, horizon=12, periods_per_year=52.18, discount_rate=0.1, margin=0.3
    )
    dp = discounted_purchases(bg, x, t_x, T, horizon=12, periods_per_year=52.18, discount_rate=0.1)
    assert clv == pytest.approx(0.3 * gg.predict_spend(x, m) * dp, rel=1e-12)
    assert (dp > 0).all()
