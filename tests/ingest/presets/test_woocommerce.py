"""The WooCommerce preset: order-export plugins' files (per item or per order) and the
Analytics orders report, in English, Italian and Spanish."""

from __future__ import annotations

import json

import pytest

from tests.ingest.presets.helpers import at, extra, load, money, rows

# sample -> order -> (customer, ordered_at, amount in EUR, status, line items, quantity)
ORDERS = {
    "woocommerce/orders_en.csv": {
        "2001": ("giulia.rossi@example.com", "2024-05-14 10:22:31", "90.00", "completed", 2, 3),
        "2002": ("marco.bianchi@example.com", "2024-05-15 08:59:10", "42.50", "refunded", 1, 1),
        "2003": ("lucia.garcia@example.com", "2024-05-16 18:05:00", "120.00", "completed", 3, 4),
        "2004": ("paolo.verdi@example.com", "2024-05-17 12:00:00", "15.00", "cancelled", 1, 1),
        "2005": ("anna.neri@example.com", "2024-05-18 09:30:00", "30.00", "cancelled", 1, 1),
    },
    "woocommerce/orders_it.csv": {
        "3101": ("paolo.verdi@example.com", "2024-05-14 10:22:00", "1250.00", "completed", 2, 3),
        "3102": ("anna.neri@example.com", "2024-05-15 09:05:00", "39.90", "refunded", 1, 1),
        "3103": ("marco.bianchi@example.com", "2024-05-16 17:45:00", "12.50", "cancelled", 1, 1),
    },
    "woocommerce/orders_es.csv": {
        "4201": ("lucia.garcia@example.com", "2024-06-05 11:15:00", "64.50", "completed", 1, 1),
        "4202": ("pedro.lopez@example.com", "2024-06-06 12:00:00", "18.00", "refunded", 1, 2),
        "4203": ("carmen.ruiz@example.com", "2024-06-07 08:30:00", "27.00", "cancelled", 1, 3),
    },
}

# sample -> order -> (customer as the report names it, ordered_at, net sales, status)
ANALYTICS = {
    "woocommerce/analytics_en.csv": {
        "2001": ("Giulia Rossi", "2024-05-14 10:22:31", "85.00", "completed"),
        "2002": ("Marco Bianchi", "2024-05-15 08:59:10", "42.50", "refunded"),
        "2003": ("Lucia Garcia", "2024-05-16 18:05:00", "105.00", "completed"),
        "2004": ("Paolo Verdi", "2024-05-17 12:00:00", "15.00", "cancelled"),
    },
    "woocommerce/analytics_it.csv": {
        "3101": ("Paolo Verdi", "2024-05-14 10:22:31", "1250.00", "completed"),
        "3102": ("Anna Neri", "2024-05-15 09:05:00", "39.90", "refunded"),
    },
    "woocommerce/analytics_es.csv": {
        "4201": ("Lucía García", "2024-06-05 11:15:42", "59.50", "completed"),
        "4203": ("Carmen Ruiz", "2024-06-07 08:30:00", "27.00", "cancelled"),
    },
}


@pytest.mark.parametrize("sample", sorted(ORDERS))
def test_a_plugin_orders_export_loads_one_order_per_group_with_every_field(ws, sample) -> None:
    report = load(ws, "orders", "woocommerce", sample).to_dict()
    assert report["files"][0]["preset"] == "woocommerce/orders"
    assert report["files"][0]["language"] == sample[-6:-4]
    orders = {r["order_id"]: r for r in rows(ws, "SELECT * FROM orders")}
    assert sorted(orders) == sorted(ORDERS[sample])
    for order_id, values in ORDERS[sample].items():
        customer, ordered, amount, status, lines, quantity = values
        row = orders[order_id]
        assert row["customer_id"] == customer
        assert row["ordered_at"] == at(ordered)
        assert row["amount"] == money(amount)
        assert (row["currency"], row["channel"], row["status"]) == ("EUR", "web", status)
        kept = extra(row)
        assert (kept["line_items"], kept["items_quantity"]) == (str(lines), str(quantity))
        assert kept["email"] == customer  # the billing e-mail, lower case


def test_line_items_partial_refunds_and_plugin_columns_are_kept_in_extra(ws) -> None:
    load(ws, "orders", "woocommerce", "woocommerce/orders_en.csv")
    orders = {r["order_id"]: r for r in rows(ws, "SELECT * FROM orders")}
    first = extra(orders["2001"])
    assert [i["item_name"] for i in json.loads(first["items"])] == ["Tazza in ceramica", "Teiera"]
    assert first["order_status"] == "wc-completed" and first["payment_method"] == "Credit card"
    assert (first["first_name"], first["country"]) == ("Giulia", "IT")
    assert first["City (Billing)"] == "Milano"  # a column the preset does not name
    assert first["Customer Note"] == "Leave at the door"
    partly = extra(orders["2003"])  # processing, 10.00 of 120.00 refunded
    assert (partly["refunded_amount"], orders["2003"]["status"]) == ("10.00", "completed")
    assert [orders[o]["_source_line"] for o in ("2001", "2002", "2003", "2004")] == [2, 4, 5, 8]


def test_italian_amounts_with_decimal_commas_and_thousands_dots_are_read(ws) -> None:
    load(ws, "orders", "woocommerce", "woocommerce/orders_it.csv")
    sofa = rows(ws, "SELECT * FROM orders WHERE order_id = '3101'")[0]
    assert sofa["amount"] == money("1250.00")  # "1.250,00"
    assert json.loads(extra(sofa)["items"])[0]["item_price"] == "1200.00"  # "1.200,00"


def test_a_custom_status_is_rejected_with_its_line_and_word(ws) -> None:
    report = load(ws, "orders", "woocommerce", "woocommerce/orders_en.csv").to_dict()
    assert (report["read"], report["inserted"], report["rejected"]) == (6, 5, 1)
    rejects = rows(ws, "SELECT * FROM rejects")
    assert [(r["line"], r["field"], r["raw_value"]) for r in rejects] == [
        (10, "status", "wc-shipped")
    ]


@pytest.mark.parametrize("sample", sorted(ANALYTICS))
def test_the_analytics_report_loads_with_the_customer_as_named(ws, sample) -> None:
    report = load(ws, "orders", "woocommerce", sample).to_dict()
    assert report["files"][0]["preset"] == "woocommerce/analytics"
    assert report["files"][0]["language"] == sample[-6:-4]
    orders = {r["order_id"]: r for r in rows(ws, "SELECT * FROM orders")}
    assert sorted(orders) == sorted(ANALYTICS[sample])
    for order_id, (customer, ordered, amount, status) in ANALYTICS[sample].items():
        row = orders[order_id]
        assert row["customer_id"] == customer
        assert row["ordered_at"] == at(ordered)
        assert row["amount"] == money(amount)
        assert (row["currency"], row["channel"], row["status"]) == (None, "web", status)
        assert extra(row)["products"] and extra(row)["items_sold"] and extra(row)["origin"]


def test_a_refund_row_of_the_analytics_report_is_rejected_and_its_order_says_refunded(ws) -> None:
    """The report lists a refund as a row of its own: the order's number again, negative
    net sales. The order keeps its total and its status; the refund row is a reject."""
    report = load(ws, "orders", "woocommerce", "woocommerce/analytics_en.csv").to_dict()
    assert (report["read"], report["inserted"], report["rejected"]) == (5, 4, 1)
    rejects = rows(ws, "SELECT * FROM rejects")
    assert [(r["line"], r["field"], r["raw_value"]) for r in rejects] == [(2, "amount", "-42.50")]
    assert "at least 0" in rejects[0]["reason"]
    order = rows(ws, "SELECT * FROM orders WHERE order_id = '2002'")[0]
    assert (order["amount"], order["status"]) == (money("42.50"), "refunded")


def test_reimporting_a_woocommerce_export_adds_nothing(ws) -> None:
    load(ws, "orders", "woocommerce", "woocommerce/orders_en.csv")
    again = load(ws, "orders", "woocommerce", "woocommerce/orders_en.csv").to_dict()
    assert (again["inserted"], again["updated"], again["duplicates"]) == (0, 0, 5)
    assert again["already_rejected"] == 1
    assert ws.count("orders") == 5
