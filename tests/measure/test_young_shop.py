"""A young or small shop gets scores: `legame score` and `legame clv fit` fall back to a reduced
or penalised model, say so in one line and in `fit_status`, and write every score; on CDNOW
nothing changes. And `clv fit` reports the Gamma-Gamma log-likelihood and the correlation of
frequency and spend per purchase."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from legame.ingest import ingest
from legame.store import Workspace

UNIFORM = "reduced: no dropout observed yet, same purchase rate for all"


def random_day_orders(
    path: Path,
    *,
    orders: int,
    customers: int,
    seed: int,
    days: int = 273,
    start: date = date(2025, 1, 1),
    spend_grows_with_orders: bool = False,
) -> Path:
    """``orders`` orders of ``customers`` customers (each at least one), each on a random day
    of the ``days`` from ``start`` (nine months by default): nobody has stopped buying. Amounts
    Gamma(4, scale 10) (mean 40), or, with ``spend_grows_with_orders``, scale 2.5 per order
    the customer places (frequent buyers spend more per purchase)."""
    rng = np.random.default_rng(seed)
    customer = np.r_[np.arange(customers), rng.integers(0, customers, orders - customers)]
    day = rng.integers(0, days, orders)
    placed = np.bincount(customer, minlength=customers)[customer]
    scale = 2.5 * placed if spend_grows_with_orders else np.full(orders, 10.0)
    amount = np.round(rng.gamma(4.0, scale), 2)
    lines = ["order_id,customer_id,ordered_at,amount"]
    for i, (c, d, a) in enumerate(zip(customer, day, amount, strict=True), start=1):
        lines.append(f"O{i},C{c + 1:03d},{start + timedelta(days=int(d))},{a:.2f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _shop(folder: Path, **spec: Any) -> Path:
    db = folder / "shop.duckdb"
    with Workspace.create(db) as ws:
        report = ingest(ws, "orders", [random_day_orders(folder / "orders.csv", **spec)])
        assert report.total("rejected") == 0
    return db


@pytest.fixture(scope="module")
def young_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's young shop: 300 orders from 74 customers over nine months."""
    return _shop(tmp_path_factory.mktemp("young"), orders=300, customers=74, seed=18)


@pytest.fixture(scope="module")
def tiny_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shop of 20 customers and 60 orders over nine months."""
    return _shop(tmp_path_factory.mktemp("tiny"), orders=60, customers=20, seed=3)


def _scores(db: Path) -> tuple[int, int, int]:
    """(customers, rows of customer_scores, rows without a CLV, P(alive) or forecast)."""
    with Workspace.open(db, read_only=True) as ws:
        missing = ws.con.execute("""
            SELECT count(*) FROM customer_scores
            WHERE clv IS NULL OR p_alive IS NULL OR expected_purchases IS NULL
               OR expected_spend IS NULL OR NOT isfinite(clv)""").fetchall()[0][0]
        return ws.count("customers"), ws.count("customer_scores"), missing


def test_young_shop_score_succeeds_writes_every_score_and_says_how(cli, young_shop) -> None:
    """Before: "BetaGeo.fit did not converge ... What to try: BetaGeo(penalizer=0.001)" and
    no scores. Now the NBD limit (nobody drops out, one purchase rate: the data show neither
    a dropout nor a spread of the rates), said in one line on stderr and in --json."""
    result = cli("score", "--db", young_shop)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("customer_scores: 74 customers scored")
    (note,) = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert note.startswith(
        "note: BetaGeo: no customer has stopped buying yet, so it was fitted without dropout "
        "(every customer alive; a, b fixed)"
    )
    assert "--penalizer 0.01" in note and "penalizer=" not in note
    assert _scores(young_shop) == (74, 74, 0)
    out = json.loads(cli("score", "--db", young_shop, "--json").stdout)
    assert out["rows"] == 74
    assert out["fit_status"] == UNIFORM
    assert out["spend_fit_status"] == "converged"
    assert out["params"]["a"] == 1e-300 and out["params"]["r"] == 1e6


def test_young_shop_clv_fit_marks_fixed_parameters_and_their_standard_errors(
    cli, young_shop
) -> None:
    text = cli("clv", "fit", "--db", young_shop)
    assert text.exit_code == 0, text.output
    assert "reduced: no dropout observed yet" in text.stdout  # the model's repr
    rows = {line.split("│")[1].strip(): line for line in text.stdout.splitlines() if "│" in line}
    assert all("fixed" in rows[name] for name in ("r", "a", "b"))
    assert "fixed" not in rows["alpha"]
    assert "note: BetaGeo: no customer has stopped buying yet" in text.stderr
    out = json.loads(cli("clv", "fit", "--db", young_shop, "--json").stdout)
    assert out["fit_status"] == UNIFORM
    assert out["fixed_params"] == ["r", "a", "b"]
    assert out["stderr_note"] == (
        "of the maximum-likelihood estimate (inverse observed information), given the reduced "
        "model: r, a, b fixed (standard error 0)"
    )
    assert out["stderr"]["a"] == 0.0 and out["stderr"]["alpha"] > 0


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "paretonbd"])
def test_every_purchase_model_falls_back_the_same_way(cli, young_shop, model) -> None:
    out = json.loads(cli("clv", "fit", "--model", model, "--db", young_shop, "--json").stdout)
    assert out["fit_status"] == UNIFORM


def test_penalizer_flag_fits_the_full_model_with_that_penalty_and_no_note(cli, young_shop) -> None:
    result = cli("clv", "fit", "--penalizer", "0.01", "--db", young_shop)
    assert result.exit_code == 0, result.output
    assert "note:" not in result.stderr
    out = json.loads(cli("clv", "fit", "--penalizer", "0.01", "--db", young_shop, "--json").stdout)
    assert out["fit_status"] == "penalized (0.01)" and out["fixed_params"] == []
    assert out["stderr_note"] == (
        "of the penalised estimate (penalizer 0.01), not the maximum-likelihood one"
    )
    assert 0 < out["params"]["a"] < 1  # the dropout is kept, shrunk


def test_penalizer_flag_is_checked_with_the_flag_in_the_message(cli, young_shop) -> None:
    for command in (("clv", "fit"), ("score",)):
        result = cli(*command, "--penalizer", "-1", "--db", young_shop)
        assert str(result.exception) == "--penalizer must be a number >= 0, e.g. 0.01; got -1.0."


def test_a_shop_of_20_customers_gets_every_score(cli, tiny_shop) -> None:
    for model in ("bgnbd", "paretonbd"):
        result = cli("score", "--model", model, "--unit", "day", "--db", tiny_shop)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("customer_scores: 20 customers scored")
        notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
        assert len(notes) == 2  # the purchase model, and the spend model: one line each
        assert notes[1].startswith("note: GammaGamma: average spend does not differ enough")
        assert _scores(tiny_shop) == (20, 20, 0)
    out = json.loads(cli("score", "--db", tiny_shop, "--json").stdout)
    assert out["rows"] == 20
    assert out["fit_status"] == UNIFORM
    assert out["spend_fit_status"] == "reduced: same average spend for all"


def test_cdnow_nothing_changes(cli, cdnow_db, tmp_path) -> None:
    """On CDNOW the plain fits converge: fit_status "converged", the published parameters
    (FHL 2005: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426), no note, and `score` fits the
    same parameters as `clv fit`."""
    fit = cli("clv", "fit", "--until", "1997-09-30", "--db", cdnow_db, "--json")
    out = json.loads(fit.stdout)
    assert out["fit_status"] == "converged" and out["fixed_params"] == []
    assert out["spend_fit_status"] == "converged"
    for name, value in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert out["params"][name] == pytest.approx(value, rel=0.01), name
    text = cli("clv", "fit", "--until", "1997-09-30", "--db", cdnow_db)
    assert "note:" not in text.stderr and "warning:" not in text.stderr
    copy = tmp_path / "cdnow.duckdb"
    shutil.copy(cdnow_db, copy)
    scored = cli("score", "--until", "1997-09-30", "--db", copy)
    assert scored.exit_code == 0 and "note:" not in scored.stderr
    report = json.loads(cli("score", "--until", "1997-09-30", "--db", copy, "--json").stdout)
    assert report["fit_status"] == report["spend_fit_status"] == "converged"
    for key in ("params", "spend_params"):  # the same fits, on rows in another order
        assert report[key] == pytest.approx(out[key], rel=1e-9)


def test_clv_fit_reports_the_spend_models_loglik_and_frequency_spend_correlation(
    cli, cdnow_db
) -> None:
    """Gamma-Gamma on CDNOW: LL = -4055.9177 (Fader & Hardie 2013, "The Gamma-Gamma model of
    monetary value"; CLVTools' test_correctness_gg.R pins it), and the correlation between
    the number of repeat transactions and their average value 0.11 (Fader, Hardie & Lee 2005,
    "RFM and CLV", JMR 42(4), over the 946 repeat customers): no warning."""
    out = json.loads(cli("clv", "fit", "--until", "1997-09-30", "--db", cdnow_db, "--json").stdout)
    assert out["spend_loglik"] == pytest.approx(-4055.9177, abs=1e-3)
    assert out["spend_n_customers"] == 946
    assert round(out["spend_frequency_correlation"], 2) == 0.11
    assert out["spend_warning"] is None
    text = cli("clv", "fit", "--until", "1997-09-30", "--db", cdnow_db).stdout
    assert (
        "Gamma-Gamma log-likelihood -4,055.9 on 946 repeat customers; correlation of frequency "
        "and spend per purchase +0.11 (the model assumes none)."
    ) in text


def test_clv_fit_warns_when_frequent_buyers_spend_more_per_purchase(cli, tmp_path) -> None:
    """A planted correlation: each order's amount grows with the customer's order count."""
    db = _shop(tmp_path, orders=900, customers=150, seed=5, spend_grows_with_orders=True)
    result = cli("clv", "fit", "--db", db)
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning.startswith("warning: frequency and spend per purchase are correlated (r = 0.")
    assert "--covariates" in warning
    out = json.loads(cli("clv", "fit", "--db", db, "--json").stdout)
    assert out["spend_frequency_correlation"] > 0.3
    assert out["spend_warning"] == warning.removeprefix("warning: ")
