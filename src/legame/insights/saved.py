"""The latest findings, kept in the workspace so every surface shows the same ones."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from legame import sql
from legame.insights.finding import Finding
from legame.store import Workspace


def save_findings(ws: Workspace, findings: Sequence[Finding]) -> None:
    """Replace the stored findings with these (one transaction)."""
    with ws.transaction() as con:
        con.execute(sql.render("saved_findings/clear"))
        for position, finding in enumerate(findings):
            data = finding.to_dict(with_text=True)
            con.execute(
                sql.render("saved_findings/save"),
                [position, data["id"], data["verdict"], json.dumps(data, default=str)],
            )


def load_findings(ws: Workspace) -> list[dict[str, Any]]:
    """The stored findings in their order, each with ``computed_at`` (empty: none yet).
    A finding saved before findings kept their sentences as data has an empty ``text``
    (surfaces then show its English)."""
    rows = ws.con.execute(sql.render("saved_findings/load")).fetchall()
    return [{"text": {}, **json.loads(payload), "computed_at": at} for payload, at in rows]
