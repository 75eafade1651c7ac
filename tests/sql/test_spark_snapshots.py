"""The Spark SQL that SQLGlot makes of every analytic query is pinned: a change shows up in
review.

Regenerate after an intended change with ``LEGAME_UPDATE_SNAPSHOTS=1 pytest tests/sql``.
The queries that are not analytic run on the workspace's DuckDB only: point lookups and
writes with values a user gives bound at run time, and the contact governor's rules over
the audience it registers (DuckDB lists and lambdas).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
import sqlglot

from legame import sql

SNAPSHOTS = Path(__file__).parent / "snapshots"
#: Folders and queries that run on DuckDB only (see above).
DUCKDB_ONLY_FOLDERS = (
    "bookkeeping/",
    "governor/",
    "preferences/store/",  # the customers' choices: point reads and writes
    "saved_findings/",
    "saved_validation/",
    # the summary kept between DuckDB scores (Spark's score stores only its constant basis
    # row, which the Spark score tests run)
    "summary_kept/",
    "views/index/",  # the server's in-memory copy of the customer list
)
DUCKDB_ONLY = {
    # the summary in one pass, by a bitmap of days (DuckDB's BITSTRING_AGG), in ranges of
    # ids cut at a sample of them; Spark runs customer_summary, which gives the same rows
    # (tests/measure/test_summary_plan.py)
    "customer_summary_days",
    "summary_id_sample",
    # the summary kept aside, staged while the models are fitted (DuckDB's score, every
    # order read: scoring.stage_beside)
    "customer_value_from_summary",
    "gratitude_clv",
    "views/customer_list",
    "views/customer_list_count",
    "views/customer_profile",
    "views/customer_scores_row",
    "views/customer_timeline",
    "views/data_stamp",
    "voices/comments",
    "voices/comments_count",
    "voices/comments_without_language",
    "voices/insert_comment_language",
}
ANALYTIC = [
    name
    for name in sql.names()
    if not name.startswith(DUCKDB_ONLY_FOLDERS) and name not in DUCKDB_ONLY
]
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
    "before": datetime(2026, 1, 1),
    "holdout_end": datetime(2026, 7, 1),
    "bins": 20,
    # Experiments: the pre-period, NPS groups, a trigger's volume window, a contact test.
    "pre_days": 180,
    "promoter_min": 9,
    "detractor_max": 6,
    "days": 365,
    "every_channel": False,
    "channel": sql.Text("email"),
    # Periods: [start, end), the previous one from previous_start; every answer or not.
    "start": datetime(2025, 10, 3),
    "previous_start": datetime(2025, 7, 5),
    "every": False,
    # The cadence customers chose: the policy's caps across channels (no monthly one), its
    # channels, and the scores to read the CLV from.
    "week_cap": 3,
    "month_cap": None,
    "channel_count": 5,
    "scores": sql.Name("customer_scores"),
    # Covariates: a customers column and an attribute kept in _extra.
    "column": sql.Name("country"),
    "key": sql.Text("acquisition_channel"),
    # RFM cuts for quintiles 2..5; the last quintile absent (NULL).
    **{f"r{b}": datetime(2025, 6, b) for b in range(2, 5)},
    **{f"f{b}": b - 1 for b in range(2, 5)},
    **{f"m{b}": 10.5 * b for b in range(2, 5)},
    **{f"{k}5": None for k in "rfm"},
    # The CLV interval: the normal quantile and Gamma-Gamma's covariance in ln(p, q, gamma).
    "interval_z": 1.6448536269514722,
    **{f"spend_cov_{k}": 0.01 for k in ("pp", "qq", "gg")},
    **{f"spend_cov_{k}": -0.002 for k in ("pq", "pg", "qg")},
}


def test_every_query_parameter_has_a_sample_value() -> None:
    import re

    used = {m for name in ANALYTIC for m in re.findall(r"\$([a-z_][a-z_0-9]*)", sql.text(name))}
    assert used <= set(PARAMS), f"add sample values for {sorted(used - set(PARAMS))}"


def test_the_duckdb_only_queries_exist() -> None:
    assert set(sql.names()) >= DUCKDB_ONLY
    assert all(any(n.startswith(f) for n in sql.names()) for f in DUCKDB_ONLY_FOLDERS)


@pytest.mark.parametrize("name", ANALYTIC)
def test_spark_translation_matches_the_snapshot(name: str) -> None:
    rendered = sql.render(name, **PARAMS)
    spark = sql.spark(rendered)
    path = SNAPSHOTS / f"{name}.spark.sql"
    if os.environ.get("LEGAME_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spark + "\n")
    assert path.exists(), f"no snapshot for {name}: run with LEGAME_UPDATE_SNAPSHOTS=1"
    assert spark + "\n" == path.read_text()


def test_every_snapshot_belongs_to_a_query() -> None:
    shipped = {f"{name}.spark.sql" for name in ANALYTIC}
    stale = [p.relative_to(SNAPSHOTS).as_posix() for p in SNAPSHOTS.rglob("*.spark.sql")]
    assert sorted(set(stale) - shipped) == []


@pytest.mark.parametrize("name", ANALYTIC)
def test_every_query_parses_as_duckdb_sql(name: str) -> None:
    sqlglot.parse_one(sql.render(name, **PARAMS), read="duckdb")


def test_render_refuses_free_text_and_missing_parameters() -> None:
    with pytest.raises(ValueError, match="short words"):
        sql.literal("x'; DROP TABLE orders; --")
    with pytest.raises(ValueError, match="needs the parameter"):
        sql.render("customer_summary")
