"""The Shopify preset: the orders export (one row per line item) and the customers export."""

from __future__ import annotations

from tests.ingest.presets.helpers import at, extra, load, money, rows


def test_an_orders_export_loads_one_order_per_group_of_line_items_with_every_field(ws) -> None:
    report = load(ws, "orders", "shopify", "shopify/orders_en.csv").to_dict()
    assert (report["read"], report["inserted"], report["rejected"]) == (5, 4, 1)
    assert report["files"][0]["preset"] == "shopify/orders"
    orders = {r["order_id"]: r for r in rows(ws, "SELECT * FROM orders")}
    assert sorted(orders) == ["#1001", "#1002", "#1003", "#1004"]
    expected = {
        # order: customer, ordered_at (UTC, from +0200), amount, channel, status
        "#1001": ("giulia.rossi@example.com", "2024-05-14 08:22:31", "90.00", "web", "completed"),
        "#1002": ("marco.bianchi@example.com", "2024-05-15 06:59:10", "42.50", "web", "refunded"),
        "#1003": (
            "lucia.garcia@example.com",
            "2024-05-16 16:05:00",
            "120.00",
            "store",
            "completed",
        ),
        "#1004": ("paolo.verdi@example.com", "2024-05-17 10:00:00", "15.00", "web", "cancelled"),
    }
    for order_id, (customer, ordered, amount, channel, status) in expected.items():
        row = orders[order_id]
        assert row["customer_id"] == customer
        assert row["ordered_at"] == at(ordered)
        assert row["amount"] == money(amount)
        assert row["currency"] == "EUR"
        assert (row["channel"], row["status"]) == (channel, status)
    # The order keeps its first row's line; its items are counted into _extra.
    assert [orders[o]["_source_line"] for o in expected] == [2, 4, 5, 8]
    first, partly = extra(orders["#1001"]), extra(orders["#1003"])
    assert (first["line_items"], first["items_quantity"]) == ("2", "3")
    assert [i["item_name"] for i in __import__("json").loads(first["items"])] == [
        "Tazza in ceramica",
        "Teiera",
    ]
    assert (partly["line_items"], partly["items_quantity"]) == ("3", "4")
    assert (
        partly["refunded_amount"] == "10.00" and partly["financial_status"] == "partially_refunded"
    )
    assert extra(orders["#1002"])["refunded_amount"] == "42.50"
    assert extra(orders["#1004"])["cancelled_at"] == "2024-05-18 07:00:00"


def test_columns_the_preset_does_not_name_are_kept_in_extra_under_their_header(ws) -> None:
    load(ws, "orders", "shopify", "shopify/orders_en.csv")
    kept = extra(rows(ws, "SELECT _extra FROM orders WHERE order_id = '#1001'")[0])
    assert kept["Billing City"] == "Milano" and kept["Tags"] == "vip"
    assert kept["Fulfillment Status"] == "fulfilled"


def test_a_bad_order_lands_in_rejects_with_its_line_field_value_and_reason(ws) -> None:
    load(ws, "orders", "shopify", "shopify/orders_en.csv")
    rejects = rows(ws, "SELECT * FROM rejects WHERE table_name = 'orders'")
    assert [(r["line"], r["field"], r["raw_value"], r["reason"]) for r in rejects] == [
        (9, "amount", "abc", "not a number")
    ]
    assert rejects[0]["source_file"].endswith("orders_en.csv")


def test_accepts_marketing_becomes_consent_events_at_the_order_time_in_the_same_file(ws) -> None:
    report = load(ws, "orders", "shopify", "shopify/orders_en.csv").to_dict()
    also = report["files"][0]["also"]
    assert [(a["table"], a["inserted"]) for a in also] == [("consents", 5)]
    events = rows(ws, 'SELECT * FROM consents ORDER BY "at"')
    assert [(e["customer_id"], e["channel"], e["status"], e["at"]) for e in events][:2] == [
        ("giulia.rossi@example.com", "email", "granted", at("2024-05-14 08:22:31")),
        ("marco.bianchi@example.com", "email", "withdrawn", at("2024-05-15 06:59:10")),
    ]
    batches = rows(ws, "SELECT table_name, source_file FROM batches ORDER BY batch_id")
    assert [b["table_name"] for b in batches] == ["orders", "consents"]


def test_reimporting_the_same_export_adds_nothing(ws) -> None:
    load(ws, "orders", "shopify", "shopify/orders_en.csv")
    again = load(ws, "orders", "shopify", "shopify/orders_en.csv").to_dict()
    assert (again["inserted"], again["updated"], again["duplicates"]) == (0, 0, 4)
    assert again["already_rejected"] == 1
    also = again["files"][0]["also"][0]
    assert (also["inserted"], also["duplicates"]) == (0, 5)
    assert ws.count("orders") == 4 and ws.count("consents") == 5
    assert rows(ws, "SELECT count(*) AS n FROM rejects")[0]["n"] == 1


def test_a_customers_export_keys_customers_by_email_and_links_the_shopify_id(ws) -> None:
    report = load(ws, "customers", "shopify", "shopify/customers_en.csv").to_dict()
    assert (report["inserted"], report["files"][0]["links"]) == (3, 3)
    customers = {r["customer_id"]: r for r in rows(ws, "SELECT * FROM customers")}
    giulia = customers["giulia.rossi@example.com"]
    assert giulia["email"] == "giulia.rossi@example.com"  # GIULIA.ROSSI@ in the file
    assert (giulia["phone"], giulia["country"]) == ("+39 02 0000001", "IT")
    assert (giulia["created_at"], giulia["language"], giulia["time_zone"]) == (None, None, None)
    assert extra(giulia)["first_name"] == "Giulia" and extra(giulia)["total_orders"] == "1"
    assert customers["lucia.garcia@example.com"]["country"] == "ES"
    links = rows(ws, "SELECT * FROM customer_links ORDER BY external_id")
    assert (links[0]["system"], links[0]["external_id"], links[0]["customer_id"]) == (
        "shopify",
        "7012345001",
        "giulia.rossi@example.com",
    )
