"""`legame score --covariates`: customer_scores whose predictions come from each customer's
own covariates.

The reference for the per-customer numbers is the fit itself: a customer of a covariate
pattern is a plain BG/NBD customer at the pattern's (r, alpha, a, b) (Fader & Hardie 2007,
http://brucehardie.com/notes/019/), so their P(alive) and expected purchases are
``BetaGeo.from_params`` of those parameters on their history, and their expected spend
Gamma-Gamma's at the pattern's gamma. The planted truth (``truth.json``,
``effects.acquisition_channel``): marketplace customers buy less often than web customers.
With every coefficient at 0 the scores are the plain model's.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from legame.covariates import score_with_covariates
from legame.covariates import scores as covariate_scores
from legame.models import BetaGeo, GammaGamma
from legame.scoring import ScoreReport, score
from legame.store import Workspace

from .conftest import Built

HORIZON_WEEKS = 365 / 7


def _copy(built: Built, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "ws.duckdb"
    shutil.copy(built.db, copy)
    return copy


def _rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with Workspace.open(db, read_only=True) as ws:
        cur = ws.con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@pytest.fixture(scope="module")
def channel_scored(planted: Built, tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = _copy(planted, tmp_path_factory.mktemp("score_channel"))
    with Workspace.open(db) as ws:
        report = score_with_covariates(ws, ["acquisition_channel"])
    return db, report


def test_marketplace_customers_expect_fewer_purchases_than_web_customers_with_their_history(
    planted: Built, channel_scored: Any
) -> None:
    """The planted purchase-rate effect of the marketplace channel (truth.json) shows in
    the scores: for every history that web and marketplace customers share and after which
    the customer is more likely alive than not, the marketplace customer's expected
    purchases are lower. (After a long silence the order can flip: silence says less about
    a slow buyer, so the marketplace customer is likelier alive; both expect next to no
    purchases there.)"""
    truth = planted.truth["effects"]["acquisition_channel"]  # type: ignore[index]
    assert truth["coefficients"]["purchase"]["marketplace"] < 0
    db, _ = channel_scored
    rows = _rows(
        db,
        """
        SELECT s.frequency, s.recency, s.T,
               max(s.expected_purchases) FILTER (WHERE ch = 'web') AS web,
               max(s.expected_purchases) FILTER (WHERE ch = 'marketplace') AS marketplace,
               max(s.p_alive) FILTER (WHERE ch = 'web') AS web_alive
        FROM customer_scores s
        JOIN (SELECT customer_id, _extra ->> 'acquisition_channel' AS ch FROM customers) c
            USING (customer_id)
        WHERE s.frequency IS NOT NULL
        GROUP BY ALL
        HAVING web IS NOT NULL AND marketplace IS NOT NULL
        """,
    )
    likely_alive = [r for r in rows if r["web_alive"] >= 0.5]
    assert len(likely_alive) > 100
    assert all(r["marketplace"] < r["web"] for r in likely_alive)
    assert sum(r["marketplace"] for r in rows) < sum(r["web"] for r in rows)


def test_each_customer_is_scored_at_the_fitted_parameters_of_their_pattern(
    channel_scored: Any,
) -> None:
    """P(alive), expected purchases and expected spend of each customer are the plain
    models' at their channel's parameters (the fit's params_ mapped by Fader & Hardie's
    links)."""
    db, report = channel_scored
    p = report.purchase_model.params_
    s = report.spend_model.params_
    rows = _rows(
        db,
        """
        SELECT _extra ->> 'acquisition_channel' AS ch, frequency, recency, T, monetary_value,
               p_alive, expected_purchases, expected_spend
        FROM customer_scores JOIN customers USING (customer_id)
        WHERE frequency IS NOT NULL
        """,
    )
    for channel in ("web", "marketplace", "partner"):
        name = f"acquisition_channel={channel}"

        def coef(key: str, name: str = name) -> float:
            return p.get(f"beta_{key}_{name}", 0.0)

        plain = BetaGeo.from_params(
            {
                "r": p["r"],
                "alpha": p["alpha"] * math.exp(-coef("purchase")),
                "a": p["a"] * math.exp(coef("a")),
                "b": p["b"] * math.exp(coef("b")),
            }
        )
        gamma = s["gamma"] * math.exp(s.get(f"beta_spend_{name}", 0.0))
        spend = GammaGamma.from_params({"p": s["p"], "q": s["q"], "gamma": gamma})
        mine = [r for r in rows if r["ch"] == channel]
        x, t_x, T = (
            np.array([r[k] for r in mine], dtype=float) for k in ("frequency", "recency", "T")
        )
        m = np.array([r["monetary_value"] or np.nan for r in mine], dtype=float)
        got = {
            k: np.array([r[k] for r in mine], dtype=float)
            for k in ("p_alive", "expected_purchases", "expected_spend")
        }
        np.testing.assert_allclose(got["p_alive"], plain.predict_alive(x, t_x, T), rtol=1e-9)
        np.testing.assert_allclose(
            got["expected_purchases"],
            plain.predict_purchases(HORIZON_WEEKS, x, t_x, T),
            rtol=1e-8,
        )
        np.testing.assert_allclose(got["expected_spend"], spend.predict_spend(x, m), rtol=1e-9)


def _zero_coefficients(monkeypatch: pytest.MonkeyPatch, plain: ScoreReport) -> None:
    """Make the covariate fit return models with every coefficient at 0 and the plain
    models' parameters and covariances (coefficients known exactly)."""
    real = covariate_scores.fit_summary
    purchase_plain, spend_plain = plain.purchase_model, plain.spend_model
    assert purchase_plain is not None and spend_plain is not None

    def at_zero(model: Any, base: Any) -> Any:
        names = model._names()
        k = len(base.params_)
        zeroed = type(model).from_params(
            {n: (base.params_[n] if i < k else 0.0) for i, n in enumerate(names)},
            **{h: getattr(model, h) for h in model._name_lists},
        )
        zeroed.cov_ = np.zeros((len(names), len(names)))
        zeroed.cov_[:k, :k] = base.cov_
        return zeroed

    def fit_summary(*args: Any, **kwargs: Any) -> Any:
        fit, customers = real(*args, **kwargs)
        fit.purchase = at_zero(fit.purchase, purchase_plain)
        fit.spend = at_zero(fit.spend, spend_plain)
        return fit, customers

    monkeypatch.setattr(covariate_scores, "fit_summary", fit_summary)


def _compare(a: Path, b: Path, *, skip: tuple[str, ...] = ()) -> None:
    left = {r["customer_id"]: r for r in _rows(a, "SELECT * FROM customer_scores")}
    right = {r["customer_id"]: r for r in _rows(b, "SELECT * FROM customer_scores")}
    assert left.keys() == right.keys()
    differ = []
    for cid, row in left.items():
        for name, value in row.items():
            other = right[cid][name]
            if name in skip:
                continue
            if isinstance(value, float) and isinstance(other, float):
                if not math.isclose(value, other, rel_tol=1e-6, abs_tol=1e-9):
                    differ.append((cid, name, value, other))
            elif value != other:
                differ.append((cid, name, value, other))
    assert differ == []


@pytest.fixture(scope="module")
def plain_scored(planted: Built, tmp_path_factory: pytest.TempPathFactory) -> Any:
    db = _copy(planted, tmp_path_factory.mktemp("score_plain"))
    with Workspace.open(db) as ws:
        report = score(ws)
    return db, report


def test_with_every_coefficient_at_zero_the_scores_are_the_plain_models(
    planted: Built, plain_scored: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Static covariates at zero effect: every column of customer_scores equals plain
    `score`'s within 1e-6, the CLV interval (from the covariance) included."""
    plain_db, plain = plain_scored
    _zero_coefficients(monkeypatch, plain)
    db = _copy(planted, tmp_path)
    with Workspace.open(db) as ws:
        report = score_with_covariates(ws, ["acquisition_channel", "first_order_value"])
    assert report.covariates is not None and report.covariates["patterns"] > 3
    _compare(db, plain_db)


def test_with_a_time_varying_covariate_at_zero_the_scores_are_the_plain_models(
    planted: Built, plain_scored: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Time-varying covariates at zero effect give the plain scores too, but for the CLV
    interval: its spread is not computed with them (NULL, docs/scores.md)."""
    plain_db, plain = plain_scored
    _zero_coefficients(monkeypatch, plain)
    db = _copy(planted, tmp_path)
    with Workspace.open(db) as ws:
        score_with_covariates(ws, ["acquisition_channel", "poor_service", "gesture"])
    _compare(db, plain_db, skip=("clv_low", "clv_high"))
    (nulls,) = _rows(db, "SELECT count(clv_low) AS n FROM customer_scores")
    assert nulls["n"] == 0


def test_json_lists_the_same_effects_as_clv_fit_and_the_text_prints_their_sentences(
    cli: Any, planted: Built, tmp_path: Path
) -> None:
    db = _copy(planted, tmp_path)
    scored = cli("score", "--covariates", "acquisition_channel", "--db", db, "--json")
    assert scored.exit_code == 0, scored.output
    out = json.loads(scored.stdout)
    fitted = cli("clv", "fit", "--covariates", "acquisition_channel", "--db", db, "--json")
    assert fitted.exit_code == 0, fitted.output
    # the same objects (Effect.to_dict, CovariateFit.described); the summary's sums of
    # amounts may differ in their last bits between two runs (parallel aggregation)
    same = json.loads(fitted.stdout)["covariates"]
    assert [e.keys() for e in out["covariates"]] == [e.keys() for e in same]
    for mine, theirs in zip(out["covariates"], same, strict=True):
        for key, value in mine.items():
            if isinstance(value, float):
                assert value == pytest.approx(theirs[key], rel=1e-9), key
            elif key != "sentence":
                assert value == theirs[key], key
    assert out["model"] == "CovariateBetaGeo" and out["rows"] == 10_000
    assert out["baselines"] == {"acquisition_channel": "web"}
    for effect in out["covariates"]:
        assert {"name", "process", "coef", "stderr", "ci_low", "ci_high", "sentence"} <= set(effect)
    assert {e["process"] for e in out["covariates"]} == {"purchase", "dropout", "spend"}
    text = cli("score", "--covariates", "acquisition_channel", "--db", db)
    assert text.exit_code == 0, text.output
    for effect in out["covariates"]:
        assert effect["sentence"] in " ".join(text.stdout.split())


def test_a_time_varying_covariate_is_accepted_and_every_customer_scored(
    cli: Any, planted: Built, tmp_path: Path
) -> None:
    db = _copy(planted, tmp_path)
    result = cli("score", "--covariates", "poor_service", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [(e["name"], e["process"]) for e in out["covariates"]] == [("poor_service", "dropout")]
    (counts,) = _rows(
        db,
        """
        SELECT count(*) AS customers, count(frequency) AS histories,
               count(expected_purchases) AS forecasts, count(p_no_purchase) AS p0,
               count(purchases_high) AS high, count(clv) AS clv, count(clv_low) AS clv_low
        FROM customer_scores
        """,
    )
    histories = counts["histories"]
    assert counts["customers"] == 10_000
    assert counts["forecasts"] == counts["p0"] == counts["high"] == counts["clv"] == histories
    assert counts["clv_low"] == 0  # no spread with time-varying covariates


def test_an_unknown_name_lists_what_the_workspace_offers(cli: Any, planted: Built) -> None:
    result = cli("score", "--covariates", "countri,poor_service", "--db", planted.db)
    assert result.exit_code == 1
    message = str(result.exception)
    assert "Unknown covariate(s): countri" in message
    for offered in ("country", "acquisition_channel", "first_order_value", "nps_group"):
        assert offered in message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--model", "paretonbd"), "--covariates works with --model bgnbd"),
        (("--model", "auto"), "--covariates works with --model bgnbd"),
        (("--engine", "spark"), "--covariates runs on the DuckDB engine only"),
        (("--covariate-bins", "-1"), "--covariate-bins must be a whole number"),
    ],
)
def test_covariates_need_bgnbd_on_duckdb(
    cli: Any, planted: Built, options: tuple[str, ...], message: str
) -> None:
    result = cli("score", "--covariates", "country", *options, "--db", planted.db)
    assert result.exit_code == 1
    assert message in str(result.exception)
