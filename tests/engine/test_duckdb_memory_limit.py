"""The DuckDB engine's memory budget: set once, at its first bulk statement, held for every
statement after it, and the connection's own limit given back at ``close`` (and after a
score or an ingest, whatever happens in it), exactly: setting back the rounded text DuckDB
shows for a limit (``18.8 GiB``) lowered it by 0.1 GiB each time."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from legame.engine import DuckDBEngine
from legame.errors import InputError
from legame.ingest import ingest
from legame.scoring import score
from legame.store import Workspace
from legame.store.memory import size_bytes


def _limit(ws: Workspace) -> str:
    return str(ws.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


def _ordered(ws: Workspace) -> bool:
    got = ws.con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    return bool(got[0][0])


def test_the_engine_holds_its_limit_until_close_then_gives_the_connections_back(
    ws: Workspace,
) -> None:
    before = _limit(ws)
    eng = DuckDBEngine(ws, memory_limit="300MB")
    assert _limit(ws) == before  # nothing set before the first bulk statement
    eng.keep("_customers", "customer_count")
    during = _limit(ws)
    assert during != before
    assert size_bytes(during) == pytest.approx(300e6, rel=0.01)
    assert eng.memory_budget() == 300_000_000
    eng.query("customer_count")
    eng.keep_more("_customers", "customer_count")
    assert _limit(ws) == during
    eng.close()
    assert _limit(ws) == before
    eng.close()  # twice: nothing more to give back
    assert _limit(ws) == before


def test_an_engine_without_a_limit_leaves_the_connections(ws: Workspace) -> None:
    before = _limit(ws)
    eng = DuckDBEngine(ws)
    eng.keep("_customers", "customer_count")
    assert _limit(ws) == before
    assert eng.memory_budget() == size_bytes(before)
    eng.close()
    assert _limit(ws) == before


@pytest.mark.parametrize("opened_with", [None, "3GB"])
def test_scores_and_ingests_give_the_connections_limit_back_done_or_failed(
    cdnow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened_with: str | None
) -> None:
    db = tmp_path / "ws.duckdb"
    shutil.copy(cdnow_db, db)
    if opened_with is not None:
        monkeypatch.setenv("LEGAME_MEMORY_LIMIT", opened_with)
    monkeypatch.setenv("LEGAME_SCORE_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("LEGAME_INGEST_MEMORY_LIMIT", "200MB")
    orders = tmp_path / "more.csv"
    orders.write_text("order_id,customer_id,ordered_at,amount\nX1,1,1997-06-01,10.00\n")
    with Workspace.open(db) as ws:
        before = _limit(ws)
        for _ in range(3):
            score(ws, until=date(1997, 9, 30))
            assert _limit(ws) == before
            ingest(ws, "orders", [orders])
            assert _limit(ws) == before
            assert _ordered(ws)  # DuckDB's default, given back after each command
        with pytest.raises(InputError, match="No completed orders"):
            score(ws, until=date(1990, 1, 1))
        assert _limit(ws) == before
