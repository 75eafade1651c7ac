"""The true value of every planted effect: the estimand a finding computes.

Three effects are parameters (a hazard ratio, a rate ratio) and their truth is exact.
The others depend on the whole process; their truth is computed by Monte Carlo: the same
``build_world`` draws a large population (``mc_customers``, 1,000,000 by default) with a
fixed seed of its own, and the estimand is computed on it with the definitions in
``legame.metrics.definitions``. The standard error comes from splitting that population
into ``MC_BATCHES`` equal groups (batch means). Results are cached per parameter set.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

import numpy as np
import numpy.typing as npt

from legame.metrics import definitions as d
from legame.simulate import experiment_truth
from legame.simulate.gratitude import TRIGGERS
from legame.simulate.params import EFFECTS, Effects, WorldParams
from legame.simulate.streams import Streams
from legame.simulate.world import World, build_world

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

#: Seed of the Monte-Carlo population, independent of any data seed.
MC_SEED = 20_260_101
MC_BATCHES = 20
MC_CUSTOMERS = 1_000_000

MEANINGS: dict[str, str] = {
    "service_dropout": (
        "Hazard ratio of dropout after a poor ticket: from the purchase a poor ticket belongs "
        "to (the most recent completed order before the ticket opened) onward, every dropout "
        "decision has hazard -log(1-p) multiplied by this value, i.e. P(drop) = "
        "1-(1-p)^value (once: further poor tickets do not compound). Dropout (BG/NBD) can "
        "follow repeat purchases only and is decided when the next purchase would happen, "
        "so a ticket opened after purchase j comes before purchase j's dropout decision. "
        "Poor ticket: definitions.ticket_is_poor (no first response within 48 h, or not "
        "resolved within 7 days, or ticket CSAT <= 2). Exact (a parameter)."
    ),
    "emotion_value": (
        "Ratio of mean revenue (sum of completed-order amounts) in the outcome window "
        "[as_of - 180 days, as_of) of connected customers to that of highly satisfied but not "
        "connected customers, both classified by the latest survey answer each customer "
        "gave before the window starts: connected = connection index >= 70 "
        "(definitions.connection_index); highly satisfied = survey CSAT = 5 and index < 70. "
        "Customers without such an answer are left out. Monte Carlo."
    ),
    "satisfaction_not_loyalty": (
        "AUC(NPS) - AUC(survey CSAT) for predicting retention (>= 1 completed order in the "
        "outcome window [as_of - 180 days, as_of)) among customers whose latest survey "
        "answer before the window has an NPS; scores taken from that answer; AUC with ties "
        "counted one half (definitions.auc). Monte Carlo."
    ),
    "high_spend_not_loyalty": (
        "Retention rate (>= 1 completed order in the outcome window [as_of - 180 days, "
        "as_of)) of the top tercile minus the bottom tercile of average order value "
        "(completed orders before the window), terciles by definitions.aov_terciles over all "
        "customers with a completed order before the window. This effect is the absence of "
        "a relation: while it is on, spend is independent of loyalty (the Gamma-Gamma "
        "assumption) and the value is about 0 (the null; not exactly 0, because averages of "
        "few orders spread wider and customers with few orders are retained less); while it "
        "is off, loyal customers spend more (Gaussian copula of nu with p, rho = "
        "spend_loyalty_rho) and the value is positive. Monte Carlo."
    ),
    "contact_pressure": (
        "Per-message unsubscribe rate ratio of the high band (>= 9 messages, any channel, in "
        "the 30 days strictly before the send) to the low band (0-4): the per-message "
        "unsubscribe probability 0.003 (complaints 0.001) is multiplied by value in the high "
        "band, by sqrt(value) in the mid band (5-8) and by 1 in the low band "
        "(definitions.contact_band). Exact (a parameter)."
    ),
    "promoters_referrals": (
        "Referral rate ratio promoters / passives, in referrals per customer-year from the "
        "customer's first survey answer to as_of, by the NPS category of that first answer "
        "(detractors 0.04/year, passives 0.08/year, promoters value x 0.08/year). Exact (a "
        "parameter)."
    ),
    "gratitude_uplift": (
        "Treatment minus holdout difference in 180-day retention (>= 1 completed order in "
        "(given_at, given_at + 180 days]) over gratitude events (gestures rows, both "
        "triggers pooled) with full follow-up: given_at <= as_of - 180 days. value_spend is "
        "the same difference in revenue of completed orders in that follow-up; "
        "value_<trigger> and se_<trigger> give the retention difference per trigger. The "
        "treatment multiplies every later dropout hazard of the customer by 0.5 (once per "
        "treated gesture), except a fee waiver to a customer whose main survey answer is a "
        "detractor's (0.25), a passive's (0.4) or a promoter's (0.7): see "
        "gratitude_by_nps_group; a gesture is "
        "given at its event (the charge, or the 5th order). Monte Carlo. "
        "hazard_ratio_per_gesture is the planted multiplier gratitude_h (1 while off), that of "
        "every thank-you note and of the fee waivers to customers without a survey answer, and "
        "about the log-average of the others: the time-varying covariate 'gesture' of "
        "`legame clv fit --covariates` (treated gestures given so far) estimates it."
    ),
    "acquisition_channel": (
        "Static covariate effects of the customers' acquisition channel (customers.csv, extra "
        "column acquisition_channel; baseline: the most common channel, web). value is the "
        "purchase-rate ratio marketplace / web. coefficients holds, per channel, the planted "
        "coefficients in the parameterisation of legame.models.bgnbd_covariates (Fader & "
        "Hardie 2007, note 019) and legame.models.gammagamma_covariates: purchase = log of "
        "the mean purchase-rate ratio (alpha_i = alpha0 exp(-g1)), dropout_a and dropout_b = "
        "log multipliers of the dropout beta's a and b, dropout_odds = dropout_a - dropout_b "
        "(log ratio of the odds a/b of the mean dropout chance after a repeat purchase), spend "
        "= log of the mean spend-per-purchase ratio (gamma_i = gamma0 exp(g)). All 0 (value "
        "1) while off. Exact (parameters)."
    ),
    "contact_frequency_test": (
        "The randomized contact-frequency test (truth.json contact_frequency_test declares it "
        "as the policy does): the high arm minus the low (reference) arm among the test's "
        "units, as experiments/contact_test_units.sql reads them: a customer enters at their "
        "first marketing message in [start, end) and is followed for 60 days "
        "(definitions.CONTACT_TEST_FOLLOWUP_DAYS). value is the difference in the share who "
        "unsubscribe (any message) in the follow-up; value_complaint, value_repurchase (>= 1 "
        "completed order) and value_revenue (completed orders) the others, each with its se_. "
        "While on, each arm has its cap per rolling 7 days and its customers quit at the "
        "arm's contact_test_quit_per_year, an extra dropout hazard per day of the test "
        "(extra_quit_per_year: high minus low); unsubscribes and complaints rise through the "
        "extra messages only. While off, every customer gets the lowest cap and no extra "
        "dropout: the arms are treated alike and every difference is exactly 0. Monte Carlo "
        "(the same customers in both arms), exact 0 while off."
    ),
}

NULLS: dict[str, float] = {
    "service_dropout": 1.0,
    "emotion_value": 1.0,
    "satisfaction_not_loyalty": 0.0,
    "high_spend_not_loyalty": 0.0,
    "contact_pressure": 1.0,
    "promoters_referrals": 1.0,
    "gratitude_uplift": 0.0,
    "acquisition_channel": 1.0,
    "contact_frequency_test": 0.0,
}


class _Panel:
    """Per-customer quantities the estimands share."""

    def __init__(self, world: World) -> None:
        p, h, s = world.params, world.hist, world.surveys
        n = world.pop.size
        ws, end = p.window_start_day, p.end_day
        in_window = (h.order_time >= ws) & (h.order_time < end)
        before = h.order_time < ws
        self.n = n
        self.revenue = np.bincount(h.order_cust[in_window], h.order_amount[in_window], n)
        self.retained = np.bincount(h.order_cust[in_window], minlength=n) >= d.RETENTION_MIN_ORDERS
        n_before = np.bincount(h.order_cust[before], minlength=n)
        spend_before = np.bincount(h.order_cust[before], h.order_amount[before], n)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.aov = np.where(n_before > 0, spend_before / np.maximum(n_before, 1), np.nan)
        # Latest survey answer before the window, per customer.
        pre = np.flatnonzero(s.time < ws)
        last = pre[np.r_[s.cust[pre][1:] != s.cust[pre][:-1], True]] if pre.size else pre
        self.surveyed = np.zeros(n, dtype=bool)
        self.surveyed[s.cust[last]] = True
        self.nps = np.full(n, np.nan)
        self.nps[s.cust[last]] = s.nps[last]
        self.csat = np.zeros(n)
        self.csat[s.cust[last]] = s.csat[last]
        self.index = np.full(n, np.nan)
        self.index[s.cust[last]] = d.connection_index(s.items[last])


def _emotion(panel: _Panel, sel: Bool) -> float:
    connected = sel & panel.surveyed & d.is_connected(panel.index)
    satisfied = (
        sel
        & panel.surveyed
        & ~d.is_connected(panel.index)
        & (panel.csat == d.HIGHLY_SATISFIED_CSAT)
    )
    return _mean(panel.revenue[connected]) / _mean(panel.revenue[satisfied])


def _satisfaction(panel: _Panel, sel: Bool) -> float:
    m = sel & panel.surveyed & ~np.isnan(panel.nps)
    y = panel.retained[m]
    return d.auc(panel.nps[m], y) - d.auc(panel.csat[m], y)


def _spend(panel: _Panel, sel: Bool) -> float:
    m = sel & ~np.isnan(panel.aov)
    terc = d.aov_terciles(panel.aov[m])
    y = panel.retained[m]
    return _mean(y[terc == 2]) - _mean(y[terc == 0])


class _Events:
    """Gratitude events with full follow-up, and their 180-day outcomes."""

    def __init__(self, world: World) -> None:
        p, h = world.params, world.hist
        horizon = float(p.gratitude_followup_days)
        full = h.gesture_time <= p.end_day - horizon
        self.cust = h.gesture_cust[full]
        self.holdout = h.gesture_holdout[full]
        self.trigger = h.gesture_trigger[full]
        t0 = h.gesture_time[full]
        # Orders sorted by (customer, time): count and sum those in (t0, t0 + horizon].
        span = p.end_day + horizon + 1.0
        key = h.order_cust * span + h.order_time
        cum = np.r_[0.0, np.cumsum(h.order_amount)]
        lo = experiment_truth.search(key, self.cust * span + t0)
        hi = experiment_truth.search(key, self.cust * span + t0 + horizon)
        self.retained = (hi - lo) >= d.RETENTION_MIN_ORDERS
        self.spend = cum[hi] - cum[lo]


def _diff(values: npt.NDArray[Any], holdout: Bool) -> float:
    return _mean(values[~holdout]) - _mean(values[holdout])


def _mean(values: npt.NDArray[Any]) -> float:
    return float(np.mean(values)) if values.size else float("nan")


def _mc(estimand: Callable[[Bool], float], batch: npt.NDArray[np.int64]) -> tuple[float, float]:
    """The estimand on the whole population, and its batch-means standard error."""
    with np.errstate(all="ignore"):
        value = estimand(np.ones(batch.size, dtype=bool))
        per = np.array([estimand(batch == b) for b in range(MC_BATCHES)])
    return value, float(np.std(per, ddof=1) / np.sqrt(MC_BATCHES))


@lru_cache(maxsize=16)
def monte_carlo(
    params: WorldParams, effects: Effects, customers: int = MC_CUSTOMERS, seed: int = MC_SEED
) -> dict[str, dict[str, Any]]:
    """The Monte-Carlo estimands for one world: ``{effect: {"value", "se", ...}}``, and
    those of the experiments (``experiment_truth``): ``contact_frequency_test``,
    ``gratitude_by_nps_group`` and ``cuped``."""
    world = build_world(customers, params, effects, Streams(seed))
    panel = _Panel(world)
    batch = np.arange(customers) % MC_BATCHES
    out: dict[str, dict[str, Any]] = {}
    estimands: dict[str, Callable[[_Panel, Bool], float]] = {
        "emotion_value": _emotion,
        "satisfaction_not_loyalty": _satisfaction,
        "high_spend_not_loyalty": _spend,
    }
    for name, fn in estimands.items():
        value, se = _mc(partial(fn, panel), batch)
        out[name] = {"value": value, "se": se}
    ev = _Events(world)
    ev_batch = ev.cust % MC_BATCHES
    value, se = _mc(partial(_event_diff, ev, "retained", None), ev_batch)
    spend, spend_se = _mc(partial(_event_diff, ev, "spend", None), ev_batch)
    out["gratitude_uplift"] = {
        "value": value,
        "se": se,
        "value_spend": spend,
        "se_spend": spend_se,
        "events": float(ev.cust.size),
    }
    for k, trig in enumerate(TRIGGERS):
        v, s_ = _mc(partial(_event_diff, ev, "retained", k), ev_batch)
        out["gratitude_uplift"][f"value_{trig}"] = v
        out["gratitude_uplift"][f"se_{trig}"] = s_
    out["contact_frequency_test"] = experiment_truth.contact_test_truth(
        world, params, effects, seed
    )
    events = experiment_truth.GestureEvents(world)
    out["gratitude_by_nps_group"] = experiment_truth.gratitude_by_group(events, params, effects)
    out["cuped"] = experiment_truth.cuped(events)
    return out


def _event_diff(ev: _Events, outcome: str, trigger: int | None, sel: Bool) -> float:
    """Treatment minus holdout mean of ``outcome`` over the selected events (of one
    trigger, or all)."""
    if trigger is not None:
        sel = sel & (ev.trigger == trigger)
    values: npt.NDArray[Any] = getattr(ev, outcome)
    return _diff(values[sel], ev.holdout[sel])


def acquisition_truth(params: WorldParams, *, on: bool) -> dict[str, object]:
    """The planted coefficients of the acquisition channels against the first (baseline)
    one, per process; zeros while the effect is off."""
    channels = params.acquisition_channels

    def logs(ratios: tuple[float, ...]) -> dict[str, float]:
        return {
            c: (math.log(ratios[k] / ratios[0]) if on else 0.0) for k, c in enumerate(channels) if k
        }

    coefficients = {
        "purchase": logs(params.acquisition_purchase_ratio),
        "dropout_a": logs(params.acquisition_dropout_a_ratio),
        "dropout_b": logs(params.acquisition_dropout_b_ratio),
        "spend": logs(params.acquisition_spend_ratio),
    }
    coefficients["dropout_odds"] = {
        c: coefficients["dropout_a"][c] - coefficients["dropout_b"][c] for c in channels[1:]
    }
    return {
        "value": math.exp(coefficients["purchase"][channels[1]]),
        "se": 0.0,
        "method": "exact",
        "baseline": channels[0],
        "coefficients": coefficients,
    }


def _contact_test_entry(params: WorldParams, mc: dict[str, Any], *, on: bool) -> dict[str, object]:
    """The effects entry of the contact-frequency test: the second arm against the first."""
    other = params.contact_test_arms[1][0]
    units = mc["units"][other]
    entry: dict[str, object] = {}
    for metric in experiment_truth.METRICS:
        suffix = "" if metric == "unsubscribe" else f"_{metric}"
        value, se = units[metric]["value"], units[metric]["se"]
        entry[f"value{suffix}"] = value if math.isfinite(value) else None
        entry[f"se{suffix}"] = se if math.isfinite(se) else None
    quit = params.contact_test_quit_per_year
    entry["extra_quit_per_year"] = quit[1] - quit[0] if on else 0.0
    entry["method"] = mc["method"]
    return entry


def effects_truth(
    params: WorldParams, effects: Effects, *, mc_customers: int = MC_CUSTOMERS
) -> dict[str, dict[str, object]]:
    """``truth.json["effects"]``: on, value, meaning, null, method and standard error."""
    mc = monte_carlo(params, effects, mc_customers)
    exact = {
        "service_dropout": params.service_k,
        "contact_pressure": params.pressure_k,
        "promoters_referrals": params.referral_k,
    }
    out: dict[str, dict[str, object]] = {}
    for name in EFFECTS:
        on = effects.on(name)
        entry: dict[str, object] = {"on": on}
        if name == "acquisition_channel":
            entry.update(acquisition_truth(params, on=on))
        elif name == "contact_frequency_test":
            entry.update(_contact_test_entry(params, mc[name], on=on))
        elif name in exact:
            entry.update(value=exact[name] if on else NULLS[name], se=0.0, method="exact")
        else:
            entry.update({k: (v if math.isfinite(v) else None) for k, v in mc[name].items()})
            entry["method"] = "monte_carlo"
            if name == "gratitude_uplift":
                entry["hazard_ratio_per_gesture"] = params.gratitude_h if on else 1.0
        entry["null"] = NULLS[name]
        entry["meaning"] = MEANINGS[name]
        out[name] = entry
    return out
