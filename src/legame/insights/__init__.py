"""Findings: one module per tested claim, one ``Finding`` type.

``compute_findings(workspace, seed=0, as_of=None)`` tests every claim of the seed articles
on the workspace's data and returns one ``Finding`` per claim (see ``docs/findings.md``).

The names below are imported on first use, so importing a single finding module stays
cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from legame.insights.finding import VERDICTS, Finding, Verdict
    from legame.insights.runner import FINDING_IDS, FINDINGS, compute_findings

__all__ = ["FINDINGS", "FINDING_IDS", "VERDICTS", "Finding", "Verdict", "compute_findings"]

_WHERE = {
    "VERDICTS": "finding",
    "Finding": "finding",
    "Verdict": "finding",
    "FINDINGS": "runner",
    "FINDING_IDS": "runner",
    "compute_findings": "runner",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"legame.insights.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'legame.insights' has no attribute {name!r}")
