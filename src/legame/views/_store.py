"""Small helpers the views share: rows as dicts, and whether a table exists yet."""

from __future__ import annotations

from typing import Any

from legame.store import Workspace


def records(ws: Workspace, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = ws.con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def has_table(ws: Workspace, name: str) -> bool:
    found = ws.con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()[0][0]
    return bool(found)
