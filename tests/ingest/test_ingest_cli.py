"""`legame ingest` and `legame rejects` as a user types them."""

from __future__ import annotations

import json

from tests.conftest import run_legame

ORDERS = """Numero Ordine;Cliente;Data;Importo
A1;c1;01/02/2025;1.234,56
A2;c2;31/02/2025;12,50
A3;c3;02/02/2025;dodici
"""
ITALIAN_FLAGS = [
    "--map",
    "order_id=Numero Ordine",
    "--map",
    "customer_id=Cliente",
    "--map",
    "ordered_at=Data",
    "--map",
    "amount=Importo",
    "--decimal",
    ",",
    "--date-format",
    "%d/%m/%Y",
]


def test_ingest_json_prints_the_documented_object(cli, db, write) -> None:
    path = write("ordini.csv", ORDERS)
    result = cli("ingest", "orders", path, *ITALIAN_FLAGS, "--db", db, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    for key in (
        "table",
        "files",
        "read",
        "inserted",
        "updated",
        "duplicates",
        "rejected",
        "batch_id",
    ):
        assert key in payload
    assert (payload["table"], payload["read"], payload["inserted"], payload["rejected"]) == (
        "orders",
        3,
        1,
        2,
    )
    assert payload["batch_id"] == 1
    assert payload["files"][0]["path"] == str(path)


def test_ingest_text_says_how_many_were_rejected_and_how_to_list_them(cli, db, write) -> None:
    result = cli("ingest", "orders", write("o.csv", ORDERS), *ITALIAN_FLAGS, "--db", db)
    assert result.exit_code == 0
    assert "2 rejected" in result.stdout
    assert "legame rejects --batch 1" in result.stdout


def test_rejects_lists_file_line_field_value_and_reason(cli, db, write) -> None:
    path = write("o.csv", ORDERS)
    cli("ingest", "orders", path, *ITALIAN_FLAGS, "--db", db)
    result = cli("rejects", "--batch", "1", "--db", db, "--json")
    payload = json.loads(result.stdout)
    assert payload["total"] == 2
    first, second = payload["rejects"]
    assert (first["file"], first["line"], first["field"], first["value"]) == (
        str(path),
        3,
        "ordered_at",
        "31/02/2025",
    )
    assert (second["line"], second["field"], second["value"], second["reason"]) == (
        4,
        "amount",
        "dodici",
        "not a number",
    )
    text = cli("rejects", "--db", db)
    assert "31/02/2025" in text.stdout and "ordered_at" in text.stdout


def test_ingest_exits_1_when_a_file_cannot_be_used_but_loads_the_rest(db, write) -> None:
    good = write("good.csv", "order_id,customer_id,ordered_at,amount\nO1,c1,2025-01-01,1\n")
    bad = write("bad.csv", "x,y\n1,2\n")
    result = run_legame("ingest", "orders", bad, good, "--db", db)
    assert result.returncode == 1
    assert "bad.csv: no column for the required field(s) order_id" in result.stderr
    assert "1 inserted" in result.stdout


def test_bad_map_syntax_is_one_red_line(db, write) -> None:
    result = run_legame("ingest", "orders", write("o.csv", "a\n"), "--map", "order_id", "--db", db)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: --map expects FIELD=COLUMN")
    assert "Traceback" not in result.stderr


def test_status_counts_rows_per_table(cli, db, write) -> None:
    cli("ingest", "orders", write("o.csv", ORDERS), *ITALIAN_FLAGS, "--db", db)
    payload = json.loads(cli("status", "--db", db, "--json").stdout)
    assert payload["tables"]["orders"] == 1
    assert payload["implicit_customers"] == 1
    assert payload["rejects"] == 2
