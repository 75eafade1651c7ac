"""The arm comparison: delta-method, CUPED and the always-valid confidence sequence,
checked on simulated experiments whose true effect is known (issue 20 items 2 and 3)."""

from __future__ import annotations

import numpy as np

from legame.experiments.estimate import MIN_UNITS, compare


def _per_customer(rng, customers, effect, *, events=1, corr=True):
    """Per-customer sums of a gesture-like experiment: each customer has 1..events
    events, each randomized 90/10; the outcome (retention-like, 0/1) depends on the
    customer's purchase rate, which also drives the pre-period orders (CUPED's lever)."""
    rate = rng.gamma(1.5, 1.0, customers)
    k = rng.integers(1, events + 1, customers)
    cols = {name: np.zeros(customers) for name in ("nt", "yt", "xt", "nc", "yc", "xc")}
    for j in range(events):
        has = k > j
        treated = rng.random(customers) < 0.9
        pre = rng.poisson(rate if corr else 1.5)
        p = 1 - np.exp(-rate) + effect * treated
        y = (rng.random(customers) < np.clip(p, 0, 1)).astype(float)
        for arm, sel in (("t", has & treated), ("c", has & ~treated)):
            cols["n" + arm] += sel
            cols["y" + arm] += y * sel
            cols["x" + arm] += pre * sel
    return cols


def _run(cols, **kw):
    return compare(
        cols["nt"],
        cols["yt"],
        cols["nc"],
        cols["yc"],
        cols["xt"][:, None],
        cols["xc"][:, None],
        **kw,
    )


def test_cuped_is_narrower_and_still_covers_the_planted_effect():
    rng = np.random.default_rng(7)
    effect, runs = 0.03, 300
    covered = {"unadjusted": 0, "cuped": 0}
    widths = {"unadjusted": [], "cuped": []}
    reductions = []
    for _ in range(runs):
        c = _run(_per_customer(rng, 3000, effect, events=3))
        for name in covered:
            iv = getattr(c, name)
            covered[name] += iv.low <= effect <= iv.high
            widths[name].append(iv.high - iv.low)
        reductions.append(c.variance_reduction)
    # nominal 95%; 300 runs: ±2.5 standard errors is about ±3 points
    assert covered["cuped"] / runs >= 0.92
    assert covered["unadjusted"] / runs >= 0.92
    assert np.mean(widths["cuped"]) < 0.97 * np.mean(widths["unadjusted"])
    assert np.mean(reductions) > 0.05


def test_without_a_pre_period_link_cuped_changes_nothing_much():
    rng = np.random.default_rng(8)
    c = _run(_per_customer(rng, 4000, 0.0, corr=False))
    assert c.variance_reduction is not None and abs(c.variance_reduction) < 0.02


def test_daily_looks_at_a_null_experiment_declare_nothing_in_95_percent():
    """200 null experiments, each looked at every day for 120 days (40 customers a day):
    the always-valid interval is ever above 0 in at most 5% of them; the fixed-horizon
    interval, peeked at daily, is above 0 far more often (why it must not be peeked at)."""
    rng = np.random.default_rng(11)
    runs, days, per_day = 200, 120, 40
    ever_valid = ever_fixed = 0
    for _ in range(runs):
        cols = _per_customer(rng, days * per_day, 0.0)
        hit_valid = hit_fixed = False
        for day in range(1, days + 1):
            n = day * per_day
            part = {k: v[:n] for k, v in cols.items()}
            if min((part["nt"] > 0).sum(), (part["nc"] > 0).sum()) < MIN_UNITS:
                continue
            c = _run(part, planned_units=days * per_day)
            hit_valid |= c.always_valid.low > 0
            hit_fixed |= c.cuped.low > 0
            if hit_valid and hit_fixed:
                break
        ever_valid += hit_valid
        ever_fixed += hit_fixed
    assert ever_valid / runs <= 0.05
    assert ever_fixed > 2 * max(ever_valid, 1)


def test_the_sequence_still_finds_a_real_effect():
    rng = np.random.default_rng(12)
    c = _run(_per_customer(rng, 6000, 0.08, events=2), planned_units=6000)
    assert c.verdict() == "supported"
    assert c.always_valid.low <= 0.08 <= c.always_valid.high


def test_too_few_units_estimate_nothing():
    rng = np.random.default_rng(1)
    cols = _per_customer(rng, 100, 0.0)
    c = _run(cols)
    assert c.unadjusted.estimate is None and c.verdict() == "insufficient_data"
