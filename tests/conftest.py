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


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_env(moment: str, folder: Path) -> dict[str, str]:
    """The environment that makes a legame process stop itself at ``moment`` (see
    legame.store.moments) and say so in a file of ``folder``."""
    return {"LEGAME_STOP_AT": moment, "LEGAME_STOP_FILE": str(folder / f"stopped-{moment}")}


def wait_stopped(proc: subprocess.Popen[bytes], env: dict[str, str]) -> None:
    """Wait until ``proc`` has stopped itself at the moment ``env`` names, then kill -9 it.
    The process says when it is there: nothing here guesses a time."""
    marker = Path(env["LEGAME_STOP_FILE"])
    deadline = time.monotonic() + 300  # an upper bound on a busy machine, not a guess
    while not marker.exists():
        assert proc.poll() is None, f"the process ended before {env['LEGAME_STOP_AT']}"
        assert time.monotonic() < deadline, f"never reached {env['LEGAME_STOP_AT']}"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    marker.unlink()


def start_serve(
    db: Path, port: int | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the real `legame serve` on a free port; return the process and its base URL
    once `/health` answers (the process's own readiness, polled)."""
    import httpx

    port = port or free_port()
    exe = Path(sys.executable).with_name("legame")
    log = db.with_name(f"serve-{port}.log").open("wb")
    proc = subprocess.Popen(
        [str(exe), "serve", "--db", str(db), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # an upper bound on a busy machine, not a guess
    while True:
        # Ready when the port answers and it is this process that listens on it (another
        # test's server could have taken a port this one was also given).
        if _listens(proc.pid, port):
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    return proc, url
            except httpx.TransportError:
                pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            output = db.with_name(f"serve-{port}.log").read_text(errors="replace")
            raise RuntimeError(f"legame serve did not start: {output}")
        time.sleep(0.05)


def _listens(pid: int, port: int) -> bool:
    import psutil

    try:
        sockets = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in sockets)


def stop_serve(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def kill_at_moments(
    start: Callable[[Path, dict[str, str]], subprocess.Popen[bytes]],
    original: Path,
    moments: Sequence[str],
    *,
    check: Callable[[Path, str], None],
) -> None:
    """For each of ``moments`` (legame.store.moments), run ``start(copy, env)`` on a fresh
    copy of the workspace ``original``; the process stops itself at that moment, is killed
    with ``kill -9`` there, and ``check(copy, moment)`` looks at what it left. Every moment
    is reached and killed at, once, whatever the machine's load: the process says when it
    is there."""
    for moment in moments:
        attempt = original.with_name(f"attempt-{moment}.duckdb")
        shutil.copy(original, attempt)
        env = stop_env(moment, original.parent)
        wait_stopped(start(attempt, env), env)
        check(attempt, moment)
        attempt.unlink()
        attempt.with_name(attempt.name + ".wal").unlink(missing_ok=True)


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
