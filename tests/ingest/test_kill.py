"""A `kill -9` at any moment of an ingest leaves the store exactly as before that file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from legame.store import Workspace
from tests.conftest import kill_at_moments

ROWS = 800_000


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


def start_ingest(db: Path, path: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("legame")
    return subprocess.Popen(
        [str(exe), "ingest", "orders", str(path), "--db", str(db), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_the_counts_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    make_orders(small, 1000, offset=10_000_000)
    make_orders(big, ROWS)
    assert start_ingest(db, small).wait() == 0
    before = counts(db)

    # How long an uninterrupted ingest of the big file takes, in a twin workspace.
    twin = tmp_path / "twin.duckdb"
    Workspace.create(twin).close()
    started = time.monotonic()
    assert start_ingest(twin, big).wait() == 0
    duration = time.monotonic() - started

    # Each attempt starts from a copy of the same store and is killed at a moment spread
    # over the calibrated run (staging, validation, the write transaction, its commit).
    # The machine's load varies, so an attempt that finishes first is checked (the whole
    # file is in) and another is made, until six kills have landed mid-run. A kill after
    # the COMMIT (while the process drops its temp tables and exits) finds the whole file
    # in, which is just as correct: what must never be seen is a part of the file.
    full = {**before, "orders": before["orders"] + ROWS, "batches": before["batches"] + 1}

    def unchanged(attempt: Path, fraction: float) -> bool:
        got = counts(attempt)
        if got != before:
            assert (got["orders"], got["batches"]) == (full["orders"], full["batches"]), (
                f"killed at {fraction:.0%} of the run: a part of the file is in")
        return got == before

    def finished(attempt: Path) -> None:
        got = counts(attempt)
        assert (got["orders"], got["batches"]) == (full["orders"], full["batches"])

    killed = kill_at_moments(lambda attempt: start_ingest(attempt, big), db, duration,
                             unchanged=unchanged, finished=finished)
    assert sum(f > 0 for f in killed) >= 4, f"too few kills before the commit: {killed}"

    # After all those kills the store still works and the file loads exactly once.
    assert start_ingest(db, big).wait() == 0
    after = counts(db)
    assert after["orders"] == before["orders"] + ROWS
    assert start_ingest(db, big).wait() == 0
    assert counts(db)["orders"] == after["orders"]
