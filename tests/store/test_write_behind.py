"""Write-behind (legame.store.write_behind): the workspace file flushed through DuckDB's own
descriptor, its lock on the file kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from legame.engine import DuckDBEngine
from legame.store import Workspace
from legame.store.write_behind import PROC_FDS, flush_file

linux_only = pytest.mark.skipif(
    not PROC_FDS.is_dir() or not hasattr(os, "fdatasync"), reason="needs /proc and fdatasync"
)

#: Opens the workspace for writing from another process: DuckDB refuses while this one
#: holds its lock on the file.
OPEN_ELSEWHERE = "import duckdb, sys; duckdb.connect(sys.argv[1]).close(); print('opened')"


def opened_elsewhere(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", OPEN_ELSEWHERE, str(db)], capture_output=True, text=True
    )


@linux_only
def test_a_flush_mid_transaction_keeps_duckdbs_lock_on_the_workspace(db: Path) -> None:
    with Workspace.open(db) as ws:
        eng = DuckDBEngine(ws)
        eng.stage("_rows", "customer_count")
        assert eng.flush_written() is True
        # Still this process's: another cannot open the file for writing.
        other = opened_elsewhere(db)
        assert other.returncode != 0 and "lock" in other.stderr.lower(), other
        eng.close()


@linux_only
def test_a_descriptor_opened_and_closed_here_would_drop_the_lock(db: Path) -> None:
    # Why flush_file uses DuckDB's descriptor: POSIX record locks go with any close.
    with Workspace.open(db):
        assert opened_elsewhere(db).returncode != 0
        os.close(os.open(db, os.O_RDONLY))
        assert "opened" in opened_elsewhere(db).stdout


def test_a_file_the_process_has_not_open_is_not_flushed(tmp_path: Path) -> None:
    path = tmp_path / "closed.bin"
    path.write_bytes(b"x")
    assert flush_file(path) is False
