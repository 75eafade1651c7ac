"""The measured loop of the cases (the dashboard's /cases/loop, the API's /cases/stats),
kept between requests while nothing it reads has changed.

:func:`legame.engage.cases.case_stats` bootstraps the call-back's effect over customers:
most of a second at tens of thousands of cases. Its result depends on the store's data (an
import, an erasure: :func:`~legame.views.cache.data_stamp`), on the cases themselves, which
change without an import (a contact, a note, a closing: ``cases/stamp``), on the policy
file (``[cases] followup_days``) and on the instant it is as of. Without an instant it is
as of the start of the current minute (UTC), so that requests within a minute share one
computation; each result says its ``as_of``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from legame import sql
from legame.engage.cases import case_stats
from legame.metrics.period import Period
from legame.store import Workspace
from legame.views.cache import cached_copy, policy_stamp


def kept_case_stats(
    ws: Workspace, *, period: Period | None = None, as_of: datetime | None = None
) -> dict[str, Any]:
    """:func:`legame.engage.cases.case_stats` of ``period`` as of ``as_of`` (default: the
    start of this minute, UTC), kept while the data, the cases and the policy stay the
    same; the caller gets its own copy."""
    at = as_of if as_of is not None else datetime.now(UTC).replace(second=0, microsecond=0)
    cases = tuple(ws.con.execute(sql.render("cases/stamp")).fetchall()[0])
    key = ("case_stats", period, at, cases, policy_stamp(ws))
    return cached_copy(ws, key, lambda: case_stats(ws, as_of=at, period=period))
