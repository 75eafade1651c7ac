"""The two queries that make the per-customer summary (legame.summary_plan) give the same
rows, and the plan runs the one-pass query only where its bitmaps fit the memory budget."""

from __future__ import annotations

import csv
import itertools
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from legame import summary_plan
from legame.engine import DuckDBEngine
from legame.ingest import ingest
from legame.sql import Text
from legame.store import Workspace
from legame.summary_plan import (
    BUDGET_SHARE,
    BYTES_PER_CUSTOMER,
    MAX_RUNS,
    days_runs,
    keep_summary,
)

UNTIL = datetime(2025, 6, 30)
FIELDS = ("order_id", "customer_id", "ordered_at", "amount", "status")

#: Histories written out for what each one tests; amounts chosen so that a wrong first
#: occasion or a wrong count of occasions changes the monetary value.
PLANTED: dict[str, list[tuple[str, str, str]]] = {
    # the first day holds three orders: its spend is their sum, one occasion
    "first-day-shared": [
        ("2025-01-03 09:00:00", "10.00", "completed"),
        ("2025-01-03 12:00:00", "20.00", "completed"),
        ("2025-01-03 23:59:59", "40.00", "completed"),
        ("2025-02-10 08:00:00", "15.00", "completed"),
    ],
    # two orders at the same instant, the first one
    "same-instant": [
        ("2025-03-01 10:00:00", "7.00", "completed"),
        ("2025-03-01 10:00:00", "9.00", "completed"),
        ("2025-03-05 10:00:00", "30.00", "completed"),
    ],
    # a later day shared, the first not: the first spend is the first order's
    "later-day-shared": [
        ("2025-01-10 10:00:00", "50.00", "completed"),
        ("2025-04-01 10:00:00", "5.00", "completed"),
        ("2025-04-01 18:00:00", "6.00", "completed"),
        ("2025-05-01 10:00:00", "8.00", "completed"),
    ],
    # a refunded order on the first day and one before it do not count
    "refunds": [
        ("2025-01-01 08:00:00", "99.00", "refunded"),
        ("2025-01-02 08:00:00", "12.00", "completed"),
        ("2025-01-02 09:00:00", "88.00", "refunded"),
        ("2025-01-20 08:00:00", "13.00", "completed"),
    ],
    # midnight belongs to the day it starts; after the cutoff nothing counts
    "midnight": [
        ("2025-02-01 23:59:59", "3.00", "completed"),
        ("2025-02-02 00:00:00", "4.00", "completed"),
        ("2025-06-30 23:59:59", "5.00", "completed"),
        ("2025-07-01 00:00:00", "500.00", "completed"),
    ],
    # the earliest orders of the store, either side of 1970-01-01: two days
    "before-1970": [
        ("1969-12-31 23:00:00", "1.00", "completed"),
        ("1970-01-01 01:00:00", "2.00", "completed"),
        ("2025-01-01 10:00:00", "4.00", "completed"),
    ],
    "one-order": [("2025-06-30 10:00:00", "25.00", "completed")],
    "only-refunded": [("2025-03-03 10:00:00", "25.00", "refunded")],
    "only-later": [("2025-07-02 10:00:00", "25.00", "completed")],
}


def _orders(rng: random.Random) -> list[dict[str, str]]:
    rows = [
        {"customer_id": customer, "ordered_at": at, "amount": amount, "status": status}
        for customer, history in PLANTED.items()
        for at, amount, status in history
    ]
    for c in range(300):  # and a crowd with some days of several orders
        at = datetime(2024, 1, 1, 8) + timedelta(days=rng.randrange(540))
        for _ in range(rng.choice((1, 2, 3, 6))):
            rows.append(
                {
                    "customer_id": f"C{c:03d}",
                    "ordered_at": at.isoformat(sep=" "),
                    "amount": f"{rng.uniform(1, 200):.2f}",
                    "status": rng.choice(("completed",) * 5 + ("cancelled",)),
                }
            )
            at += timedelta(days=rng.choice((0, 0, 1, 30)), minutes=rng.randrange(1, 300))
    return [{"order_id": f"O{i:05d}", **row} for i, row in enumerate(rows)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan")
    path = folder / "orders.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(_orders(random.Random(7)))
    db = folder / "ws.duckdb"
    with Workspace.create(db) as ws:
        assert ingest(ws, "orders", [path]).total("rejected") == 0
    return db


def _params(merge_day: bool = True) -> dict[str, object]:
    end = UNTIL if merge_day else UNTIL + timedelta(days=1)
    return {"until": UNTIL, "end": end, "unit_days": 7.0, "merge_day": merge_day}


def _rows(eng: DuckDBEngine) -> dict[str, tuple[object, ...]]:
    got = eng.run("SELECT * FROM _summary ORDER BY customer_id").to_pylist()
    rows = {row.pop("customer_id"): tuple(row.items()) for row in got}
    assert len(rows) == len(got), "a customer twice"
    return rows


def _days(eng: DuckDBEngine, cuts: list[str]) -> dict[str, tuple[object, ...]]:
    first = eng.run("SELECT min(ordered_at) AS m FROM orders WHERE status = 'completed'")
    first_day = datetime.combine(first.column(0)[0].as_py().date(), datetime.min.time())
    fixed = {"first_day": first_day, "days": (UNTIL - first_day).days}
    edges = [None, *(Text(c) for c in cuts), None]
    for n, (low, high) in enumerate(itertools.pairwise(edges)):
        add = eng.keep_more if n else eng.keep
        add("_summary", "customer_summary_days", low=low, high=high, **fixed, **_params())
    return _rows(eng)


@pytest.mark.parametrize("cuts", [[], ["C150", "midnight"]])
def test_one_pass_gives_the_two_group_bys_rows_exactly(store: Path, cuts: list[str]) -> None:
    with Workspace.open(store, read_only=True) as ws:
        eng = DuckDBEngine(ws)
        eng.keep("_summary", "customer_summary", **_params())
        want = _rows(eng)
        got = _days(eng, cuts)
    assert got == want  # every column, the doubles to the last bit
    assert {"only-refunded", "only-later"}.isdisjoint(got)
    planted = {k: dict(v) for k, v in got.items() if k in PLANTED}
    assert planted["first-day-shared"]["frequency"] == 1
    assert planted["first-day-shared"]["monetary_value"] == 15.0
    assert planted["same-instant"]["monetary_value"] == 30.0
    assert planted["later-day-shared"]["frequency"] == 2
    assert planted["later-day-shared"]["monetary_value"] == 9.5
    assert planted["refunds"]["monetary_value"] == 13.0
    assert planted["midnight"]["frequency"] == 2
    assert planted["midnight"]["revenue"] == 12.0
    assert planted["before-1970"]["frequency"] == 2
    assert planted["before-1970"]["monetary_value"] == 3.0


def test_the_plan_cuts_the_ids_into_ranges_for_room_and_for_size(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Workspace.open(store, read_only=True) as ws:
        customers = ws.count("customers")
        orders = ws.con.execute(
            "SELECT count(*) FROM orders WHERE status = 'completed' AND ordered_at < ?",
            [UNTIL + timedelta(days=1)],
        ).fetchall()[0][0]
        days = (UNTIL.date() - date(1969, 12, 31)).days
        needed = orders * (days // 8 + 1) + customers * BYTES_PER_CUSTOMER

        def runs(room: float, merge_day: bool = True, until: datetime = UNTIL) -> list:
            budget = int(needed / BUDGET_SHARE / room) + 1
            eng = DuckDBEngine(ws, memory_limit=f"{budget}B")
            return days_runs(eng, until=until, merge_day=merge_day)

        one = runs(1)
        assert [(run["low"], run["high"]) for run in one] == [(None, None)]
        assert one[0]["first_day"] == datetime(1969, 12, 31)
        assert one[0]["days"] == days
        _ranges(runs(2.5), 3)
        assert runs(MAX_RUNS + 0.5) == []
        assert runs(1, merge_day=False) == []
        assert runs(1, until=datetime(1960, 1, 1)) == []
        monkeypatch.setattr(summary_plan, "CUSTOMERS_PER_RUN", customers // 4)
        _ranges(runs(1), 4)


def _ranges(runs: list[dict[str, object]], count: int) -> None:
    """``count`` ranges, each starting where the last ends, from the first id to the last."""
    assert len(runs) == count
    assert runs[0]["low"] is None and runs[-1]["high"] is None
    for before, after in itertools.pairwise(runs):
        assert before["high"] == after["low"]
    cuts = [run["low"] for run in runs[1:]]
    assert cuts == sorted(set(cuts)) and all(isinstance(c, Text) for c in cuts)


@pytest.mark.parametrize("merge_day", [True, False])
def test_keep_summary_makes_what_the_two_group_bys_make(store: Path, merge_day: bool) -> None:
    with Workspace.open(store, read_only=True) as ws:
        eng = DuckDBEngine(ws)
        eng.keep("_summary", "customer_summary", **_params(merge_day))
        want = _rows(eng)
        eng.drop("_summary")
        keep_summary(eng, "_summary", **_params(merge_day))
        assert _rows(eng) == want


#: A child process: the growth of its peak memory while the one-pass query runs, and what
#: the plan counts for it (the store's orders are 1M, over 2,007 days).
_PEAK = """
import json, sys
from datetime import datetime
from legame.engine import DuckDBEngine
from legame.store import Workspace
from legame.summary_plan import BYTES_PER_CUSTOMER, days_runs

def rss(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))

until = datetime(2025, 6, 30)
with Workspace.open(sys.argv[1]) as ws:
    eng = DuckDBEngine(ws, memory_limit="64GB")
    (run,) = days_runs(eng, until=until, merge_day=True)  # 250,000 customers: one run
    orders, customers = ws.count("orders"), ws.count("customers")
    eng.keep("_warm", "summary_span", until=until)
    before = rss("VmRSS")
    eng.keep("_summary", "customer_summary_days", until=until, end=until, unit_days=7.0,
             merge_day=True, **run)
    counted = orders * (run["days"] // 8 + 1) + customers * BYTES_PER_CUSTOMER
    print(json.dumps({"grew": rss("VmHWM") - before, "counted": counted,
                      "bitmaps_per_customer": customers * (run["days"] // 8 + 1)}))
"""


@pytest.mark.slow
def test_the_room_counted_for_the_bitmaps_covers_what_duckdb_takes(tmp_path: Path) -> None:
    """DuckDB cannot write the bitmaps to disk: the plan must count all they take. 1M
    orders of 250,000 customers, spread so that every thread meets every customer."""
    import json
    import subprocess
    import sys

    db = tmp_path / "ws.duckdb"
    with Workspace.create(db) as ws:
        ws.con.execute(
            "INSERT INTO orders (order_id, customer_id, ordered_at, amount, status, _batch_id) "
            "SELECT 'O' || i, 'C' || (i % 250000), TIMESTAMP '2020-01-01' "
            "+ INTERVAL (hash(i) % 2000) DAY + INTERVAL (i % 1000) SECOND, 10, 'completed', 1 "
            "FROM range(1000000) t(i)"
        )
        ws.con.execute(
            "INSERT INTO customers (customer_id, _batch_id) "
            "SELECT DISTINCT customer_id, 1 FROM orders"
        )
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(db)], capture_output=True, text=True, check=True
    )
    peak = json.loads(out.stdout)
    assert peak["grew"] <= peak["counted"], peak
    # and the room is needed: one bitmap per customer would be far too little
    assert peak["grew"] > 2 * peak["bitmaps_per_customer"], peak
