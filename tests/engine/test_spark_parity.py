"""The same queries on DuckDB and on Spark give the same customer_scores, column by column."""

from __future__ import annotations

import math
import shutil
from datetime import date

import pytest

from legame.scoring import score
from legame.store import Workspace
from legame.store.schema import TABLES

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _rows(db) -> tuple[list[str], dict[str, tuple]]:
    with Workspace.open(db, read_only=True) as ws:
        cur = ws.con.execute("SELECT * FROM customer_scores ORDER BY customer_id")
        names = [d[0] for d in cur.description]
        return names, {row[0]: row for row in cur.fetchall()}


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]
    return a == b


def _export(db, folder) -> str:
    """The workspace's tables as one Parquet dataset each, as on a cluster's storage."""
    with Workspace.open(db, read_only=True) as ws:
        for table in TABLES:
            (folder / table).mkdir(parents=True)
            ws.con.execute(
                f"COPY \"{table}\" TO '{folder / table / 'part-0.parquet'}' (FORMAT parquet)"
            )
    return str(folder)


def _early_cutoff(db) -> date:
    """A day by which a third of the customers have not ordered yet."""
    with Workspace.open(db, read_only=True) as ws:
        return ws.con.execute("""
            SELECT CAST(quantile_disc(first_at, 0.67) AS DATE) FROM (
                SELECT min(ordered_at) AS first_at FROM orders GROUP BY customer_id)
        """).fetchall()[0][0]


# Locally Spark hands its results to DuckDB as Parquet files; with a ``source`` (a cluster's
# storage) they come back to the driver through Arrow. Both must give DuckDB's scores. The
# local route scores at an early cutoff, so that customers without orders by then are added
# to customer_value after the summary.
@pytest.mark.parametrize("route", ["local", "source"])
def test_spark_and_duckdb_write_identical_customer_scores(sim_db, tmp_path, route) -> None:
    db, _ = sim_db
    duck, spark = tmp_path / "duck.duckdb", tmp_path / "spark.duckdb"
    shutil.copy(db, duck)
    shutil.copy(db, spark)
    options = {"source": _export(db, tmp_path / "source")} if route == "source" else {}
    until = _early_cutoff(db) if route == "local" else None
    with Workspace.open(duck) as ws:
        d_report = score(ws, engine="duckdb", until=until)
    with Workspace.open(spark) as ws:
        s_report = score(ws, engine="spark", engine_options=options, until=until)
    assert d_report.purchase_model.params_ == pytest.approx(
        s_report.purchase_model.params_, rel=1e-9
    )
    d_names, d_rows = _rows(duck)
    s_names, s_rows = _rows(spark)
    assert s_names == d_names
    assert s_rows.keys() == d_rows.keys()
    differ = {
        name: key
        for key in d_rows
        for i, name in enumerate(d_names)
        if not _same(d_rows[key][i], s_rows[key][i])
    }
    assert differ == {}, f"columns that differ (first customer): {differ}"
    silent = sum(row[d_names.index("segment")] == "no purchases" for row in d_rows.values())
    assert (silent > 0) == (route == "local")
