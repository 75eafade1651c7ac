"""A randomized contact-frequency test, planted by the simulator and declared in the
policy, read back (issue 20 items 5 and 7): the arms' differences cover the planted truth,
the contact_pressure finding turns causal and keeps the observational reading beside it;
with the effect off, nothing is declared."""

from __future__ import annotations

import pytest

from legame.experiments.contact_test import pressure_contrast, results
from legame.insights import compute_findings
from legame.metrics.cutoff import default_as_of
from legame.policy import load_policy, policy_path_for
from legame.simulate import policy_fragment
from legame.store import Workspace
from tests.insights.conftest import PLANTED_CUSTOMERS, PLANTED_SEED, build_workspace

pytestmark = pytest.mark.slow

METRICS = ("unsubscribe", "complaint", "repurchase", "revenue")


def _declared(built):
    """The workspace of ``built`` with the simulated test appended to its policy file."""
    path = policy_path_for(built.db)
    path.write_text(policy_fragment(built.truth), encoding="utf-8")
    return built


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contact_test_on")
    return _declared(build_workspace(folder, customers=PLANTED_CUSTOMERS, seed=PLANTED_SEED))


@pytest.fixture(scope="module")
def off(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contact_test_off")
    return _declared(
        build_workspace(
            folder,
            customers=PLANTED_CUSTOMERS,
            seed=PLANTED_SEED,
            effects_off=("contact_frequency_test",),
        )
    )


def _read(built):
    with Workspace.open(built.db, read_only=True) as ws:
        policy = load_policy(policy_path_for(built.db))
        at = default_as_of(ws)
        return results(ws, policy, at)[0], pressure_contrast(ws, policy, at)


def test_the_arms_differences_cover_the_planted_truth(planted):
    reading, _ = _read(planted)
    truth = planted.truth["contact_frequency_test"]["effects"]["units"]["high"]
    (comparison,) = reading["comparisons"]
    assert (comparison["arm"], comparison["against"]) == ("high", "low")
    arms = {a["arm"]: a for a in reading["arms"]}
    assert arms["high"]["messages_per_customer"] > arms["low"]["messages_per_customer"]
    for metric in METRICS:
        true = truth[metric]["value"]
        for kind in ("unadjusted", "cuped", "always_valid"):
            iv = comparison[metric][kind]
            assert iv["ci_low"] <= true <= iv["ci_high"], (metric, kind, iv, true)
    # more messages, more unsubscribes: found even at the always-valid level
    assert comparison["unsubscribe"]["verdict"] == "supported"
    assert comparison["revenue"]["variance_reduction"] > 0.05


def test_the_finding_turns_causal_with_the_observational_reading_beside(planted):
    with Workspace.open(planted.db) as ws:
        found = {f.id: f for f in compute_findings(ws)}["contact_pressure"]
    assert found.causal is True
    assert found.details["contact_test"]["more"] == "high"
    assert found.details["observational"]["estimate"] > 1  # the rate ratio, kept
    assert found.verdict == "supported"
    assert found.text["method"] == "finding.contact_pressure.causal_method"
    keys = [p["key"] for p in found.text["summary"]]
    assert keys[0] == "finding.contact_pressure.causal_result"
    assert "finding.contact_pressure.observational" in keys


def test_with_the_effect_off_nothing_is_declared(off):
    reading, contrast = _read(off)
    truth = off.truth["contact_frequency_test"]["effects"]["units"]["high"]
    for metric in METRICS:
        true = truth[metric]["value"]
        assert true == 0
        row = reading["comparisons"][0][metric]
        assert row["verdict"] in ("not_supported", "insufficient_data"), metric
    assert contrast is None or contrast["verdict"] != "supported"
