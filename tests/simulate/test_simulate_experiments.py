"""The experiments planted in the simulator (issue 20 item 7): the randomized
contact-frequency test, the gratitude effect by NPS group, and the pre-period correlation
CUPED relies on; each written to truth.json and checked against the written data."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from legame.assign import arm_indices
from legame.metrics import definitions as d
from legame.policy import parse_policy_text
from legame.simulate import EFFECTS, PURE_PROCESS_EFFECTS_OFF, policy_fragment, simulate_tables
from legame.simulate import experiment_truth as xt
from legame.simulate.experiments import NPS_GROUPS, declaration, nps_group_at, thin_to_caps
from legame.simulate.gratitude import FEE_FORGIVENESS
from legame.simulate.params import Effects, WorldParams
from legame.simulate.population import draw_population
from legame.simulate.purchases import simulate_purchases
from legame.simulate.streams import Streams
from legame.simulate.world import build_world

from .conftest import MC_FAST

PARAMS = WorldParams()
DAY = 86_400.0
WEEK = 7 * DAY


def _secs(col: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(col.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=float)


def _epoch(day: str) -> float:
    return datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()


def _marketing_sends(tables: dict[str, pa.Table]) -> dict[str, np.ndarray]:
    """Each customer's marketing send times (seconds), sorted."""
    camp = tables["campaigns"]
    transactional = set(
        camp.filter(pc.equal(camp["kind"], "transactional"))["campaign_id"].to_pylist()
    )
    msgs = tables["messages"]
    out: dict[str, list[float]] = defaultdict(list)
    for c, k, t in zip(
        msgs["customer_id"].to_pylist(),
        msgs["campaign_id"].to_pylist(),
        _secs(msgs["sent_at"]),
        strict=True,
    ):
        if k not in transactional:
            out[c].append(t)
    return {c: np.sort(np.asarray(v)) for c, v in out.items()}


def _most_in_7_days(times: np.ndarray, lo: float, hi: float) -> int:
    """The most sends in any 7-day span (t - 7 days, t] that ends at a send in [lo, hi)."""
    ends = np.flatnonzero((times >= lo) & (times < hi))
    if ends.size == 0:
        return 0
    first = np.searchsorted(times, times[ends] - WEEK, side="right")
    return int((ends - first + 1).max())


def _arms(tables: dict[str, pa.Table], test: dict[str, object]) -> dict[str, int]:
    ids = tables["customers"]["customer_id"].to_pylist()
    shares = [a["share"] for a in test["arms"]]  # type: ignore[index, union-attr]
    arms = arm_indices(test["seed"], test["name"], ids, shares)  # type: ignore[arg-type]
    return dict(zip(ids, arms.tolist(), strict=True))


# --- the contact-frequency test ---------------------------------------------------------


def test_the_test_is_declared_in_truth_json_as_the_policy_declares_it(sim_data) -> None:
    test = sim_data.truth["contact_frequency_test"]
    assert test["on"] is True
    assert {k: test[k] for k in ("name", "seed", "start", "end", "channel", "arms")} == (
        declaration(PARAMS)
    )
    assert [(a["name"], a["share"], a["per_7_days"]) for a in test["arms"]] == [
        ("low", 0.5, 2),
        ("high", 0.5, 4),
    ]
    assert test["start"] < test["end"] < sim_data.truth["as_of"][:10]
    assert test["reference_arm"] == "low"
    assert "contact_frequency_test" in EFFECTS and "contact_frequency_test" in (
        PURE_PROCESS_EFFECTS_OFF
    )


def test_arms_are_about_half_and_half_and_match_arm_indices_on_the_written_ids(
    sim_data,
) -> None:
    test = sim_data.truth["contact_frequency_test"]
    arms = _arms(sim_data.tables, test)
    counts = np.bincount(list(arms.values()), minlength=2)
    assert dict(zip(("low", "high"), counts.tolist(), strict=True)) == test["arms_in_data"]
    n = len(arms)
    assert abs(counts[0] / n - 0.5) < 4 * 0.5 / np.sqrt(n)  # binomial: 4 standard errors


def test_the_policy_fragment_parses_and_legame_computes_the_same_arms(sim_data) -> None:
    text = policy_fragment(sim_data.truth)
    assert text.startswith("[experiments.contact_tests.weekly_cap]\n")
    (test,) = parse_policy_text(text).experiments.contact_tests
    declared = sim_data.truth["contact_frequency_test"]
    assert (test.name, test.seed, test.channel) == ("weekly_cap", declared["seed"], "all")
    assert (test.start.isoformat(), test.end.isoformat()) == (declared["start"], declared["end"])
    assert [(a.name, a.share, a.caps[0].limit, a.caps[0].days) for a in test.arms] == [
        ("low", 0.5, 2, 7),
        ("high", 0.5, 4, 7),
    ]
    arms = _arms(sim_data.tables, declared)
    ids = list(arms)
    assert test.arms_of(ids).tolist() == list(arms.values())


def test_during_the_test_no_customer_gets_more_marketing_sends_than_their_arm_allows(
    sim_data,
) -> None:
    declared = sim_data.truth["contact_frequency_test"]
    arms = _arms(sim_data.tables, declared)
    lo, hi = _epoch(declared["start"]), _epoch(declared["end"])
    sends = _marketing_sends(sim_data.tables)
    most_in: dict[int, list[int]] = {0: [], 1: []}
    most_before: dict[int, list[int]] = {0: [], 1: []}
    for cust, times in sends.items():
        most_in[arms[cust]].append(_most_in_7_days(times, lo, hi))
        most_before[arms[cust]].append(_most_in_7_days(times, lo - 180 * DAY, lo - WEEK))
    assert max(most_in[0]) == 2 and max(most_in[1]) == 4  # the caps hold, and bind
    # Before the test the same customers got more: the caps are what limits them.
    assert max(most_before[0]) > 2 and max(most_before[1]) > 4
    assert np.mean(most_in[1]) > np.mean(most_in[0])


def test_with_the_effect_off_both_arms_get_the_lowest_cap_and_every_difference_is_zero() -> None:
    data = simulate_tables(
        customers=1500, seed=4, effects_off=("contact_frequency_test",), mc_customers=MC_FAST
    )
    declared = data.truth["contact_frequency_test"]
    assert declared["on"] is False
    assert declared["quit_per_year"] == {"low": 0.0, "high": 0.0}
    arms = _arms(data.tables, declared)
    lo, hi = _epoch(declared["start"]), _epoch(declared["end"])
    most = [_most_in_7_days(t, lo, hi) for t in _marketing_sends(data.tables).values()]
    assert max(most) == 2  # the high arm too: both arms are treated alike
    assert {arms[c] for c in _marketing_sends(data.tables)} == {0, 1}
    effects = declared["effects"]
    assert effects["method"] == "exact"
    for scope in ("units", "window"):
        for metric in xt.METRICS:
            assert effects[scope]["high"][metric] == {"value": 0.0, "se": 0.0}
    entry = data.truth["effects"]["contact_frequency_test"]
    assert entry["on"] is False and entry["null"] == 0.0
    assert all(entry[f"value{s}"] == 0.0 for s in ("", "_complaint", "_repurchase", "_revenue"))


@pytest.fixture(scope="module")
def contact_truth() -> dict[str, object]:
    """The test's truth on 20,000 reference-arm customers of a 200,000-customer world (the
    default takes 1 in 50 of 500,000)."""
    world = build_world(200_000, PARAMS, Effects(), Streams(31))
    return xt.contact_test_truth(world, PARAMS, Effects(), seed=31, every=5)


@pytest.mark.slow
def test_with_the_effect_on_the_true_differences_have_the_planted_sign(contact_truth) -> None:
    assert contact_truth["method"] == "monte_carlo" and contact_truth["subset_customers"] > 19_000
    for scope in ("units", "window"):
        high = contact_truth[scope]["high"]  # type: ignore[index]
        # More messages, more unsubscribes and complaints; the quit rate, fewer orders.
        assert high["unsubscribe"]["value"] > 4 * high["unsubscribe"]["se"], (scope, high)
        assert high["complaint"]["value"] > 2 * high["complaint"]["se"], (scope, high)
        assert high["repurchase"]["value"] < -4 * high["repurchase"]["se"], (scope, high)
        assert high["revenue"]["value"] < -4 * high["revenue"]["se"], (scope, high)
        for metric in xt.METRICS:
            m = high[metric]
            assert m["value"] == pytest.approx(m["high"] - m["low"])
    units = contact_truth["units"]["high"]  # type: ignore[index]
    assert units["messages_per_unit"]["high"] > units["messages_per_unit"]["low"] + 0.5
    # Nearly every customer gets a marketing message during the test, in either arm.
    assert 0.75 < units["unit_share"]["low"] <= units["unit_share"]["high"] + 0.01


@pytest.mark.slow
def test_the_truth_of_the_test_follows_from_the_written_data_in_direction() -> None:
    """High minus low among the units, recomputed from the tables of 20,000 customers as
    experiments/contact_test_units.sql reads them, within 4 combined standard errors of the
    truth (which has its own Monte-Carlo error)."""
    data = simulate_tables(customers=20_000, seed=8, mc_customers=200_000)
    declared = data.truth["contact_frequency_test"]
    truth = declared["effects"]["units"]["high"]
    t = data.tables
    arms = _arms(t, declared)
    lo, hi = _epoch(declared["start"]), _epoch(declared["end"])
    follow = d.CONTACT_TEST_FOLLOWUP_DAYS * DAY
    entry = {
        c: s[(s >= lo) & (s < hi)][0]
        for c, s in _marketing_sends(t).items()
        if ((s >= lo) & (s < hi)).any()
    }
    unsub: dict[str, int] = defaultdict(int)
    msgs = t["messages"]
    for c, u in zip(msgs["customer_id"].to_pylist(), _secs(msgs["unsubscribed_at"]), strict=True):
        if c in entry and entry[c] < u <= entry[c] + follow:
            unsub[c] = 1
    bought: dict[str, int] = defaultdict(int)
    orders = t["orders"].filter(pc.equal(t["orders"]["status"], "completed"))
    for c, o in zip(orders["customer_id"].to_pylist(), _secs(orders["ordered_at"]), strict=True):
        if c in entry and entry[c] < o <= entry[c] + follow:
            bought[c] = 1
    units = list(entry)
    arm = np.array([arms[c] for c in units])
    for metric, got in (("unsubscribe", unsub), ("repurchase", bought)):
        y = np.array([got[c] for c in units], dtype=float)
        diff = y[arm == 1].mean() - y[arm == 0].mean()
        se = np.sqrt(y[arm == 1].var() / (arm == 1).sum() + y[arm == 0].var() / (arm == 0).sum())
        expected = truth[metric]
        assert abs(diff - expected["value"]) < 4 * np.hypot(se, expected["se"]), (metric, diff)
        assert expected["low"] == pytest.approx(y[arm == 0].mean(), abs=4 * se + 0.01)


def test_thinning_keeps_at_most_cap_sends_in_any_7_days_counting_those_before_the_start() -> None:
    rng = np.random.default_rng(3)
    n = 300
    cust = np.sort(rng.integers(0, n, 20_000))
    sent = np.empty(cust.size)
    for c in range(n):
        rows = cust == c
        sent[rows] = np.sort(rng.uniform(0.0, 100.0, rows.sum()))
    counted = rng.random(cust.size) < 0.9
    cap = rng.integers(1, 5, n)
    start, end = 40.0, 70.0
    keep = thin_to_caps(cust, sent, counted, cap, start, end)
    assert keep[~counted].all() and keep[(sent < start) | (sent >= end)].all()
    assert (~keep).sum() > 1000
    for c in range(n):
        t = sent[(cust == c) & counted & keep]
        ends = np.flatnonzero((t >= start) & (t < end))
        first = np.searchsorted(t, t[ends] - 7.0, side="right")
        assert (ends - first + 1 <= cap[c]).all()
        # Greedy: a send is dropped only when cap kept sends came in the 7 days before it.
        dropped = sent[(cust == c) & counted & ~keep]
        for x in dropped:
            assert ((t < x) & (t > x - 7.0 - 1e-5)).sum() >= cap[c]


# --- the gratitude effect by NPS group ----------------------------------------------------


def test_the_nps_group_at_a_gesture_is_the_latest_answer_with_an_nps_up_to_it() -> None:
    s_cust = np.array([0, 0, 0, 1, 2])
    s_time = np.array([1.0, 5.0, 9.0, 3.0, 4.0])
    s_nps = np.array([10.0, np.nan, 3.0, 7.0, 9.0])
    cust = np.array([0, 0, 0, 0, 1, 1, 2, 3])
    at = np.array([0.5, 1.0, 6.0, 9.5, 2.0, 3.0, 100.0, 50.0])
    got = nps_group_at(s_cust, s_time, s_nps, cust, at)
    # none; promoter at its own time; promoter (the skipped answer is passed over);
    # detractor; none; passive; promoter; none (no answers at all).
    assert got.tolist() == [-1, 2, 2, 0, -1, 1, 2, -1]


def test_gesture_counts_per_nps_group_follow_from_the_written_tables(sim_data) -> None:
    t = sim_data.tables
    as_of = _epoch(sim_data.truth["as_of"][:10])
    answers: dict[str, list[tuple[float, float]]] = defaultdict(list)
    s = t["survey_responses"]
    for c, when, nps in zip(
        s["customer_id"].to_pylist(), _secs(s["answered_at"]), s["nps"].to_pylist(), strict=True
    ):
        if nps is not None:
            answers[c].append((when, float(nps)))
    counts = dict.fromkeys(NPS_GROUPS, 0)
    g = t["gestures"]
    for c, when in zip(g["customer_id"].to_pylist(), _secs(g["given_at"]), strict=True):
        if when > as_of - d.GRATITUDE_FOLLOWUP_DAYS * DAY:
            continue
        before = [(a, n) for a, n in answers[c] if a <= when]
        if not before:
            counts["none"] += 1
            continue
        nps = max(before)[1]
        counts["promoter" if nps >= 9 else "detractor" if nps <= 6 else "passive"] += 1
    groups = sim_data.truth["gratitude_by_nps_group"]
    assert {k: groups[k]["data_events"] for k in NPS_GROUPS} == counts
    assert counts["detractor"] > 20 and counts["none"] > 0.7 * sum(counts.values())


@pytest.fixture(scope="module")
def big_truth() -> dict[str, object]:
    return simulate_tables(customers=300, seed=1, mc_customers=400_000).truth


@pytest.mark.slow
def test_the_gratitude_effect_is_largest_for_detractors_and_smallest_for_promoters(
    big_truth,
) -> None:
    groups = big_truth["gratitude_by_nps_group"]
    pooled = big_truth["effects"]["gratitude_uplift"]
    assert set(groups) == {*NPS_GROUPS, "meaning"}
    det, pas, pro, none = (groups[k] for k in NPS_GROUPS)
    # Measured on 400,000 customers: 0.096 (se 0.017), 0.055 (0.012), 0.020 (0.008); pooled
    # 0.051. Mostly not planted: detractors drop out more, so the same hazard ratio keeps
    # more of them (test_the_planted_multipliers_... isolates the planted part).
    for a, b, z in ((det, pro, 3), (pas, pro, 2), (det, pooled, 2)):
        assert a["value"] - b["value"] > z * np.hypot(a["se"], b["se"]), (a, b)
    assert det["value"] > pas["value"] > pro["value"] >= 0
    assert pro["value"] < pooled["value"]
    assert abs(none["value"] - pooled["value"]) < 0.01  # most gestures have no answer before
    # Planted: fee waivers by the disposition, thank-you notes alike for everyone.
    assert det["hazard_ratio_of_disposition"] == {"fee_forgiveness": 0.25, "milestone_thanks": 0.5}
    assert pas["hazard_ratio_of_disposition"] == {"fee_forgiveness": 0.4, "milestone_thanks": 0.5}
    assert pro["hazard_ratio_of_disposition"] == {"fee_forgiveness": 0.7, "milestone_thanks": 0.5}
    assert none["hazard_ratio_of_disposition"] == {"fee_forgiveness": 0.5, "milestone_thanks": 0.5}
    assert det["value_fee_forgiveness"] > pro["value_fee_forgiveness"]
    assert sum(g["events"] for g in (det, pas, pro, none)) == pooled["events"]


def _fee_waiver_uplift(disposition: int, n: int = 600_000) -> tuple[float, float]:
    """The fee waivers' 180-day retention uplift (treatment minus holdout, full follow-up)
    when every customer has ``disposition``; the same customers and streams each time."""
    streams = Streams(9)
    pop = draw_population(
        n, PARAMS, Effects(), streams["population"], channel_rng=streams["acquisition"]
    )
    h = simulate_purchases(
        pop,
        PARAMS,
        Effects(),
        streams["purchases"],
        streams["spend"],
        streams["gratitude"],
        disposition=np.full(n, disposition, dtype=np.int8),
    )
    full = (h.gesture_time <= PARAMS.end_day - 180) & (h.gesture_trigger == FEE_FORGIVENESS)
    cust, at, hold = h.gesture_cust[full], h.gesture_time[full], h.gesture_holdout[full]
    span = PARAMS.end_day + 400.0
    key = h.order_cust * span + h.order_time
    kept = (xt.search(key, cust * span + at + 180.0) - xt.search(key, cust * span + at)) > 0
    se = np.sqrt(kept[~hold].var() / (~hold).sum() + kept[hold].var() / hold.sum())
    return float(kept[~hold].mean() - kept[hold].mean()), float(se)


@pytest.mark.slow
def test_the_planted_multipliers_make_fee_waivers_work_better_for_detractors() -> None:
    """The same 600,000 customers, all detractors (fee waivers multiply the dropout hazard
    by 0.25), all passives (0.4) or all promoters (0.7): measured uplifts 0.044, 0.035 and
    0.021 (se 0.003 each)."""
    detractors, se_d = _fee_waiver_uplift(0)
    passives, _ = _fee_waiver_uplift(1)
    promoters, se_p = _fee_waiver_uplift(2)
    assert detractors - promoters > 4 * np.hypot(se_d, se_p), (detractors, promoters)
    assert detractors > passives > promoters > 3 * se_p


@pytest.mark.slow
def test_with_gratitude_off_no_group_has_an_effect() -> None:
    truth = simulate_tables(
        customers=300, seed=1, effects_off=("gratitude_uplift",), mc_customers=200_000
    ).truth
    groups = truth["gratitude_by_nps_group"]
    for name in NPS_GROUPS:
        g = groups[name]
        assert abs(g["value"]) < 4 * g["se"], (name, g)
        assert set(g["hazard_ratio_of_disposition"].values()) == {1.0}


# --- CUPED --------------------------------------------------------------------------------


@pytest.mark.slow
def test_pre_period_orders_and_revenue_correlate_clearly_with_the_follow_up(
    sim_data, big_truth
) -> None:
    for where in (big_truth["cuped"]["value"], sim_data.truth["cuped"]["data"]):
        assert where["orders"] > 0.3 and where["revenue"] > 0.3, where
        assert where["retention"] > 0.0
    assert sim_data.truth["cuped"]["data"]["events"] == sum(
        sim_data.truth["gratitude_by_nps_group"][k]["data_events"] for k in NPS_GROUPS
    )
