"""The planted effects: switches, true values, and each effect visible in the raw data."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from legame.metrics import definitions as d
from legame.simulate import EFFECTS, simulate_tables
from legame.simulate.contact import draw_contact
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import draw_population
from legame.simulate.referrals import draw_referrals
from legame.simulate.streams import Streams
from legame.simulate.truth import NULLS
from legame.simulate.world import build_world

MC = 50_000
PARAMS = WorldParams()
EXACT = {
    "service_dropout": "service_k",
    "contact_pressure": "pressure_k",
    "promoters_referrals": "referral_k",
}


def _seconds(col: pa.ChunkedArray) -> np.ndarray:
    """Timestamps as float seconds, NaN for NULL."""
    arr = col.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return np.asarray(arr, dtype=float)


@pytest.mark.parametrize("name", EFFECTS)
def test_switching_an_effect_off_sets_on_false_and_the_null(name: str) -> None:
    truth = simulate_tables(customers=300, seed=1, effects_off=(name,), mc_customers=MC).truth[
        "effects"
    ]
    entry = truth[name]  # type: ignore[index]
    assert entry["on"] is False
    assert all(truth[other]["on"] for other in EFFECTS if other != name)  # type: ignore[index]
    assert entry["null"] == NULLS[name]
    if name in EXACT:
        assert entry["value"] == entry["null"] and entry["se"] == 0.0
    elif name == "high_spend_not_loyalty":
        # This effect *is* the null (spend unrelated to loyalty); off plants a relation.
        assert entry["value"] > 0.1
    elif name == "satisfaction_not_loyalty":
        # Off, CSAT carries the same latent as NPS; only its coarser 1-5 scale costs a
        # little AUC (measured ~0.01 on 1,000,000 customers).
        assert abs(entry["value"]) < 0.025
    else:  # emotion_value (ratio), gratitude_uplift (difference): null by construction
        assert abs(entry["value"] - entry["null"]) < 4 * entry["se"] + 1e-9


def test_true_values_with_every_effect_on() -> None:
    """The truths the simulator computes by Monte Carlo. The other three (the EXACT ones)
    are the planted parameters themselves, so they are checked against what the simulated
    data show instead: contact pressure in
    ``test_unsubscribe_rate_ratio_high_vs_low_band_is_near_k``, referrals in
    ``test_promoter_to_passive_referral_rate_ratio_is_near_k`` (both below), and the service
    dropout by the findings on a planted workspace (``tests/insights/test_planted_truth.py``)
    and the latent-dropout model on its own simulated data (``tests/models/test_dropout.py``).
    """
    truth = simulate_tables(customers=300, seed=1, mc_customers=200_000).truth["effects"]
    emotion = truth["emotion_value"]  # type: ignore[index]
    assert 1.6 < emotion["value"] < 2.4 and emotion["se"] < 0.15
    assert truth["satisfaction_not_loyalty"]["value"] > 0.08  # type: ignore[index]
    assert abs(truth["high_spend_not_loyalty"]["value"]) < 0.03  # type: ignore[index]
    grat = truth["gratitude_uplift"]  # type: ignore[index]
    assert grat["value"] > 5 * grat["se"] and grat["value_spend"] > 5 * grat["se_spend"]


def test_monte_carlo_truth_does_not_depend_on_the_data_seed() -> None:
    a = simulate_tables(customers=200, seed=1, mc_customers=MC).truth["effects"]
    b = simulate_tables(customers=200, seed=2, mc_customers=MC).truth["effects"]
    assert a == b


def test_every_effect_off_flags_orders_as_pure_only_with_spend_independent() -> None:
    all_off = simulate_tables(customers=50, effects_off=EFFECTS, mc_customers=MC).truth
    assert all_off["orders_are_pure_process"] is False
    pure = simulate_tables(
        customers=50, effects_off=all_off["pure_process_effects_off"], mc_customers=MC
    ).truth
    assert pure["orders_are_pure_process"] is True


# --- contact pressure ------------------------------------------------------------------


def _unsubscribe_rate_by_band(messages: pa.Table) -> np.ndarray:
    """Per-message unsubscribe rate in the low, mid and high bands, computed from the rows:
    prior = messages to the same customer in the 30 days strictly before the send."""
    cust = np.unique(np.asarray(messages["customer_id"].to_pylist()), return_inverse=True)[1]
    sent = _seconds(messages["sent_at"])
    unsub = ~np.isnan(_seconds(messages["unsubscribed_at"]))
    order = np.lexsort((sent, cust))
    cust, sent, unsub = cust[order], sent[order], unsub[order]
    key = cust * 1e9 + sent
    window = d.CONTACT_PRESSURE_WINDOW_DAYS * 86400.0
    prior = np.arange(key.size) - np.searchsorted(key, key - window, side="left")
    band = d.contact_band(prior)
    return np.array([unsub[band == b].mean() for b in range(3)])


def test_unsubscribe_rate_ratio_high_vs_low_band_is_near_k(sim_data) -> None:
    """5,000 customers give ~500 high-band and ~300 low-band unsubscribes: the log ratio
    has SE ~0.07, so +-30% is over 3.5 SE."""
    rates = _unsubscribe_rate_by_band(sim_data.tables["messages"])
    k = PARAMS.pressure_k
    assert abs(rates[0] - PARAMS.unsubscribe_prob) < 0.0008
    assert k / 1.3 < rates[2] / rates[0] < k * 1.3
    assert np.sqrt(k) / 1.3 < rates[1] / rates[0] < np.sqrt(k) * 1.3


def test_unsubscribe_rates_are_flat_across_bands_when_pressure_is_off() -> None:
    contact = draw_contact(
        draw_population(5000, PARAMS, Effects(), Streams(7)["population"]),
        PARAMS,
        Effects(frozenset({"contact_pressure"})),
        Streams(7)["contact"],
    )
    unsub = ~np.isnan(contact.unsubscribed)
    key = contact.cust * 1e4 + contact.sent
    prior = np.arange(key.size) - np.searchsorted(key, key - 30.0, side="left")
    band = d.contact_band(prior)
    rates = np.array([unsub[band == b].mean() for b in range(3)])
    assert 1 / 1.35 < rates[2] / rates[0] < 1.35


# --- referrals -------------------------------------------------------------------------


def _referral_rates(effects: Effects, n: int = 40_000) -> np.ndarray:
    """Referrals per customer-year since the first answer, by its (answered) NPS category."""
    world = build_world(n, PARAMS, effects, Streams(21))
    refs = draw_referrals(world.pop, world.surveys, PARAMS, effects, Streams(21)["referrals"])
    s = world.surveys
    first = np.flatnonzero(s.first & ~np.isnan(s.nps))
    cat = d.nps_category(s.nps[first])
    years = (PARAMS.end_day - s.time[first]) / d.REFERRAL_EXPOSURE_DAYS_PER_YEAR
    count = np.bincount(refs.referrer, minlength=n)[s.cust[first]]
    return np.array([count[cat == c].sum() / years[cat == c].sum() for c in range(3)])


def test_promoter_to_passive_referral_rate_ratio_is_near_k() -> None:
    """~2,000 promoter and ~500 passive referrals: log-ratio SE ~0.05; +-20% is 3.6 SE."""
    rates = _referral_rates(Effects())
    assert PARAMS.referral_k / 1.2 < rates[2] / rates[1] < PARAMS.referral_k * 1.2
    assert 0.5 / 1.3 < rates[0] / rates[1] < 0.5 * 1.3  # detractors 0.04 vs passives 0.08


def test_promoters_refer_like_passives_when_the_effect_is_off() -> None:
    rates = _referral_rates(Effects(frozenset({"promoters_referrals"})))
    assert 1 / 1.2 < rates[2] / rates[1] < 1.2


def test_referred_customers_are_born_within_30_days_after_the_referral(sim_data) -> None:
    refs = sim_data.tables["referrals"]
    customers = sim_data.tables["customers"]
    born = dict(
        zip(customers["customer_id"].to_pylist(), _seconds(customers["created_at"]), strict=True)
    )
    at = _seconds(refs["referred_at"])
    who = refs["referred_customer_id"].to_pylist()
    named = [(r, c) for r, c in zip(at, who, strict=True) if c]
    # Births stop on day 540: referrals well before then almost always find a newcomer.
    early = at < _seconds(customers["created_at"]).min() + (PARAMS.birth_days - 31) * 86400
    assert early.sum() > 50
    assert np.mean([who[i] is not None for i in np.flatnonzero(early)]) > 0.95
    assert len({c for _, c in named}) == len(named)
    for at, cust in named:
        assert 0 < born[cust] - at <= 30 * 86400


# --- service ---------------------------------------------------------------------------


def _repurchase_after_ticket(effects: Effects) -> tuple[float, float]:
    """Share of tickets (on purchases before the window) followed by another purchase:
    poor tickets, good tickets."""
    world = build_world(30_000, PARAMS, effects, Streams(9))
    h = world.hist
    cust = h.order_cust[h.ticket_order]
    again = h.ticket_order < h.first_order_row[cust] + h.n_orders[cust] - 1
    early = h.order_time[h.ticket_order] < PARAMS.window_start_day
    poor = h.ticket_poor
    return float(again[poor & early].mean()), float(again[~poor & early].mean())


def test_customers_buy_again_less_after_a_poor_ticket() -> None:
    """~7,000 poor and ~13,000 good tickets: SE of the difference ~0.006."""
    poor, good = _repurchase_after_ticket(Effects())
    assert good - poor > 0.04
    poor, good = _repurchase_after_ticket(Effects(frozenset({"service_dropout"})))
    assert abs(good - poor) < 0.02
