"""`legame score`, `legame nps` and `legame export scores` on a simulated business."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from legame.metrics.nps import nps_from_counts
from legame.store import Workspace

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scores.md"


@pytest.fixture(scope="module")
def scored(sim_db, tmp_path_factory):
    """The simulated workspace, scored once by the CLI (copied so other tests keep theirs)."""
    import shutil

    from typer.testing import CliRunner

    from legame.cli import app

    db, truth = sim_db
    copy = tmp_path_factory.mktemp("scored") / "ws.duckdb"
    shutil.copy(db, copy)
    result = CliRunner().invoke(app, ["score", "--db", str(copy), "--json"])
    assert result.exit_code == 0, result.output
    return copy, json.loads(result.stdout), truth


def columns(db: Path) -> list[str]:
    with Workspace.open(db, read_only=True) as ws:
        return [
            r[0]
            for r in ws.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = "
                "'customer_scores' ORDER BY ordinal_position"
            ).fetchall()
        ]


def test_every_score_column_is_documented_in_scores_md(scored) -> None:
    documented = re.findall(r"^\| `([a-z_0-9A-Z]+)` \|", DOCS.read_text(), flags=re.M)
    assert documented == columns(scored[0])


def test_score_has_one_row_per_customer_with_sane_values(scored) -> None:
    db, report, _ = scored
    with Workspace.open(db, read_only=True) as ws:
        n_customers = ws.count("customers")
        assert report["rows"] == n_customers == ws.count("customer_scores")
        bad = ws.con.execute("""
            SELECT
              count(*) FILTER (WHERE p_alive < 0 OR p_alive > 1),
              count(*) FILTER (WHERE clv < 0 OR expected_purchases < 0),
              count(*) FILTER (WHERE orders > 0 AND (clv IS NULL OR r_score NOT BETWEEN 1 AND 5)),
              count(*) FILTER (WHERE nps IS NOT NULL AND nps_category IS NULL),
              count(*) FILTER (WHERE nps >= 9 AND nps_category <> 'promoter'),
              count(*) FILTER (WHERE emotional_connection NOT BETWEEN 0 AND 100),
              count(*) FILTER (WHERE orders > 0 AND churn_risk NOT IN ('low', 'medium', 'high')),
              count(*) FILTER (WHERE sends_30d <> sends_30d_email + sends_30d_sms
                                 + sends_30d_push + sends_30d_other),
              count(*) FILTER (WHERE sends_7d > sends_30d)
            FROM customer_scores""").fetchall()[0]
        assert bad == (0,) * 9
        segments = {
            r[0] for r in ws.con.execute("SELECT DISTINCT segment FROM customer_scores").fetchall()
        }
        assert {"champions", "hibernating", "at risk"} <= segments
        # The revenue column is the sum of completed orders, computed independently here.
        mismatch = ws.con.execute("""
            SELECT count(*) FROM customer_scores s JOIN (
                SELECT customer_id, sum(amount)::DOUBLE AS rev FROM orders
                WHERE status = 'completed' GROUP BY customer_id) o USING (customer_id)
            WHERE abs(s.revenue - o.rev) > 1e-6""").fetchall()[0][0]
        assert mismatch == 0


def test_score_report_names_the_models_and_steps(scored) -> None:
    report = scored[1]
    assert report["model"] == "BetaGeo"
    assert set(report["params"]) == {"r", "alpha", "a", "b"}
    assert set(report["spend_params"]) == {"p", "q", "gamma"}
    assert set(report["timings_s"]) == {"summary", "fit", "predict", "write"}
    assert report["total_clv"] > 0 and report["value_at_risk"] > 0


def test_clv_scales_with_margin_and_falls_with_discount(sim_db, tmp_path) -> None:
    import shutil

    from legame.scoring import score

    db = tmp_path / "ws.duckdb"
    shutil.copy(sim_db[0], db)
    totals = {}
    with Workspace.open(db) as ws:
        for margin, discount in ((1.0, 0.0), (0.3, 0.0), (1.0, 0.5)):
            score(ws, margin=margin, discount_rate=discount)
            totals[(margin, discount)] = ws.con.execute(
                "SELECT sum(clv) FROM customer_scores"
            ).fetchall()[0][0]
    assert totals[(0.3, 0.0)] == pytest.approx(0.3 * totals[(1.0, 0.0)], rel=1e-9)
    assert totals[(1.0, 0.5)] < totals[(1.0, 0.0)]


def test_bad_score_options_are_clear_errors(cli, scored) -> None:
    db = scored[0]
    assert "--margin" in str(cli("score", "--margin", "30", "--db", db).exception)
    assert "--discount" in str(cli("score", "--discount", "2", "--db", db).exception)
    assert "--engine must be duckdb or spark" in str(
        cli("score", "--engine", "x", "--db", db).exception
    )


def test_score_on_an_empty_workspace_says_to_ingest_orders(cli, db) -> None:
    result = cli("score", "--db", db)
    assert result.exit_code == 1
    assert "ingest orders first" in str(result.exception)


def test_export_scores_writes_csv_and_parquet_with_every_row(cli, scored, tmp_path) -> None:
    db = scored[0]
    n = len(pq.read_table(_export(cli, db, tmp_path / "s.parquet")))
    csv_rows = duckdb.sql(
        f"SELECT count(*) FROM read_csv('{_export(cli, db, tmp_path / 's.csv')}')"
    )
    assert n == csv_rows.fetchall()[0][0] == scored[1]["rows"]
    assert "must end in .csv or .parquet" in str(
        cli("export", "scores", "--out", tmp_path / "x.xlsx", "--db", db).exception
    )


def test_export_path_is_a_name_not_sql(cli, scored, tmp_path, monkeypatch) -> None:
    """Issue 16: the --out path was pasted into COPY ... TO '...'. The injection below wrote
    customers' e-mails and phones to a second file; an honest apostrophe failed."""
    db = scored[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ex").mkdir()
    hostile = (
        "ex/b' (FORMAT csv); COPY (SELECT customer_id,email,phone FROM customers) TO 'ex/leak.csv"
    )
    result = cli("export", "scores", "--out", hostile, "--db", db)
    assert not (tmp_path / "ex" / "leak.csv").exists()
    # It is one odd file name, ending in "leak.csv": written as that name, nothing else.
    assert result.exit_code == 0, result.output
    written = [p for p in (tmp_path / "ex").rglob("*") if p.is_file()]
    assert [p.name for p in written] == ["leak.csv"] and written[0].parent.name.startswith("b'")
    honest = _export(cli, db, tmp_path / "O'Brien scores.csv")
    assert honest.read_text().startswith("customer_id,")


def _export(cli, db, out):
    result = cli("export", "scores", "--out", out, "--db", db)
    assert result.exit_code == 0, result.output
    assert out.exists() and not out.with_name(out.name + ".partial").exists()
    return out


def test_nps_json_matches_the_answers_in_the_store(cli, scored) -> None:
    db = scored[0]
    out = json.loads(cli("nps", "--every-answer", "--db", db, "--json").stdout)
    assert set(out) >= {"nps", "n", "promoters", "passives", "detractors", "ci_low", "ci_high"}
    with Workspace.open(db, read_only=True) as ws:
        pro, pas, det, skipped = ws.con.execute(
            "SELECT count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps IN (7, 8)), "
            "count(*) FILTER (WHERE nps <= 6), count(*) FILTER (WHERE nps IS NULL) "
            "FROM survey_responses"
        ).fetchall()[0]
    assert skipped > 0, "the simulation has skipped answers, which must not count"
    assert out["n"] == pro + pas + det
    assert out["nps"] == pytest.approx(100 * (pro - det) / (pro + pas + det))
    assert out["ci_low"] < out["nps"] < out["ci_high"]
    latest = json.loads(cli("nps", "--db", db, "--json").stdout)
    with Workspace.open(db, read_only=True) as ws:
        customers = ws.con.execute(
            "SELECT count(DISTINCT customer_id) FROM survey_responses WHERE nps IS NOT NULL"
        ).fetchall()[0][0]
    assert latest["n"] == customers  # one voice each, by default


@pytest.mark.parametrize("by", ["month", "segment", "channel"])
def test_nps_by_group_adds_up_to_the_total(cli, scored, by) -> None:
    """Counting every answer, the groups add up to the total; counting each customer's
    latest, so do the segments and channels (one answer per customer), while a customer
    who answered in two months counts in both."""
    out = json.loads(cli("nps", "--by", by, "--every-answer", "--db", scored[0], "--json").stdout)
    assert out["by"] == by and len(out["groups"]) > 1
    assert sum(g["n"] for g in out["groups"]) == out["n"]
    latest = json.loads(cli("nps", "--by", by, "--db", scored[0], "--json").stdout)
    assert latest["nps_counts"] == "latest_per_customer" and latest["n"] < out["n"]
    if by == "month":
        assert sum(g["n"] for g in latest["groups"]) >= latest["n"]
    else:
        assert sum(g["n"] for g in latest["groups"]) == latest["n"]
    for group in out["groups"]:
        assert group[by] is not None and group["ci_low"] <= group["nps"] <= group["ci_high"]


def test_nps_text_output(cli, scored) -> None:
    result = cli("nps", "--by", "month", "--db", scored[0])
    assert result.exit_code == 0
    assert result.stdout.startswith("NPS ") and "95% interval" in result.stdout


def test_nps_by_segment_needs_scores(cli, db, write) -> None:
    cli(
        "ingest",
        "survey_responses",
        write("s.csv", "response_id,customer_id,answered_at,nps\nS1,c1,2025-01-01,9\n"),
        "--db",
        db,
    )
    assert "run `legame score` first" in str(cli("nps", "--by", "segment", "--db", db).exception)
    assert "--by must be month" in str(cli("nps", "--by", "week", "--db", db).exception)


def test_adjusted_wald_interval_by_hand() -> None:
    """Adjusted-Wald (Sauro & Lewis): n' = n + 3, promoters and detractors + 3/4 each.
    For 50 promoters, 30 passives, 20 detractors: p' = 50.75/103, d' = 20.75/103,
    NPS' = 0.291262, var = (p' + d' - NPS'^2)/103 = 0.60934/103 = 0.0059159,
    half-width 1.959964 * 0.076915 = 0.150752: interval 14.05 to 44.20."""
    r = nps_from_counts(50, 30, 20)
    assert r.nps == pytest.approx(30.0)
    assert (r.promoters, r.passives, r.detractors) == (0.5, 0.3, 0.2)
    assert r.ci_low == pytest.approx(14.051, abs=0.001)
    assert r.ci_high == pytest.approx(44.201, abs=0.001)


def test_adjusted_wald_never_collapses_at_the_extremes() -> None:
    r = nps_from_counts(5, 0, 0)
    assert r.nps == 100 and r.ci_low < 100 and r.ci_high == 100
    assert nps_from_counts(0, 0, 0).nps is None


def test_bad_nps_input_is_an_input_error_naming_the_argument_and_value() -> None:
    from legame.errors import InputError
    from legame.metrics.nps import category

    with pytest.raises(
        InputError,
        match=r"The 'passives' argument of nps_from_counts must be "
        r"a count of answers, >= 0\. Got -1 instead\.",
    ):
        nps_from_counts(3, -1, 2)
    with pytest.raises(
        InputError,
        match=r"The 'score' argument of category must be an NPS "
        r"answer from 0 to 10\. Got 11 instead\.",
    ):
        category(11)
    assert [category(s) for s in (None, 0, 6, 7, 8, 9, 10)] == [
        None,
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]


def test_adjusted_wald_covers_the_true_nps_95_percent_of_the_time() -> None:
    """Simulated coverage: 4,000 samples of n = 40 from shares (0.45, 0.30, 0.25)."""
    import numpy as np

    rng = np.random.default_rng(3)
    true = 100 * (0.45 - 0.25)
    draws = rng.multinomial(40, [0.45, 0.30, 0.25], size=4000)
    hits = sum(
        (r := nps_from_counts(int(p), int(s), int(d))).ci_low <= true <= r.ci_high
        for p, s, d in draws
    )
    assert 0.93 <= hits / 4000 <= 0.97


def test_scores_are_a_view_over_dense_value_and_sparse_voice(scored) -> None:
    db, _, _ = scored
    with Workspace.open(db, read_only=True) as ws:
        kinds = dict(
            ws.con.execute(
                "SELECT table_name, table_type FROM information_schema.tables WHERE table_name IN "
                "('customer_scores', 'customer_value', 'customer_voice')"
            ).fetchall()
        )
        assert kinds == {
            "customer_scores": "VIEW",
            "customer_value": "BASE TABLE",
            "customer_voice": "BASE TABLE",
        }
        customers, voiced = ws.count("customers"), ws.count("customer_voice")
        assert ws.count("customer_value") == customers
        assert 0 < voiced < customers
        silent = ws.con.execute("""
            SELECT count(*), count(nps), sum(tickets_90d + sends_30d + unresolved_tickets)
            FROM customer_scores s
            WHERE NOT EXISTS (SELECT 1 FROM customer_voice v WHERE v.customer_id = s.customer_id)
        """).fetchall()[0]
        assert silent == (customers - voiced, 0, 0)
        # engine/base.py, replace_table: the score's tables are stored uncompressed (a
        # segment of one value is stored as that constant all the same).
        for table, column in (("customer_value", "revenue"), ("history_predictions", "p_alive")):
            stored = dict(
                ws.con.execute(
                    """
                SELECT column_name, list(DISTINCT compression ORDER BY compression)
                FROM pragma_storage_info(?)
                WHERE segment_type <> 'VALIDITY' GROUP BY ALL""",
                    [table],
                ).fetchall()
            )
            assert stored[column] == ["Uncompressed"], table
            assert all(set(k) <= {"Uncompressed", "Constant"} for k in stored.values()), stored


def test_score_replaces_an_older_scores_table_and_erasure_skips_the_view(sim_db, tmp_path) -> None:
    import shutil

    from legame.scoring import score
    from legame.store.erasure import forget

    db = tmp_path / "ws.duckdb"
    shutil.copy(sim_db[0], db)
    with Workspace.open(db) as ws:
        ws.con.execute("CREATE TABLE customer_scores AS SELECT customer_id FROM customers")
        score(ws)
        kind = ws.con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'customer_scores'"
        ).fetchall()
        assert kind == [("VIEW",)]
        who = ws.con.execute("SELECT min(customer_id) FROM customer_scores").fetchall()[0][0]
        removed = forget(ws, who).rows_removed
        assert removed["customer_value"] == 1 and "customer_scores" not in removed
        assert (
            ws.con.execute(
                "SELECT count(*) FROM customer_scores WHERE customer_id = ?", [who]
            ).fetchall()[0][0]
            == 0
        )
