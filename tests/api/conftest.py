"""A demo workspace with one API key per role, and a client on the app over it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.demo import run_demo
from legame.store import Workspace
from legame.store.keys import create_key


@pytest.fixture(scope="session")
def api_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("api-demo")
    return run_demo(folder, customers=1200, seed=5).db


@pytest.fixture
def api_db(api_demo: Path, tmp_path: Path) -> Path:
    """A private copy per test, so erasure and ingestion tests don't leak."""
    db = tmp_path / "ws.duckdb"
    shutil.copy(api_demo, db)
    shutil.copy(api_demo.parent / "legame.toml", tmp_path / "legame.toml")
    return db


@pytest.fixture
def keys(api_db: Path) -> dict[str, str]:
    with Workspace.open(api_db) as ws:
        return {role: create_key(ws, role)[0] for role in ("viewer", "analyst", "admin")}


@pytest.fixture
def client(api_db: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(api_db)) as c:
        yield c


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
