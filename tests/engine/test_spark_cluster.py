"""legame on a real Spark standalone cluster (a master and two workers, each a JVM of its own,
started by ``scripts/spark-cluster.sh``), from Parquet folders and from Delta Lake tables."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from legame.engine.delta import check_delta_protocol
from legame.engine.spark_engine import spark_session
from legame.errors import StoreError
from legame.sql.quote import identifier
from legame.store import Workspace
from legame.store.schema import TABLES
from tests.conftest import free_port, run_legame
from tests.engine.cluster import Cluster, spark_cluster
from tests.engine.test_spark_parity import _export, _rows, _same

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with spark_cluster(tmp_path_factory.mktemp("spark-cluster")) as running:
        yield running


@pytest.fixture(autouse=True)
def _release_the_cluster() -> Iterator[None]:
    """After each test, stop a session this process holds on a cluster: a standalone
    application keeps every free core until it ends, and the next one (a ``legame``
    subprocess) would get no executor."""
    yield
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    active = SparkContext._active_spark_context
    if active is not None and active.master.startswith("spark://"):
        session = SparkSession._instantiatedSession
        (session or active).stop()


def _pids(state: Path) -> dict[str, int]:
    return {path.stem: int(path.read_text()) for path in state.glob("*.pid")}


def _is_spark_daemon(pid: int, kind: str) -> bool:
    try:
        return f"org.apache.spark.deploy.{kind}" in " ".join(psutil.Process(pid).cmdline())
    except psutil.NoSuchProcess:
        return False


def test_script_starts_a_master_and_two_workers_as_jvms_and_stops_them(tmp_path) -> None:
    with spark_cluster(tmp_path / "state") as cluster:
        pids = _pids(cluster.state)
        assert sorted(pids) == ["master", "worker-1", "worker-2"]
        assert _is_spark_daemon(pids["master"], "master.Master")
        assert _is_spark_daemon(pids["worker-1"], "worker.Worker")
        assert _is_spark_daemon(pids["worker-2"], "worker.Worker")
        assert len(set(pids.values())) == 3
        alive = [w for w in cluster.master_json()["workers"] if w["state"] == "ALIVE"]
        assert [(w["cores"], w["memory"]) for w in alive] == [(1, 1024), (1, 1024)]
        status = cluster.script("status")
        assert status.returncode == 0
        assert "2 worker(s) ALIVE" in status.stdout
        again = cluster.script("up")
        assert again.returncode == 0
        assert "already up" in again.stderr
        assert _pids(cluster.state) == pids  # nothing new was started
    assert not any(psutil.pid_exists(pid) for pid in pids.values())
    assert _pids(cluster.state) == {}
    status = cluster.script("status")
    assert status.returncode == 3
    assert "master: not running" in status.stdout


def test_an_unreachable_master_is_a_store_error_at_once() -> None:
    master = f"spark://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=r"Cannot reach the Spark master spark://.*spark-cluster"):
        spark_session(master)


def test_a_session_on_another_master_is_replaced(cluster) -> None:
    local = spark_session("local[1]")
    assert local.sparkContext.master == "local[1]"
    session = spark_session(cluster.master)
    try:
        assert session.sparkContext.master == cluster.master
        assert session.range(100).count() == 100
    finally:
        session.stop()


def _score(db: Path, copy: Path, **env: str) -> tuple[list[str], dict[str, tuple]]:
    """Score a copy of ``db`` with ``legame score`` as a user runs it; its scores."""
    shutil.copy(db, copy)
    args = ["score", "--db", copy, *(["--engine", "spark"] if env else [])]
    if "source" in env:
        args += ["--spark-source", env.pop("source")]
    result = run_legame(*args, env=env)
    assert result.returncode == 0, result.stderr
    return _rows(copy)


def _assert_same_scores(duck: tuple[list[str], dict], spark: tuple[list[str], dict]) -> None:
    (d_names, d_rows), (s_names, s_rows) = duck, spark
    assert s_names == d_names
    assert s_rows.keys() == d_rows.keys()
    differ = {
        name: key
        for key in d_rows
        for i, name in enumerate(d_names)
        if not _same(d_rows[key][i], s_rows[key][i])
    }
    assert differ == {}, f"columns that differ (first customer): {differ}"


def _executor_folders(cluster: Cluster, app_id: str) -> list[Path]:
    """The folders the workers made for the application's executors (one per executor)."""
    return sorted(cluster.state.glob(f"work-*/{app_id}/*"))


def _legame_apps(cluster: Cluster) -> set[str]:
    return {app["id"] for app in cluster.master_json()["completedapps"] if app["name"] == "legame"}


def test_score_on_the_cluster_equals_duckdb_and_runs_in_executors(
    cluster, sim_db, tmp_path
) -> None:
    db, _ = sim_db
    before = _legame_apps(cluster)
    duck = _score(db, tmp_path / "duck.duckdb")
    spark = _score(
        db,
        tmp_path / "spark.duckdb",
        source=_export(db, tmp_path / "source"),
        LEGAME_SPARK_MASTER=cluster.master,
    )
    _assert_same_scores(duck, spark)
    (app_id,) = _legame_apps(cluster) - before
    executors = _executor_folders(cluster, app_id)
    # One executor on each worker, a JVM of its own that ran tasks: its log says so.
    assert {folder.parent.parent.name for folder in executors} == {"work-1", "work-2"}
    assert all("Running task" in (folder / "stderr").read_text() for folder in executors)


def _export_delta(db: Path, folder: Path) -> str:
    """The workspace's tables as Delta tables; ``orders`` partitioned by status."""
    from deltalake import write_deltalake

    with Workspace.open(db, read_only=True) as ws:
        for table in TABLES:
            data = ws.con.sql(f"SELECT * FROM {identifier(table)}").to_arrow_table()
            partition = ["status"] if table == "orders" else None
            write_deltalake(folder / table, data, partition_by=partition)
    return str(folder)


def _parquet_files(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.parquet"))


def test_score_from_delta_tables_reads_the_current_snapshot(cluster, sim_db, tmp_path) -> None:
    """orders gets two more commits: small orders deleted, some refunded ones completed
    (moving rows between the status partitions); DuckDB scores the same changes."""
    from deltalake import DeltaTable

    db, _ = sim_db
    source = Path(_export_delta(db, tmp_path / "delta"))
    orders = DeltaTable(source / "orders")
    first = orders.file_uris()
    orders.delete("amount < 15")
    orders.update(
        predicate="status = 'refunded' AND amount > 80", updates={"status": "'completed'"}
    )
    orders = DeltaTable(source / "orders")
    assert orders.version() == 2
    assert set(orders.file_uris()) != set(first)
    assert _parquet_files(source / "orders") > len(orders.file_uris())  # old files stay
    changed = tmp_path / "changed.duckdb"
    shutil.copy(db, changed)
    with Workspace.open(changed) as ws:
        ws.con.execute("DELETE FROM orders WHERE amount < 15")
        moved = ws.con.execute(
            "UPDATE orders SET status = 'completed' WHERE status = 'refunded' AND amount > 80"
        ).fetchall()[0][0]
        assert moved > 0
    duck = _score(changed, tmp_path / "duck.duckdb")
    spark = _score(
        changed,
        tmp_path / "spark.duckdb",
        source=str(source),
        LEGAME_SPARK_MASTER=cluster.master,
    )
    _assert_same_scores(duck, spark)


def test_a_delta_table_with_deletion_vectors_is_refused_by_name(sim_db, tmp_path) -> None:
    from deltalake import write_deltalake

    db, _ = sim_db
    source = Path(_export(db, tmp_path / "source"))
    with Workspace.open(db, read_only=True) as ws:
        orders = ws.con.sql("SELECT * FROM orders").to_arrow_table()
    shutil.rmtree(source / "orders")
    write_deltalake(
        source / "orders", orders, configuration={"delta.enableDeletionVectors": "true"}
    )
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    result = run_legame(
        "score", "--db", copy, "--engine", "spark", "--spark-source", source,
        env={"LEGAME_SPARK_MASTER": "local[1]"},
    )  # fmt: skip
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "The Delta table 'orders' needs the reader feature(s) deletionVectors" in message
    assert "Traceback" not in result.stderr


def test_a_delta_table_with_column_mapping_is_refused_by_name(tmp_path) -> None:
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    path = tmp_path / "customers"
    data = pa.table({"customer_id": ["c1"], "email": ["a@example.com"]})
    write_deltalake(path, data, configuration={"delta.columnMapping.mode": "name"})
    with pytest.raises(StoreError, match=r"'customers' needs the reader feature\(s\) columnMap"):
        check_delta_protocol("customers", DeltaTable(path).protocol())


def test_a_plain_delta_table_passes_the_protocol_check(tmp_path) -> None:
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    write_deltalake(tmp_path / "t", pa.table({"customer_id": ["c1"]}))
    check_delta_protocol("customers", DeltaTable(tmp_path / "t").protocol())


# --- NPS, the findings and the gratitude plan on the cluster (issue 22, item 3) -----------


@pytest.fixture(scope="module")
def scored_source(sim_db, tmp_path_factory) -> tuple[Path, str]:
    """The simulated business scored on DuckDB, and its tables as a folder of Parquet
    datasets: the analyses read customer_scores from the workspace, the rest from the lake."""
    from legame.scoring import score
    from tests.engine.analyses import export_tables

    folder = tmp_path_factory.mktemp("cluster-analyses")
    db = folder / "scored.duckdb"
    shutil.copy(sim_db[0], db)
    with Workspace.open(db) as ws:
        score(ws, engine="duckdb")
    return db, export_tables(db, folder / "source")


def test_nps_on_the_cluster_equals_duckdb(cluster, scored_source) -> None:
    from tests.engine.analyses import check_nps

    db, source = scored_source
    check_nps(db, {"master": cluster.master, "source": source})


def test_every_finding_on_the_cluster_equals_duckdb(cluster, scored_source) -> None:
    from tests.engine.analyses import check_findings

    db, source = scored_source
    check_findings(db, {"master": cluster.master, "source": source})


def test_the_gratitude_plan_on_the_cluster_equals_duckdb(cluster, scored_source) -> None:
    from tests.engine.analyses import check_gratitude_plan

    db, source = scored_source
    assert check_gratitude_plan(db, {"master": cluster.master, "source": source})


def test_bench_reports_the_cluster_beside_local_mode_and_duckdb(cluster, tmp_path) -> None:
    """``legame bench --engine spark`` with LEGAME_SPARK_MASTER naming the cluster times the
    summary and the score there too, at a tiny size (a measurement, not a timed test)."""
    out = tmp_path / "results.json"
    result = run_legame(
        "bench", "--sizes", "2e4", "--runs", "1", "--engine", "spark", "--no-lifetimes",
        "--no-pymc", "--no-governor", "--no-load", "--no-latency", "--no-message",
        "--out", out, "--work", tmp_path / "work",
        env={"LEGAME_SPARK_MASTER": cluster.master},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(out.read_text())
    spark = row["spark"]
    assert spark["master"] == "local[*]" and spark["score_s"] > 0
    assert spark["cluster"]["status"] == "ok"
    assert spark["cluster"]["master"] == cluster.master
    assert spark["cluster"]["summary_s"] > 0 and spark["cluster"]["score_s"] > 0
