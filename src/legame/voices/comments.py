"""The comments page's list: survey comments with their detected language, filtered by a
literal search, NPS group, language and period, newest first, one page at a time."""

from __future__ import annotations

from typing import Any

from legame import sql
from legame.errors import InputError
from legame.metrics.period import Period
from legame.store import Workspace

NPS_GROUPS = ("promoter", "passive", "detractor")
MAX_PAGE_SIZE = 200


def list_comments(
    ws: Workspace,
    *,
    q: str | None = None,
    nps_group: str | None = None,
    language: str | None = None,
    period: Period | None = None,
    page: int = 1,
    page_size: int = 25,
) -> dict[str, Any]:
    """One page of comments and ``total``, ``pages`` and ``languages`` (how many comments of
    each detected language pass the other filters; ``""`` for one not detected yet)."""
    if nps_group is not None and nps_group not in NPS_GROUPS:
        raise InputError(
            f"The NPS group must be one of {', '.join(NPS_GROUPS)}. Got {nps_group!r} instead."
        )
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InputError(f"page must be >= 1 and page_size 1-{MAX_PAGE_SIZE}.")
    bounds = [None, None] if period is None else [period.start, period.end]
    # Every value a user gives is bound ($1 ...), never written into the query.
    unfiltered = [q or None, nps_group, None, *bounds]
    by_language = {
        str(row[0]): int(row[1])
        for row in ws.con.execute(sql.render("voices/comments_count"), unfiltered).fetchall()
    }
    total = by_language.get(language, 0) if language else sum(by_language.values())
    pages = max(1, -(-total // page_size))
    filters = [q or None, nps_group, language or None, *bounds]
    rows: list[dict[str, Any]] = []
    if page <= pages:
        cur = ws.con.execute(
            sql.render("voices/comments"), [*filters, page_size, (page - 1) * page_size]
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        "languages": by_language,
        "comments": rows,
    }
