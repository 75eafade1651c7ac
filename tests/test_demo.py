"""`legame demo`: the whole product on simulated data, as `make demo` runs it."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.conftest import run_legame


# A whole demo through the real command takes about 10 s: slow. In the fast run, the API's
# and the web pages' tests build theirs through the library.
@pytest.mark.slow
def test_demo_builds_a_scored_workspace_and_says_where_it_is(tmp_path) -> None:
    folder = tmp_path / "demo"
    result = run_legame("demo", "--dir", folder, "--customers", "1500", "--seed", "3")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "NPS" in out and "95% interval" in out
    assert "expected CLV" in out and "value at risk" in out
    assert str(folder / "legame.duckdb") in out
    con = duckdb.connect(str(folder / "legame.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM customer_scores").fetchall()[0][0] == 1500
    assert con.execute("SELECT count(*) FROM rejects").fetchall()[0][0] == 0
    for table in ("orders", "tickets", "survey_responses", "messages", "consents", "gestures"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0, table
    con.close()
    assert (folder / "data" / "truth.json").exists()


@pytest.mark.slow  # two whole demos (about 20 s)
def test_demo_json_and_rerun_start_from_a_fresh_workspace(tmp_path) -> None:
    folder = tmp_path / "demo"
    first = json.loads(run_legame("demo", "--dir", folder, "--customers", "800", "--json").stdout)
    second = json.loads(run_legame("demo", "--dir", folder, "--customers", "800", "--json").stdout)
    assert first["loaded"] == second["loaded"]
    # Same simulation and fit; DuckDB's parallel sums may differ in the last bits.
    assert first["total_clv"] == pytest.approx(second["total_clv"], rel=1e-9)
    assert set(first["stages_s"]) >= {"simulate", "ingest", "score"}
