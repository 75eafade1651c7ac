"""The bench's score after a day's orders measures the kept summary whichever phase wrote
the workspace's scores last (at 100M orders the whole score runs once, so later rounds
follow the predictions phase's write)."""

from __future__ import annotations

from pathlib import Path

from legame.bench.data import write_day, write_transactions
from legame.bench.phases import run_phase
from legame.ingest import ingest
from legame.store import Workspace


def test_the_day_after_keeps_the_summary_the_predictions_phase_wrote(tmp_path: Path) -> None:
    data = write_transactions(20_000, tmp_path)
    day, orders, day_until = write_day(data, tmp_path)
    db = tmp_path / "ws.duckdb"
    with Workspace.create(db) as ws:
        ingest(ws, "orders", [data.parquet])
    args = {
        "db": str(db),
        "until": data.until.isoformat(),
        "out": str(tmp_path),
        "parquet": str(data.parquet),
        "day": str(day),
        "day_until": day_until.isoformat(),
    }
    for phase in ("summary", "fit", "score", "predict"):
        run_phase(phase, args)
    kept = run_phase("score_kept", args)["result"]
    assert kept["summary_kept"] is True
    assert 0 < kept["summarised_again"] <= orders
    assert kept["until"] == day_until.isoformat()
