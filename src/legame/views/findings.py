"""Findings as the surfaces show them: the latest ones computed for the workspace."""

from __future__ import annotations

from typing import Any

from legame.insights.saved import load_findings
from legame.store import Workspace


def findings(ws: Workspace) -> list[dict[str, Any]]:
    """The stored findings (``legame findings`` or the demo computes them); empty before."""
    return load_findings(ws)
