"""Where the analytic queries run: DuckDB (the workspace itself) or Apache Spark.

Both engines run the same SQL from ``legame.sql`` (Spark gets SQLGlot's translation),
so there is one code path for the analytics, not two. An engine can run a named query to
Arrow, keep a named query's result as a temporary table for later queries, accept an
Arrow table as a temporary table, and write a query's result into the workspace.
"""

from __future__ import annotations

from typing import Literal

from legame.engine.base import Engine
from legame.engine.duckdb_engine import DuckDBEngine
from legame.store import Workspace

EngineName = Literal["duckdb", "spark"]

__all__ = ["DuckDBEngine", "Engine", "EngineName", "engine_for"]


def engine_for(workspace: Workspace, name: EngineName = "duckdb", **options: object) -> Engine:
    """The engine called ``name`` over ``workspace`` (Spark is imported only when asked)."""
    if name == "duckdb":
        return DuckDBEngine(workspace, **options)  # type: ignore[arg-type]
    if name == "spark":
        from legame.engine.spark_engine import SparkEngine

        return SparkEngine(workspace, **options)  # type: ignore[arg-type]
    from legame.errors import InputError

    raise InputError(f"--engine must be duckdb or spark; got {name!r}")
