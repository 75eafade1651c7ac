"""A Spark standalone cluster for a test: ``scripts/spark-cluster.sh up`` on free ports and a
state folder of its own (pytest-xdist's workers may each start one), ``down`` afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO, free_port

SCRIPT = REPO / "scripts" / "spark-cluster.sh"


@dataclass(frozen=True)
class Cluster:
    master: str  # spark://127.0.0.1:PORT
    web_ui: str  # http://127.0.0.1:PORT of the master
    state: Path  # the script's folder: pids, logs, the workers' work folders
    env: dict[str, str]  # the environment the script runs with, for status and down

    def script(self, command: str) -> subprocess.CompletedProcess[str]:
        return run_script(command, self.env)

    def master_json(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.web_ui}/json", timeout=10) as answer:
            return dict(json.load(answer))


def run_script(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), command],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


@contextmanager
def spark_cluster(state: Path, *, cores: int = 1, memory: str = "1g") -> Iterator[Cluster]:
    """Two workers of ``cores`` and ``memory`` each, their state in ``state`` (a new folder)."""
    master_port, ui_port = free_port(), free_port()
    env = {
        "PYTHON": sys.executable,
        "LEGAME_SPARK_CLUSTER_DIR": str(state),
        "LEGAME_SPARK_MASTER_PORT": str(master_port),
        "LEGAME_SPARK_MASTER_WEBUI_PORT": str(ui_port),
        "LEGAME_SPARK_WORKER_WEBUI_PORT": "0",  # any free port
        "LEGAME_SPARK_WORKER_CORES": str(cores),
        "LEGAME_SPARK_WORKER_MEMORY": memory,
    }
    cluster = Cluster(f"spark://127.0.0.1:{master_port}", f"http://127.0.0.1:{ui_port}", state, env)
    try:
        up = run_script("up", env)
        assert up.returncode == 0, f"spark-cluster.sh up failed:\n{up.stdout}\n{up.stderr}"
        assert up.stdout.strip() == f"export LEGAME_SPARK_MASTER={cluster.master}"
        yield cluster
    finally:
        down = run_script("down", env)
        assert down.returncode == 0, f"spark-cluster.sh down failed:\n{down.stderr}"
