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
from legame.bench.lower_bound import FORMS, duckdb_query, polars_summary
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
    "keyed_load_csv_s",
    "keyed_load_parquet_s",
    "ingest_csv_vs_keyed_load",
    "ingest_parquet_vs_keyed_load",
    "lower_bound_form",
    "lower_bound_by_form_s",
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
    "ingest_customers_s",
    "score_no_intervals_s",
    "intervals_overhead",
    "intervals_overhead_cpu",
    "validate_s",
    "validate",
    "covariate_fit_s",
    "covariates",
    "pymc_status",
    "latency",
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
    assert "read_parquet($path)" in result.stdout  # the lower bound's SQL is shown
    assert "ingest from CSV, s (× keyed load)" in result.stdout
    assert "peak memory: fit" in result.stdout  # each phase's peak is printed
    assert "Targets (✓ met" in result.stdout  # and the targets checked against them
    assert "Message check: 25,000 characters" in result.stdout
    if "--no-latency" not in extra:
        assert "Latency a user meets" in result.stdout
    return json.loads(out.read_text())


@pytest.mark.slow  # every phase in a child process of its own: about a minute
def test_bench_at_a_tiny_size_writes_every_key_and_positive_ratios(tmp_path: Path) -> None:
    (row,) = _run(tmp_path, "--no-lifetimes", "--no-pymc")
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
        "keyed_load_csv_s",
        "keyed_load_parquet_s",
        "score_vs_lower_bound",
        "summary_vs_lower_bound",
        "peak_rss_mb",
    ):
        assert row[key] > 0, key
    assert set(row["score_steps_s"]) == {"summary", "fit", "predict", "write"}
    # The score after a day's orders kept the summary and made the day's customers' again.
    assert row["score_kept_s"] > 0 and row["day_orders"] == 100
    assert 0 < row["summarised_again"] <= row["day_orders"]
    assert row["score_kept_vs_lower_bound"] == round(row["score_kept_s"] / row["lower_bound_s"], 3)
    # Ingest beside DuckDB's keyed load of the same file, in the same run.
    for fmt in ("csv", "parquet"):
        ratio = row[f"ingest_{fmt}_s"] / row[f"keyed_load_{fmt}_s"]
        assert row[f"ingest_{fmt}_vs_keyed_load"] == round(ratio, 3)
    # The bound is the fastest of the three forms timed.
    assert set(row["lower_bound_by_form_s"]) == set(FORMS)
    assert row["lower_bound_s"] == min(row["lower_bound_by_form_s"].values())
    assert row["lower_bound_by_form_s"][row["lower_bound_form"]] == row["lower_bound_s"]
    assert row["lifetimes_status"] == "skipped" and row["speedup_vs_lifetimes"] is None
    assert row["pymc_status"] == "skipped" and row["pymc_s"] is None
    assert row["ingest_customers_s"] > 0
    # The score with and without the intervals, and what they add to it.
    assert row["score_no_intervals_s"] > 0
    assert row["intervals_overhead"] == round(row["score_s"] / row["score_no_intervals_s"] - 1, 4)
    # clv validate --model all, on the last quarter of the days.
    validation = row["validate"]
    assert row["validate_s"] > 0
    assert [m["model"] for m in validation["models"]] == ["bgnbd", "mbgnbd", "paretonbd"]
    assert validation["best"] in ("bgnbd", "mbgnbd", "paretonbd") and not validation["failed"]
    assert validation["until"] < validation["holdout_until"] == row["until"]
    assert validation["customers"] <= row["customers"]
    # The covariate fit: three static covariates on every customer, and the planted effects.
    cov = row["covariates"]
    assert row["covariate_fit_s"] > 0
    assert cov["names"] == ["acquisition_channel", "country", "first_order_value"]
    assert cov["customers"] == row["customers"] and cov["converged"]
    for name in (
        "beta_purchase_acquisition_channel=marketplace",  # planted -0.69: buys half as often
        "beta_a_country=ES",  # planted 0.81: drops out more
        "beta_b_country=DE",  # planted 0.22: drops out less
        "beta_purchase_first_order_value",  # planted 0
    ):
        assert abs(cov["params"][name] - cov["planted"][name]) < 4 * cov["stderr"][name], name
    assert row["message_check_25k_s"] > 0 and row["message_check_200k_s"] > 0
    assert row["message_check"]["verdicts"] == {"25000": "rethink", "200000": "rethink"}
    assert row["load"] == {"status": "skipped"}
    # The latencies a user meets: every page and API read served, answered, and timed.
    latency = row["latency"]
    assert latency["status"] == "ok" and latency["requests"] == 20 and latency["warmups"] == 2
    assert latency["rows"]["orders"] == row["transactions"]
    assert latency["customers_listed"] == row["customers"]
    assert len(latency["surfaces"]) == 16
    for name, figures in latency["surfaces"].items():
        assert figures["statuses"] == {"200": 22}, name
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"], name
        assert figures["target_ms"] == (2000.0 if name == "api gesture plan" else 300.0)
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
        (["--latency-requests", "0"], "--latency-requests"),
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


def test_every_lower_bound_gives_the_summary_legame_fits_on(tmp_path: Path) -> None:
    """Each form of the plain summary the figures are compared to (DuckDB with a date, DuckDB
    with a day number, Polars) computes what legame's summary does."""
    from legame.engine import DuckDBEngine
    from legame.ingest import ingest
    from legame.scoring import summarize
    from legame.store import Workspace

    data = write_transactions(20_000, tmp_path)
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        ingest(ws, "orders", [data.parquet])
        summarize(DuckDBEngine(ws), until=data.until, unit="week")
        for form in FORMS:
            if form == "polars":
                ws.con.execute("DROP TABLE IF EXISTS lb")
                ws.con.register("lb", polars_summary(data.parquet, data.until).to_arrow())
            else:
                ws.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE lb AS {duckdb_query(form, data.until)}",
                    {"path": str(data.parquet)},
                )
            differ = ws.con.execute("""
                SELECT count(*) FILTER (WHERE s.frequency <> l.frequency
                       OR abs(s.recency - l.recency) > 1e-9 OR abs(s.T - l.T) > 1e-9
                       OR abs(coalesce(s.monetary_value, 0) - coalesce(l.monetary_value, 0))
                          > 1e-9), count(*)
                FROM _summary s FULL JOIN lb l USING (customer_id)""").fetchall()[0]
            assert differ == (0, data.customers), form
            if form == "polars":
                ws.con.unregister("lb")


def _standin_venv(venv: Path, pins: tuple[str, ...]) -> Path:
    """A venv whose Python runs this one with ``standin/`` first on the path, stamped as
    built with ``pins`` (nothing to install)."""
    from legame.bench import reference

    python = reference.venv_python(venv)
    python.parent.mkdir(parents=True)
    standin = Path(__file__).with_name("standin")
    python.write_text(
        f'#!/bin/sh\nPYTHONPATH="{standin}${{PYTHONPATH:+:$PYTHONPATH}}" '
        f'exec "{sys.executable}" "$@"\n'
    )
    python.chmod(0o755)
    (venv / ".legame-pins").write_text("\n".join(pins))
    return venv


@pytest.fixture(scope="module")
def referenced(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The bench at a tiny size with both references, in stand-in venvs (no network)."""
    from legame.bench import pymc_reference, reference

    tmp_path = tmp_path_factory.mktemp("references")
    lifetimes = _standin_venv(tmp_path / "lifetimes-venv", reference.PINS)
    pymc = _standin_venv(tmp_path / "pymc-venv", pymc_reference.PINS)
    (row,) = _run(
        tmp_path, "--lifetimes-venv", str(lifetimes), "--pymc-venv", str(pymc), "--no-latency"
    )
    return row


@pytest.mark.slow
def test_the_lifetimes_reference_runs_in_its_venv_and_is_compared_customer_by_customer(
    referenced: dict,
) -> None:
    """The reference path end to end, without the network: a venv whose Python runs a
    stand-in for lifetimes (``standin/lifetimes``: legame's models behind lifetimes' calls,
    reporting ``r`` 1 % high and P(alive) 2 % high). The bench runs the reference pipeline
    there, matches every customer, and finds exactly the planted disagreements; everything
    else agrees. (Agreement with the real lifetimes 0.11.3 is pinned in ``tests/models``.)"""
    row = referenced
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


@pytest.mark.slow
def test_the_pymc_reference_runs_in_its_venv_and_is_compared_coefficient_by_coefficient(
    referenced: dict,
) -> None:
    """PyMC-Marketing's covariate fit end to end, without the network: a venv whose Python
    runs ``pymc_pipeline.py`` against a stand-in (``standin/pymc_marketing``: flat priors
    checked, legame's row-by-row covariate likelihood behind ``BetaGeoModel``, the purchase
    coefficient of the first column reported 0.01 high). The pipeline's own summary and
    covariate coding give exactly legame's columns (none unmatched), and the bench finds the
    planted disagreement and nothing else. (The real PyMC-Marketing:
    ``test_pymc_reference.py``.)"""
    row = referenced
    assert row["pymc_status"] == "ok", row["pymc_status"]
    assert row["pymc_versions"]["pymc_marketing"] == "0.19.2-standin"
    assert row["pymc_s"] > 0 and row["pymc_fit_s"] > 0
    assert set(row["pymc_steps_s"]) == {"read", "summary", "covariates", "build", "compile", "fit"}
    assert row["covariate_speedup_vs_pymc"] > 0
    compared = row["pymc_vs_legame"]
    assert compared["unmatched"] == []
    shifted = "beta_purchase_acquisition_channel=app"
    diffs = {k: c["abs_diff"] for k, c in compared["coefficients"].items() if k.startswith("beta_")}
    assert len(diffs) == 3 * 6  # purchase, a and b for 2 channels, 3 countries, first order value
    assert diffs[shifted] == pytest.approx(0.01, abs=1e-3)
    assert max(v for k, v in diffs.items() if k != shifted) < 1e-3
    assert compared["max_base_rel_diff"] < 1e-3
    # legame's estimate is the maximum: the stand-in's shifted point is below it.
    assert 0 < compared["loglik_diff"] < 1
