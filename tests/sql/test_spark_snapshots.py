"""The Spark SQL that SQLGlot makes of every query is pinned: a change shows up in review.

Regenerate after an intended change with ``LEGAME_UPDATE_SNAPSHOTS=1 pytest tests/sql``.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
import sqlglot

from legame import sql

SNAPSHOTS = Path(__file__).parent / "snapshots"
#: One value for every parameter any query takes.
PARAMS: dict[str, sql.Param] = {
    "until": datetime(2025, 12, 31),
    "end": datetime(2025, 12, 31),
    "unit_days": 7.0,
    "merge_day": True,
    "as_of": datetime(2026, 1, 1),
    "p": 6.0,
    "q": 4.0,
    "gamma": 20.0,
    "margin": 1.0,
    "min_motivator_items": 5,
    "response_hours": 48,
    "resolution_days": 7,
    "poor_csat": 2,
    "connected_index": 70.0,
    "fee_kinds": ("late_fee",),
    "max_amount": 30.0,
    "within_days": 30,
    "min_unresolved_days": 3,
    "min_resolution_hours": 72,
    "max_csat": 2,
    "min_effort": 6,
    "order_counts": (5, 10),
    "tenure_years": (1, 3),
    "max_nps": 6,
    "followup_days": 180,
    "window_days": 30,
    "window_start": datetime(2025, 7, 4),
    "mid_from": 5,
    "high_from": 9,
    # RFM cuts: a key and a customer id for quintiles 2..5; the last quintile absent (NULL).
    **{f"r{b}": datetime(2025, 6, b) for b in range(2, 5)},
    **{f"f{b}": b - 1 for b in range(2, 5)},
    **{f"m{b}": 10.5 * b for b in range(2, 5)},
    **{f"{k}{b}_id": sql.Text(f"C{b}'{k}") for k in "rfm" for b in range(2, 5)},
    **{f"{k}5{tail}": None for k in "rfm" for tail in ("", "_id")},
}


def test_every_query_parameter_has_a_sample_value() -> None:
    import re

    used = {m for name in sql.names() for m in re.findall(r"\$([a-z_0-9]+)", sql.text(name))}
    assert used <= set(PARAMS), f"add sample values for {sorted(used - set(PARAMS))}"


@pytest.mark.parametrize("name", sql.names())
def test_spark_translation_matches_the_snapshot(name: str) -> None:
    rendered = sql.render(name, **PARAMS)
    spark = sql.spark(rendered)
    path = SNAPSHOTS / f"{name}.spark.sql"
    if os.environ.get("LEGAME_UPDATE_SNAPSHOTS") == "1":
        path.write_text(spark + "\n")
    assert path.exists(), f"no snapshot for {name}: run with LEGAME_UPDATE_SNAPSHOTS=1"
    assert spark + "\n" == path.read_text()


@pytest.mark.parametrize("name", sql.names())
def test_every_query_parses_as_duckdb_sql(name: str) -> None:
    sqlglot.parse_one(sql.render(name, **PARAMS), read="duckdb")


def test_render_refuses_free_text_and_missing_parameters() -> None:
    with pytest.raises(ValueError, match="short words"):
        sql.literal("x'; DROP TABLE orders; --")
    with pytest.raises(ValueError, match="needs the parameter"):
        sql.render("customer_summary")
