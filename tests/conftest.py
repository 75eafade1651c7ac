"""Shared fixtures: a fresh workspace, file writers, a CLI runner, session-wide workspaces
(CDNOW from its raw transactions; a simulated business), and kills at moments of a run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from legame.cli import app
from legame.ingest import ingest
from legame.simulate import simulate
from legame.store import Workspace

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Path of a fresh, initialised workspace."""
    path = tmp_path / "ws.duckdb"
    Workspace.create(path).close()
    return path


@pytest.fixture
def ws(db: Path) -> Iterator[Workspace]:
    with Workspace.open(db) as workspace:
        yield workspace


@pytest.fixture
def write(tmp_path: Path):
    """write("name.csv", text, encoding="utf-8") -> Path, in the test's folder."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
        return path

    return _write


@pytest.fixture
def cli():
    """cli("ingest", "orders", path, "--db", db) -> click Result (stdout, stderr, exit_code)."""
    runner = CliRunner()

    def _run(*args: object):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)

    return _run


def run_legame(*args: object, env: dict[str, str] | None = None, cwd: Path | None = None):
    """Run the real ``legame`` console script in a subprocess (what a user types)."""
    exe = Path(sys.executable).with_name("legame")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=600,
    )


def kill_at_moments(
    start: Callable[[Path], subprocess.Popen[bytes]],
    original: Path,
    duration: float,
    *,
    unchanged: Callable[[Path, float], bool],
    finished: Callable[[Path], None],
    moments: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.85, 0.95),
) -> list[float]:
    """``kill -9`` runs of ``start`` (on a fresh copy of the workspace ``original`` each) at
    each of ``moments`` of a run of ``duration`` seconds, until a kill has landed mid-run at
    every moment. The machine's load varies, so a run that ends first is checked with
    ``finished(copy)`` and another is made (after 12 attempts, at half the moment).
    ``unchanged(copy, fraction)`` checks a killed copy and says whether it is as before the
    run; the returned fractions are positive for those, negative for kills that came after
    the run's commit."""
    killed: list[float] = []
    for attempt_no in range(20):
        if len(killed) == len(moments):
            break
        fraction = moments[len(killed)] if attempt_no < 12 else moments[len(killed)] / 2
        attempt = original.with_name(f"attempt{attempt_no}.duckdb")
        shutil.copy(original, attempt)
        proc = start(attempt)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed.append(fraction if unchanged(attempt, fraction) else -fraction)
        else:
            assert proc.returncode == 0
            finished(attempt)
        attempt.unlink()
        attempt.with_name(attempt.name + ".wal").unlink(missing_ok=True)
    assert len(killed) == len(moments), f"only {len(killed)} kills landed mid-run"
    return killed


# --- workspaces shared by the measurement and engine tests -----------------------------

CDNOW_SAMPLE = SHARED / "data" / "cdnow" / "CDNOW_sample.txt"


def cdnow_orders_csv(folder: Path) -> Path:
    """The CDNOW sample's raw transactions as an orders file: one order per line of the
    file (several on a day stay several orders; the summary merges them by day)."""
    path = folder / "cdnow_orders.csv"
    lines = ["order_id,customer_id,ordered_at,amount"]
    for i, raw in enumerate(CDNOW_SAMPLE.read_text().splitlines(), start=1):
        _, sample_id, day, _, dollars = raw.split()
        lines.append(f"T{i},{int(sample_id)},{day[:4]}-{day[4:6]}-{day[6:]},{dollars}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def cdnow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cdnow")
    db = folder / "cdnow.duckdb"
    with Workspace.create(db) as ws:
        report = ingest(ws, "orders", [cdnow_orders_csv(folder)])
        assert report.total("rejected") == 0
    return db


@pytest.fixture(scope="session")
def sim_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A simulated business (3,000 customers) loaded into a workspace, not yet scored."""
    from legame.demo import LOAD_ORDER

    folder = tmp_path_factory.mktemp("sim")
    result = simulate(folder / "data", customers=3000, seed=7, mc_customers=100_000)
    db = folder / "sim.duckdb"
    with Workspace.create(db) as ws:
        for table in LOAD_ORDER:
            ingest(ws, table, [result.paths[table]])
    return db, result.truth
