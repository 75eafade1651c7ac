"""The performance work on the score path keeps its results: each fast path against the
plain computation it replaces."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from legame import sql
from legame.metrics.rfm import quintile_starts, rfm_cuts
from legame.models import BetaGeo, ParetoNBD, discounted_purchases
from legame.models._inputs import factorize
from legame.models.bgnbd import _BetaGeoLikelihood
from legame.models.clv import horizon_predictions
from legame.models.gammagamma import _GammaGammaLikelihood
from legame.scoring import spend_covariance


@pytest.mark.parametrize("n", [1, 2, 4, 5, 6, 9, 23, 1000])
def test_quintile_starts_are_where_duckdb_ntile_changes_bucket(n: int) -> None:
    buckets = [
        r[0]
        for r in duckdb.sql(
            f"SELECT NTILE(5) OVER (ORDER BY i) FROM range({n}) t(i) ORDER BY i"
        ).fetchall()
    ]
    starts = [i for i in range(1, n) if buckets[i] != buckets[i - 1]]
    assert [s for s in quintile_starts(n) if s < n] == starts


@pytest.mark.parametrize("n", [1, 3, 5, 6, 7, 5_000, 60_000])
def test_rfm_scores_are_the_ntile_of_the_first_customer_holding_the_key(n: int) -> None:
    """customer_scores' RFM scores from rfm_cuts are, for each key, NTILE(5) over the sorted
    keys at the first customer holding it (so equal keys, equal scores; with distinct keys
    plain NTILE): many ties (frequency, rounded revenue, same-second orders), unsorted ids,
    ids with a quote or a backslash, revenues that are no short decimals, and a customer
    without orders."""
    rng = np.random.default_rng(n)
    tails = ["", "x", "O'B", "\\q"]
    ids = [f"C{int(v):06d}{tails[v % 4]}" for v in rng.permutation(n) * 7]
    last = np.datetime64("2025-01-01T00:00:00", "us") + rng.integers(0, 50, n).astype(
        "timedelta64[s]"
    )
    summary = pa.table(
        {
            "customer_id": pa.array(ids),
            "orders": pa.array(np.ones(n, dtype=np.int64)),
            "revenue": pa.array(np.round(rng.gamma(1.0, 3.0, n), 0) / 7),
            "revenue_12m": pa.array(np.zeros(n)),
            "first_order_at": pa.array(last),
            "last_order_at": pa.array(last),
            "frequency": pa.array(rng.poisson(0.7, n), pa.int64()),
            "recency": pa.array(np.zeros(n)),
            "T": pa.array(np.ones(n)),
            "monetary_value": pa.array(np.ones(n)),
        }
    )
    con = duckdb.connect()
    con.register("_summary", summary)
    con.execute("CREATE TABLE customer_value AS SELECT *, 0 AS pattern FROM _summary")
    con.execute(
        "INSERT INTO customer_value BY NAME "
        "SELECT 'no orders' AS customer_id, 0 AS orders, 0.0 AS revenue"
    )
    con.execute(
        "CREATE TABLE history_predictions AS SELECT DISTINCT 0 AS pattern, frequency, recency, T, "
        "1.0 AS expected_purchases, 1.0 AS p_alive, 1.0 AS expected_gap, "
        "1.0 AS discounted_purchases, 0.5 AS p_no_purchase, 0 AS purchases_low, "
        "2 AS purchases_high, 0.1 AS discounted_log_sd, 4.0 AS spend_gamma, "
        "NULL::DOUBLE AS spend_cov_pg, NULL::DOUBLE AS spend_cov_qg, "
        "NULL::DOUBLE AS spend_cov_gg FROM _summary"
    )
    voice = ", ".join(
        f"NULL::DOUBLE AS {c}"
        for c in (
            "nps",
            "csat",
            "ces",
            "emotional_connection",
            "tickets_90d",
            "unresolved_tickets",
            "slow_responses_90d",
            "poor_csat_90d",
            "poor_tickets_90d",
            "sends_7d",
            "sends_30d",
            "sends_30d_email",
            "sends_30d_sms",
            "sends_30d_push",
            "sends_30d_other",
        )
    )
    con.execute(
        f"CREATE TABLE customer_voice AS SELECT NULL::VARCHAR AS customer_id, "
        f"NULL::TIMESTAMP AS nps_answered_at, {voice} LIMIT 0"
    )
    cuts = rfm_cuts(summary.select(["last_order_at", "frequency", "revenue"]))
    scores = sql.render(
        "customer_scores",
        p=2.0,
        q=3.0,
        gamma=4.0,
        margin=1.0,
        connected_index=70.0,
        interval_z=1.645,
        **spend_covariance(None),
        **cuts,
    )
    got = con.execute(f"""
        WITH v AS ({scores}), tiles AS (
            SELECT customer_id, last_order_at, frequency, revenue,
                   NTILE(5) OVER (ORDER BY last_order_at, customer_id) AS r1,
                   NTILE(5) OVER (ORDER BY frequency, customer_id) AS f1,
                   NTILE(5) OVER (ORDER BY revenue, customer_id) AS m1
            FROM _summary), k AS (
            SELECT customer_id,
                   min(r1) OVER (PARTITION BY last_order_at) AS r0,
                   min(f1) OVER (PARTITION BY frequency) AS f0,
                   min(m1) OVER (PARTITION BY revenue) AS m0
            FROM tiles)
        SELECT count(*), count(k.customer_id),
               count(*) FILTER (WHERE r_score IS DISTINCT FROM r0),
               count(*) FILTER (WHERE f_score IS DISTINCT FROM f0),
               count(*) FILTER (WHERE m_score IS DISTINCT FROM m0),
               count(*) FILTER (WHERE r_score IS NULL AND f_score IS NULL AND m_score IS NULL)
        FROM v LEFT JOIN k USING (customer_id)""").fetchall()[0]
    assert got == (n + 1, n, 0, 0, 0, 1)  # the customer without orders has no scores


def test_factorize_looks_up_week_times_like_numpy_unique() -> None:
    rng = np.random.default_rng(3)
    days = rng.integers(0, 731, 300_000)
    for values in (
        days / 7.0,
        np.append(days / 7.0, [np.pi, 1e6]),
        rng.random(100_000),
        np.repeat([0.0, 1 / 7, 5 / 7, 1e5 / 7], 30_000),
    ):
        values = rng.permutation(values)
        uniques, codes = factorize(values)
        expected, inverse = np.unique(values, return_inverse=True)
        assert np.array_equal(uniques, expected)
        assert np.array_equal(codes, inverse.ravel())


def _bg_rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    T = rng.integers(1, 300, n).astype(float) / 7
    x = rng.poisson(2.0, n).astype(float)
    t_x = np.where(x > 0, np.round(T * rng.random(n) * 7) / 7, 0.0)
    return x, t_x, T, rng.integers(1, 5, n).astype(float)


@pytest.mark.parametrize(
    "cls, phi, rows",
    [
        (_BetaGeoLikelihood, np.log([0.6, 6.3, 0.79, 3.95]), "bg"),
        (_BetaGeoLikelihood, np.log([2.0, 40.0, 1.0, 3.0]), "bg"),
        (_GammaGammaLikelihood, np.log([5.8, 4.0, 20.8]), "gg"),
    ],
)
def test_analytic_hessians_match_differences_of_the_gradient(cls, phi, rows) -> None:
    rng = np.random.default_rng(5)
    if rows == "bg":
        lik = cls(*_bg_rows(rng, 20_000))
    else:
        x = 1.0 + rng.poisson(2.0, 20_000)
        lik = cls(x, rng.gamma(6.0, 4.0, x.size), np.ones(x.size))
    H = lik.hessian(phi)
    h = 1e-5
    numeric = np.column_stack(
        [
            (lik.value_and_grad(phi + h * e)[1] - lik.value_and_grad(phi - h * e)[1]) / (2 * h)
            for e in np.eye(phi.size)
        ]
    )
    assert np.max(np.abs(H - numeric)) < 1e-6 * np.max(np.abs(numeric))


@pytest.mark.parametrize(
    "model",
    [
        BetaGeo.from_params({"r": 0.61, "alpha": 6.28, "a": 0.79, "b": 3.96}),
        ParetoNBD.from_params({"r": 0.55, "alpha": 10.5, "s": 0.6, "beta": 11.7}),
    ],
)
def test_horizon_predictions_equal_the_three_separate_calls(model) -> None:
    x, t_x, T, _ = _bg_rows(np.random.default_rng(8), 5_000)
    expected, alive, discounted = horizon_predictions(
        model, x, t_x, T, t=52.0, horizon=12, periods_per_year=52.18, discount_rate=0.1
    )
    assert np.array_equal(expected, model.predict_purchases(52.0, x, t_x, T))
    assert np.array_equal(alive, model.predict_alive(x, t_x, T))
    assert np.array_equal(
        discounted,
        discounted_purchases(
            model, x, t_x, T, horizon=12, periods_per_year=52.18, discount_rate=0.1
        ),
    )
