"""Workspaces for the measurement tests: CDNOW from its raw transactions, and a simulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from legame.ingest import ingest
from legame.simulate import simulate
from legame.store import Workspace

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
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
