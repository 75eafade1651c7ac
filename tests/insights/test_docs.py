"""docs/findings.md keeps up with the code: every finding, margin and minimum is there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from legame.insights import FINDINGS

DOC = Path(__file__).resolve().parents[2] / "docs" / "findings.md"


@pytest.mark.parametrize("module", FINDINGS, ids=lambda m: m.ID)
def test_every_finding_has_a_section_with_its_rules(module: object) -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"### {module.ID} (")[1].split("\n### ")[0]  # type: ignore[attr-defined]
    assert "**Verdict**" in section and "**Interval**" in section
    assert "**Minimum**" in section or "Minimum" in section
    for name in (
        "MIN_GROUP",
        "MIN_CUSTOMERS",
        "MIN_PER_ARM",
        "MIN_REPEAT_CUSTOMERS",
        "MIN_POOR_CUSTOMERS",
        "MIN_REFERRALS",
        "MIN_MESSAGES",
        "MIN_UNSUBSCRIBES",
    ):
        value = getattr(module, name, None)
        if value is not None:
            assert str(value) in section, (module.ID, name, value)  # type: ignore[attr-defined]
    heading = text.split(f"### {module.ID} (")[1].split("\n")[0]  # type: ignore[attr-defined]
    seeds = re.findall(r"00\d", module.CLAIM.rsplit("(", 1)[1])  # type: ignore[attr-defined]
    assert seeds and all(s in heading for s in seeds)


def test_margins_are_documented() -> None:
    from legame.insights import high_spend_is_not_loyalty, satisfaction_is_not_loyalty

    text = DOC.read_text(encoding="utf-8")
    assert f"{satisfaction_is_not_loyalty.AUC_MARGIN}" in text
    assert f"{round(100 * high_spend_is_not_loyalty.SPEND_MARGIN)} percentage points" in text
