"""The acquisition channel: a static attribute of the simulated customers (customers.csv's
extra column) with planted effects on the purchase rate, the dropout and the spend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from legame.simulate import simulate_tables
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import draw_population
from legame.simulate.streams import Streams

PARAMS = WorldParams()
MC = 10_000


def _population(effects: Effects, n: int = 200_000):
    streams = Streams(5)
    return draw_population(
        n, PARAMS, effects, streams["population"], channel_rng=streams["acquisition"]
    )


def test_channels_follow_their_shares_and_are_in_customers_csv(sim_data) -> None:
    channel = np.asarray(sim_data.tables["customers"]["acquisition_channel"].to_pylist())
    for name, share in zip(
        PARAMS.acquisition_channels, PARAMS.acquisition_channel_weights, strict=True
    ):
        assert abs(np.mean(channel == name) - share) < 0.02, name


def test_a_channels_customers_have_the_planted_rate_dropout_and_spend() -> None:
    """Marketplace customers: purchase rate x0.7 (its mean, r/alpha per week, is 0.07),
    dropout p ~ Beta(1.2, 4) (mean 0.231 instead of 0.167), mean spend per purchase x1.2;
    partner customers are like web ones."""
    pop = _population(Effects())
    web, market, partner = (pop.acquisition_channel == k for k in range(3))
    rate = PARAMS.bgnbd_r / PARAMS.bgnbd_alpha / 7.0
    assert pop.lam[web & ~pop.connected].mean() == pytest.approx(rate, rel=0.03)
    assert pop.lam[market & ~pop.connected].mean() == pytest.approx(0.7 * rate, rel=0.03)
    a, b = PARAMS.bgnbd_a, PARAMS.bgnbd_b
    assert stats.kstest(pop.p[market], stats.beta(1.5 * a, b).cdf).pvalue > 0.001
    assert stats.kstest(pop.p[partner], stats.beta(a, b).cdf).pvalue > 0.001
    spend = PARAMS.gg_p / pop.nu  # mean spend per purchase
    assert spend[market].mean() / spend[web].mean() == pytest.approx(1.2, rel=0.03)


def test_switched_off_the_channels_change_nobody() -> None:
    on, off = (
        _population(Effects(), 20_000),
        _population(Effects(frozenset({"acquisition_channel"})), 20_000),
    )
    web = on.acquisition_channel == 0
    np.testing.assert_array_equal(on.acquisition_channel, off.acquisition_channel)
    np.testing.assert_array_equal(on.p[web], off.p[web])
    np.testing.assert_array_equal(on.loyalty, off.loyalty)
    assert not np.array_equal(on.p, off.p)


def test_truth_records_the_coefficients_and_zero_when_off() -> None:
    on = simulate_tables(customers=50, seed=1, mc_customers=MC).truth["effects"]
    entry = on["acquisition_channel"]  # type: ignore[index]
    assert entry["on"] is True and entry["method"] == "exact" and entry["baseline"] == "web"
    assert entry["value"] == pytest.approx(0.7)
    coefficients = entry["coefficients"]
    assert coefficients["purchase"] == pytest.approx({"marketplace": math.log(0.7), "partner": 0.0})
    assert coefficients["dropout_odds"]["marketplace"] == pytest.approx(math.log(1.5))
    assert coefficients["spend"]["marketplace"] == pytest.approx(math.log(1.2))
    assert on["gratitude_uplift"]["hazard_ratio_per_gesture"] == 0.5  # type: ignore[index]
    off = simulate_tables(
        customers=50,
        seed=1,
        effects_off=("acquisition_channel", "gratitude_uplift"),
        mc_customers=MC,
    ).truth["effects"]
    entry = off["acquisition_channel"]  # type: ignore[index]
    assert entry["on"] is False and entry["value"] == 1.0
    assert all(v == 0.0 for per in entry["coefficients"].values() for v in per.values())
    assert off["gratitude_uplift"]["hazard_ratio_per_gesture"] == 1.0  # type: ignore[index]
