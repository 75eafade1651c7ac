"""Every planted effect is recovered: on 10,000 simulated customers with every effect on,
the true value (``truth.json["effects"][name]["value"]``) lies inside the finding's 95%
interval and the verdict is ``supported``."""

from __future__ import annotations

import json
import re

import pytest

from legame.insights import FINDING_IDS, VERDICTS

from .conftest import EFFECT_OF, Planted


@pytest.mark.slow
@pytest.mark.parametrize("finding_id", FINDING_IDS)
def test_truth_lies_inside_the_interval_and_the_verdict_is_supported(
    planted: Planted, finding_id: str
) -> None:
    f = planted.findings[finding_id]
    effect = planted.truth["effects"][EFFECT_OF[finding_id]]  # type: ignore[index]
    assert effect["on"] is True
    assert f.verdict == "supported", f.to_dict()
    assert f.ci_low is not None and f.ci_high is not None and f.estimate is not None
    assert f.ci_low <= effect["value"] <= f.ci_high, (effect["value"], f.to_dict())
    assert f.ci_low <= f.estimate <= f.ci_high
    assert "error" not in f.details


@pytest.mark.slow
def test_every_finding_has_the_documented_shape(planted: Planted) -> None:
    assert list(planted.findings) == list(FINDING_IDS)
    for f in planted.findings.values():
        d = f.to_dict()
        assert set(d) == {
            "id",
            "claim",
            "estimate",
            "ci_low",
            "ci_high",
            "n",
            "method",
            "verdict",
            "summary",
            "details",
            "causal",
            "null",
            "margin",
        }
        assert d["verdict"] in VERDICTS
        assert re.search(r"\(seeds? 00\d", d["claim"])
        assert d["n"] > 0
        json.dumps(d, allow_nan=False)  # JSON-ready
        if not d["causal"]:
            assert "not proof of cause" in d["summary"] or "not proof that" in d["summary"]
    assert [f.id for f in planted.findings.values() if f.causal] == ["gratitude_uplift"]


@pytest.mark.slow
def test_emotion_reports_the_clv_ratio_when_the_workspace_is_scored(planted: Planted) -> None:
    details = planted.findings["emotion_vs_satisfaction"].details
    assert details["clv_ratio"] > 1.0
    assert details["clv_ci_low"] < details["clv_ratio"] < details["clv_ci_high"]


@pytest.mark.slow
def test_findings_take_well_under_the_time_budget(planted: Planted) -> None:
    """All seven findings on 10,000 customers (the demo has 5,000) in under 30 s."""
    assert sum(f.details["seconds"] for f in planted.findings.values()) < 30.0
