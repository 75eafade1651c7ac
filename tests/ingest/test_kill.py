"""A `kill -9` at any moment of an ingest leaves the store exactly as before that file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from legame.store import Workspace

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

    # Each attempt starts from a copy of the same store, killed at a growing fraction of
    # the calibrated run (staging, validation, the write transaction, its commit).
    full = {**before, "orders": before["orders"] + ROWS, "batches": before["batches"] + 1}
    killed = 0
    for i, fraction in enumerate((0.1, 0.3, 0.5, 0.7, 0.85, 0.95, 1.05)):
        attempt = tmp_path / f"attempt{i}.duckdb"
        shutil.copy(db, attempt)
        proc = start_ingest(attempt, big)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed += 1
            assert counts(attempt) == before, f"killed at {fraction:.0%} of the run"
        else:  # it finished before the kill: then all of the file is in, not a part
            assert proc.returncode == 0
            got = counts(attempt)
            assert (got["orders"], got["batches"]) == (full["orders"], full["batches"])
    assert killed >= 4, "too few kills landed while the ingest was running"

    # After all those kills the store still works and the file loads exactly once.
    assert start_ingest(db, big).wait() == 0
    after = counts(db)
    assert after["orders"] == before["orders"] + ROWS
    assert start_ingest(db, big).wait() == 0
    assert counts(db)["orders"] == after["orders"]
