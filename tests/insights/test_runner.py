"""compute_findings: one failing finding never stops the others; seeds are honoured."""

from __future__ import annotations

import pytest

from legame.errors import InputError
from legame.insights import FINDING_IDS, compute_findings
from legame.insights import promoters_and_word_of_mouth as promoters
from legame.store import Workspace

from .conftest import Planted


@pytest.mark.slow
def test_a_failing_finding_becomes_insufficient_data_with_the_error(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(ctx: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(promoters, "compute", boom)
    with Workspace.open(planted.db, read_only=True) as ws:
        results = {
            f.id: f
            for f in compute_findings(ws, only=("promoters_and_word_of_mouth", "contact_pressure"))
        }
    failed = results["promoters_and_word_of_mouth"]
    assert failed.verdict == "insufficient_data"
    assert failed.details["error"] == "RuntimeError: disk on fire"
    assert "could not" in failed.summary or "failed" in failed.summary
    assert results["contact_pressure"].verdict == "supported"


@pytest.mark.slow
def test_the_same_seed_gives_the_same_findings_and_another_seed_other_intervals(
    planted: Planted,
) -> None:
    ids = ("emotion_vs_satisfaction", "gratitude_uplift")
    with Workspace.open(planted.db, read_only=True) as ws:
        again = compute_findings(ws, seed=0, only=ids)
        other = compute_findings(ws, seed=1, only=ids)
    for a, o in zip(again, other, strict=True):
        first = planted.findings[a.id]
        assert (a.estimate, a.ci_low, a.ci_high) == (first.estimate, first.ci_low, first.ci_high)
        assert o.estimate == a.estimate and o.ci_low != a.ci_low


@pytest.mark.slow
def test_as_of_moves_every_window(planted: Planted) -> None:
    """A year earlier the data are the first year only: fewer customers, another estimate."""
    from datetime import date

    with Workspace.open(planted.db, read_only=True) as ws:
        (f,) = compute_findings(ws, as_of=date(2025, 1, 1), only=("high_spend_is_not_loyalty",))
    assert f.n < planted.findings["high_spend_is_not_loyalty"].n


def test_unknown_finding_ids_are_refused(ws: Workspace) -> None:
    with pytest.raises(InputError, match="Valid ids: emotion_vs_satisfaction"):
        compute_findings(ws, only=("nope",))
    with pytest.raises(InputError, match="'seed' argument"):
        compute_findings(ws, seed=-1)
    assert len(FINDING_IDS) == 7
