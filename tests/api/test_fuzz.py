"""Property-based fuzzing of the running server against its own OpenAPI schema
(schemathesis): no 5xx, and every response conforms to the schema."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from legame.store import Workspace
from legame.store.keys import create_key

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_schemathesis_finds_no_server_error_and_no_schema_violation(api_db: Path, tmp_path) -> None:
    with Workspace.open(api_db) as ws:
        admin, _ = create_key(ws, "admin")
    port = free_port()
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "legame"), "serve", "--port", str(port), "--db", str(api_db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        result = subprocess.run(
            [
                str(bin_dir / "schemathesis"),
                "run",
                f"{base}/openapi.json",
                "--header",
                f"Authorization: Bearer {admin}",
                "--checks",
                "not_a_server_error,response_schema_conformance,"
                "status_code_conformance,content_type_conformance",
                "--max-examples",
                "30",
                "--seed",
                "1",
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--no-color",
                "--request-timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=1200,
        )
        print(result.stdout[-4000:])
        assert result.returncode == 0, result.stdout[-6000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
