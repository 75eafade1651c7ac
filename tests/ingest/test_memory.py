"""Ingestion streams: a 10-million-row CSV loads with peak memory under 2 GiB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from legame.store import Workspace

ROWS = 10_000_000
LIMIT_MB = 2048


@pytest.mark.slow
def test_ten_million_rows_ingest_under_2_gib(tmp_path: Path) -> None:
    csv = tmp_path / "orders.csv"
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT 'O' || i AS order_id, 'C' || (i % 2000000) AS customer_id,
                   TIMESTAMP '2024-01-01' + INTERVAL (i % 700) DAY
                     + INTERVAL (i % 86400) SECOND AS ordered_at,
                   round((i % 9973) / 100.0, 2) AS amount, 'EUR' AS currency,
                   'web' AS channel, 'completed' AS status
            FROM range({ROWS}) t(i)) TO '{csv}' (HEADER)"""
    )
    con.close()
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    exe = Path(sys.executable).with_name("legame")
    # A child of its own, so its peak resident memory is measured alone.
    script = (
        "import resource, subprocess, sys\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(exe),
            "ingest",
            "orders",
            str(csv),
            "--db",
            str(db),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    rc, peak_kb = int(out[0]), int(out[1])
    print(f"peak RSS of `legame ingest` over {ROWS:,} rows: {peak_kb / 1024:.0f} MiB")
    assert rc == 0
    assert peak_kb / 1024 < LIMIT_MB
    with Workspace.open(db, read_only=True) as ws:
        assert ws.count("orders") == ROWS
