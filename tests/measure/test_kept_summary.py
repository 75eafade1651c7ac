"""The summary kept from one score to the next (legame.kept_summary): after new, changed,
moved and erased orders, the kept customer_value is the summary of every order."""

from __future__ import annotations

import csv
import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from legame.ingest import ingest
from legame.kept_summary import BASIS
from legame.scoring import score
from legame.store import Workspace
from legame.store.erasure import forget

FIELDS = ("order_id", "customer_id", "ordered_at", "amount", "status")
START = datetime(2024, 1, 1, 8)
LAST_DAY = date(2025, 6, 30)


def _write(path: Path, rows: list[dict[str, object]], fields: tuple[str, ...] = FIELDS) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _history(rng: random.Random, customers: int) -> list[dict[str, object]]:
    """Orders of ``customers`` customers between START and LAST_DAY, some on one day."""
    rows: list[dict[str, object]] = []
    span = (datetime.combine(LAST_DAY, datetime.min.time()) - START).days
    for c in range(customers):
        at = START + timedelta(days=rng.randrange(span), minutes=rng.randrange(600))
        for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
            if at.date() >= LAST_DAY:
                break
            rows.append(
                {
                    "order_id": f"O{len(rows):05d}",
                    "customer_id": f"C{c:04d}",
                    "ordered_at": at.isoformat(sep=" "),
                    "amount": f"{rng.uniform(5, 120):.2f}",
                    "status": rng.choice(("completed",) * 9 + ("refunded",)),
                }
            )
            gap = rng.choice((0, 0, 3, 20, 60))  # 0: another order the same day
            at += timedelta(days=gap, minutes=rng.randrange(1, 90))
    # The last day holds an order, so the default cutoff is LAST_DAY.
    rows.append(
        {
            "order_id": "O99999",
            "customer_id": "C0000",
            "ordered_at": f"{LAST_DAY} 12:00:00",
            "amount": "10.00",
            "status": "completed",
        }
    )
    return rows


def _value(db: Path) -> dict[str, tuple[object, ...]]:
    with Workspace.open(db, read_only=True) as ws:
        rows = ws.con.execute("SELECT * FROM customer_value ORDER BY customer_id").fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def _same(kept: dict[str, tuple[object, ...]], full: dict[str, tuple[object, ...]]) -> None:
    assert kept.keys() == full.keys()
    for customer, row in full.items():
        for got, want in zip(kept[customer], row, strict=True):
            if isinstance(want, float):
                assert got == pytest.approx(want, rel=1e-12, abs=1e-9), customer
            else:
                assert got == want, customer


def _scored_from_every_order(db: Path, folder: Path) -> dict[str, tuple[object, ...]]:
    """customer_value as a score that reads every order makes it (a copy, basis dropped)."""
    copy = folder / "full.duckdb"
    shutil.copy(db, copy)
    with Workspace.open(copy) as ws:
        ws.con.execute(f"DROP TABLE {BASIS}")
        report = score(ws)
        assert report.summarised_again is None
    return _value(copy)


def test_the_kept_summary_is_the_summary_of_every_order(tmp_path: Path) -> None:
    rng = random.Random(7)
    history = _history(rng, 200)
    db = tmp_path / "ws.duckdb"
    people = [{"customer_id": f"C{c:04d}"} for c in range(205)]  # 5 without orders
    with Workspace.create(db) as ws:
        ingest(ws, "customers", [_write(tmp_path / "c1.csv", people, ("customer_id",))])
        ingest(ws, "orders", [_write(tmp_path / "o1.csv", history)])
        first = score(ws)
        assert first.summarised_again is None and first.to_dict()["summary_kept"] is False

        by_id = {r["order_id"]: r for r in history}
        changed: list[dict[str, object]] = []
        touched = set()

        def change(order_id: str, **values: object) -> None:
            row = {**by_id[order_id], **values}
            changed.append(row)
            touched.update({by_id[order_id]["customer_id"], row["customer_id"]})

        change("O00010", amount="999.99")  # a new amount
        change("O00020", status="refunded")  # no longer a purchase
        change("O00030", customer_id="C0150")  # moved to another customer
        change("O00040", ordered_at="2024-02-29 09:00:00")  # a late correction, earlier
        new = []
        for k, customer in enumerate(rng.sample(range(200), 30)):
            day = LAST_DAY + timedelta(days=rng.choice((0, 1, 45)))  # the same day, or later
            new.append(
                {
                    "order_id": f"N{k:04d}",
                    "customer_id": f"C{customer:04d}",
                    "ordered_at": f"{day} 18:{k:02d}:00",
                    "amount": f"{rng.uniform(5, 120):.2f}",
                    "status": "completed",
                }
            )
            touched.add(f"C{customer:04d}")
        for k, customer in enumerate(("C0200", "C0300")):  # one known without orders, one new
            new.append(
                {
                    "order_id": f"M{k}",
                    "customer_id": customer,
                    "ordered_at": f"{LAST_DAY + timedelta(days=1)} 10:00:00",
                    "amount": "42.00",
                    "status": "completed",
                }
            )
            touched.add(customer)
        ingest(ws, "orders", [_write(tmp_path / "o2.csv", changed + new)])
        more = [{"customer_id": "C0400"}, {"customer_id": "C0401"}]  # new, without orders
        ingest(ws, "customers", [_write(tmp_path / "c2.csv", more, ("customer_id",))])
        erased = next(f"C{c:04d}" for c in range(1, 200) if f"C{c:04d}" not in touched)
    forget_workspace(db, erased)

    with Workspace.open(db) as ws:
        second = score(ws)
    assert second.summarised_again == len(touched)
    kept = _value(db)
    assert erased not in kept and {"C0300", "C0400", "C0401"} <= kept.keys()
    _same(kept, _scored_from_every_order(db, tmp_path))


def forget_workspace(db: Path, customer_id: str) -> None:
    with Workspace.open(db) as ws:
        forget(ws, customer_id)


def test_a_summary_that_left_orders_out_is_not_kept(tmp_path: Path) -> None:
    """A score to an earlier cutoff leaves later orders out: the next score reads every
    order; so does a score after an order dated after its cutoff."""
    rng = random.Random(11)
    db = tmp_path / "ws.duckdb"
    with Workspace.create(db) as ws:
        ingest(ws, "orders", [_write(tmp_path / "o1.csv", _history(rng, 60))])
        score(ws, until=LAST_DAY - timedelta(days=30))
        assert score(ws).summarised_again is None  # the earlier one left orders out
        assert score(ws).summarised_again == 0  # nothing changed since
        assert score(ws, until=LAST_DAY - timedelta(days=1)).summarised_again is None
    _same(_value(db), _scored_from_every_order_until(db, tmp_path, LAST_DAY - timedelta(days=1)))


def _scored_from_every_order_until(db: Path, folder: Path, until: date) -> dict:
    copy = folder / "full.duckdb"
    shutil.copy(db, copy)
    with Workspace.open(copy) as ws:
        ws.con.execute(f"DROP TABLE {BASIS}")
        score(ws, until=until)
    return _value(copy)
