"""A poor-service case keeps the facts that made it one (migration 0010), beside its English
``detail``: the dashboard says them in its reader's language. Cases opened before the
migration get them back from their detail."""

from __future__ import annotations

from pathlib import Path

import duckdb

from legame.engage.cases import get_case, open_cases
from legame.engage.cases.opening import FACTS
from legame.store import Workspace
from legame.store.migrate import available
from tests.cases.conftest import AS_OF, by_source


def test_opening_stores_what_made_each_ticket_poor(store: Workspace) -> None:
    open_cases(store, as_of=AS_OF)
    cases = by_source(store)
    facts = {source: {k: c[k] for k in FACTS} for source, c in cases.items()}
    assert facts["ticket:T2"] == {
        "ticket_category": "billing",
        "slow_response_hours": 48,
        "slow_resolution_days": 7,
        "low_csat": None,
    }
    assert facts["ticket:T1"] == {
        "ticket_category": "delivery",
        "slow_response_hours": None,
        "slow_resolution_days": None,
        "low_csat": 2,
    }
    assert facts["ticket:T5"] == {
        "ticket_category": None,
        "slow_response_hours": 48,
        "slow_resolution_days": None,
        "low_csat": None,
    }
    for source in ("survey:R1", "survey:R3", "survey:R5"):
        assert set(facts[source].values()) == {None}
    # The English detail stays, for the API and the command line.
    assert cases["ticket:T2"]["detail"] == (
        "ticket T2 (billing): no first response within 48 h; not resolved within 7 days"
    )
    shown = get_case(store, cases["ticket:T1"]["case_id"])
    assert shown["low_csat"] == 2 and shown["ticket_category"] == "delivery"


def test_migration_0010_reads_the_facts_back_from_older_cases_details(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    migrations = available()
    for migration in migrations:
        if migration.version < 10:
            con.execute(migration.sql)
    con.execute(
        "INSERT INTO tickets (ticket_id, customer_id, opened_at, category, _batch_id) "
        "VALUES ('T (9)', 'C1', TIMESTAMP '2025-03-01 09:00', 'billing', 0)"
    )
    details = {
        "ticket:T (9)": "ticket T (9) (billing): no first response within 48 h; "
        "not resolved within 7 days; rated 1/5",
        "ticket:T5": "ticket T5: rated 2/5",
        "ticket:T6": "ticket T6: poor",
        "survey:R1": "NPS 3",
    }
    for case_id, (source, detail) in enumerate(details.items(), start=1):
        kind = "detractor" if source.startswith("survey:") else "poor_service"
        con.execute(
            "INSERT INTO cases (case_id, kind, source_key, customer_id, event_at, opened_at, "
            "due_at, status, detail, updated_at, version) VALUES (?, ?, ?, 'C1', "
            "TIMESTAMP '2025-03-01', TIMESTAMP '2025-03-02', TIMESTAMP '2025-03-03', 'new', ?, "
            "TIMESTAMP '2025-03-02', 1)",
            [case_id, kind, source, detail],
        )
    (tenth,) = [m for m in migrations if m.version == 10]
    con.execute(tenth.sql)
    found = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT source_key, ticket_category, slow_response_hours, slow_resolution_days, "
            "low_csat FROM cases"
        ).fetchall()
    }
    assert found == {
        "ticket:T (9)": ("billing", 48, 7, 1),
        "ticket:T5": (None, None, None, 2),
        "ticket:T6": (None, None, None, None),  # nothing to read: the page shows the English
        "survey:R1": (None, None, None, None),
    }
