"""`legame clv fit` on the store's orders reproduces the published CDNOW parameters."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from legame.engine import DuckDBEngine
from legame.scoring import summarize
from legame.store import Workspace


def test_summary_in_the_engine_matches_the_published_cdnow_summary(cdnow_db, tmp_path) -> None:
    """The customer_summary query (calibration to 1997-09-30, weeks, same-day purchases
    merged) gives the frequency/recency/T of cdnow_customers_summary.csv (2 decimals) and
    the zbar of cdnow_customers_summary_with_transactions.csv."""
    from tests.conftest import SHARED

    with Workspace.open(cdnow_db, read_only=True) as ws:
        engine = DuckDBEngine(ws)
        summarize(engine, until=date(1997, 9, 30), unit="week")
        got = {
            r["customer_id"]: r
            for r in engine.run(
                "SELECT customer_id, frequency, recency, T, monetary_value FROM _summary"
            ).to_pylist()
        }
    path = SHARED / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv"
    with path.open() as fh:
        published = list(csv.DictReader(fh))
    assert len(got) == len(published) == 2357
    for row in published:
        mine = got[row["ID"]]
        assert mine["frequency"] == int(row["x"])
        assert mine["recency"] == pytest.approx(float(row["t_x"]), abs=0.006)
        assert mine["T"] == pytest.approx(float(row["T"]), abs=0.006)
        if int(row["x"]) > 0:
            assert mine["monetary_value"] == pytest.approx(float(row["zbar"]), abs=0.006)


def test_clv_fit_reproduces_fader_hardie_lee_2005(cli, cdnow_db) -> None:
    """BG/NBD on CDNOW: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4 (Fader,
    Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2));
    Gamma-Gamma: p = 6.25, q = 3.74, gamma = 15.44 (Fader, Hardie & Lee 2005, "RFM and CLV:
    using iso-value curves", JMR 42(4))."""
    result = cli(
        "clv", "fit", "--until", "1997-09-30", "--unit", "week", "--db", cdnow_db, "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) >= {
        "model",
        "params",
        "stderr",
        "loglik",
        "n_customers",
        "n_histories",
        "converged",
    }
    assert out["model"] == "bgnbd" and out["converged"] is True
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert out["params"][name] == pytest.approx(value, rel=0.01), name
        assert out["stderr"][name] > 0
    assert out["loglik"] == pytest.approx(-9582.4, abs=0.5)
    assert out["n_customers"] == 2357
    assert out["n_histories"] < out["n_customers"]
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert out["spend_params"][name] == pytest.approx(value, rel=0.02), name


def test_clv_fit_pareto_nbd_reproduces_the_published_fit(cli, cdnow_db) -> None:
    """Pareto/NBD on CDNOW: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669 (Fader, Hardie
    & Lee 2005, "A note on implementing the Pareto/NBD model in MATLAB")."""
    result = cli(
        "clv", "fit", "--model", "paretonbd", "--until", "1997-09-30", "--db", cdnow_db, "--json"
    )
    out = json.loads(result.stdout)
    for name, value in {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}.items():
        assert out["params"][name] == pytest.approx(value, rel=0.01), name


def test_clv_fit_text_output_names_the_parameters(cli, cdnow_db) -> None:
    result = cli("clv", "fit", "--until", "1997-09-30", "--db", cdnow_db)
    assert result.exit_code == 0
    assert "alpha" in result.stdout and "log-likelihood -9,582" in result.stdout


def test_clv_fit_rejects_bad_options(cli, cdnow_db) -> None:
    assert "must be bgnbd, mbgnbd or paretonbd" in str(
        cli("clv", "fit", "--model", "x", "--db", cdnow_db).exception
    )
    assert "--unit must be day or week" in str(
        cli("clv", "fit", "--unit", "month", "--db", cdnow_db).exception
    )
    assert "--until must be a date" in str(
        cli("clv", "fit", "--until", "30/09/1997", "--db", cdnow_db).exception
    )


def test_clv_fit_in_days_gives_the_same_purchase_process(cli, cdnow_db) -> None:
    """A day unit rescales alpha by 7 and leaves r, a, b unchanged (same likelihood shape)."""
    week = json.loads(cli("clv", "fit", "--until", "1997-09-30", "--db", cdnow_db, "--json").stdout)
    day = json.loads(
        cli(
            "clv", "fit", "--until", "1997-09-30", "--unit", "day", "--db", cdnow_db, "--json"
        ).stdout
    )
    assert day["params"]["alpha"] == pytest.approx(7 * week["params"]["alpha"], rel=0.01)
    for name in ("r", "a", "b"):
        assert day["params"][name] == pytest.approx(week["params"][name], rel=0.01)
