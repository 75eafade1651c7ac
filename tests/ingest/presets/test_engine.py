"""The engine's parts on their own: reading a preset file, the steps, linking by e-mail."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from legame.errors import InputError
from legame.ingest.presets import read_preset
from legame.ingest.presets.collapse import CollapseRows
from legame.ingest.presets.consents import consent_rows, parse_consent
from legame.ingest.presets.frame import Run
from legame.ingest.presets.numbers import Number
from legame.ingest.presets.reader import Keys
from legame.ingest.presets.steps import Coalesce, Timestamp
from tests.ingest.presets.helpers import load, rows

GOOD = """vendor = "Shop"
source = "https://example.com/docs"
[exports.orders]
table = "orders"
require = ["order_id"]
[exports.orders.columns]
order_id = "Number"
customer_id = "Client"
ordered_at = "Date"
amount = "Total"
"""


def _preset(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_preset_reads(tmp_path) -> None:
    preset = read_preset(_preset(tmp_path, GOOD), "workspace")
    assert preset.tables() == ("orders",) and preset.source == ("https://example.com/docs",)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda t: t.replace('source = "https://example.com/docs"\n', ""), "key source: missing"),
        (lambda t: t.replace('table = "orders"', 'table = "order"'), "key exports.orders.table"),
        (lambda t: t.replace('amount = "Total"\n', ""), "required field(s) amount"),
        (lambda t: t.replace('["order_id"]', '["number"]'), "key exports.orders.require"),
        (
            lambda t: t + '[[exports.orders.transforms]]\nkind = "explode"\n',
            "key exports.orders.transforms[1].kind: unknown transform 'explode'",
        ),
        (
            lambda t: (
                t + '[[exports.orders.transforms]]\nkind = "map_values"\ncolumn = "x"\n'
                'values = { a = "b" }\n'
            ),
            "transforms[1]: reads 'x'",
        ),
        (
            lambda t: (
                t + '[[exports.orders.consents]]\nchannel = "email"\nstatus = "maybe"\n'
                'at = ["ordered_at"]\n'
            ),
            "key exports.orders.consents[1].status",
        ),
        (lambda t: t.replace('order_id = "Number"', "order_id = 3"), "columns.order_id"),
        (lambda t: t + "oops", "not a valid TOML file"),
    ],
)
def test_a_malformed_preset_is_an_input_error_naming_the_file_and_key(
    tmp_path, change, key
) -> None:
    path = _preset(tmp_path, change(GOOD))
    with pytest.raises(InputError) as caught:
        read_preset(path, "workspace")
    assert str(path) in str(caught.value) and key in str(caught.value)


def _run() -> Run:
    return Run(con=None, preset="t", language="en", label="f.csv")  # type: ignore[arg-type]


def test_collapse_rows_joins_a_group_that_goes_on_in_the_next_batch() -> None:
    step = CollapseRows(
        Keys({"kind": "collapse_rows", "key": "k", "quantity": "q"}, file=Path("t"), where="x")
    )
    first = pa.table(
        {"_line": [2, 3, 4], "k": ["A", "B", "B"], "q": ["1", "2", "1"], "t": ["9", "5", ""]}
    )
    second = pa.table({"_line": [5, 6], "k": ["B", "C"], "q": ["4", "1"], "t": ["", "7"]})
    out = [step.apply(first, _run()), step.apply(second, _run()), step.finish(_run())]
    table = pa.concat_tables([t for t in out if t is not None])
    assert table.column("k").to_pylist() == ["A", "B", "C"]
    assert table.column("_line").to_pylist() == [2, 3, 6]
    assert table.column("t").to_pylist() == ["9", "5", "7"]
    assert table.column("line_items").to_pylist() == ["1", "3", "1"]
    assert table.column("items_quantity").to_pylist() == ["1", "7", "1"]


def test_a_timestamp_with_an_offset_is_kept_as_the_utc_instant_and_others_pass_on() -> None:
    step = Timestamp(
        Keys(
            {"kind": "timestamp", "columns": ["t"], "formats": ["%Y-%m-%d %H:%M:%S %z"]},
            file=Path("t"),
            where="x",
        )
    )
    frame = pa.table(
        {
            "_line": [2, 3, 4],
            "t": ["2024-05-14 10:22:31 +0200", "2024-01-02 23:30:00 -0500", "soon"],
        }
    )
    assert step.apply(frame, _run()).column("t").to_pylist() == [
        "2024-05-14 08:22:31",
        "2024-01-03 04:30:00",
        "soon",
    ]


def test_the_same_customer_across_shopify_and_mailchimp_is_one_customer_by_email(ws) -> None:
    """Shopify's customers export writes GIULIA.ROSSI@example.com, Mailchimp's audience
    giulia.rossi@EXAMPLE.com: one customer, each tool's id linked to it."""
    load(ws, "customers", "shopify", "shopify/customers_en.csv")
    load(ws, "orders", "shopify", "shopify/orders_en.csv")  # Giulia.Rossi@Example.com
    load(ws, "customers", "mailchimp", "mailchimp/subscribed_en.csv")
    giulia = rows(ws, "SELECT * FROM customers WHERE lower(email) = 'giulia.rossi@example.com'")
    assert [c["customer_id"] for c in giulia] == ["giulia.rossi@example.com"]
    assert rows(ws, "SELECT customer_id FROM orders WHERE order_id = '#1001'")[0][
        "customer_id"
    ] == ("giulia.rossi@example.com")
    links = rows(
        ws,
        "SELECT system, external_id FROM customer_links "
        "WHERE customer_id = 'giulia.rossi@example.com' ORDER BY system",
    )
    assert [(k["system"], k["external_id"]) for k in links] == [
        ("mailchimp", "a1b2c3d4e5"),
        ("shopify", "7012345001"),
    ]


def test_an_email_finds_a_customer_loaded_earlier_under_another_id(ws, write) -> None:
    path = write("crm.csv", "customer_id,email\nC-7,Marco.Bianchi@Example.com\n")
    from legame.ingest import ingest

    ingest(ws, "customers", [path])
    load(ws, "orders", "shopify", "shopify/orders_en.csv")
    assert (
        rows(ws, "SELECT customer_id FROM orders WHERE order_id = '#1002'")[0]["customer_id"]
        == "C-7"
    )


def _keys(raw: dict[str, object]) -> Keys:
    return Keys(raw, file=Path("t"), where="x")


@pytest.mark.parametrize(
    ("language", "written", "number", "currency"),
    [
        ("en", "€1,234.50", "1234.50", "EUR"),
        ("it", "1.234,50 €", "1234.50", "EUR"),
        ("es", "1234,50\u00a0€", "1234.50", "EUR"),  # a no-break space, as CLDR writes it
        ("it", "90.00", "90.00", None),  # plain decimals are kept whatever the language
        ("en", "-£5.00", "-5.00", "GBP"),
        ("en", "USD 12.5", "12.5", "USD"),
        ("en", "$12.50", "12.50", None),  # "$" names several currencies: not guessed
        ("it", "abc", "abc", None),  # not a number: passed on for validation to reject
    ],
)
def test_number_reads_amounts_formatted_for_the_header_language(
    language, written, number, currency
) -> None:
    step = Number(
        _keys(
            {
                "kind": "number",
                "columns": ["amount"],
                "decimal": {"en": ".", "it": ",", "es": ","},
                "currency": "currency",
            }
        )
    )
    run = Run(con=None, preset="t", language=language, label="f.csv")  # type: ignore[arg-type]
    out = step.apply(pa.table({"_line": [2], "amount": [written]}), run)
    assert out.column("amount").to_pylist() == [number]
    assert out.column("currency").to_pylist() == [currency]


def test_number_keeps_a_currency_the_file_gives_and_checks_its_decimal_mark() -> None:
    step = Number(_keys({"kind": "number", "columns": ["a"], "decimal": ",", "currency": "c"}))
    out = step.apply(pa.table({"_line": [2], "a": ["5,00 €"], "c": ["CHF"]}), _run())
    assert (out.column("a").to_pylist(), out.column("c").to_pylist()) == (["5.00"], ["CHF"])
    with pytest.raises(InputError, match=r"key x\.decimal\.it: must be"):
        Number(_keys({"kind": "number", "columns": ["a"], "decimal": {"it": ";"}}))


def test_coalesce_takes_the_first_non_empty_column_row_by_row() -> None:
    step = Coalesce(_keys({"kind": "coalesce", "into": "t", "columns": ["a", "b"]}))
    frame = pa.table({"_line": [2, 3, 4], "a": ["1", " ", None], "b": ["x", "2", None]})
    assert step.apply(frame, _run()).column("t").to_pylist() == ["1", "2", None]


def test_a_consent_word_mapped_to_nothing_and_a_missing_needed_column_make_no_event() -> None:
    consent = parse_consent(
        _keys(
            {
                "channel": "sms",
                "column": "blocked",
                "values": {"yes": "withdrawn", "no": ""},
                "at": ["t"],
                "needs": ["phone"],
            }
        )
    )
    frame = pa.table(
        {
            "_line": [2, 3, 4],
            "customer_id": ["a", "b", "c"],
            "blocked": ["yes", "no", "yes"],
            "phone": ["+39 1", "+39 2", ""],
            "t": ["2024-05-01 10:00:00"] * 3,
        }
    )
    events = consent_rows(frame, (consent,), "customer_id")
    assert events.column("customer_id").to_pylist() == ["a"]
    assert events.column("status").to_pylist() == ["withdrawn"]
    assert "no → no event" in consent.describe() and "if phone given" in consent.describe()
    with pytest.raises(InputError, match='granted, withdrawn or "" '):
        parse_consent(_keys({"channel": "email", "column": "c", "values": {"x": "no"}, "at": "t"}))


def test_the_new_transforms_and_keys_read_from_a_preset_file(tmp_path) -> None:
    text = GOOD.replace('amount = "Total"', 'amount = "Total"\nmail = "Mail"\nphone = "Phone"')
    text += (
        '[[exports.orders.transforms]]\nkind = "number"\ncolumns = ["amount"]\n'
        'decimal = { en = ".", it = "," }\ncurrency = "currency"\n'
        '[[exports.orders.transforms]]\nkind = "coalesce"\ninto = "channel"\n'
        'columns = ["mail", "phone"]\n'
        '[[exports.orders.consents]]\nchannel = "sms"\ncolumn = "mail"\n'
        'values = { y = "granted", n = "" }\nat = ["ordered_at"]\nneeds = ["phone"]\n'
    )
    export = read_preset(_preset(tmp_path, text), "workspace").exports["orders"]
    assert [s.kind for s in export.steps] == ["number", "coalesce"]
    assert export.written() == ("amount", "currency", "channel")
    assert export.consents[0].needs == ("phone",)
    broken = text.replace('needs = ["phone"]', 'needs = ["fax"]')
    with pytest.raises(InputError, match=r"consents\[1\]: reads 'fax'"):
        read_preset(_preset(tmp_path, broken), "workspace")


def test_erasing_a_customer_found_by_email_erases_every_tool_s_link(ws) -> None:
    """The links (each tool's id and the e-mail it was found by) are the customer's
    personal data: `legame forget` erases them with the rest, and neither the e-mail nor a
    tool's id is left in the file."""
    from legame.store.erasure import forget

    load(ws, "customers", "shopify", "shopify/customers_en.csv")
    load(ws, "orders", "shopify", "shopify/orders_en.csv")
    load(ws, "customers", "mailchimp", "mailchimp/subscribed_en.csv")
    who = "giulia.rossi@example.com"
    assert (
        rows(ws, "SELECT count(*) AS n FROM customer_links WHERE customer_id = ?", [who])[0]["n"]
        == 2
    )
    erased = forget(ws, who)
    assert erased.rows_removed["customer_links"] == 2
    assert erased.found_in_file == 0
    left = rows(
        ws,
        "SELECT count(*) AS n FROM customer_links WHERE customer_id = ? OR lower(email) = ? "
        "OR external_id IN ('7012345001', 'a1b2c3d4e5')",
        [who, who],
    )
    assert left[0]["n"] == 0
