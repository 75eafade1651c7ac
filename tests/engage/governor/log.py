"""Row writers for the governor tests.

Rows are written straight into the canonical tables (with batch 0), so each test states
exactly the log it needs; one test loads messages through ``ingest`` instead.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from legame.policy import DEFAULT_POLICY, Policy
from legame.store import Workspace


def add(ws: Workspace, table: str, **values: Any) -> None:
    """Insert one row into a canonical table (batch 0, no source file)."""
    cols = [*values, "_batch_id"]
    marks = ", ".join("?" for _ in cols)
    quoted = ", ".join(f'"{c}"' for c in cols)
    ws.con.execute(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', [*values.values(), 0])


def customer(ws: Workspace, cid: str, time_zone: str | None = "Europe/Rome") -> None:
    add(ws, "customers", customer_id=cid, time_zone=time_zone)


def consent(ws: Workspace, cid: str, channel: str, status: str, at: datetime) -> None:
    add(ws, "consents", customer_id=cid, channel=channel, status=status, at=at)


_sent = iter(range(10**9))


def sent(ws: Workspace, cid: str, channel: str, at: datetime, **more: Any) -> None:
    add(
        ws,
        "messages",
        message_id=f"m{next(_sent)}",
        customer_id=cid,
        channel=channel,
        sent_at=at,
        **more,
    )


def ticket(ws: Workspace, cid: str, opened: datetime, resolved: datetime | None = None) -> None:
    add(
        ws,
        "tickets",
        ticket_id=f"t{next(_sent)}",
        customer_id=cid,
        opened_at=opened,
        resolved_at=resolved,
    )


def contact_policy(policy: Policy = DEFAULT_POLICY, **changes: Any) -> Policy:
    """The policy with some ``[contact]`` fields replaced."""
    return replace(policy, contact=replace(policy.contact, **changes))


def preference(
    ws: Workspace,
    cid: str,
    at: datetime,
    *,
    channels: list[str] | None = None,
    max_per_week: int | None = None,
    max_per_month: int | None = None,
    quiet: tuple[str, str] | None = None,
    paused_until: datetime | None = None,
    stopped: bool = False,
) -> None:
    """Save a set of contact preferences for ``cid`` at ``at`` (as the preference page does)."""
    start, end = quiet or (None, None)
    ws.con.execute(
        'INSERT INTO contact_preferences (customer_id, "at", channels, max_per_week, '
        "max_per_month, quiet_start, quiet_end, paused_until, stopped, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'test')",
        [cid, at, channels, max_per_week, max_per_month, start, end, paused_until, stopped],
    )
