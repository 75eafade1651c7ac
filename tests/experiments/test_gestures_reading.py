"""The gratitude program read as an experiment on a planted world (issue 20 items 2-4):
the planted uplift inside every interval, CUPED narrower, the always-valid interval wider
than the fixed one and still covering, segments Bonferroni-adjusted, the return from the
revenue difference; with the effect off nothing is declared."""

from __future__ import annotations

import pytest

from legame.engage.gratitude.plan import as_of
from legame.experiments.gestures import BREAKDOWNS, experiment
from legame.policy import load_policy
from legame.store import Workspace

pytestmark = pytest.mark.slow


def _reading(built):
    with Workspace.open(built.db, read_only=True) as ws:
        at = as_of(ws, None)
        return experiment(ws, load_policy(None), at)


@pytest.fixture(scope="module")
def planted(planted_experiment):
    return _reading(planted_experiment), planted_experiment.truth


def test_every_interval_covers_the_planted_uplift(planted):
    reading, truth = planted
    true = truth["effects"]["gratitude_uplift"]["value"]
    retention = reading["all"]["comparisons"]["retention"]
    for name in ("unadjusted", "cuped", "always_valid"):
        iv = retention[name]
        assert iv["ci_low"] <= true <= iv["ci_high"], (name, iv, true)
    # at 10,000 customers the fixed-horizon interval finds the uplift; the always-valid
    # one, wider, is safe to read daily and must at least not point the wrong way
    assert retention["cuped"]["ci_low"] > 0
    assert reading["all"]["verdict"] in ("supported", "not_supported")


def test_cuped_narrows_and_the_sequence_widens(planted):
    reading, _ = planted
    for metric in ("retention", "revenue"):
        c = reading["all"]["comparisons"][metric]
        width = {
            k: c[k]["ci_high"] - c[k]["ci_low"] for k in ("unadjusted", "cuped", "always_valid")
        }
        assert c["variance_reduction"] > 0
        assert width["cuped"] < width["unadjusted"]
        assert width["always_valid"] > width["cuped"]
        assert c["cuped"]["estimate"] == c["always_valid"]["estimate"]


def test_segments_are_pre_treatment_and_bonferroni_adjusted(planted):
    reading, _ = planted
    seg = reading["all"]["segments"]
    assert seg["adjustment"] == "bonferroni"
    cells = sum(len(seg[b]) for b in BREAKDOWNS)
    assert seg["cells"] == cells and seg["alpha_per_cell"] == pytest.approx(0.05 / cells)
    assert {r["segment"] for r in seg["nps_group"]} <= {"promoter", "passive", "detractor", "none"}
    assert {r["segment"] for r in seg["clv_tier"]} == {"low", "middle", "high"}
    assert seg["measured_after_gesture"] == ["clv_tier"]
    pooled = reading["all"]["comparisons"]["retention"]["cuped"]
    for row in seg["nps_group"]:
        iv = row["retention"]["cuped"]
        if iv["estimate"] is not None and row["held_out"] > 200:
            # an adjusted cell interval is wider than the pooled one
            assert iv["ci_high"] - iv["ci_low"] > pooled["ci_high"] - pooled["ci_low"]


def test_the_return_is_the_revenue_difference_times_the_treated(planted):
    reading, _ = planted
    ret = reading["all"]["return"]
    rev = reading["all"]["comparisons"]["revenue"]["cuped"]
    assert ret["incremental_revenue"]["estimate"] == pytest.approx(
        rev["estimate"] * ret["treated_gestures"]
    )
    assert ret["net_return"]["estimate"] == pytest.approx(
        ret["incremental_margin"]["estimate"] - ret["cost"]
    )
    assert ret["margin_rate"] == 0.3 and ret["cost"] > 0


def test_with_the_effect_off_nothing_is_declared(gratitude_off):
    reading = _reading(gratitude_off)
    for trigger, row in reading.items():
        assert row["verdict"] != "supported", trigger
        assert row["comparisons"]["retention"]["always_valid"]["ci_low"] <= 0


def test_each_nps_group_s_interval_covers_its_planted_effect(planted):
    """The simulator plants a gratitude effect that differs by NPS group (strongest for
    detractors): each group's Bonferroni-adjusted intervals cover its own truth."""
    reading, truth = planted
    by_group = truth["gratitude_by_nps_group"]
    assert by_group["detractor"]["value"] > by_group["promoter"]["value"]
    rows = {r["segment"]: r for r in reading["all"]["segments"]["nps_group"]}
    assert set(rows) == {"promoter", "passive", "detractor", "none"}
    for group, row in rows.items():
        true = by_group[group]["value"]
        for kind in ("cuped", "always_valid"):
            iv = row["retention"][kind]
            assert iv["ci_low"] <= true <= iv["ci_high"], (group, kind, iv, true)
