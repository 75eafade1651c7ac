"""The latency phase serves a scored workspace with the real app on loopback and times every
page, list and API read; its figures are reported beside the others, and results from before
it render as they did. (A measurement: no test asserts a time.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from legame.bench.latency import Facts, run_latency, surfaces
from legame.bench.report import latency_line, latency_markdown, latency_table, readme_block
from legame.bench.targets import LATENCY_TARGET, checks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny scored workspace of the bench's orders and customers (seed 0)."""
    from legame.bench.data import write_transactions
    from legame.ingest import ingest
    from legame.scoring import score
    from legame.store import Workspace

    folder = tmp_path_factory.mktemp("latency")
    data = write_transactions(5_000, folder, seed=0)
    db = folder / "workspace.duckdb"
    with Workspace.create(db) as ws:
        ingest(ws, "orders", [data.parquet])
        ingest(ws, "customers", [data.customers_parquet])
        score(ws, until=data.until)
    return db


def test_every_surface_answers_signed_in_and_gets_positive_percentiles(scored: Path) -> None:
    result = run_latency(scored, requests=2, warmups=1)
    assert result["status"] == "ok" and result["requests"] == 2 and result["warmups"] == 1
    assert result["rows"]["orders"] >= 5_000 and result["rows"]["survey_responses"] == 0
    timed = result["surfaces"]
    assert list(timed) == [s.name for s in surfaces(Facts(result["customers_listed"], "x", {}))]
    for name, figures in timed.items():
        # 200, not a redirect to /signin: the pages were read signed in, the API with the key.
        assert figures["statuses"] == {"200": 3}, (name, figures)
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"], name
        assert figures["first_ms"] > 0
    assert timed["customers ?q="]["path"] == f"/customers?q={result['id_prefix']}"


def test_deep_pages_are_the_middle_of_the_list() -> None:
    paths = {s.name: s.path for s in surfaces(Facts(10_001, "C0005000", {}))}
    assert paths["customers ?page="] == "/customers?page=200"  # 401 pages of 25
    assert paths["api customers ?page="] == "/api/v1/customers?page=100"  # 201 pages of 50
    assert paths["customers ?q="] == "/customers?q=C00050"
    assert paths["customer 360"] == "/customers/C0005000"


def _latency(p95: dict[str, float], errors: int = 0) -> dict[str, Any]:
    return {
        "status": "ok",
        "requests": 20,
        "warmups": 2,
        "customers_listed": 10,
        "id_prefix": "C0",
        "rows": {"orders": 100, "survey_responses": 0},
        "surfaces": {
            name: {
                "p50_ms": ms / 2,
                "p95_ms": ms,
                "max_ms": ms,
                "errors": errors,
                "target_ms": 2000.0 if name == "api gesture plan" else 300.0,
            }
            for name, ms in p95.items()
        },
    }


def test_latency_target_is_marked_at_10m_only() -> None:
    fast = _latency({"customers": 120.0, "api gesture plan": 1500.0})
    slow = _latency({"customers": 1200.0, "api gesture plan": 1500.0})
    results = [
        {"size": 20_000, "latency": slow},
        {"size": 10_000_000, "latency": fast},
        {"size": 10_000_000, "latency": slow},
        {"size": 10_000_000, "latency": _latency({"customers": 10.0}, errors=1)},
    ]
    row = dict(checks(results))[LATENCY_TARGET]
    assert row[0] == "1 of 2 met; worst customers p95 1,200 ms"
    assert row[1].endswith("✓") and row[1].startswith("2 of 2 met")
    assert row[2].endswith("✗") and row[3].endswith("✗")  # an error misses the target
    table = latency_markdown(results)
    assert "| customers (p95 < 300) | 600 / 1,200 | 60 / 120 ✓ | 600 / 1,200 ✗ |" in table
    assert "| api gesture plan (p95 < 2,000) |" in table
    assert "20 timed requests" in latency_line(results) and "survey_responses 0" in (
        latency_line(results)
    )
    assert latency_table(results) is not None


def test_results_without_the_latency_phase_render_as_before() -> None:
    committed = json.loads((ROOT / "bench" / "results.json").read_text())
    results = [{k: v for k, v in row.items() if k != "latency"} for row in committed]
    assert latency_markdown(results) == latency_line(results) == ""
    assert latency_table(results) is None
    assert LATENCY_TARGET not in dict(checks(results))
    skipped = [{**row, "latency": {"status": "skipped"}} for row in results]
    assert readme_block(skipped) == readme_block(results)
