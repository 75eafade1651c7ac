"""Fixtures for the preference tests: a small workspace of customers in three languages
(and one in none), and the instant every test takes as now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from legame.policy import DEFAULT_POLICY, Policy
from legame.store import Workspace

#: The instant taken as now: every link and choice is made or checked against it.
NOW = datetime(2025, 3, 1, 12, 0)


def add(ws: Workspace, table: str, **values: Any) -> None:
    """Insert one row into a canonical table (batch 0, no source file)."""
    cols = [*values, "_batch_id"]
    marks = ", ".join("?" for _ in cols)
    quoted = ", ".join(f'"{c}"' for c in cols)
    ws.con.execute(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', [*values.values(), 0])


def table(ws: Workspace, name: str) -> list[tuple[Any, ...]]:
    """Every row of a table, in a stable order (to compare before and after)."""
    return sorted(ws.con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)


#: The tables a choice writes to.
WRITTEN = ("contact_preferences", "consents", "audit_log", "batches", "link_keys")


def snapshot(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    return {name: table(ws, name) for name in WRITTEN}


@pytest.fixture
def policy() -> Policy:
    return DEFAULT_POLICY


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    """Customers mario (it, Rome), lucia (es, Madrid), john (en) and nemo (no language);
    mario granted e-mail and sms consent in 2024."""
    for cid, language, zone in (
        ("mario", "it", "Europe/Rome"),
        ("lucia", "es-ES", "Europe/Madrid"),
        ("john", "en", "America/Chicago"),
        ("nemo", None, None),
    ):
        add(ws, "customers", customer_id=cid, language=language, time_zone=zone)
    for channel in ("email", "sms"):
        add(
            ws,
            "consents",
            customer_id="mario",
            channel=channel,
            status="granted",
            at=datetime(2024, 1, 1),
        )
    return ws
