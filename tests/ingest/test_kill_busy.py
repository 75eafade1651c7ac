"""A test of the kill tests: they pass on a machine whose every core is busy.

The kill tests (``test_kill.py``, the score's and the store's faults) kill a process at
moments it reports reaching itself, so a slow machine makes them slower, never wrong. Here
``test_kill.py`` runs in a pytest of its own beside one busy loop per core this process may
use (``stress --cpu N`` without the dependency) and must pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KILL_TEST = "tests/ingest/test_kill.py::test_kill_9_at_every_moment_leaves_the_counts_unchanged"
LIMIT_S = 1800
#: Spins until killed, or for LIMIT_S at most (so an interrupted run leaves none behind).
BUSY_LOOP = f"import time\nend = time.monotonic() + {LIMIT_S}\nwhile time.monotonic() < end: pass"


@pytest.mark.slow
def test_the_kill_test_passes_with_every_core_busy(tmp_path: Path) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    busy = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(max(cores or 1, 2))]
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--basetemp",
                str(tmp_path / "inner"),
                KILL_TEST,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=LIMIT_S,
        )
    finally:
        for loop in busy:
            loop.kill()
            loop.wait()
    assert all(loop.returncode is not None for loop in busy)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
