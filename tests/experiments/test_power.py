"""Planning before launch: the MDE and the duration, against a textbook formula and by
simulation (issue 20 item 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from legame.errors import InputError
from legame.experiments.estimate import compare
from legame.experiments.power import Outcome, days_needed, mde, power


def _textbook_n_control(p1: float, p2: float, kappa: float, alpha=0.05, beta=0.2) -> float:
    """Chow, Shao & Wang (2008) §4.2.1, unequal allocation n_t = kappa n_c, two-sided."""
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(1 - beta)
    return (za + zb) ** 2 * (p1 * (1 - p1) / kappa + p2 * (1 - p2)) / (p1 - p2) ** 2


@pytest.mark.parametrize(
    ("p", "effect", "kappa"), [(0.3, 0.05, 9.0), (0.1, 0.02, 1.0), (0.6, -0.1, 3.0)]
)
def test_power_at_the_textbook_sample_size_is_the_target(p, effect, kappa):
    n_c = _textbook_n_control(p + effect, p, kappa)
    assert power(Outcome(p, rate=True), effect, kappa * n_c, n_c) == pytest.approx(0.8, abs=2e-3)


def test_mde_solves_the_textbook_formula_backwards():
    n_t, n_c = 9000.0, 1000.0
    delta = mde(Outcome(0.3, rate=True), n_t, n_c)
    assert delta is not None
    assert _textbook_n_control(0.3 + delta, 0.3, n_t / n_c) == pytest.approx(n_c, rel=1e-6)


def test_mde_of_a_mean_is_the_closed_form():
    got = mde(Outcome(50.0, sd=80.0), 400, 100)
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert got == pytest.approx(z * 80 * math.sqrt(1 / 400 + 1 / 100))


def test_days_needed_is_the_first_day_with_enough_power():
    o = Outcome(0.3, rate=True)
    days = days_needed(o, 0.04, per_day=50, holdout=0.1)
    assert days is not None
    at = lambda d: power(o, 0.04, 0.9 * 50 * d, 0.1 * 50 * d)  # noqa: E731
    assert at(days) >= 0.8 > at(days - 1)


def test_nothing_detectable_is_said_so():
    assert mde(Outcome(1.0, rate=True), 100, 100) is None
    assert mde(Outcome(0.3, rate=True), 100, 0) is None
    assert days_needed(Outcome(0.3, rate=True), 0.0001, per_day=1, holdout=0.1) is None
    with pytest.raises(InputError, match="--holdout"):
        days_needed(Outcome(0.3, rate=True), 0.05, per_day=1, holdout=1.0)


def test_planned_power_is_the_rejection_rate_in_simulation():
    """400 simulated experiments at the planned size with the true effect at the MDE:
    the share the analysis rejects is the planned 80% within ±5 points."""
    rng = np.random.default_rng(20)
    base, n_t, n_c = 0.25, 1800, 200
    effect = mde(Outcome(base, rate=True), n_t, n_c)
    assert effect is not None
    rejected = 0
    runs = 400
    for _ in range(runs):
        yt = (rng.random(n_t) < base + effect).astype(float)
        yc = (rng.random(n_c) < base).astype(float)
        ones_t, ones_c = np.ones(n_t), np.ones(n_c)
        c = compare(
            np.concatenate([ones_t, 0 * ones_c]),
            np.concatenate([yt, 0 * yc]),
            np.concatenate([0 * ones_t, ones_c]),
            np.concatenate([0 * yt, yc]),
        )
        lo, hi = c.unadjusted.low, c.unadjusted.high
        rejected += lo > 0 or hi < 0
    assert abs(rejected / runs - 0.8) <= 0.05


def test_a_contact_test_needs_about_its_own_length_for_the_effect_it_can_detect(
    surfaces_workspace,
) -> None:
    """The effect a contact test detects over its --days is the same relative change over
    any other window: unsubscribes accumulate, so a week, with a base rate a tenth as high,
    cannot detect it (before, the same absolute difference was asked of every window, and
    a week looked enough)."""
    from legame.engage.gratitude.plan import as_of
    from legame.experiments.plan import plan_contact_test
    from legame.policy import load_policy, policy_path_for
    from legame.store import Workspace

    with Workspace.open(surfaces_workspace, read_only=True) as ws:
        policy = load_policy(policy_path_for(ws.path))
        at = as_of(ws, None)
        planned = plan_contact_test(ws, policy, "weekly_cap", at=at, days=90)
        assert planned["mde"] is not None
        found = plan_contact_test(
            ws, policy, "weekly_cap", at=at, days=90, effect=1.05 * planned["mde"]
        )
    assert found["days_needed"] in (60, 90)


def test_a_trigger_is_planned_on_its_held_out_gestures(surfaces_workspace) -> None:
    """The base rate is the held-out arm's own 180-day repurchase (it is what the control
    arm will do), said as such."""
    import numpy as np

    from legame.engage.gratitude.plan import as_of
    from legame.experiments.gestures import units
    from legame.experiments.plan import plan_trigger
    from legame.policy import load_policy, policy_path_for
    from legame.store import Workspace

    with Workspace.open(surfaces_workspace, read_only=True) as ws:
        at = as_of(ws, None)
        found = plan_trigger(ws, load_policy(policy_path_for(ws.path)), "milestone_thanks", at=at)
        rows = units(ws, at).to_pylist()
    held = [r for r in rows if r["trigger"] == "milestone_thanks" and r["arm"] == "holdout"]
    assert len(held) >= 30
    assert found["base"]["from"] == "held-out gestures"
    assert found["base"]["mean"] == np.mean([r["orders_after"] >= 1 for r in held])
