"""`legame score` writes the summary before the fits, in the transaction that stores the rest:
customers without orders get their rows, and a score that fails or is killed part way leaves
the previous scores exactly as they were."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from legame import scoring
from legame.bench.data import write_transactions
from legame.ingest import ingest
from legame.store import Workspace
from tests.conftest import kill_at_moments

#: What tells one score of a workspace from another: rows and sums of each stored table.
FINGERPRINT = """
SELECT
    (SELECT count(*) FROM customer_scores),
    (SELECT sum(orders) FROM customer_value),
    (SELECT sum(revenue) FROM customer_value),
    (SELECT sum(clv) FROM customer_scores),
    (SELECT count(*) FROM history_predictions),
    (SELECT count(*) FROM customer_voice)
"""


def fingerprint(db: Path) -> tuple:
    with Workspace.open(db, read_only=True) as ws:
        return ws.con.execute(FINGERPRINT).fetchall()[0]


def same(a: tuple, b: tuple) -> bool:
    """Equal, sums of floats up to their order of addition (the engine sums in parallel)
    and the last digits of the fits."""
    return all(
        math.isclose(x, y, rel_tol=1e-6) if isinstance(x, float) else x == y
        for x, y in zip(a, b, strict=True)
    )


def test_customers_without_orders_by_the_cutoff_are_scored_as_no_purchases(
    sim_db, tmp_path: Path
) -> None:
    db = tmp_path / "ws.duckdb"
    shutil.copy(sim_db[0], db)
    new = tmp_path / "customers.csv"
    new.write_text("customer_id,created_at\nNEW-1,2025-01-01\nNEW-2,2025-01-02\n")
    with Workspace.open(db) as ws:
        ingest(ws, "customers", [new])
        # Every customer whose first completed order comes after the cutoff has none by then.
        until = ws.con.execute(
            "SELECT CAST(quantile_disc(first_at, 0.8) AS DATE) FROM (SELECT min(ordered_at) "
            "AS first_at FROM orders WHERE status = 'completed' GROUP BY customer_id)"
        ).fetchall()[0][0]
        report = scoring.score(ws, until=until)
        expected = ws.con.execute(
            """
            SELECT count(*) FROM customers c WHERE NOT EXISTS (
                SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id
                AND o.status = 'completed' AND CAST(o.ordered_at AS DATE) <= ?)""",
            [until],
        ).fetchall()[0][0]
        got = ws.con.execute("""
            SELECT count(*), count(DISTINCT customer_id), sum(orders), sum(revenue),
                   count(frequency), count(r_score), count(p_alive), count(clv)
            FROM customer_scores WHERE segment = 'no purchases'""").fetchall()[0]
        assert report.rows == ws.count("customers") == ws.count("customer_scores")
        assert expected > 2  # the two new customers and those who ordered after the cutoff
        assert got == (expected, expected, 0, 0.0, 0, 0, 0, 0)
        news = ws.con.execute(
            "SELECT customer_id, segment, orders FROM customer_scores "
            "WHERE customer_id LIKE 'NEW-%' ORDER BY 1"
        ).fetchall()
        assert news == [("NEW-1", "no purchases", 0), ("NEW-2", "no purchases", 0)]


def test_a_score_that_fails_after_the_summary_leaves_the_previous_scores(
    sim_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "ws.duckdb"
    shutil.copy(sim_db[0], db)
    with Workspace.open(db) as ws:
        scoring.score(ws)
    before = fingerprint(db)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the fit broke")

    with Workspace.open(db, read_only=True) as ws:
        early = scoring.last_order_day(ws) - timedelta(days=200)
    monkeypatch.setattr(scoring, "fit_models", broken)
    with Workspace.open(db) as ws, pytest.raises(RuntimeError, match="the fit broke"):
        scoring.score(ws, until=early)
    assert same(fingerprint(db), before)
    monkeypatch.undo()
    with Workspace.open(db) as ws:  # the workspace takes the next score
        scoring.score(ws, until=early)
    assert not same(fingerprint(db), before)


def start_score(db: Path, env: dict[str, str] | None = None, *args: str) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("legame")
    return subprocess.Popen(
        [str(exe), "score", "--db", str(db), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def make_store(db: Path, folder: Path, rows: int) -> date:
    """A workspace of the simulator's orders (as the benchmark makes them); their last day."""
    orders = write_transactions(rows, folder)
    with Workspace.create(db) as ws:
        ingest(ws, "orders", [orders.parquet])
    return orders.until


@pytest.mark.slow
def test_kill_9_during_a_score_leaves_the_previous_scores_or_the_new_ones(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ws.duckdb"
    last = make_store(db, tmp_path / "orders", 200_000)
    assert start_score(db, None, "--until", str(last - timedelta(days=90))).wait() == 0
    before = fingerprint(db)

    twin = tmp_path / "twin.duckdb"
    shutil.copy(db, twin)
    assert start_score(twin).wait() == 0
    after = fingerprint(twin)
    assert not same(after, before)

    # The summary stored in the open transaction, the fits, every table written, the
    # commit: before it the previous scores, after it the new ones, never a mix.
    def check(attempt: Path, moment: str) -> None:
        got = fingerprint(attempt)
        assert same(got, after if moment == "score.committed" else before), (moment, got)

    kill_at_moments(
        start_score,
        db,
        ("score.staged", "score.fitted", "score.written", "score.committed"),
        check=check,
    )
