"""A small store whose cases are known by construction, and helpers to build others.

The store (answers and tickets around :data:`AS_OF`, the default 30-day lookback):

========  ========  ==========================================  =====================
source    customer  what                                        case at AS_OF
========  ========  ==========================================  =====================
R1        C1        NPS 3, "courier lost my parcel"             detractor
R2        C2        NPS 9                                       none (promoter)
R3        C2        NPS 6                                       detractor (6 is one)
R4        C3        NPS 7                                       none (passive)
R5        C4        NPS 0                                       detractor
R6        C1        NPS 2, two months before                    none (before lookback)
R7        C3        NPS 1, the day after AS_OF                  none (not yet)
R8        C4        no NPS                                      none
T1        C1        answered, resolved, CSAT 2                  poor service (rated)
T2        C2        never answered, open 9 days                 poor service
T3        C2        answered in 1 h, open 5 days                none yet (poor at +3d)
T4        C3        answered, resolved next day, CSAT 5         none
T5        C4        first answer after 72 h                     poor service (slow)
T6        C1        never answered, two months before           none (before lookback)
========  ========  ==========================================  =====================
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from legame.ingest import ingest
from legame.policy import Policy, parse_policy
from legame.store import Workspace

AS_OF = datetime(2025, 3, 10)
CUSTOMERS = """customer_id,email,time_zone
C1,c1@example.com,Europe/Rome
C2,c2@example.com,Europe/Rome
C3,c3@example.com,America/New_York
C4,c4@example.com,Europe/Rome
"""
ANSWERS = """response_id,customer_id,answered_at,nps,comment
R1,C1,2025-03-01 10:00,3,courier lost my parcel
R2,C2,2025-03-02 09:00,9,great
R3,C2,2025-03-03 09:00,6,meh
R4,C3,2025-03-04 09:00,7,
R5,C4,2025-03-05 09:00,0,never again
R6,C1,2025-01-01 09:00,2,old news
R7,C3,2025-03-11 09:00,1,tomorrow
R8,C4,2025-03-06 09:00,,
"""
TICKETS = """ticket_id,customer_id,opened_at,first_response_at,resolved_at,csat,category
T1,C1,2025-02-20 09:00,2025-02-20 14:00,2025-02-21 09:00,2,delivery
T2,C2,2025-03-01 09:00,,,,billing
T3,C2,2025-03-05 09:00,2025-03-05 10:00,,,returns
T4,C3,2025-03-02 09:00,2025-03-02 11:00,2025-03-03 09:00,5,delivery
T5,C4,2025-03-01 09:00,2025-03-04 09:00,2025-03-04 12:00,4,
T6,C1,2025-01-15 09:00,,,,delivery
"""
CONSENTS = """customer_id,channel,status,at
C4,phone,withdrawn,2025-03-02 09:00
C1,phone,granted,2025-01-01 09:00
"""
#: The cases the store opens at AS_OF with the default policy.
EXPECTED = {
    "survey:R1": "detractor",
    "survey:R3": "detractor",
    "survey:R5": "detractor",
    "ticket:T1": "poor_service",
    "ticket:T2": "poor_service",
    "ticket:T5": "poor_service",
}


def policy(**sections: Any) -> Policy:
    """A policy from TOML-like sections, e.g. ``policy(cases={"lookback_days": 7})``."""
    return parse_policy(sections)


def load(ws: Workspace, folder: Path, tables: dict[str, str]) -> None:
    """Ingest each table's CSV text (written to ``folder``)."""
    for table, text in tables.items():
        path = folder / f"{table}.csv"
        path.write_text(text, encoding="utf-8")
        report = ingest(ws, table, [path])
        assert not report.failed, report.failed


def small_store(ws: Workspace, folder: Path) -> None:
    load(
        ws,
        folder,
        {
            "customers": CUSTOMERS,
            "survey_responses": ANSWERS,
            "tickets": TICKETS,
            "consents": CONSENTS,
        },
    )


@pytest.fixture(scope="session")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small store, built once."""
    folder = tmp_path_factory.mktemp("cases-store")
    path = folder / "ws.duckdb"
    with Workspace.create(path) as ws:
        small_store(ws, folder)
    return path


@pytest.fixture
def db_with_store(store_file: Path, tmp_path: Path) -> Path:
    """A private copy of the small store (a closed workspace file), without cases yet."""
    path = tmp_path / "ws.duckdb"
    shutil.copy(store_file, path)
    return path


@pytest.fixture
def store(db_with_store: Path) -> Iterator[Workspace]:
    """The small store, open, without cases yet."""
    with Workspace.open(db_with_store) as ws:
        yield ws


def by_source(ws: Workspace) -> dict[str, dict[str, Any]]:
    """Every case, by what opened it."""
    cur = ws.con.execute("SELECT * FROM cases ORDER BY case_id")
    names = [d[0] for d in cur.description]
    return {row[2]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}
