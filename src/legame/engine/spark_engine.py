"""Apache Spark: the same queries, translated by SQLGlot, for data beyond one machine.

Locally (the default ``local[*]`` master) the workspace's tables are exported to Parquet
and read by Spark; on a cluster, point ``source`` at a folder (HDFS, S3, ...) holding one
Parquet dataset per canonical table (``orders/``, ``customers/``, ...) and ``master`` at the
cluster. Arrow is on and the session time zone is UTC: without them NULLs turn into NaN
and timestamps shift by the driver's zone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from legame import sql
from legame.engine.base import Engine, replace_table, replace_views
from legame.errors import StoreError
from legame.sql import Param
from legame.sql.quote import identifier, string_literal
from legame.store import Workspace
from legame.store.schema import TABLES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Spark settings legame always applies; add others with LEGAME_SPARK_CONF="k=v;k=v".
SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def spark_session(master: str | None = None) -> SparkSession:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise StoreError(
            "The Spark engine needs PySpark: pip install 'legame[spark]' (and Java 17+)."
        ) from exc
    builder = SparkSession.builder.appName("legame").master(
        master or os.environ.get("LEGAME_SPARK_MASTER", "local[*]")
    )
    conf = dict(SPARK_CONF)
    for item in filter(None, os.environ.get("LEGAME_SPARK_CONF", "").split(";")):
        key, _, value = item.partition("=")
        conf[key.strip()] = value.strip()
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine(Engine):
    name = "spark"

    def __init__(
        self, workspace: Workspace, *, master: str | None = None, source: str | Path | None = None
    ) -> None:
        super().__init__(workspace)
        self.spark = spark_session(master)
        self._export_dir: Path | None = None
        self._staged: list[str] = []  # cached views the next write stores as tables
        if source is None:
            self._export_dir = Path(tempfile.mkdtemp(prefix="legame-spark-"))
            source = self._export_dir
            for table in TABLES:
                workspace.con.execute(
                    f"COPY {identifier(table)} TO ? (FORMAT parquet)",
                    [f"{self._export_dir / table}.parquet"],
                )
        for table in TABLES:
            path = str(source).rstrip("/") + f"/{table}" + (".parquet" if self._export_dir else "")
            self.spark.read.parquet(path).createOrReplaceTempView(table)

    def _df(self, statement: str) -> DataFrame:
        return self.spark.sql(sql.spark(statement))

    def run(self, statement: str) -> pa.Table:
        return _naive_utc(self._df(statement).toArrow())

    def keep(self, name: str, query: str, **params: Param) -> None:
        frame = self._df(sql.render(query, **params)).cache()
        frame.count()  # materialise once, like DuckDB's temp table
        frame.createOrReplaceTempView(name)

    def alias(self, name: str, statement: str) -> None:
        self._df(statement).createOrReplaceTempView(name)

    def stage(self, table: str, query: str, *, append: bool = False, **params: Param) -> int:
        frame = self._df(sql.render(query, **params))
        if append:
            frame = self.spark.table(table).unionByName(frame, allowMissingColumns=True)
        frame = frame.cache()
        rows = frame.count()  # materialise once, like DuckDB's table
        frame.createOrReplaceTempView(table)
        if table not in self._staged:
            self._staged.append(table)
        return int(rows)

    def put(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def write(
        self,
        tables: Mapping[str, str],
        *,
        views: Mapping[str, str] | None = None,
        **params: Param,
    ) -> dict[str, int]:
        """Locally, Spark writes each result as Parquet beside the exported tables and DuckDB
        reads it in (nothing is collected on the driver); on a cluster (``source`` given) the
        results come back to the driver through Arrow, so its memory must hold them."""
        results: dict[str, pa.Table | str] = {}
        frames = {table: self.spark.table(table) for table in self._staged}
        frames.update(
            {table: self._df(sql.render(query, **params)) for table, query in tables.items()}
        )
        for table, frame in frames.items():
            if self._export_dir is None:
                results[table] = _naive_utc(frame.toArrow())
            else:
                folder = self._export_dir / "results" / table
                frame.write.mode("overwrite").parquet(str(folder))
                results[table] = str(folder / "*.parquet")
        rows: dict[str, int] = {}
        with self.workspace.transaction() as con:
            for table, result in results.items():
                _store(con, table, result)
                rows[table] = self.workspace.count(table)
            replace_views(con, views, params)
        self._staged.clear()
        return rows

    def close(self) -> None:
        if self._export_dir is not None:
            shutil.rmtree(self._export_dir, ignore_errors=True)


def _store(con: duckdb.DuckDBPyConnection, table: str, result: pa.Table | str) -> None:
    """Replace the workspace table with Spark's result: Parquet files (a glob) or Arrow."""
    if isinstance(result, str):
        replace_table(con, table, f"SELECT * FROM read_parquet({string_literal(result)})")
        return
    con.register("_spark_result", result)
    try:
        replace_table(con, table, "SELECT * FROM _spark_result")
    finally:
        con.unregister("_spark_result")


def _naive_utc(table: pa.Table) -> pa.Table:
    """Spark hands timestamps over as UTC instants with a zone; the store keeps naive UTC."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            naive = table.column(i).cast(pa.timestamp(field.type.unit))
            table = table.set_column(i, pa.field(field.name, naive.type), naive)
    return table
