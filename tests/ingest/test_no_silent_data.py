"""No silently wrong data (issue 16, item 5): each case that used to load wrong, as a user
types it where that is cheap (``legame ingest`` through the shipped CLI app)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from legame.errors import InputError
from legame.ingest import ReadOptions, ingest
from legame.ingest.ids import clean_customer_id, clean_customer_ids
from legame.ingest.readers import clean_file_name, detect_encoding
from legame.scoring import last_order_day
from legame.store import Workspace
from tests.conftest import run_legame

ORDERS = "order_id,customer_id,ordered_at,amount\n"


def rows(ws: Workspace, sql: str, params: list[object] | None = None) -> list[tuple]:
    return ws.con.execute(sql, params or []).fetchall()


def ingest_json(cli, db: Path, *args: object) -> dict:
    result = cli("ingest", *args, "--db", db, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def policy(db: Path, text: str) -> None:
    (db.parent / "legame.toml").write_text(text, encoding="utf-8")


# --- 1. timestamps in the future ---------------------------------------------------------


def test_a_timestamp_beyond_the_tolerance_is_rejected_naming_the_policy_key(cli, db, write):
    path = write("o.csv", ORDERS + "O1,c1,2025-03-01,10\nO2,c1,2099-01-01,61\n")
    report = ingest_json(cli, db, "orders", path)
    assert (report["inserted"], report["rejected"]) == (1, 1)
    with Workspace.open(db) as ws:
        assert rows(ws, "SELECT field, raw_value, reason FROM rejects") == [
            (
                "ordered_at",
                "2099-01-01",
                "in the future: later than the import time plus the "
                "tolerance of 1d ([ingest] future_tolerance in legame.toml)",
            )
        ]


def test_the_tolerance_is_measured_from_the_import_time_and_set_by_the_policy(ws, write):
    path = write("o.csv", ORDERS + "O1,c1,2025-01-01 23:00,1\nO2,c1,2025-01-02 01:00,1\n")
    now = datetime(2025, 1, 1)
    assert ingest(ws, "orders", [path], now=now).total("rejected") == 1
    assert rows(ws, "SELECT order_id FROM orders") == [("O1",)]
    policy(ws.path, '[ingest]\nfuture_tolerance = "36h"\n')
    report = ingest(ws, "orders", [path], now=now)
    assert (report.total("inserted"), report.total("rejected")) == (1, 0)


def test_the_default_cutoff_of_the_score_never_passes_today(ws, write):
    """One order dated 2099 used to move the default cutoff to 2099 (every customer then
    looks long gone: expected CLV 170,111 -> 61). A policy that lets it in (a tolerance of
    100 years) must not move the cutoff either."""
    policy(ws.path, '[ingest]\nfuture_tolerance = "36500d"\n')
    path = write("o.csv", ORDERS + "O1,c1,2025-02-01,10\nO2,c1,2025-03-01,10\nO3,c2,2099-01-01,5\n")
    assert ingest(ws, "orders", [path]).total("inserted") == 3
    assert last_order_day(ws) == date(2025, 3, 1)
    assert last_order_day(ws, today=date(2025, 2, 15)) == date(2025, 2, 1)
    with pytest.raises(InputError, match="no completed orders on or before 2025-01-01"):
        last_order_day(ws, today=date(2025, 1, 1))


def test_the_score_says_which_orders_the_default_cutoff_left_out(cli, db, write):
    from legame.simulate import simulate

    data = simulate(write("sim/.keep", "").parent, customers=300, seed=2, mc_customers=10_000)
    policy(db, '[ingest]\nfuture_tolerance = "36500d"\n')
    assert cli("ingest", "orders", data.paths["orders"], "--db", db).exit_code == 0
    late = write("late.csv", ORDERS + "LATE1,c000001,2099-01-01,5\n")
    assert cli("ingest", "orders", late, "--db", db).exit_code == 0
    result = cli("score", "--db", db)
    assert result.exit_code == 0, result.output
    assert "1 completed order dated after today was left out" in result.stderr
    payload = json.loads(cli("score", "--db", db, "--json").stdout)
    assert payload["future_orders"] == 1 and payload["until"] < "2099"


# --- 2. customer ids ---------------------------------------------------------------------

TRICKY_IDS = [
    "C000001",
    "c000001",
    "C000001\t",
    "  C000001 ",
    "\u00a0C000001\u3000",
    "C00\x000001",
    "C000\t001",
    "C000001\u200b",
    "\ufeffC000001",
    "C000 001",
    # the plain test (printable ASCII, no space at an end) and its edges
    "C000001\x7f",
    "~C000001!",
    "C",
    "\u00e9C000001",
    "C000001\u00a0",
]


@pytest.mark.parametrize("case", ["preserve", "lower", "upper"])
def test_files_and_the_library_read_customer_ids_by_one_rule(ws, write, case):
    """The SQL of ingestion and ``clean_customer_id`` (the API and the CLI) agree on every
    tricky id: stored as the function returns it, or rejected where it raises."""
    policy(ws.path, f'[ingest]\ncustomer_id_case = "{case}"\n')
    lines = [f'M{i},"{raw}",email,2025-01-01' for i, raw in enumerate(TRICKY_IDS)]
    path = write("m.csv", "message_id,customer_id,channel,sent_at\n" + "\n".join(lines) + "\n")
    ingest(ws, "messages", [path])
    stored = dict(rows(ws, "SELECT message_id, customer_id FROM messages"))
    refused = {m for (m,) in rows(ws, "SELECT record->>'message_id' FROM rejects")}
    for i, raw in enumerate(TRICKY_IDS):
        try:
            expected = clean_customer_id(raw, case=case)  # type: ignore[arg-type]
        except InputError:
            assert f"M{i}" in refused and f"M{i}" not in stored, raw
        else:
            assert stored[f"M{i}"] == expected, raw
    kept = [raw for i, raw in enumerate(TRICKY_IDS) if f"M{i}" in stored]
    arrow = clean_customer_ids(pa.array(kept), case=case).to_pylist()  # type: ignore[arg-type]
    assert arrow == [stored[f"M{i}"] for i in range(len(TRICKY_IDS)) if f"M{i}" in stored]


def test_a_tab_or_a_case_change_no_longer_makes_a_new_customer(cli, db, write):
    policy(db, '[ingest]\ncustomer_id_case = "upper"\n')
    ingest_json(cli, db, "customers", write("c.csv", "customer_id,email\nC000001,a@example.com\n"))
    path = write(
        "o.csv",
        ORDERS + 'O1,c000001,2025-01-01,1\nO2,"C000001\t",2025-01-01,1\n'
        'O3,"C00\x000001",2025-01-01,1\nO4, C000001 ,2025-01-01,1\n',
    )
    report = ingest_json(cli, db, "orders", path)
    assert (report["inserted"], report["rejected"], report["implicit_customers"]) == (3, 1, 0)
    with Workspace.open(db) as ws:
        assert rows(ws, "SELECT customer_id, implicit FROM customers") == [("C000001", False)]
        assert rows(ws, "SELECT DISTINCT customer_id FROM orders") == [("C000001",)]
        reason = rows(ws, "SELECT field, reason FROM rejects")[0]
        assert reason[0] == "customer_id" and "control or invisible character" in reason[1]


def test_cli_arguments_that_take_a_customer_id_follow_the_rule(cli, db, write):
    policy(db, '[ingest]\ncustomer_id_case = "upper"\n')
    ingest_json(cli, db, "orders", write("o.csv", ORDERS + "O1,C1,2025-01-01,10\n"))
    check = cli("contact", "check", " c1\t", "email", "--transactional", "--db", db, "--json")
    assert check.exit_code == 0, check.output
    refused = cli("contact", "record", "C\x001", "email", "--db", db)
    assert refused.exit_code == 1 and "control or invisible" in str(refused.exception)
    recorded = cli("contact", "record", "c1 ", "email", "--at", "2025-01-02", "--db", db, "--json")
    assert json.loads(recorded.stdout)["implicit_customer"] is False
    forget = cli("forget", "\u00a0c1", "--db", db, "--json")
    assert forget.exit_code == 0, forget.output
    with Workspace.open(db) as ws:
        assert ws.count("customers") == 0 and ws.count("messages") == 0


def test_control_characters_are_refused_in_every_id_and_ids_are_trimmed(ws, write):
    path = write("o.csv", ORDERS + '" O1\t",c1,2025-01-01,1\n"O\x002",c1,2025-01-01,1\n')
    ingest(ws, "orders", [path])
    assert rows(ws, "SELECT order_id FROM orders") == [("O1",)]
    assert rows(ws, "SELECT field FROM rejects") == [("order_id",)]


def test_clean_customer_id_names_the_character_and_refuses_empty_ids():
    assert clean_customer_id(" C1\t", case="lower") == "c1"
    assert clean_customer_id("Straße", case="upper") == "STRAßE"  # A-Z only, as in SQL
    with pytest.raises(InputError, match=r"U\+0000 at position 3"):
        clean_customer_id("C0\x001")
    with pytest.raises(InputError, match="non-empty"):
        clean_customer_id(" \t ")


def test_customer_ids_of_the_customers_table_are_kept_for_erasure(ws, write):
    """``customer_ids`` of rejects and row_changes is filled for the customers table too
    (its key is the customer's id), so erasure finds them."""
    ingest(ws, "customers", [write("a.csv", "customer_id,email\nC1,old@example.com\n")])
    ingest(
        ws,
        "customers",
        [
            write(
                "b.csv",
                "customer_id,email,time_zone\nC1,new@example.com,\nC2,x@example.com,Mars/Base\n",
            )
        ],
    )
    assert rows(ws, "SELECT customer_ids FROM row_changes") == [(["C1"],)]
    assert rows(ws, "SELECT customer_ids FROM rejects") == [(["C2"],)]


# --- 3. two rows with one key in one file ------------------------------------------------


def test_identical_repeated_rows_are_duplicates_and_different_ones_all_rejected(cli, db, write):
    path = write(
        "o.csv",
        ORDERS + "O1,c1,2025-01-01,10\nO1,c1,2025-01-01,10.00\n"
        "O2,c2,2025-01-01,10\nO2,c2,2025-01-01,11\nO2,c2,2025-01-01,11\n"
        "O3,c3,2025-01-01,5\n",
    )
    report = ingest_json(cli, db, "orders", path)
    assert (report["read"], report["inserted"], report["duplicates"], report["rejected"]) == (
        6,
        2,
        1,
        3,
    )
    with Workspace.open(db) as ws:
        assert rows(ws, "SELECT order_id, _source_line FROM orders ORDER BY 1") == [
            ("O1", 3),
            ("O3", 7),
        ]
        rejected = rows(
            ws,
            "SELECT line, raw_value, reason, record->>'amount', customer_ids "
            "FROM rejects ORDER BY line",
        )
    assert [r[:2] for r in rejected] == [(4, "O2"), (5, "O2"), (6, "O2")]
    assert rejected[0][2] == (
        "the same key (order_id) as 2 other lines (4 to 6) with other "
        "values: none of them was loaded; keep the right one"
    )
    assert [r[3] for r in rejected] == ["10.0000", "11.0000", "11.0000"]
    assert rejected[0][4] == ["c2"]


def test_a_composite_key_in_conflict_rejects_both_rows_naming_the_other(ws, write):
    path = write(
        "k.csv",
        "customer_id,channel,status,at\nc1,email,granted,2025-01-01\n"
        "c1,email,withdrawn,2025-01-01\nc1,sms,granted,2025-01-01\n",
    )
    report = ingest(ws, "consents", [path]).to_dict()
    assert (report["inserted"], report["rejected"]) == (1, 2)
    assert rows(ws, "SELECT line, field, raw_value, reason FROM rejects ORDER BY line") == [
        (
            2,
            "customer_id, channel, at",
            "c1|email|2025-01-01 00:00:00",
            "the same key (customer_id, channel, at) as line 3 with other values: neither row "
            "was loaded; keep the right one",
        ),
        (
            3,
            "customer_id, channel, at",
            "c1|email|2025-01-01 00:00:00",
            "the same key (customer_id, channel, at) as line 2 with other values: neither row "
            "was loaded; keep the right one",
        ),
    ]


# --- 4. thousands groupings --------------------------------------------------------------


def test_an_ambiguous_grouping_is_rejected_naming_the_flag_that_confirms_it(cli, db, write):
    path = write(
        "o.csv",
        ORDERS + 'O1,c1,2025-01-01,"12,500"\nO2,c1,2025-01-01,"1,234.50"\n'
        'O3,c1,2025-01-01,"1,234,567"\nO4,c1,2025-01-01,"0,500"\n',
    )
    report = ingest_json(cli, db, "orders", path)
    assert (report["inserted"], report["rejected"]) == (2, 2)
    with Workspace.open(db) as ws:
        assert rows(ws, "SELECT order_id, amount::DOUBLE FROM orders ORDER BY 1") == [
            ("O2", 1234.5),
            ("O3", 1234567.0),
        ]
        reasons = dict(rows(ws, "SELECT raw_value, reason FROM rejects"))
    assert "--thousands ," in reasons["12,500"] and "--decimal ," in reasons["12,500"]
    assert "--decimal ," in reasons["0,500"]
    confirmed = ingest_json(cli, db, "orders", path, "--thousands", ",")
    assert confirmed["inserted"] == 1
    with Workspace.open(db) as ws:
        assert rows(ws, "SELECT amount::DOUBLE FROM orders WHERE order_id = 'O1'") == [(12500.0,)]


def test_the_grouping_options_with_decimal_commas_and_none(ws, write):
    path = write(
        "o.csv",
        "order_id;customer_id;ordered_at;amount\nO1;c1;2025-01-01;12.500\n"
        "O2;c1;2025-01-01;1.234,5\nO3;c1;2025-01-01;9,5\n",
    )
    ingest(ws, "orders", [path], ReadOptions(decimal=","))
    assert rows(ws, "SELECT order_id, amount::DOUBLE FROM orders ORDER BY 1") == [
        ("O2", 1234.5),
        ("O3", 9.5),
    ]
    assert "--thousands ." in rows(ws, "SELECT reason FROM rejects")[0][0]
    ingest(ws, "orders", [path], ReadOptions(decimal=",", thousands="."))
    assert rows(ws, "SELECT amount::DOUBLE FROM orders WHERE order_id = 'O1'") == [(12500.0,)]
    strict = write("s.csv", ORDERS + 'S1,c1,2025-01-01,"1,234.5"\nS2,c1,2025-01-01,1234.5\n')
    assert ingest(ws, "orders", [strict], ReadOptions(thousands="none")).total("rejected") == 1
    assert (
        "--thousands none"
        in rows(ws, "SELECT reason FROM rejects WHERE raw_value = '1,234.5'")[0][0]
    )


def test_thousands_equal_to_the_decimal_mark_is_an_option_error(cli, db, write):
    result = cli(
        "ingest", "orders", write("o.csv", ORDERS), "--thousands", ",", "--decimal", ",", "--db", db
    )
    assert result.exit_code == 1
    assert "--thousands , is also the decimal separator" in str(result.exception)


# --- 5. encodings without a byte-order mark ----------------------------------------------

UTF16_ORDERS = ORDERS + "O1,c1,2025-01-01,12\nO2,c2,2025-01-02,3\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_and_loads(cli, db, write, encoding):
    path = write("o.csv", UTF16_ORDERS, encoding=encoding)
    assert detect_encoding(path) == encoding
    assert ingest_json(cli, db, "orders", path)["inserted"] == 2
    with Workspace.open(db) as ws:
        assert rows(ws, "SELECT order_id, customer_id FROM orders ORDER BY 1") == [
            ("O1", "c1"),
            ("O2", "c2"),
        ]


def test_a_header_full_of_nul_bytes_is_named_with_the_encoding_option(cli, db, write):
    path = write("o.csv", UTF16_ORDERS, encoding="utf-32-le")
    result = cli("ingest", "orders", path, "--db", db)
    assert result.exit_code == 1
    assert "without a byte-order mark" in result.stderr and "--encoding" in result.stderr
    assert "\\x00" not in result.stderr


# --- 6. common spellings -----------------------------------------------------------------


def test_whole_numbers_with_zero_decimals_and_spellings_of_missing_are_read(cli, db, write):
    path = write(
        "s.csv",
        "response_id,customer_id,answered_at,nps,csat,ces,comment\n"
        "S1,c1,2025-01-01,9.0,NA,-,N/A\nS2,c1,2025-01-01,10,n/a,3.00,fine\n"
        "S3,c1,NA,7,4,2,\nS4,c1,2025-01-01,9.5,4,2,\n",
    )
    report = ingest_json(cli, db, "survey_responses", path)
    assert (report["inserted"], report["rejected"]) == (2, 2)
    with Workspace.open(db) as ws:
        assert rows(
            ws, "SELECT response_id, nps, csat, ces, comment FROM survey_responses ORDER BY 1"
        ) == [("S1", 9, None, None, None), ("S2", 10, None, 3, "fine")]
        assert rows(ws, "SELECT raw_value, reason FROM rejects ORDER BY line") == [
            ("NA", "missing (required): NA, N/A and - mean no value"),
            ("9.5", "not a whole number"),
        ]


# --- 7. importing the same rejects again -------------------------------------------------


def test_reimporting_does_not_store_the_same_rejects_again(cli, db, write):
    bad = ORDERS + "O1,c1,2025-01-01,abc\nO2,c1,31/02/2025,1\nO3,c1,2025-01-01,1\n"
    first = ingest_json(cli, db, "orders", write("a.csv", bad))
    assert (first["rejected"], first["already_rejected"]) == (2, 0)
    again = ingest_json(cli, db, "orders", write("a.csv", bad))
    assert (again["rejected"], again["already_rejected"]) == (2, 2)
    other = write("b.csv", ORDERS + "O1,c1,2025-01-01,abc\nO4,c1,2025-01-01,xyz\n")
    result = cli("ingest", "orders", other, "--db", db)
    assert result.exit_code == 0
    assert "2 rejected rows (1 already recorded by an earlier import" in result.stdout
    with Workspace.open(db) as ws:
        assert rows(ws, "SELECT raw_value, count(*) FROM rejects GROUP BY 1 ORDER BY 1") == [
            ("31/02/2025", 1),
            ("abc", 1),
            ("xyz", 1),
        ]
        assert rows(ws, "SELECT rejected FROM batches ORDER BY batch_id") == [(2,), (2,), (2,)]
    fully = cli("ingest", "orders", other, "--db", db)
    assert "all already recorded by an earlier import" in fully.stdout


# --- 8. file names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("ordini.csv", "ordini.csv"),
        ("/tmp/x/../ordini.csv", "ordini.csv"),
        ("C:\\Users\\anna\\Ordini Marzo.csv", "Ordini Marzo.csv"),
        ("or\x07di\nni.csv", "ordini.csv"),
        ("..", "upload.csv"),
        ("", "upload.csv"),
        (None, "upload.csv"),
    ],
)
def test_client_file_names_are_reduced_to_a_clean_base_name(raw, clean):
    assert clean_file_name(raw) == clean


def test_a_long_file_name_keeps_its_extension():
    name = clean_file_name("a" * 500 + ".parquet")
    assert len(name) <= 200 and name.endswith(".parquet")


# --- 9. configuration errors -------------------------------------------------------------


def test_a_bad_memory_setting_is_an_error_when_used_not_at_import(ws, write, monkeypatch):
    monkeypatch.setenv("LEGAME_INGEST_MEMORY_LIMIT", "lots")
    with pytest.raises(InputError, match="LEGAME_INGEST_MEMORY_LIMIT='lots' is not a size"):
        ingest(ws, "orders", [write("o.csv", ORDERS)])


@pytest.mark.parametrize(
    ("variable", "command"),
    [("LEGAME_INGEST_MEMORY_LIMIT", "ingest"), ("LEGAME_SCORE_MEMORY_LIMIT", "score")],
)
def test_an_invalid_memory_setting_is_one_line_from_the_command_that_uses_it(
    db, write, variable, command
):
    """It used to be read at import: every command printed a traceback."""
    path = write("o.csv", ORDERS + "O1,c1,2025-01-01,10\nO2,c1,2025-02-01,10\n")
    with Workspace.open(db) as ws:
        ingest(ws, "orders", [path])
    env = {variable: "lots"}
    assert run_legame("status", "--db", db, env=env).returncode == 0
    args = ("ingest", "orders", path) if command == "ingest" else ("score",)
    result = run_legame(*args, "--db", db, env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {variable}='lots' is not a size such as 1GB or 512MB."
    ]
