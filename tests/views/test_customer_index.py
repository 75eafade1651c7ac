"""The server's kept copy of the customer list answers exactly as the store does."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from legame.demo import run_demo
from legame.store import Workspace
from legame.views import customer_360, list_customers
from legame.views.customer_index import CustomerIndex, Keeper, _sort, build
from legame.views.customers import SORTS


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_demo(tmp_path_factory.mktemp("index-demo"), customers=600, seed=11).db


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ws.duckdb"
    shutil.copy(demo_db, copy)
    shutil.copy(demo_db.parent / "legame.toml", tmp_path / "legame.toml")
    return copy


def test_every_sort_filter_and_page_is_the_stores(demo_db: Path) -> None:
    with Workspace.open(demo_db, read_only=True) as ws:
        index = build(ws)
        some = ws.con.execute(
            "SELECT customer_id, segment FROM customer_scores "
            "WHERE segment IS NOT NULL ORDER BY customer_id LIMIT 1 OFFSET 100"
        ).fetchone()
        # the data hold ties the id must break (missing values and NaN: the next test)
        tied = ws.con.execute(
            "SELECT count(*) - count(DISTINCT clv), count(*) - count(DISTINCT p_alive) "
            "FROM customer_scores"
        ).fetchone()
        assert min(tied) > 0
        assert some is not None
        searches = [some[0][2:5].lower(), "_", "%", "@EXAMPLE", "no such text"]
        filters = [
            {},
            {"segment": some[1]},
            {"churn_risk": "high"},
            {"nps_category": "detractor"},
            {"min_clv": 50.0},
            {"churn_risk": "medium", "nps_category": "passive", "min_clv": 1.0},
            *({"q": q} for q in searches),
        ]
        compared = 0
        for sort in SORTS:
            for descending in (True, False):
                for chosen in filters:
                    plain = list_customers(
                        ws, sort=sort, descending=descending, page_size=20, **chosen
                    )
                    pages = {1, 2, plain["pages"] // 2 or 1, plain["pages"], plain["pages"] + 1}
                    for page in sorted(pages):
                        asked = dict(sort=sort, descending=descending, page=page, **chosen)
                        stored = list_customers(ws, page_size=20, **asked)
                        kept = list_customers(ws, page_size=20, index=index, **asked)
                        assert kept == stored, asked
                        compared += len(stored["customers"])
        assert compared > 5_000


def test_the_360_scores_are_the_stores(demo_db: Path) -> None:
    with Workspace.open(demo_db, read_only=True) as ws:
        index = build(ws)
        ids = [r[0] for r in ws.con.execute("SELECT customer_id FROM customers").fetchall()]
        for customer_id in ids[::37]:
            assert customer_360(ws, customer_id, index) == customer_360(ws, customer_id)


def _ordered_by_duckdb(con: duckdb.DuckDBPyConnection, column: str, descending: bool) -> list:
    direction = "DESC" if descending else "ASC"
    return [
        r[0]
        for r in con.execute(
            f"SELECT pos FROM listed ORDER BY {column} {direction} NULLS LAST, customer_id"
        ).fetchall()
    ]


def test_the_orders_are_duckdbs_with_nulls_nans_and_ties() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    con = duckdb.connect(":memory:")
    values = rng.choice([0.0, 1.5, -2.0, 7.25, np.nan, 1e300, -0.0], size=n)
    missing = rng.random(n) < 0.1
    con.execute(
        "CREATE TABLE listed AS SELECT range AS pos, "
        "printf('C%05d', (range * 7919) % 100003) AS customer_id, "
        "NULL::VARCHAR AS id_key, NULL::VARCHAR AS email_key FROM range(?)",
        [n],
    )
    con.execute(
        "ALTER TABLE listed ADD COLUMN clv DOUBLE; ALTER TABLE listed ADD COLUMN revenue DOUBLE;"
        "ALTER TABLE listed ADD COLUMN p_alive DOUBLE;"
        "ALTER TABLE listed ADD COLUMN last_order_at TIMESTAMP"
    )
    for pos in range(n):
        value = None if missing[pos] else float(values[pos])
        day = None if missing[(pos + 1) % n] else f"2024-01-{1 + pos % 3:02d} 10:00:00"
        con.execute(
            "UPDATE listed SET clv = ?, revenue = ?, p_alive = ?, last_order_at = ? WHERE pos = ?",
            [value, value, value, day, pos],
        )
    index = CustomerIndex("test", con, n)
    _sort(index)
    for sort in SORTS:
        for descending in (True, False):
            assert index.order(sort, descending).tolist() == _ordered_by_duckdb(
                con, sort, descending
            ), (sort, descending)


def test_the_keeper_hands_out_a_copy_only_of_the_data_it_was_made_from(db: Path) -> None:
    from legame.ingest import ingest
    from legame.store.shared import SharedWorkspace

    store = SharedWorkspace(db)
    keeper = Keeper(store.session)
    try:
        with store.session() as ws:
            assert keeper.current(ws) is None  # none yet: one is being made
        assert keeper.wait(timeout=120) is not None
        with store.session() as ws:
            index = keeper.current(ws)
            assert index is not None
            before = list_customers(ws, sort="customer_id", descending=False, page_size=200)
            assert (
                list_customers(ws, sort="customer_id", descending=False, page_size=200, index=index)
                == before
            )
        # new data: a new customer with an order
        orders = db.parent / "more.csv"
        orders.write_text(
            "order_id,customer_id,ordered_at,amount\nNEW-1,A-NEW-ONE,2024-06-01T10:00:00,10\n"
        )
        with store.session() as ws:
            ingest(ws, "orders", [orders])
        with store.session() as ws:
            assert keeper.current(ws) is None  # the copy of the old data is not handed out
        assert keeper.wait(timeout=120) is not None
        with store.session() as ws:
            index = keeper.current(ws)
            assert index is not None and index.stamp != ()
            assert index.row_of("A-NEW-ONE") is None  # not scored yet: as the store says
            assert customer_360(ws, "A-NEW-ONE", index)["scores"] is None
    finally:
        store.close()


def test_an_erasure_through_the_api_drops_the_copy_at_once(db: Path) -> None:
    from fastapi.testclient import TestClient

    from legame.api.app import create_app
    from legame.store.keys import create_key
    from legame.views import cache

    with Workspace.open(db) as ws:
        admin = create_key(ws, "admin")[0]
        victim = ws.con.execute(
            "SELECT customer_id FROM customer_scores ORDER BY clv DESC LIMIT 1"
        ).fetchone()[0]
    headers = {"Authorization": f"Bearer {admin}"}
    with TestClient(create_app(db, warm=True)) as client:
        assert client.app.state.warmed.wait(120)
        keeper = client.app.state.customer_index
        assert keeper.wait(0) is not None
        top = client.get("/api/v1/customers", params={"page_size": 1}, headers=headers)
        assert top.json()["customers"][0]["customer_id"] == victim
        assert client.delete(f"/api/v1/customers/{victim}", headers=headers).status_code == 200
        assert keeper.wait(0) is None  # dropped with the erasure, not at the next read
        assert not cache._kept  # and the results kept of the data before
        after = client.get("/api/v1/customers", params={"page_size": 200}, headers=headers)
        assert victim not in {c["customer_id"] for c in after.json()["customers"]}
        assert client.get(f"/api/v1/customers/{victim}", headers=headers).status_code == 404


def test_the_customers_csv_reads_the_copy_in_the_same_order(demo_db: Path) -> None:
    from types import SimpleNamespace

    from legame.store.shared import SharedWorkspace
    from legame.web.downloads import customer_rows

    store = SharedWorkspace(demo_db)
    keeper = Keeper(store.session)
    try:
        assert keeper.prepare() is not None
        state = SimpleNamespace(customer_index=keeper)
        for asked in (
            dict(q=None, segment=None, churn_risk=None, nps_category=None),
            dict(q="1", segment=None, churn_risk="high", nps_category=None),
        ):
            for sort, descending in (("clv", True), ("last_order_at", False)):
                stored = list(customer_rows(store, sort=sort, descending=descending, **asked))
                kept = list(
                    customer_rows(store, state=state, sort=sort, descending=descending, **asked)
                )
                assert kept == stored and stored
    finally:
        keeper.close()
        store.close()


def test_a_copy_of_no_customer_answers_an_empty_page() -> None:
    import pyarrow as pa

    from legame.views.customer_index import _copy

    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("clv", pa.float64()),
            ("revenue", pa.float64()),
            ("p_alive", pa.float64()),
            ("last_order_at", pa.timestamp("us")),
            ("segment", pa.string()),
            ("churn_risk", pa.string()),
            ("nps_category", pa.string()),
            ("id_key", pa.string()),
            ("email_key", pa.string()),
        ]
    )
    con = duckdb.connect(":memory:")
    assert _copy(pa.RecordBatchReader.from_batches(schema, []), con) == 0
    index = CustomerIndex("empty", con, 0)
    _sort(index)
    assert index.page([None] * 5, "clv", True, 0, 20) == (0, [])
    assert index.page(["x", None, "high", None, None], "revenue", False, 0, 20) == (0, [])
    assert index.row_of("C1") is None


def test_the_case_queue_reads_the_copys_scores_with_the_same_result(db: Path) -> None:
    from datetime import timedelta

    from legame.engage.cases import get_case, list_cases
    from legame.engage.cases.opening import open_cases

    with Workspace.open(db) as ws:
        latest = ws.con.execute("SELECT max(answered_at) FROM survey_responses").fetchone()[0]
        for months in range(12):  # the cases of a year, a lookback window at a time
            open_cases(ws, as_of=latest - timedelta(days=30 * months - 1))
        index = build(ws)
        at = "2030-01-01T00:00:00"  # every case is due by then: "overdue" splits them
        everything = list_cases(ws, page_size=200, now=at)
        assert everything["total"] > 50 and everything["scores"] == "current"
        compared = 0
        for sort in ("clv", "due"):
            for chosen in ({}, {"kind": "detractor"}, {"status": "new", "overdue": True}):
                stored_all = list_cases(ws, sort=sort, now=at, page_size=20, **chosen)
                for page in sorted({1, 2, stored_all["pages"], stored_all["pages"] + 1}):
                    asked = dict(sort=sort, now=at, page=page, page_size=20, **chosen)
                    stored = list_cases(ws, **asked)
                    kept = list_cases(ws, scores_of=index.scores_of, **asked)
                    assert kept == stored, asked
                    compared += len(stored["cases"])
        assert compared > 100
        for case in everything["cases"][:10]:
            assert get_case(ws, case["case_id"], now=at, scores_of=index.scores_of) == get_case(
                ws, case["case_id"], now=at
            )


def test_the_scores_read_once_are_kept_and_stay_exact(demo_db: Path, monkeypatch) -> None:
    from legame.views import customer_index

    with Workspace.open(demo_db, read_only=True) as ws:
        index = build(ws)
        ids = [r[0] for r in ws.con.execute("SELECT customer_id FROM customer_scores").fetchall()]
        stored = {
            r[0]: {"customer_id": r[0], "clv": r[1], "churn_risk": r[2]}
            for r in ws.con.execute(
                "SELECT customer_id, clv, churn_risk FROM customer_scores"
            ).fetchall()
        }
    asked = [*ids[:50], "NOBODY", ids[0]]
    assert index.scores_of(asked) == {c: stored[c] for c in ids[:50]}
    assert index.scores_of(asked) == {c: stored[c] for c in ids[:50]}  # now from what is kept
    monkeypatch.setattr(customer_index, "SCORES_KEPT", 60)  # past it: read, not kept
    more = ids[50:120]
    assert index.scores_of(more) == {c: stored[c] for c in more}
    assert index.scores_of([*more, "NOBODY"]) == {c: stored[c] for c in more}


def test_a_store_without_scores_starts_no_copy_on_every_read(tmp_path: Path) -> None:
    from legame.ingest import ingest
    from legame.store.shared import SharedWorkspace

    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,ordered_at,amount\nO1,C1,2024-01-01T10:00:00,5\n")
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        ingest(ws, "orders", [orders])
    store = SharedWorkspace(tmp_path / "ws.duckdb")
    keeper = Keeper(store.session)
    try:
        with store.session() as ws:
            assert keeper.current(ws) is None
        assert keeper.wait(timeout=60) is None  # it looked, and found no scores
        with store.session() as ws:
            assert keeper.current(ws) is None
            assert keeper._building is None  # nothing started again for the same data
    finally:
        keeper.close()
        store.close()
