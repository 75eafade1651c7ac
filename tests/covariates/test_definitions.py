"""The covariate queries (``legame/sql/covariates/``) on a workspace small enough to work out
by hand: what each time-varying covariate is at each repeat purchase, and the static values.

Customer A buys on 2025-01-01 (two orders: one occasion), 01-10, 02-01 and 03-01: three
repeat purchases, so three dropout decisions. Customer B buys once (none). Customer C buys on
01-05 and 01-06 (one decision) and nothing else happens to C. The calibration ends
2025-03-31, so as_of is 2025-04-01 00:00.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from legame.covariates.fit import _used
from legame.engine import DuckDBEngine
from legame.ingest import ingest
from legame.metrics import definitions as d
from legame.scoring import summary_table
from legame.store import Workspace

UNTIL = date(2025, 3, 31)
CSV = {
    "customers": """customer_id,country,acquisition_channel,first_touch
A,IT,web,3.5
B,ES,shop,
C,IT,,1
""",
    "orders": """order_id,customer_id,ordered_at,amount,channel
O1,A,2025-01-01 10:00:00,30.00,web
O2,A,2025-01-01 15:00:00,5.00,app
O3,A,2025-01-10 09:00:00,20.00,web
O4,A,2025-02-01 09:00:00,20.00,web
O5,A,2025-03-01 09:00:00,20.00,web
O6,B,2025-01-03 09:00:00,50.00,store
O7,C,2025-01-05 09:00:00,12.00,app
O8,C,2025-01-06 09:00:00,12.00,app
O9,C,2025-04-05 09:00:00,12.00,app
""",
    # T0 is poor (slow response) but opened before A's first purchase: it belongs to none.
    # T1 is poor (no response in 48 h), opened between A's 2nd and 3rd repeat purchase.
    # T2 is fine.
    "tickets": """ticket_id,customer_id,opened_at,first_response_at,resolved_at,csat
T0,A,2024-12-20 09:00:00,2024-12-28 09:00:00,2024-12-29 09:00:00,5
T1,A,2025-02-05 09:00:00,2025-02-09 09:00:00,2025-02-10 09:00:00,4
T2,C,2025-01-05 12:00:00,2025-01-05 13:00:00,2025-01-05 14:00:00,5
""",
    # G1 is given three hours after A's 01-10 order; G2 was withheld (holdout).
    "gestures": """gesture_id,customer_id,kind,given_at,arm
G1,A,thank_you_note,2025-01-10 12:00:00,treatment
G2,A,fee_waiver,2025-01-05 12:00:00,holdout
""",
    "survey_responses": """response_id,customer_id,answered_at,nps
R1,A,2025-01-15 09:00:00,9
R2,A,2025-02-10 09:00:00,3
R3,A,2025-02-20 09:00:00,
""",
}
#: Five messages to A in late January (mid pressure on 02-01), nine in February (high on
#: 03-01); none before 01-10 (low).
MESSAGES = [f"2025-01-{day:02d} 08:00:00" for day in (20, 22, 24, 26, 28)] + [
    f"2025-02-{day:02d} 08:00:00" for day in (5, 7, 9, 11, 13, 15, 17, 19, 21)
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder: Path = tmp_path_factory.mktemp("covariates")
    texts = dict(CSV)
    texts["messages"] = "message_id,customer_id,channel,sent_at\n" + "".join(
        f"M{i},A,email,{at}\n" for i, at in enumerate(MESSAGES)
    )
    db = folder / "ws.duckdb"
    with Workspace.create(db) as ws:
        for table in ("customers", "orders", "tickets", "gestures", "messages", "survey_responses"):
            path = folder / f"{table}.csv"
            path.write_text(texts[table])
            report = ingest(ws, table, [path])
            assert report.total("rejected") == 0, table
    with Workspace.open(db) as ws:
        eng = DuckDBEngine(ws)
        summary_table(eng, until=UNTIL, unit="week")
        yield eng


def _values(engine: Any, name: str) -> list[Any]:
    params = {
        "until": datetime(2025, 3, 31),
        "merge_day": True,
        "as_of": datetime(2025, 4, 1),
        **d.poor_ticket_params(),
        **d.contact_pressure_params(),
    }
    query = f"covariates/{name}"
    return engine.query(query, **_used(query, params)).column(0).to_pylist()


def test_histories_come_in_customer_order(engine: Any) -> None:
    rows = engine.query("covariates/histories").to_pylist()
    assert [r["frequency"] for r in rows] == [3, 0, 1]
    assert rows[0]["recency"] == pytest.approx(59 / 7)  # 01-01 to 03-01


def test_a_poor_ticket_counts_from_the_purchase_it_belongs_to(engine: Any) -> None:
    """T1 opened after A's second repeat purchase: it is there at the second and third
    decisions; T0, before A's first purchase, belongs to no purchase."""
    assert _values(engine, "poor_service") == [0, 1, 1, 0]


def test_gestures_received_so_far_leave_out_the_withheld_ones(engine: Any) -> None:
    assert _values(engine, "gestures") == [0, 1, 1, 0]


def test_contact_pressure_is_the_band_of_the_messages_of_the_last_30_days(engine: Any) -> None:
    assert _values(engine, "contact_pressure") == [0, 1, 2, 0]


def test_the_nps_group_is_that_of_the_latest_answer_so_far(engine: Any) -> None:
    """R1 (9) before 02-01, R2 (3) before 03-01; R3 skipped the question."""
    assert _values(engine, "nps_group") == ["none", "promoter", "detractor", "none"]


def test_static_values_come_from_columns_extra_attributes_and_the_first_order(
    engine: Any,
) -> None:
    from legame import sql

    country = engine.query("covariates/customer_column", column=sql.Name("country"))
    assert country.column("value").to_pylist() == ["IT", "ES", "IT"]
    extra = engine.query("covariates/customer_extra", key=sql.Text("acquisition_channel"))
    assert extra.column("value").to_pylist() == ["web", "shop", None]
    first = engine.query("covariates/first_order", until=datetime(2025, 3, 31)).to_pylist()
    assert [r["first_order_value"] for r in first] == [30.0, 50.0, 12.0]
    assert [r["first_order_channel"] for r in first] == ["web", "store", "app"]
    keys = engine.query("covariates/extra_keys").to_pylist()
    assert keys == [
        {"key": "acquisition_channel", "customers": 2},
        {"key": "first_touch", "customers": 2},
    ]


def test_the_time_varying_covariates_at_the_cutoff_are_what_the_forecast_holds(
    engine: Any,
) -> None:
    """At the cutoff (as_of 04-01), in customer order A, B, C: A has had the poor T1 and
    one gesture (G2 withheld), no message in the 30 days before (low pressure), and their
    latest NPS answer is R2's 3 (R3 has none); B and C have none of it (C's T2 is fine)."""
    assert _values(engine, "cutoff_poor_service") == [1, 0, 0]
    assert _values(engine, "cutoff_gestures") == [1, 0, 0]
    assert _values(engine, "cutoff_contact_pressure") == [0, 0, 0]
    assert _values(engine, "cutoff_nps_group") == ["detractor", "none", "none"]
    assert engine.query("covariates/customer_ids").column(0).to_pylist() == ["A", "B", "C"]


def test_contact_pressure_at_the_cutoff_counts_the_messages_of_the_30_days_before_it(
    engine: Any,
) -> None:
    """Had the calibration ended on 02-28, A's nine February messages would be high
    pressure at the cutoff (03-01), as at the purchase that day."""
    table = engine.query(
        "covariates/cutoff_contact_pressure",
        as_of=datetime(2025, 3, 1),
        **d.contact_pressure_params(),
    )
    assert table.column("value").to_pylist() == [2, 0, 0]
