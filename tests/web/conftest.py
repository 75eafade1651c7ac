"""Fixtures for the dashboard and report tests: one demo workspace per session, an API key
per role, the app for HTTP tests, and a real server with headless Chromium for the
browser tests.

The browser is Debian's ``chromium`` (``scripts/system-deps.sh`` installs it); Playwright
only drives it, it never downloads a browser of its own.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.store import Workspace
from legame.store.keys import create_key

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The simulated business the pages show: big enough for every finding to have an estimate.
DEMO_CUSTOMERS = 3000
DEMO_SEED = 0
POLICY = 'values = ["qualità artigianale", "rispetto per l\'ambiente"]\n'


@dataclass(frozen=True)
class Demo:
    """The demo workspace (never served itself: each user gets a copy) and its keys."""

    db: Path
    keys: dict[str, str]

    def copy(self, folder: Path) -> Path:
        """A copy of the workspace in ``folder``, with a policy declaring brand values."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "legame.duckdb"
        shutil.copyfile(self.db, target)
        (folder / "legame.toml").write_text(POLICY, encoding="utf-8")
        return target


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    from legame.demo import run_demo

    folder = tmp_path_factory.mktemp("webdemo")
    result = run_demo(folder, customers=DEMO_CUSTOMERS, seed=DEMO_SEED)
    with Workspace.open(result.db) as ws:
        keys = {role: create_key(ws, role)[0] for role in ("viewer", "analyst", "admin")}
    return Demo(result.db, keys)


def make_app(db: Path) -> FastAPI:
    """The server's app: the API and the dashboard."""
    return create_app(db)


# --- HTTP tests ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def http_app(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = make_app(demo.copy(tmp_path_factory.mktemp("http")))
    with TestClient(app):  # runs the lifespan: opens the store once for the session
        yield app


def new_client(app: FastAPI, base_url: str = "http://testserver") -> TestClient:
    """A browser-like client with its own cookies. Not a context manager on purpose: that
    would run the app's lifespan again and close the session's store on the way out."""
    return TestClient(app, base_url=base_url)


@pytest.fixture
def client(http_app: FastAPI) -> TestClient:
    """A fresh client, not signed in."""
    return new_client(http_app)


def csrf_field(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> TestClient:
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={"key": key, "csrf_token": csrf_field(form.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def signed_in(client: TestClient, demo: Demo):
    """signed_in("analyst") -> a client with a session of that role."""

    def _as(role: str) -> TestClient:
        return sign_in(client, demo.keys[role])

    return _as


# --- browser tests ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    keys: dict[str, str]


@contextmanager
def serving(db: Path, keys: dict[str, str]) -> Iterator[Server]:
    """uvicorn serving the workspace ``db`` on a free local port, in a thread, until the
    block ends."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        make_app(db), host="127.0.0.1", port=port, log_level="warning", access_log=False,
        lifespan="on",
    )  # fmt: skip
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", keys)
    finally:
        uv.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """uvicorn serving a copy of the demo workspace on a free local port, in a thread."""
    with serving(demo.copy(tmp_path_factory.mktemp("server")), demo.keys) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
