"""The findings' queries are portable: written once in DuckDB SQL, translatable to Spark."""

from __future__ import annotations

from datetime import datetime

import pytest

from legame import sql

#: The queries the findings run (the gratitude finding shares the program's results query).
FINDING_QUERIES = [name for name in sql.names() if name.startswith("finding_")] + [
    "gratitude_results"
]
PARAMS = {
    "as_of": datetime(2026, 1, 1),
    "window_start": datetime(2025, 7, 5),
    "followup_days": 180,
    "window_days": 30,
    "mid_from": 5,
    "high_from": 9,
    "response_hours": 48,
    "resolution_days": 7,
    "poor_csat": 2,
}


def test_every_finding_query_is_shipped() -> None:
    assert set(FINDING_QUERIES) == {
        "finding_customer_panel",
        "finding_scores_clv",
        "finding_referrals",
        "finding_contact_pressure",
        "gratitude_results",
        "finding_service_purchases",
        "finding_service_tickets",
    }


@pytest.mark.parametrize("name", FINDING_QUERIES)
def test_finding_query_renders_and_translates_to_spark(name: str) -> None:
    text = sql.render(name, **PARAMS)
    assert "$" not in text
    upper = text.upper()
    for duckdb_only in ("QUALIFY", "FILTER (WHERE", "->", "LIST_", "EPOCH("):
        assert duckdb_only not in upper, (name, duckdb_only)
    spark = sql.spark(text)
    body = "\n".join(line for line in spark.splitlines() if not line.startswith("/*"))
    assert body.strip().upper().startswith(("SELECT", "WITH"))
