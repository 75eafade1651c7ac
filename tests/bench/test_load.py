"""The bench's load test runs end to end for a couple of seconds and reports its figures in
the documented shape (how many errors and duplicates it finds is the store's business: the
concurrency tests assert those)."""

from __future__ import annotations

from typing import Any

import pytest

from legame.bench.load import FILES, MIX, ROWS_PER_FILE, overlapping_uploads, run_load_test
from legame.bench.report import load_line, load_table
from legame.bench.targets import checks

LATENCY = {"requests", "p50_ms", "p99_ms"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("load")
    return run_load_test(
        folder, clients=8, duration_s=2.0, customers=300, seed=1, log=lambda _: None
    )


@pytest.mark.slow
def test_the_load_test_reports_requests_errors_duplicates_and_latency(report) -> None:
    assert report["status"] == "ok" and report["clients"] == 8 and report["duration_s"] == 2.0
    assert set(report) >= {
        "requests",
        "errors",
        "error_examples",
        "duplicates",
        "duplicates_total",
        "p50_ms",
        "p99_ms",
        "requests_per_s",
        "by_kind",
        "elapsed_s",
        "server_exit",
    }
    assert report["requests"] > 8
    assert set(report["duplicates"]) == {"orders", "customers"}
    assert report["duplicates_total"] == sum(report["duplicates"].values()) >= 0
    assert 0 <= report["errors"] <= report["requests"]
    assert len(report["error_examples"]) <= 5
    assert 0 < report["p50_ms"] <= report["p99_ms"]
    assert report["server_exit"] == 0  # the server stopped cleanly


@pytest.mark.slow
def test_every_kind_of_request_is_reported_on_its_own(report) -> None:
    assert set(report["by_kind"]) == set(MIX)
    assert sum(k["requests"] for k in report["by_kind"].values()) == report["requests"]
    assert sum(k["errors"] for k in report["by_kind"].values()) == report["errors"]
    for figures in report["by_kind"].values():
        assert set(figures) == LATENCY | {"errors"}
        if figures["requests"]:
            assert 0 < figures["p50_ms"] <= figures["p99_ms"]


@pytest.mark.slow
def test_the_report_is_printed_and_marked_against_its_target(report) -> None:
    row = {"size": 20_000, "load": report}
    line = load_line(row)
    assert line.startswith("Load test (8 clients, 2 s, reads and ingests mixed, loopback): ")
    assert f"{report['errors']} errors, {report['duplicates_total']} duplicates" in line
    assert load_table(report).row_count == len(MIX) + 1
    (target,) = [cells for name, cells in checks([row]) if name.startswith("load test")]
    clean = report["errors"] == 0 and report["duplicates_total"] == 0
    assert target[0].endswith("✓" if clean else "✗")


def test_the_uploads_overlap_every_row_is_in_two_files() -> None:
    uploads = overlapping_uploads([f"C{i:06d}" for i in range(1, 100)], seed=0)
    for table, key in (("orders", 0), ("customers", 0)):
        files = uploads[table]
        assert len(files) == FILES
        seen: dict[str, int] = {}
        for upload in files:
            rows = upload.content.decode().splitlines()[1:]
            assert len(rows) == ROWS_PER_FILE
            for row in rows:
                seen[row.split(",")[key]] = seen.get(row.split(",")[key], 0) + 1
        assert set(seen.values()) == {2}, table
