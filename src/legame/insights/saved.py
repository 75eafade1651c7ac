"""The latest findings, kept in the workspace so every surface shows the same ones."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from legame.insights.finding import Finding
from legame.store import Workspace


def save_findings(ws: Workspace, findings: Sequence[Finding]) -> None:
    """Replace the stored findings with these (one transaction)."""
    with ws.transaction() as con:
        con.execute("DELETE FROM findings")
        for position, finding in enumerate(findings):
            data = finding.to_dict()
            con.execute(
                "INSERT INTO findings VALUES (?, ?, now()::TIMESTAMP, ?, ?)",
                [position, data["id"], data["verdict"], json.dumps(data, default=str)],
            )


def load_findings(ws: Workspace) -> list[dict[str, Any]]:
    """The stored findings in their order, each with ``computed_at`` (empty: none yet)."""
    rows = ws.con.execute("SELECT payload, computed_at FROM findings ORDER BY position").fetchall()
    return [{**json.loads(payload), "computed_at": at} for payload, at in rows]
