"""The lower bound: the per-customer summary as plain DuckDB SQL over the Parquet file.

The same summary legame computes (frequency = distinct purchase days - 1, recency and T in
weeks to the start of the cutoff day, mean spend of the repeat days), with nothing else:
no status filter (every order in the file is completed and on or before the cutoff), no
order counts, revenue or timestamps, no table in a workspace. It is a two-stage group-by
(customer and day, then customer): faster than ``count(DISTINCT day)``, which moreover
cannot give the first day's spend that the mean repeat spend leaves out. The result is
kept as a temporary table, as legame keeps its summary.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from legame.errors import InputError
from legame.sql import literal

TWO_STAGE = """\
WITH days AS (
    SELECT customer_id, CAST(ordered_at AS DATE) AS day, SUM(amount) AS spend
    FROM read_parquet({path})
    GROUP BY customer_id, day
)
SELECT
    customer_id,
    COUNT(*) - 1 AS frequency,
    DATE_DIFF('day', MIN(day), MAX(day)) / 7.0 AS recency,
    DATE_DIFF('day', MIN(day), {until}) / 7.0 AS T,
    CASE WHEN COUNT(*) > 1
        THEN CAST(SUM(spend) - ARG_MIN(spend, day) AS DOUBLE) / (COUNT(*) - 1) END
        AS monetary_value
FROM days
GROUP BY customer_id"""


def query(parquet: str | Path, until: date) -> str:
    """The lower bound's SQL for one Parquet file and cutoff day."""
    path = str(parquet)
    if "'" in path:
        raise InputError(
            f"The bench's files must be in a folder without a quote ('): its SQL "
            f"reads them by path. Got {path!r}. Choose another --work folder."
        )
    return TWO_STAGE.format(path=f"'{path}'", until=literal(until))
