"""Shared fixtures: a fresh workspace, file writers and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from legame.cli import app
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
