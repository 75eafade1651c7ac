"""Shared by the preset tests: the sample exports and a way to read back what loaded."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from legame.ingest import IngestReport, ReadOptions, ingest
from legame.store import Workspace

EXPORTS = Path(__file__).resolve().parents[2] / "data" / "exports"


def load(ws: Workspace, table: str, preset: str, sample: str, **options: Any) -> IngestReport:
    report = ingest(ws, table, [EXPORTS / sample], ReadOptions(preset=preset, **options))
    assert not report.failed, report.failed[0].error
    return report


def rows(ws: Workspace, sql: str, params: list[object] | None = None) -> list[dict[str, Any]]:
    cursor = ws.con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def extra(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["_extra"]) if row["_extra"] else {}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def money(text: str) -> Decimal:
    return Decimal(text)
