"""Apache Spark: the same queries, translated by SQLGlot, for data beyond one machine.

Locally (the default ``local[*]`` master) the workspace's tables are exported to Parquet
and read by Spark; on a cluster, point ``source`` at a folder (HDFS, S3, ...) holding one
dataset per canonical table (``orders/``, ``customers/``, ...) and ``master`` at the
cluster (``scripts/spark-cluster.sh up`` starts a standalone one on this machine). A dataset
is Parquet files, or a Delta Lake table (a ``_delta_log`` folder, :mod:`legame.engine.delta`):
delta-rs resolves its current snapshot and Spark reads exactly those files, so no Delta jars
are needed. Arrow is
on and the session time zone is UTC: without them NULLs turn into NaN and timestamps shift
by the driver's zone.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from legame import sql
from legame.engine.base import Engine, replace_table, replace_views
from legame.engine.delta import is_delta_table, read_delta
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


#: What a Spark standalone master's executors get unless LEGAME_SPARK_CONF says otherwise:
#: the workers of ``scripts/spark-cluster.sh`` offer 2g each by default, 1g in the tests.
CLUSTER_CONF = {"spark.executor.memory": "1g"}

#: How long a new session on a ``spark://`` master waits for its first executor.
EXECUTOR_WAIT_S = 120.0


def spark_session(master: str | None = None) -> SparkSession:
    """The SparkSession on ``master`` (default: LEGAME_SPARK_MASTER, else ``local[*]``).

    A session already running on another master is stopped first. On a ``spark://`` master
    the executors run this Python, and the session is only handed back once the master
    answers and an executor has started: a ``StoreError`` otherwise, not a hang.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise StoreError(
            "The Spark engine needs PySpark: pip install 'legame[spark]' (and Java 17+)."
        ) from exc
    master = master or os.environ.get("LEGAME_SPARK_MASTER", "local[*]")
    conf = dict(SPARK_CONF)
    standalone = master.startswith("spark://")
    if standalone:
        _check_reachable(master)
        conf.update(_cluster_conf(master))
        # The driver tells the executors which Python to run: PYSPARK_PYTHON, else "python3".
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    conf.update(_user_conf())
    _stop_other_session(master)
    builder = SparkSession.builder.appName("legame").master(master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if standalone:
        _wait_for_executor(session, master, conf["spark.executor.memory"])
    return session


def _user_conf() -> dict[str, str]:
    conf = {}
    for item in filter(None, os.environ.get("LEGAME_SPARK_CONF", "").split(";")):
        key, _, value = item.partition("=")
        conf[key.strip()] = value.strip()
    return conf


def _master_hosts(master: str) -> list[tuple[str, int]]:
    """``spark://h1:7077,h2:7077`` (a master with standbys) as [(h1, 7077), (h2, 7077)]."""
    hosts = []
    for part in master.removeprefix("spark://").split(","):
        host, _, port = part.strip().rpartition(":")
        if not host or not port.isdigit():
            raise StoreError(
                f"LEGAME_SPARK_MASTER {master!r} is not a Spark master URL: "
                "write spark://HOST:PORT, e.g. spark://127.0.0.1:7077."
            )
        hosts.append((host.strip("[]"), int(port)))
    return hosts


def _cluster_conf(master: str) -> dict[str, str]:
    conf = {**CLUSTER_CONF, "spark.pyspark.python": sys.executable}
    if all(host in ("127.0.0.1", "localhost", "::1") for host, _ in _master_hosts(master)):
        # A master on loopback: the driver listens there too, like the cluster's JVMs.
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    return conf


def _check_reachable(master: str) -> None:
    """Spark itself retries an unreachable master for a minute, then stops the context
    from another thread; a plain connection attempt tells at once."""
    for host, port in _master_hosts(master):
        try:
            socket.create_connection((host, port), timeout=5).close()
            return
        except OSError:
            continue
    raise StoreError(
        f"Cannot reach the Spark master {master}: nothing answers there. Start the local "
        "cluster with `scripts/spark-cluster.sh up` (it prints the LEGAME_SPARK_MASTER to "
        "use), or set LEGAME_SPARK_MASTER to a running master."
    )


def _stop_other_session(master: str) -> None:
    """``getOrCreate`` would hand back a session on another master: stop it first."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    active = SparkContext._active_spark_context
    if active is None or active.master == master:
        return
    session = SparkSession._instantiatedSession
    if session is not None:
        session.stop()
    else:
        active.stop()


def _wait_for_executor(session: SparkSession, master: str, memory: str) -> None:
    """A standalone application without executors waits forever for its first task:
    bound that wait to EXECUTOR_WAIT_S."""
    deadline = time.monotonic() + EXECUTOR_WAIT_S
    status = session.sparkContext._jsc.sc().getExecutorMemoryStatus()
    while status.size() < 2:  # the driver's block manager is one of them
        if time.monotonic() > deadline:
            session.stop()
            raise StoreError(
                f"The Spark master {master} accepted legame but started no executor within "
                f"{EXECUTOR_WAIT_S:.0f} s. Are its workers up (`scripts/spark-cluster.sh "
                f"status`), and does one have {memory} of memory free for an executor? "
                "Lower it with LEGAME_SPARK_CONF='spark.executor.memory=512m'."
            )
        time.sleep(0.2)
        status = session.sparkContext._jsc.sc().getExecutorMemoryStatus()


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
            if self._export_dir is None and is_delta_table(path):
                frame = read_delta(self.spark, table, path)
            else:
                frame = self.spark.read.parquet(path)
            frame.createOrReplaceTempView(table)

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
