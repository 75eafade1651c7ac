"""`legame bench` works end to end at a tiny size (it is a measurement, not a timed test)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from legame.bench.data import write_transactions
from legame.bench.lower_bound import query as lower_bound_query
from legame.cli import app

KEYS = {
    "size",
    "transactions",
    "customers",
    "summary_s",
    "fit_s",
    "predict_s",
    "score_s",
    "lower_bound_s",
    "score_vs_lower_bound",
    "summary_vs_lower_bound",
    "lifetimes_s",
    "speedup_vs_lifetimes",
    "max_param_rel_diff",
    "peak_rss_mb",
    "ingest_csv_s",
    "ingest_parquet_s",
    "peak_rss_mb_by_phase",
    "cpu_s_by_phase",
    "machine",
    "governor",
    "lower_bound_sql",
    "score_steps_s",
    "message_check",
    "message_check_25k_s",
    "message_check_200k_s",
    "load",
}


def _run(tmp_path: Path, *extra: str) -> list[dict]:
    out = tmp_path / "results.json"
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "--sizes",
            "2e4",
            "--runs",
            "1",
            "--no-governor",
            "--no-load",
            "--out",
            str(out),
            "--work",
            str(tmp_path / "work"),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "read_parquet('orders.parquet')" in result.stdout  # the lower bound's SQL is shown
    assert "peak memory: fit" in result.stdout  # each phase's peak is printed
    assert "Targets (✓ met" in result.stdout  # and the targets checked against them
    assert "Message check: 25,000 characters" in result.stdout
    return json.loads(out.read_text())


@pytest.mark.slow  # every phase in a child process of its own: about 15 s
def test_bench_at_a_tiny_size_writes_every_key_and_positive_ratios(tmp_path: Path) -> None:
    (row,) = _run(tmp_path, "--no-lifetimes")
    assert set(row) >= KEYS
    assert row["transactions"] >= 20_000 and row["customers"] > 1000
    for key in (
        "summary_s",
        "fit_s",
        "predict_s",
        "score_s",
        "lower_bound_s",
        "ingest_csv_s",
        "ingest_parquet_s",
        "score_vs_lower_bound",
        "summary_vs_lower_bound",
        "peak_rss_mb",
    ):
        assert row[key] > 0, key
    assert set(row["score_steps_s"]) == {"summary", "fit", "predict", "write"}
    assert row["lifetimes_status"] == "skipped" and row["speedup_vs_lifetimes"] is None
    assert row["message_check_25k_s"] > 0 and row["message_check_200k_s"] > 0
    assert row["message_check"]["verdicts"] == {"25000": "rethink", "200000": "rethink"}
    assert row["load"] == {"status": "skipped"}
    assert row["machine"]["cores_logical"] >= 1 and row["machine"]["ram_gib"] > 0
    assert not (tmp_path / "work" / "2e04").exists()  # inputs are deleted afterwards


def test_bench_refuses_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    for args, message in (
        (["--sizes", "abc"], "--sizes"),
        (["--engine", "x"], "--engine"),
        (["--runs", "0"], "--runs"),
        (["--sizes", "10"], ">= 1000"),
        (["--load-seconds", "0"], "--load-seconds"),
    ):
        result = runner.invoke(app, ["bench", *args, "--work", str(tmp_path)])
        assert result.exit_code != 0
        assert message in str(result.exception)


def test_inputs_hold_exactly_the_asked_orders_in_both_formats(tmp_path: Path) -> None:
    data = write_transactions(30_000, tmp_path)
    table = pq.read_table(data.parquet)
    assert data.rows == table.num_rows >= 30_000
    assert data.rows < 30_000 + 200  # cut at the end of the last customer
    con = duckdb.connect()
    csv_rows = con.execute(
        f"SELECT count(*), count(DISTINCT customer_id) FROM read_csv('{data.csv}')"
    ).fetchall()[0]
    assert csv_rows == (data.rows, data.customers)
    last = con.execute(f"SELECT max(ordered_at)::DATE FROM read_parquet('{data.parquet}')")
    assert last.fetchall()[0][0] == data.until


def test_lower_bound_gives_the_summary_legame_fits_on(tmp_path: Path) -> None:
    """The plain SQL the figures are compared to computes what legame's summary does."""
    from legame.engine import DuckDBEngine
    from legame.ingest import ingest
    from legame.scoring import summarize
    from legame.store import Workspace

    data = write_transactions(20_000, tmp_path)
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        ingest(ws, "orders", [data.parquet])
        summarize(DuckDBEngine(ws), until=data.until, unit="week")
        ws.con.execute(f"CREATE TEMP TABLE lb AS {lower_bound_query(data.parquet, data.until)}")
        differ = ws.con.execute("""
            SELECT count(*) FILTER (WHERE s.frequency <> l.frequency
                   OR abs(s.recency - l.recency) > 1e-9 OR abs(s.T - l.T) > 1e-9
                   OR abs(coalesce(s.monetary_value, 0) - coalesce(l.monetary_value, 0)) > 1e-9),
                   count(*)
            FROM _summary s FULL JOIN lb l USING (customer_id)""").fetchall()[0]
    assert differ == (0, data.customers)


@pytest.mark.slow
def test_the_lifetimes_reference_runs_in_its_venv_and_is_compared_customer_by_customer(
    tmp_path: Path,
) -> None:
    """The reference path end to end, without the network: a venv whose Python runs a
    stand-in for lifetimes (``standin/lifetimes``: legame's models behind lifetimes' calls,
    reporting ``r`` 1 % high and P(alive) 2 % high). The bench runs the reference pipeline
    there, matches every customer, and finds exactly the planted disagreements; everything
    else agrees. (Agreement with the real lifetimes 0.11.3 is pinned in ``tests/models``.)"""
    from legame.bench import reference

    venv = tmp_path / "venv"
    python = reference.venv_python(venv)
    python.parent.mkdir(parents=True)
    standin = Path(__file__).with_name("standin")
    python.write_text(
        f'#!/bin/sh\nPYTHONPATH="{standin}${{PYTHONPATH:+:$PYTHONPATH}}" '
        f'exec "{sys.executable}" "$@"\n'
    )
    python.chmod(0o755)
    (venv / ".legame-pins").write_text("\n".join(reference.PINS))  # built: nothing to install
    (row,) = _run(tmp_path, "--lifetimes-venv", str(venv))
    assert row["lifetimes_status"] == "ok", row["lifetimes_status"]
    assert row["lifetimes_versions"]["lifetimes"] == "0.11.3-standin"
    assert row["lifetimes_s"] > 0 and row["speedup_vs_lifetimes"] > 0
    params = row["param_rel_diff"]
    assert params["r"] == pytest.approx(0.01 / 1.01, rel=1e-3)
    assert max(v for k, v in params.items() if k != "r") < 1e-4
    compared = row["prediction_rel_diff"]
    assert compared["matched"] == compared["customers"] == row["customers"]
    assert compared["p_alive"] == pytest.approx(0.02 / 1.02, rel=1e-3)
    assert compared["expected_purchases"] < 1e-4 and compared["expected_spend"] < 1e-4
    assert row["max_prediction_rel_diff"] == pytest.approx(0.02 / 1.02, rel=1e-2)
