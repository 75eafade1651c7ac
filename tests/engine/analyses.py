"""The analyses beyond the score, run on DuckDB and on Spark, and compared.

Each ``check_*`` runs one analysis (the NPS report, the findings, the gratitude plan) on a
workspace with the DuckDB engine and with the Spark engine given by ``spark_options`` (the
keyword options of :class:`legame.engine.spark_engine.SparkEngine`: ``source``, a folder of
Parquet datasets such as :func:`export_tables` writes, and ``master``), and fails with what
differs. The local parity tests (``test_spark_parity_analyses.py``) call them with a local
session; the same calls check a Spark standalone cluster, e.g.::

    check_findings(db, {"master": os.environ["LEGAME_SPARK_MASTER"], "source": folder})

Floats must agree to a relative 1e-9 (Spark adds up in another order); everything else
exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from legame.engage.gratitude import plan
from legame.insights import compute_findings
from legame.metrics.nps import nps_report
from legame.store import Workspace
from legame.store.schema import TABLES

#: The groupings of the NPS report: overall only, and each ``by``.
NPS_GROUPINGS = (None, "month", "channel", "segment")
REL = 1e-9


def export_tables(db: Path, folder: Path) -> str:
    """The workspace's tables as one Parquet dataset (folder) each, as on a cluster's
    storage: the ``source`` of the Spark engine."""
    with Workspace.open(db, read_only=True) as ws:
        for table in TABLES:
            (folder / table).mkdir(parents=True)
            ws.con.execute(
                f"COPY \"{table}\" TO '{folder / table / 'part-0.parquet'}' (FORMAT parquet)"
            )
    return str(folder)


def differences(expected: Any, got: Any, where: str = "") -> list[str]:
    """Where two JSON-like values differ (floats to a relative ``REL``), one line each."""
    if isinstance(expected, Mapping) and isinstance(got, Mapping):
        if expected.keys() != got.keys():
            return [f"{where or '.'}: keys {sorted(expected)} != {sorted(got)}"]
        return [line for k in expected for line in differences(expected[k], got[k], f"{where}.{k}")]
    if isinstance(expected, list | tuple) and isinstance(got, list | tuple):
        if len(expected) != len(got):
            return [f"{where or '.'}: {len(expected)} items != {len(got)}"]
        return [
            line
            for i, (e, g) in enumerate(zip(expected, got, strict=True))
            for line in differences(e, g, f"{where}[{i}]")
        ]
    if isinstance(expected, float) and isinstance(got, float | int) and not isinstance(got, bool):
        if math.isnan(expected) and math.isnan(got):
            return []
        if math.isclose(expected, got, rel_tol=REL, abs_tol=1e-12):
            return []
    elif isinstance(got, float) and isinstance(expected, int) and not isinstance(expected, bool):
        if math.isclose(expected, got, rel_tol=REL, abs_tol=1e-12):
            return []
    elif type(expected) is type(got) and expected == got:
        return []
    return [f"{where or '.'}: {expected!r} (DuckDB) != {got!r} (Spark)"]


def assert_same(expected: Any, got: Any, what: str) -> None:
    """Fail with the first differences between DuckDB's ``expected`` and Spark's ``got``."""
    found = differences(expected, got)
    assert not found, f"{what} differs on Spark ({len(found)}):\n" + "\n".join(found[:20])


def _both(
    db: Path, spark_options: Mapping[str, object], run: Callable[..., Any], **kwargs: Any
) -> tuple[Any, Any]:
    """``run(ws, engine=..., **kwargs)`` on DuckDB, then on Spark, on a read-only workspace."""
    with Workspace.open(db, read_only=True) as ws:
        duck = run(ws, engine="duckdb", **kwargs)
        spark = run(ws, engine="spark", engine_options=spark_options, **kwargs)
    return duck, spark


def check_nps(db: Path, spark_options: Mapping[str, object]) -> dict[str, Any]:
    """The NPS report, overall and by month, channel and segment (each customer's latest
    answer; by channel also every answer), the same on both engines; returns DuckDB's
    reports, by grouping ("None" overall, "channel/every")."""
    reports: dict[str, Any] = {}
    for by, every in [*((by, False) for by in NPS_GROUPINGS), ("channel", True)]:
        duck, spark = _both(db, spark_options, nps_report, by=by, every_answer=every)
        assert_same(duck, spark, f"NPS by {by or 'nothing'} (every answer: {every})")
        reports[f"{by}{'/every' if every else ''}"] = duck
    return reports


def finding_dicts(findings: list[Any]) -> list[dict[str, Any]]:
    """The findings as JSON dicts, without their run times."""
    dicts = [f.to_dict() for f in findings]
    for d in dicts:
        d["details"].pop("seconds", None)
    return dicts


def check_findings(db: Path, spark_options: Mapping[str, object], *, seed: int = 0) -> list[Any]:
    """Every finding's result (verdict, estimate, interval, n, details, text) the same on
    both engines, none failed on either; returns DuckDB's, as dicts."""
    duck, spark = _both(db, spark_options, compute_findings, seed=seed)
    duck, spark = finding_dicts(duck), finding_dicts(spark)
    for engine, found in (("DuckDB", duck), ("Spark", spark)):
        failed = {f["id"]: f["details"]["error"] for f in found if "error" in f["details"]}
        assert not failed, f"findings that failed on {engine}: {failed}"
    assert [f["id"] for f in spark] == [f["id"] for f in duck]
    for d, s in zip(duck, spark, strict=True):
        assert_same(d, s, f"finding {d['id']}")
    return duck


def plan_rows(table: Any) -> list[dict[str, Any]]:
    """A gratitude plan's rows, by gesture id (the plan's key)."""
    return sorted(table.to_pylist(), key=lambda row: row["gesture_id"])


def check_gratitude_plan(db: Path, spark_options: Mapping[str, object]) -> list[dict[str, Any]]:
    """The gratitude plan, row by row and column types, the same on both engines; returns
    DuckDB's rows."""
    duck, spark = _both(db, spark_options, plan)
    assert spark.schema == duck.schema
    rows = plan_rows(duck)
    assert_same(rows, plan_rows(spark), "the gratitude plan")
    return rows
