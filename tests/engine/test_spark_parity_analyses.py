"""The NPS report, the findings and the gratitude plan are the same on Spark as on DuckDB:
through the library, by the local route (Spark reads an export of the workspace) and the
``source`` route (a folder of Parquet datasets, as on a cluster's storage), and through the
commands' ``--engine spark --spark-source``. The comparisons live in ``analyses.py``, for
the same checks against a standalone cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from legame.errors import InputError
from legame.scoring import score
from legame.store import Workspace
from tests.engine.analyses import (
    assert_same,
    check_findings,
    check_gratitude_plan,
    check_nps,
    export_tables,
    plan_rows,
)

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def scored(sim_db: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated business, scored on DuckDB: NPS by segment, the CLV of the findings and
    the fee trigger's min_clv read customer_scores."""
    db = tmp_path_factory.mktemp("analyses") / "scored.duckdb"
    shutil.copy(sim_db[0], db)
    with Workspace.open(db) as ws:
        score(ws, engine="duckdb")
    return db


@pytest.fixture(scope="module")
def source(scored: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return export_tables(scored, tmp_path_factory.mktemp("source"))


def _options(route: str, source: str) -> dict[str, object]:
    return {"source": source} if route == "source" else {}


@pytest.mark.parametrize("route", ["local", "source"])
def test_nps_report_is_the_same_on_spark_overall_and_by_month_channel_segment(
    scored: Path, source: str, route: str
) -> None:
    reports = check_nps(scored, _options(route, source))
    assert reports["None"]["n"] > 100
    assert {len(reports[by]["groups"]) > 1 for by in ("month", "channel", "segment")} == {True}


@pytest.mark.parametrize("route", ["local", "source"])
def test_every_finding_is_the_same_on_spark(scored: Path, source: str, route: str) -> None:
    found = check_findings(scored, _options(route, source), seed=3)
    assert sum(f["verdict"] != "insufficient_data" for f in found) >= 4


@pytest.mark.parametrize("route", ["local", "source"])
def test_gratitude_plan_is_the_same_on_spark(scored: Path, source: str, route: str) -> None:
    rows = check_gratitude_plan(scored, _options(route, source))
    assert {row["trigger"] for row in rows} >= {"service_recovery", "milestone_thanks"}


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _both(cli: Any, db: Path, source: str, *args: object) -> tuple[Any, Any]:
    duck = _json(cli(*args, "--json", "--db", db))
    spark = _json(cli(*args, "--engine", "spark", "--spark-source", source, "--json", "--db", db))
    return duck, spark


def test_nps_command_prints_the_same_json_on_spark(cli: Any, scored: Path, source: str) -> None:
    for by in ("channel", "segment"):
        duck, spark = _both(cli, scored, source, "nps", "--by", by)
        assert_same(duck, spark, f"legame nps --by {by} --json")


def test_findings_command_prints_the_same_json_on_spark(
    cli: Any, scored: Path, source: str, tmp_path: Path
) -> None:
    db = tmp_path / "findings.duckdb"  # the command keeps what it found in the workspace
    shutil.copy(scored, db)
    duck, spark = _both(cli, db, source, "findings", "--seed", "1")
    for found in (*duck, *spark):
        found["details"].pop("seconds")
    assert_same(duck, spark, "legame findings --json")


def test_gestures_plan_command_prints_the_same_json_on_spark(
    cli: Any, scored: Path, source: str
) -> None:
    duck, spark = _both(cli, scored, source, "gestures", "plan")
    assert duck
    key = "gesture_id"
    assert_same(sorted(duck, key=lambda r: r[key]), sorted(spark, key=lambda r: r[key]), "plan")


def test_spark_source_without_the_spark_engine_is_an_input_error(
    cli: Any, scored: Path, source: str
) -> None:
    for command in (["nps"], ["findings"], ["gestures", "plan"], ["score"]):
        result = cli(*command, "--spark-source", source, "--db", scored)
        assert isinstance(result.exception, InputError), command
        assert "--spark-source is a folder for the Spark engine; add --engine spark" in str(
            result.exception
        )


def test_plan_rows_sorts_by_gesture_id() -> None:
    import pyarrow as pa

    table = pa.table({"gesture_id": ["GR-b", "GR-a"], "x": [1, 2]})
    assert plan_rows(table) == [{"gesture_id": "GR-a", "x": 2}, {"gesture_id": "GR-b", "x": 1}]
