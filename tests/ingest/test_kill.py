"""A `kill -9` at any moment of an ingest leaves the store exactly as before that file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from legame.store import Workspace
from tests.conftest import kill_at_moments

ROWS = 200_000


def make_orders(path: Path, rows: int, offset: int = 0) -> None:
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT 'O' || (i + {offset}) AS order_id, 'C' || (i % 300000) AS customer_id,
                   TIMESTAMP '2024-01-01' + INTERVAL (i % 700) DAY AS ordered_at,
                   round((i % 997) / 7.0, 2) AS amount
            FROM range({rows}) t(i)) TO '{path}' (HEADER)"""
    )
    con.close()


def counts(db: Path) -> dict[str, int]:
    with Workspace.open(db, read_only=True) as ws:
        return {
            **ws.counts(),
            "batches": ws.count("batches"),
            "rejects": ws.count("rejects"),
            "row_changes": ws.count("row_changes"),
        }


def start_ingest(
    db: Path, path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("legame")
    return subprocess.Popen(
        [str(exe), "ingest", "orders", str(path), "--db", str(db), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


#: Reading and validating the file, the file staged, every row written in the open
#: transaction, and the commit done (the process then drops its temp tables and exits).
MOMENTS = ("ingest.reading", "ingest.staged", "ingest.written", "ingest.committed")


@pytest.mark.slow
def test_kill_9_at_every_moment_leaves_the_counts_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    make_orders(small, 1000, offset=10_000_000)
    make_orders(big, ROWS)
    assert start_ingest(db, small).wait() == 0
    before = counts(db)
    full = {
        **before,
        "orders": before["orders"] + ROWS,
        "batches": before["batches"] + 1,
        "customers": before["customers"] + ROWS - 1000,
    }

    def check(attempt: Path, moment: str) -> None:
        # Before the commit, nothing of the file; after it, the whole file: never a part.
        assert counts(attempt) == (full if moment == "ingest.committed" else before), moment

    kill_at_moments(lambda attempt, env: start_ingest(attempt, big, env), db, MOMENTS, check=check)

    # After all those kills the store still works and the file loads exactly once.
    assert start_ingest(db, big).wait() == 0
    after = counts(db)
    assert after == full
    assert start_ingest(db, big).wait() == 0
    assert counts(db)["orders"] == after["orders"]
