"""The overview is kept between requests only while its data is the same (issue 19, items
2 and 7): an import, a score or an erasure makes it computed again, so a kept overview is
always the one the data gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from legame.demo import run_demo
from legame.ingest import ingest
from legame.metrics.period import data_as_of, parse_period
from legame.store import Workspace
from legame.store.erasure import forget
from legame.views import overview
from legame.views.cache import forget_all


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_demo(tmp_path_factory.mktemp("cache"), customers=300, seed=4).db


@pytest.fixture
def db(demo: Path, tmp_path: Path) -> Path:
    shutil.copy(demo, tmp_path / "ws.duckdb")
    shutil.copy(demo.parent / "legame.toml", tmp_path / "legame.toml")
    forget_all()
    return tmp_path / "ws.duckdb"


def test_the_same_data_gives_the_kept_overview(db: Path) -> None:
    with Workspace.open(db) as ws:
        period = parse_period("all", data_as_of(ws))
        assert overview(ws, period) is overview(ws, period)
        assert overview(ws, parse_period("30d", data_as_of(ws))) is not overview(ws, period)


def test_an_import_makes_the_overview_computed_again(db: Path, tmp_path: Path) -> None:
    with Workspace.open(db) as ws:
        period = parse_period("all", data_as_of(ws))
        before = overview(ws, period)
        customer = ws.con.execute("SELECT min(customer_id) FROM customers").fetchall()[0][0]
        (tmp_path / "more.csv").write_text(
            "response_id,customer_id,answered_at,nps\n"
            + "".join(f"NEW{i},{customer}X{i},2025-06-0{i} 10:00:00,10\n" for i in range(1, 4))
        )
        ingest(ws, "survey_responses", [tmp_path / "more.csv"])
        after = overview(ws, period)
    assert after["nps"]["n"] == before["nps"]["n"] + 3
    assert after["customers"] == before["customers"] + 3  # each answer's customer is new


def test_an_erasure_makes_the_overview_computed_again(db: Path) -> None:
    with Workspace.open(db) as ws:
        period = parse_period("all", data_as_of(ws))
        before = overview(ws, period)
        customer = ws.con.execute("SELECT min(customer_id) FROM customers").fetchall()[0][0]
        forget(ws, customer)
        after = overview(ws, period)
    assert after["customers"] == before["customers"] - 1


def test_a_new_score_makes_the_overview_computed_again(db: Path) -> None:
    from legame.scoring import score

    with Workspace.open(db) as ws:
        period = parse_period("all", data_as_of(ws))
        before = overview(ws, period)
        score(ws, until=period.last_day.replace(month=6, day=30))
        after = overview(ws, period)
    assert after is not before and after["total_clv"] != before["total_clv"]


def test_a_warm_server_has_the_default_overview_ready_when_it_starts(db: Path) -> None:
    """`legame serve` computes the default overview as it starts: once the app is up, the
    overview is already kept for the data as it is."""
    from fastapi.testclient import TestClient

    from legame.api.app import create_app
    from legame.views import cache

    with TestClient(create_app(db, warm=True)) as client:
        assert client.get("/health").status_code == 200
    assert len(cache._kept) == 1
    with Workspace.open(db, read_only=True) as ws:
        stamp = cache.data_stamp(ws)
        kept = next(iter(cache._kept))
        assert kept[0] == stamp
        assert kept[1] == ("overview", parse_period(None, data_as_of(ws)), False)
