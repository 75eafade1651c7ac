"""Ingestion through the Python API: formats, locales, validation, idempotence, lineage."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from legame.errors import InputError
from legame.ingest import ReadOptions, ingest
from legame.store import Workspace

ITALIAN_ORDERS = """Numero Ordine;Cliente;Data;Importo;Stato;Negozio
A1;c1;01/02/2025;1.234,56;completato;Milano
A2;c2;31/02/2025;12,50;;Roma
A3;c3;02/02/2025;abc;completato;Roma
A4;;02/02/2025;3,00;completato;Roma
A5;c5;03/02/2025;-4;completato;Roma
A6;c1;03/02/2025 10:30;4,00;boh;Roma
A7;c7;04/02/2025;7;reso;Torino
"""
ITALIAN = ReadOptions(
    mapping={
        "order_id": "Numero Ordine",
        "customer_id": "Cliente",
        "ordered_at": "Data",
        "amount": "Importo",
        "status": "Stato",
    },
    decimal=",",
    date_format="%d/%m/%Y",
)


def rows(ws: Workspace, sql: str) -> list[tuple]:
    return ws.con.execute(sql).fetchall()


def test_italian_export_loads_good_rows_and_keeps_each_bad_one_with_its_reason(ws, write) -> None:
    path = write("ordini.csv", "\ufeff" + ITALIAN_ORDERS)
    report = ingest(ws, "orders", [path], ITALIAN).to_dict()
    assert (report["read"], report["inserted"], report["rejected"]) == (7, 2, 5)
    assert rows(
        ws,
        "SELECT order_id, amount::DOUBLE, ordered_at::VARCHAR, status FROM orders "
        "ORDER BY order_id",
    ) == [
        ("A1", 1234.56, "2025-02-01 00:00:00", "completed"),
        ("A7", 7.0, "2025-02-04 00:00:00", "refunded"),
    ]
    rejected = rows(
        ws, "SELECT line, field, raw_value, reason, source_file FROM rejects ORDER BY line"
    )
    assert [(r[0], r[1], r[2]) for r in rejected] == [
        (3, "ordered_at", "31/02/2025"),
        (4, "amount", "abc"),
        (5, "customer_id", ""),
        (6, "amount", "-4"),
        (7, "status", "boh"),
    ]
    reasons = {r[1]: r[3] for r in rejected}
    assert "not a valid date/time" in reasons["ordered_at"]
    assert "missing" in reasons["customer_id"]
    assert "one of completed, refunded, cancelled" in reasons["status"]
    assert all(r[4] == str(path) for r in rejected)
    record = json.loads(rows(ws, "SELECT record FROM rejects WHERE line = 3")[0][0])
    assert record == {
        "Numero Ordine": "A2",
        "Cliente": "c2",
        "Data": "31/02/2025",
        "Importo": "12,50",
        "Stato": "",
        "Negozio": "Roma",
    }


def test_unmapped_columns_are_kept_as_extra_attributes(ws, write) -> None:
    ingest(ws, "orders", [write("o.csv", ITALIAN_ORDERS)], ITALIAN)
    extra = rows(ws, "SELECT _extra FROM orders WHERE order_id = 'A1'")[0][0]
    assert json.loads(extra) == {"Negozio": "Milano"}


def test_every_row_records_its_batch_file_and_line(ws, write) -> None:
    path = write("o.csv", ITALIAN_ORDERS)
    report = ingest(ws, "orders", [path], ITALIAN)
    got = rows(ws, "SELECT order_id, _batch_id, _source_file, _source_line FROM orders ORDER BY 1")
    assert got == [
        ("A1", report.batch_ids[0], str(path), 2),
        ("A7", report.batch_ids[0], str(path), 8),
    ]
    batch = rows(ws, "SELECT table_name, source_file, rows_read, inserted, rejected FROM batches")
    assert batch == [("orders", str(path), 7, 2, 5)]


def test_reingesting_the_same_file_inserts_nothing_twice(ws, write) -> None:
    path = write("o.csv", ITALIAN_ORDERS)
    first = ingest(ws, "orders", [path], ITALIAN).to_dict()
    second = ingest(ws, "orders", [path], ITALIAN).to_dict()
    assert first["inserted"] == 2
    assert (second["inserted"], second["updated"], second["duplicates"]) == (0, 0, 2)
    assert ws.count("orders") == 2
    assert ws.count("customers") == 2


def test_overlapping_file_inserts_new_keys_and_records_updates(ws, write) -> None:
    write_orders = "order_id,customer_id,ordered_at,amount\n"
    ingest(
        ws, "orders", [write("a.csv", write_orders + "O1,c1,2025-01-01,10\nO2,c1,2025-01-02,20\n")]
    )
    report = ingest(
        ws,
        "orders",
        [
            write(
                "b.csv",
                write_orders + "O2,c1,2025-01-02,25\nO3,c2,2025-01-03,30\nO1,c1,2025-01-01,10\n",
            )
        ],
    )
    assert (report.total("inserted"), report.total("updated"), report.total("duplicates")) == (
        1,
        1,
        1,
    )
    assert rows(ws, "SELECT order_id, amount::DOUBLE FROM orders ORDER BY 1") == [
        ("O1", 10.0),
        ("O2", 25.0),
        ("O3", 30.0),
    ]
    change = rows(ws, "SELECT table_name, row_key, customer_ids, before, after FROM row_changes")
    assert len(change) == 1
    table, key, customers, before, after = change[0]
    assert (table, key, customers) == ("orders", "O2", ["c1"])
    assert json.loads(before)["amount"] == 20 and json.loads(after)["amount"] == 25


def test_a_file_without_a_column_does_not_blank_it_on_update(ws, write) -> None:
    ingest(
        ws,
        "orders",
        [
            write(
                "a.csv", "order_id,customer_id,ordered_at,amount,channel\nO1,c1,2025-01-01,10,web\n"
            )
        ],
    )
    ingest(
        ws,
        "orders",
        [write("b.csv", "order_id,customer_id,ordered_at,amount\nO1,c1,2025-01-01,12\n")],
    )
    assert rows(ws, "SELECT amount::DOUBLE, channel FROM orders") == [(12.0, "web")]


def test_same_key_twice_in_one_file_with_other_values_rejects_both(ws, write) -> None:
    path = write(
        "o.csv",
        "order_id,customer_id,ordered_at,amount\nO1,c1,2025-01-01,10\nO1,c1,2025-01-01,11\n",
    )
    report = ingest(ws, "orders", [path]).to_dict()
    assert (report["inserted"], report["duplicates"], report["rejected"]) == (0, 0, 2)
    assert ws.count("orders") == 0
    assert rows(ws, "SELECT line, field, raw_value, reason FROM rejects ORDER BY line") == [
        (
            2,
            "order_id",
            "O1",
            "the same key (order_id) as line 3 with other values: neither "
            "row was loaded; keep the right one",
        ),
        (
            3,
            "order_id",
            "O1",
            "the same key (order_id) as line 2 with other values: neither "
            "row was loaded; keep the right one",
        ),
    ]


def test_unknown_customers_are_created_implicit_and_become_real_when_loaded(ws, write) -> None:
    ingest(
        ws,
        "orders",
        [write("o.csv", "order_id,customer_id,ordered_at,amount\nO1,c9,2025-01-01,10\n")],
    )
    assert rows(ws, "SELECT customer_id, implicit FROM customers") == [("c9", True)]
    report = ingest(
        ws,
        "customers",
        [write("c.csv", "customer_id,email,time_zone\nc9,c9@example.com,Europe/Rome\n")],
    )
    assert report.total("updated") == 1
    assert rows(ws, "SELECT customer_id, implicit, email FROM customers") == [
        ("c9", False, "c9@example.com")
    ]


def test_referrals_create_both_customers_implicitly(ws, write) -> None:
    ingest(
        ws,
        "referrals",
        [
            write(
                "r.csv",
                "referral_id,referrer_id,referred_customer_id,referred_at\n"
                "R1,a,b,2025-01-01\nR2,a,,2025-01-02\n",
            )
        ],
    )
    assert rows(ws, "SELECT customer_id FROM customers WHERE implicit ORDER BY 1") == [
        ("a",),
        ("b",),
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("nps", "11", "out of range: must be 0 to 10"),
        ("nps", "nove", "not a whole number"),
        ("csat", "0", "out of range: must be 1 to 5"),
        ("ces", "8", "out of range: must be 1 to 7"),
        ("emo_belonging", "6", "out of range: must be 1 to 5"),
        ("answered_at", "2205-01-01", "implausible date"),
        ("answered_at", "ieri", "not a valid date/time"),
    ],
)
def test_survey_values_out_of_range_are_rejected(ws, write, field, value, reason) -> None:
    row = {
        "response_id": "S1",
        "customer_id": "c1",
        "answered_at": "2025-01-01",
        "nps": "9",
        "csat": "4",
        "ces": "2",
        "emo_belonging": "5",
    }
    row[field] = value
    path = write("s.csv", ",".join(row) + "\n" + ",".join(row.values()) + "\n")
    report = ingest(ws, "survey_responses", [path]).to_dict()
    assert report["rejected"] == 1 and report["inserted"] == 0
    got = rows(ws, "SELECT field, raw_value, reason FROM rejects")
    assert got[0][:2] == (field, value)
    assert reason in got[0][2]


def test_skipped_nps_is_null_not_rejected(ws, write) -> None:
    path = write("s.csv", "response_id,customer_id,answered_at,nps,csat\nS1,c1,2025-01-01,,4\n")
    assert ingest(ws, "survey_responses", [path]).total("inserted") == 1
    assert rows(ws, "SELECT nps, csat FROM survey_responses") == [(None, 4)]


def test_time_zones_must_be_iana_names(ws, write) -> None:
    path = write("c.csv", "customer_id,time_zone\nc1,Europe/Rome\nc2,CET+1\n")
    report = ingest(ws, "customers", [path]).to_dict()
    assert (report["inserted"], report["rejected"]) == (1, 1)
    assert "IANA" in rows(ws, "SELECT reason FROM rejects")[0][0]


def test_timestamps_with_offsets_are_stored_in_utc(ws, write) -> None:
    path = write(
        "m.csv",
        "message_id,customer_id,channel,sent_at\n"
        "M1,c1,EMAIL,2025-03-30T10:00:00+02:00\nM2,c1,sms,2025-03-30 10:00\n",
    )
    ingest(ws, "messages", [path])
    assert rows(ws, "SELECT message_id, channel, sent_at::VARCHAR FROM messages ORDER BY 1") == [
        ("M1", "email", "2025-03-30 08:00:00"),
        ("M2", "sms", "2025-03-30 10:00:00"),
    ]


def test_decimal_comma_without_the_option_is_rejected_with_a_hint(ws, write) -> None:
    path = write("o.csv", "order_id;customer_id;ordered_at;amount\nO1;c1;2025-01-01;12,50\n")
    ingest(ws, "orders", [path])
    assert "--decimal ," in rows(ws, "SELECT reason FROM rejects")[0][0]
    assert ws.count("orders") == 0


def test_thousands_separators_follow_the_decimal_option(ws, write) -> None:
    path = write("o.csv", 'order_id,customer_id,ordered_at,amount\nO1,c1,2025-01-01,"1,234.5"\n')
    ingest(ws, "orders", [path])
    assert rows(ws, "SELECT amount::DOUBLE FROM orders") == [(1234.5,)]


def test_latin1_file_is_detected(ws, write) -> None:
    path = write("c.csv", "customer_id;country;città\nc1;IT;Forlì\n", encoding="latin-1")
    ingest(ws, "customers", [path])
    assert json.loads(rows(ws, "SELECT _extra FROM customers")[0][0]) == {"città": "Forlì"}


def test_cp1252_euro_sign_is_read(ws, write) -> None:
    path = write(
        "o.csv",
        "order_id;customer_id;ordered_at;amount;nota\nO1;c1;2025-01-01;€ 12,50;€\n",
        encoding="cp1252",
    )
    ingest(ws, "orders", [path], ReadOptions(decimal=","))
    assert rows(ws, "SELECT amount::DOUBLE, _extra->>'nota' FROM orders") == [(12.5, "€")]


def test_explicit_delimiter_and_encoding_override_detection(ws, write) -> None:
    path = write(
        "o.txt", "order_id|customer_id|ordered_at|amount\nO1|c1|2025-01-01|5\n", encoding="utf-16"
    )
    ingest(ws, "orders", [path], ReadOptions(delimiter="|", encoding="utf-16"))
    assert ws.count("orders") == 1


def test_record_with_wrong_field_count_is_rejected_and_later_lines_keep_their_numbers(
    ws, write
) -> None:
    path = write(
        "o.csv",
        "order_id,customer_id,ordered_at,amount,note\n"
        'O1,c1,2025-01-01,5,"two\nlines"\nO2,c1,2025-01-01,5,x,EXTRA\n'
        "O3,c1,2025-01-02,x,y\n",
    )
    report = ingest(ws, "orders", [path]).to_dict()
    assert (report["read"], report["inserted"], report["rejected"]) == (3, 1, 2)
    got = rows(ws, "SELECT line, field, reason FROM rejects ORDER BY line")
    assert got[0][0] == 4 and got[0][1] is None and "fields" in got[0][2]
    assert got[1][:2] == (5, "amount")


def test_parquet_and_jsonl_load_the_same_rows(ws, tmp_path: Path) -> None:
    table = pa.table(
        {
            "order_id": ["P1", "P2"],
            "customer_id": ["c1", "c2"],
            "ordered_at": pa.array([1735689600, 1735776000], pa.timestamp("s")),
            "amount": [10.5, 20.0],
            "coupon": ["X", None],
        }
    )
    pq.write_table(table, tmp_path / "o.parquet")
    (tmp_path / "o.jsonl").write_text(
        '{"order_id": "J1", "customer_id": "c1", "ordered_at": "2025-01-01T00:00:00", '
        '"amount": 10.5}\n'
        "not json\n"
        '{"order_id": "J2", "customer_id": "c3", "ordered_at": "2025-01-02", "amount": 20, '
        '"tags": ["a"]}\n'
    )
    report = ingest(ws, "orders", [tmp_path / "o.parquet", tmp_path / "o.jsonl"]).to_dict()
    assert (report["inserted"], report["rejected"]) == (4, 1)
    assert rows(
        ws, "SELECT order_id, amount::DOUBLE, ordered_at::VARCHAR FROM orders ORDER BY 1"
    ) == [
        ("J1", 10.5, "2025-01-01 00:00:00"),
        ("J2", 20.0, "2025-01-02 00:00:00"),
        ("P1", 10.5, "2025-01-01 00:00:00"),
        ("P2", 20.0, "2025-01-02 00:00:00"),
    ]
    assert rows(ws, "SELECT line, source_file LIKE '%.jsonl' FROM rejects") == [(2, True)]
    assert json.loads(rows(ws, "SELECT _extra FROM orders WHERE order_id = 'J2'")[0][0]) == {
        "tags": '["a"]'
    }


def test_a_folder_means_every_file_in_it(ws, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for i in range(3):
        (folder / f"part{i}.csv").write_text(
            f"order_id,customer_id,ordered_at,amount\nO{i},c,2025-01-01,1\n"
        )
    (folder / ".hidden.csv").write_text("garbage")
    report = ingest(ws, "orders", [folder])
    assert len(report.files) == 3 and ws.count("orders") == 3
    assert len(set(report.batch_ids)) == 3


def test_file_missing_a_required_column_fails_alone_and_others_load(ws, write) -> None:
    bad = write("bad.csv", "id,customer,when\n1,c,2025-01-01\n")
    good = write("good.csv", "order_id,customer_id,ordered_at,amount\nO1,c1,2025-01-01,1\n")
    report = ingest(ws, "orders", [bad, good])
    assert report.failed[0].path == str(bad)
    assert "order_id" in report.failed[0].error and "--map" in report.failed[0].error
    assert ws.count("orders") == 1


def test_map_errors_name_the_field_and_the_column(ws, write) -> None:
    path = write("o.csv", "order_id,customer_id,ordered_at,amount\n")
    with pytest.raises(InputError, match="not a field of orders"):
        ingest(ws, "orders", [path], ReadOptions(mapping={"numero": "x"}))
    report = ingest(ws, "orders", [path], ReadOptions(mapping={"order_id": "Numero"}))
    assert "'Numero'" in report.failed[0].error


def test_header_only_file_loads_nothing_and_reports_a_batch(ws, write) -> None:
    report = ingest(ws, "orders", [write("o.csv", "order_id,customer_id,ordered_at,amount\n")])
    assert report.to_dict()["read"] == 0 and len(report.batch_ids) == 1


def test_unknown_table_and_missing_file_are_clear_errors(ws, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Unknown table 'order'"):
        ingest(ws, "order", [tmp_path])
    with pytest.raises(InputError, match="no such file"):
        ingest(ws, "orders", [tmp_path / "missing.csv"])


def test_consents_key_is_customer_channel_and_time(ws, write) -> None:
    path = write(
        "k.csv",
        "customer_id,channel,status,at\nc1,email,sì,2025-01-01\n"
        "c1,email,revocato,2025-02-01\nc1,email,withdrawn,2025-02-01\n",
    )
    report = ingest(ws, "consents", [path]).to_dict()
    assert (report["inserted"], report["duplicates"]) == (2, 1)
    assert rows(ws, 'SELECT status FROM consents ORDER BY "at"') == [("granted",), ("withdrawn",)]
