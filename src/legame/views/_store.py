"""What the views share: the rows of a named query as dicts."""

from __future__ import annotations

from typing import Any

from legame import sql
from legame.store import Workspace


def records(
    ws: Workspace, query: str, bound: list[Any] | None = None, /, **params: sql.Param
) -> list[dict[str, Any]]:
    """The rows of ``legame/sql/QUERY.sql`` rendered with ``params``, with ``bound`` values
    (what a user typed: a customer id, a search) bound to its ``$1``, ``$2`` ..."""
    cur = ws.con.execute(sql.render(query, **params), bound or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
