"""The short ways of the checks give what the rules say: a Parquet file's timestamps, dates
and numbers are checked in their own types, not as text (the same rows as their text would
give, every reject still naming its field, its raw value and why), and a plain number in a
text file is read by one regular expression, any other by the general rule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from legame.ingest import ReadOptions, ingest
from legame.ingest.readers import open_source
from legame.store import Workspace


def rows(ws: Workspace, sql: str) -> list[tuple]:
    return ws.con.execute(sql).fetchall()


def write_parquet(path: Path, columns: dict[str, pa.Array]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def test_typed_columns_arrive_typed_only_when_asked(tmp_path: Path) -> None:
    path = write_parquet(
        tmp_path / "o.parquet",
        {
            "order_id": pa.array(["A"]),
            "customer_id": pa.array([7], pa.int64()),
            "ordered_at": pa.array([0], pa.timestamp("ms", tz="Europe/Rome")),
            "amount": pa.array([Decimal("1.50")], pa.decimal128(18, 2)),
            "big": pa.array([2**63], pa.uint64()),
        },
    )
    typed = open_source(path, delimiter=None, encoding=None, typed=True)
    assert typed.typed == {"c1": "BIGINT", "c2": "TIMESTAMP", "c3": "DECIMAL(18, 2)"}
    batch = next(typed.batches())
    assert batch.schema.field("c2").type == pa.timestamp("ms")  # UTC, without the zone
    assert batch.schema.field("c4").type == pa.string()  # beyond BIGINT: read as text
    text = open_source(path, delimiter=None, encoding=None)
    assert text.typed == {}
    assert {f.type for f in next(text.batches()).schema if f.name != "_line"} == {pa.string()}


def test_typed_parquet_loads_what_its_text_loads(tmp_path: Path) -> None:
    """The same orders from a typed Parquet file (an instant with a time zone, a decimal
    amount, an integer customer id) and from a CSV of their text are stored alike."""
    instants = [datetime(2025, 1, 31, 23, 30, tzinfo=UTC), datetime(2025, 2, 1, 8, 0, tzinfo=UTC)]
    parquet = write_parquet(
        tmp_path / "o.parquet",
        {
            "order_id": pa.array(["P1", "P2"]),
            "customer_id": pa.array([101, 102], pa.int64()),
            "ordered_at": pa.array(instants, pa.timestamp("us", tz="Europe/Rome")),
            "amount": pa.array([Decimal("12.50"), Decimal("0.99")], pa.decimal128(18, 2)),
            "discount": pa.array([0.5, None], pa.float64()),
        },
    )
    csv = tmp_path / "o.csv"
    csv.write_text(
        "order_id,customer_id,ordered_at,amount,discount\n"
        "P1,101,2025-01-31 23:30:00,12.50,0.5\nP2,102,2025-02-01 08:00:00,0.99,\n"
    )
    stored = []
    for path in (parquet, csv):
        with Workspace.create(tmp_path / f"{path.suffix[1:]}.duckdb") as ws:
            report = ingest(ws, "orders", [path]).to_dict()
            assert (report["inserted"], report["rejected"]) == (2, 0)
            stored.append(
                rows(
                    ws,
                    "SELECT order_id, customer_id, ordered_at, amount, _extra->>'discount' "
                    "FROM orders ORDER BY order_id",
                )
            )
    assert stored[0] == stored[1]
    assert stored[0][0][:4] == ("P1", "101", datetime(2025, 1, 31, 23, 30), Decimal("12.5000"))


def test_a_typed_value_that_fails_a_check_is_rejected_with_its_text(tmp_path: Path) -> None:
    parquet = write_parquet(
        tmp_path / "o.parquet",
        {
            "order_id": pa.array(["G1", "N1", "R1", "M1", "Y1", "F1"]),
            "customer_id": pa.array(["c1"] * 6),
            "ordered_at": pa.array(
                [
                    datetime(2025, 1, 1),
                    datetime(2025, 1, 2),
                    datetime(2025, 1, 3),
                    None,
                    datetime(1800, 1, 1),
                    datetime(2099, 1, 1),
                ],
                pa.timestamp("s"),
            ),
            "amount": pa.array([10.0, float("nan"), -4.0, 1.0, 1.0, 1.0], pa.float64()),
        },
    )
    with Workspace.create(tmp_path / "w.duckdb") as ws:
        report = ingest(ws, "orders", [parquet]).to_dict()
        assert (report["inserted"], report["rejected"]) == (1, 5)
        got = rows(ws, "SELECT line, field, raw_value, reason FROM rejects ORDER BY line")
        assert [g[:3] for g in got] == [
            (2, "amount", "nan"),
            (3, "amount", "-4.0"),
            (4, "ordered_at", None),
            (5, "ordered_at", "1800-01-01 00:00:00"),
            (6, "ordered_at", "2099-01-01 00:00:00"),
        ]
        reasons = [g[3] for g in got]
        assert reasons[0] == "not a number"
        assert reasons[1].startswith("out of range")
        assert reasons[2] == "missing (required)"
        assert reasons[3].startswith("implausible date")
        assert reasons[4].startswith("in the future")
        record = json.loads(rows(ws, "SELECT record FROM rejects WHERE line = 3")[0][0])
        assert record["order_id"] == "R1" and record["amount"] == -4.0


def test_a_date_column_is_the_midnight_of_its_day(tmp_path: Path) -> None:
    parquet = write_parquet(
        tmp_path / "o.parquet",
        {
            "order_id": pa.array(["D1"]),
            "customer_id": pa.array(["c1"]),
            "ordered_at": pa.array([date(2025, 3, 4)], pa.date32()),
            "amount": pa.array([3], pa.int32()),
        },
    )
    with Workspace.create(tmp_path / "w.duckdb") as ws:
        ingest(ws, "orders", [parquet])
        assert rows(ws, "SELECT ordered_at, amount FROM orders") == [
            (datetime(2025, 3, 4), Decimal("3.0000"))
        ]


def test_an_empty_typed_parquet_file_loads_nothing_and_fails_nothing(tmp_path: Path) -> None:
    schema = pa.schema(
        [
            ("order_id", pa.string()),
            ("customer_id", pa.string()),
            ("ordered_at", pa.timestamp("us")),
            ("amount", pa.decimal128(18, 2)),
        ]
    )
    path = tmp_path / "o.parquet"
    pq.write_table(schema.empty_table(), path)
    with Workspace.create(tmp_path / "w.duckdb") as ws:
        report = ingest(ws, "orders", [path]).to_dict()
        assert (report["inserted"], report["rejected"]) == (0, 0)


AMOUNTS = [
    # (text, --decimal, stored amount or the reject's reason's start)
    ("12.50", ".", Decimal("12.5")),
    ("+3", ".", Decimal("3")),
    ("007.5", ".", Decimal("7.5")),
    ("1,234.50", ".", Decimal("1234.5")),
    ("€ 12.50", ".", Decimal("12.5")),
    ("12,500", ".", "ambiguous number"),
    ("12.", ".", "not a number"),
    (".5", ".", "not a number"),
    ("1e5", ".", "not a number"),
    ("-0.5", ".", "out of range"),
    ("12,50", ",", Decimal("12.5")),
    ("1.234,50", ",", Decimal("1234.5")),
    ("12.50", ",", "not a number with ','"),
]


@pytest.mark.parametrize(("text", "decimal", "expected"), AMOUNTS)
def test_a_plain_number_and_any_other_read_by_one_rule(tmp_path, text, decimal, expected):
    """A plain number takes the short way (one regular expression); every other text the
    general rule: each gives what the rule says."""
    path = tmp_path / "o.csv"
    path.write_text(f'order_id;customer_id;ordered_at;amount\nA;c1;2025-01-01;"{text}"\n')
    with Workspace.create(tmp_path / "w.duckdb") as ws:
        ingest(ws, "orders", [path], ReadOptions(decimal=decimal, delimiter=";"))
        stored = rows(ws, "SELECT amount FROM orders")
        reasons = rows(ws, "SELECT reason FROM rejects")
    if isinstance(expected, Decimal):
        assert (stored, reasons) == ([(expected,)], [])
    else:
        assert stored == [] and reasons[0][0].startswith(expected), reasons


# Texts at the edges of the plain test: empty, spaces at either end or inside, every kind
# of whitespace and control character the id rule names, printable ASCII at both ends of
# its range, letters beyond ASCII, and a null.
EDGE_TEXTS = [
    "",
    " ",
    "a",
    "~",
    "!",
    "A1",
    "a b",
    " a",
    "a ",
    "  a  ",
    "\ta",
    "a\t",
    "a\tb",
    "a\x00b",
    "\x7f",
    "a\x1fb",
    "a\u00a0",
    "\u00a0a",
    "a\u200bb",
    "\ufeffa",
    "é",
    "caffè",
    "a\nb",
    "a\r",
    "".join(chr(c) for c in range(0x20, 0x7F)),
    "".join(chr(c) for c in range(0x21, 0x7F)),
    None,
]


def test_the_readers_plain_test_is_the_sql_pattern() -> None:
    """The plain test ingestion computes while reading (Arrow's kernels) gives, for every
    text, what ``PLAIN_RE2`` gives in DuckDB (true, false or null): the SQL reads it in the
    pattern's place, so a text the two judged differently would skip the trim or the
    control-character check, or take them where it needs none."""
    import duckdb

    from legame.ingest.ids import PLAIN_RE2, plain_mask

    texts = pa.array(EDGE_TEXTS, pa.string())
    con = duckdb.connect()
    con.register("texts", pa.table({"i": pa.array(range(len(texts))), "t": texts}))
    expected = [
        row[0]
        for row in con.execute(
            "SELECT regexp_full_match(t, ?) FROM texts ORDER BY i", [PLAIN_RE2]
        ).fetchall()
    ]
    assert plain_mask(texts).to_pylist() == expected
    # Not vacuous: a, ~, !, A1, a b and the printable range from "!" are plain.
    assert expected.count(True) == 6
