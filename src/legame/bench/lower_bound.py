"""The lower bounds: the fastest plain code anyone could write for what legame does.

**The summary.** The per-customer summary legame computes (frequency = distinct purchase
days - 1, recency and T in weeks to the start of the cutoff day, mean spend of the repeat
days), with nothing else: no status filter (every order in the file is completed and on or
before the cutoff), no order counts, revenue or timestamps, no table in a workspace. It is
a two-stage group-by (customer and day, then customer): faster than ``count(DISTINCT
day)``, which moreover cannot give the first day's spend that the mean repeat spend leaves
out. Written three ways, each timed in the same run; the bound is the fastest:

* ``duckdb_date``: DuckDB, the day as ``CAST(ordered_at AS DATE)``;
* ``duckdb_day_number``: DuckDB, the day as an integer (microseconds since 1970 // a day);
* ``polars``: Polars (a lazy scan and two group-bys), what a data scientist reaches for.

**The keyed load.** DuckDB's own load of the same file into a table whose primary key is
the natural key (``INSERT … SELECT * FROM read_csv(…)``): what ``legame ingest`` adds its
checks, rejects, idempotence and provenance to.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from legame.sql import literal

#: The summary's two-stage group-by in DuckDB; ``{day}`` is the day key, ``{days}`` the
#: number of days between two keys, ``{cutoff}`` the cutoff day as a key.
_TWO_STAGE = """\
WITH days AS (
    SELECT customer_id, {day} AS day, SUM(amount) AS spend
    FROM read_parquet($path)
    GROUP BY customer_id, day
)
SELECT
    customer_id,
    COUNT(*) - 1 AS frequency,
    {span} / 7.0 AS recency,
    {age} / 7.0 AS T,
    CASE WHEN COUNT(*) > 1
        THEN CAST(SUM(spend) - ARG_MIN(spend, day) AS DOUBLE) / (COUNT(*) - 1) END
        AS monetary_value
FROM days
GROUP BY customer_id"""

#: The DuckDB forms of the summary: name -> SQL with ``$path`` bound and ``{until}`` a day.
DUCKDB_FORMS = {
    "duckdb_date": _TWO_STAGE.format(
        day="CAST(ordered_at AS DATE)",
        span="DATE_DIFF('day', MIN(day), MAX(day))",
        age="DATE_DIFF('day', MIN(day), {until})",
    ),
    "duckdb_day_number": _TWO_STAGE.format(
        day="CAST(epoch_us(ordered_at) // 86400000000 AS INTEGER)",
        span="(MAX(day) - MIN(day))",
        age="(CAST(epoch_us({until}::TIMESTAMP) // 86400000000 AS INTEGER) - MIN(day))",
    ),
}
#: Every form, the Polars one last.
FORMS = (*DUCKDB_FORMS, "polars")

#: The keyed load's table: the orders' natural key as primary key, the file's columns.
KEYED_TABLE = (
    "CREATE TABLE orders (order_id VARCHAR PRIMARY KEY, customer_id VARCHAR, "
    "ordered_at TIMESTAMP, amount DECIMAL(18, 4))"
)
#: The keyed load itself, by the file's format (the path is bound).
KEYED_LOAD = {
    "csv": "INSERT INTO orders SELECT * FROM read_csv($path)",
    "parquet": "INSERT INTO orders SELECT * FROM read_parquet($path)",
}


def duckdb_query(form: str, until: date) -> str:
    """The DuckDB form's SQL for a cutoff day; the file is bound as ``$path``."""
    # sql-built-function: the bench's own constant SQL and a date literal.
    return DUCKDB_FORMS[form].replace("{until}", literal(until))


def polars_summary(parquet: str | Path, until: date) -> Any:
    """The same summary in Polars, collected: one row per customer."""
    import polars as pl

    day = (pl.col("ordered_at").dt.epoch("s") // 86400).cast(pl.Int32).alias("day")
    cutoff = (until - date(1970, 1, 1)).days
    days = (
        pl.scan_parquet(parquet)
        .group_by("customer_id", day)
        .agg(pl.col("amount").sum().alias("spend"))
    )
    n = pl.len()
    return (
        days.group_by("customer_id")
        .agg(
            (n - 1).alias("frequency"),
            ((pl.col("day").max() - pl.col("day").min()) / 7.0).alias("recency"),
            ((cutoff - pl.col("day").min()) / 7.0).alias("T"),
            pl.when(n > 1)
            .then(
                (pl.col("spend").sum() - pl.col("spend").sort_by("day").first()).cast(pl.Float64)
                / (n - 1)
            )
            .alias("monetary_value"),
        )
        .collect()
    )
