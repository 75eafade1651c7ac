"""The PrestaShop preset: the back office's orders and customers exports, in English,
Italian and Spanish (";"-separated, totals formatted with the currency)."""

from __future__ import annotations

import pytest

from tests.ingest.presets.helpers import at, extra, load, money, rows

# sample -> order -> (customer as the back office shows it, date, amount, status)
ORDERS = {
    "prestashop/orders_en.csv": {
        "101": ("G. Rossi", "2024-05-14 10:22:31", "90.00", "completed"),
        "102": ("M. Bianchi", "2024-05-15 08:59:10", "42.50", "refunded"),
        "103": ("L. Garcia", "2024-05-16 18:05:00", "1120.00", "completed"),
        "104": ("P. Verdi", "2024-05-17 12:00:00", "15.00", "cancelled"),
    },
    "prestashop/orders_it.csv": {
        "201": ("P. Verdi", "2024-05-14 10:22:31", "1250.00", "completed"),
        "202": ("A. Neri", "2024-05-15 09:05:00", "39.90", "refunded"),
        "203": ("P. Verdi", "2024-05-16 17:45:00", "12.50", "cancelled"),
    },
    "prestashop/orders_es.csv": {
        "301": ("L. García", "2024-06-05 11:15:42", "64.50", "completed"),
        "302": ("P. López", "2024-06-06 12:00:00", "18.00", "refunded"),
        "303": ("C. Ruiz", "2024-06-07 08:30:00", "27.00", "cancelled"),
    },
}

# sample -> customer -> (registration, PrestaShop id, sales, consent channels granted)
CUSTOMERS = {
    "prestashop/customers_en.csv": {
        "giulia.rossi@example.com": ("2024-03-01 09:15:00", "11", "90.00", ["email"]),
        "marco.bianchi@example.com": ("2024-04-02 14:00:00", "12", "42.50", []),
        "lucia.garcia@example.com": (
            "2023-11-10 08:00:00",
            "13",
            "1120.00",
            ["email", "partner_offers"],
        ),
    },
    "prestashop/customers_it.csv": {
        "paolo.verdi@example.com": (
            "2024-01-20 18:30:00",
            "21",
            "1262.50",
            ["email", "partner_offers"],
        ),
        "anna.neri@example.com": ("2024-02-11 07:45:00", "22", "39.90", ["partner_offers"]),
    },
    "prestashop/customers_es.csv": {
        "lucia.garcia@example.com": ("2024-05-30 20:00:00", "31", "64.50", ["email"]),
        "pedro.lopez@example.com": ("2024-06-01 10:00:00", "32", None, []),
    },
}


@pytest.mark.parametrize("sample", sorted(ORDERS))
def test_an_orders_export_loads_every_field_with_formatted_totals_read(ws, sample) -> None:
    report = load(ws, "orders", "prestashop", sample).to_dict()
    assert report["files"][0]["preset"] == "prestashop/orders"
    assert report["files"][0]["language"] == sample[-6:-4]
    orders = {r["order_id"]: r for r in rows(ws, "SELECT * FROM orders")}
    assert sorted(orders) == sorted(ORDERS[sample])
    for order_id, (customer, ordered, amount, status) in ORDERS[sample].items():
        row = orders[order_id]
        assert row["customer_id"] == customer
        assert row["ordered_at"] == at(ordered)
        assert row["amount"] == money(amount)
        assert (row["currency"], row["channel"], row["status"]) == ("EUR", "web", status)
        kept = extra(row)
        assert kept["reference"] and kept["payment"] and kept["order_status"]
        assert kept["new_client"] in ("yes", "no")


def test_a_shop_own_order_state_is_rejected_with_its_name(ws) -> None:
    report = load(ws, "orders", "prestashop", "prestashop/orders_en.csv").to_dict()
    assert (report["read"], report["inserted"], report["rejected"]) == (5, 4, 1)
    rejects = rows(ws, "SELECT * FROM rejects")
    assert [(r["line"], r["field"], r["raw_value"]) for r in rejects] == [
        (6, "status", "Shipped to locker")
    ]


@pytest.mark.parametrize("sample", sorted(CUSTOMERS))
def test_a_customers_export_loads_customers_links_and_ticked_boxes_as_consents(ws, sample) -> None:
    report = load(ws, "customers", "prestashop", sample).to_dict()
    assert report["files"][0]["preset"] == "prestashop/customers"
    assert report["files"][0]["language"] == sample[-6:-4]
    customers = {r["customer_id"]: r for r in rows(ws, "SELECT * FROM customers")}
    assert sorted(customers) == sorted(CUSTOMERS[sample])
    links = {
        r["external_id"]: r["customer_id"]
        for r in rows(ws, "SELECT * FROM customer_links WHERE system = 'prestashop'")
    }
    for customer, (registered, shop_id, sales, channels) in CUSTOMERS[sample].items():
        row = customers[customer]
        assert (row["email"], row["created_at"]) == (customer, at(registered))
        assert (row["phone"], row["country"], row["language"], row["time_zone"]) == (
            None,
            None,
            None,
            None,
        )
        kept = extra(row)
        assert (kept["prestashop_customer_id"], kept["sales"]) == (shop_id, sales)
        assert kept["first_name"] and kept["last_name"]
        assert links[shop_id] == customer
        events = rows(
            ws, "SELECT * FROM consents WHERE customer_id = ? ORDER BY channel", [customer]
        )
        assert [e["channel"] for e in events] == channels
        assert all((e["status"], e["at"]) == ("granted", at(registered)) for e in events)
        assert all("dated at registration" in extra(e)["reason"] for e in events)


def test_reimporting_prestashop_exports_adds_nothing(ws) -> None:
    load(ws, "customers", "prestashop", "prestashop/customers_it.csv")
    load(ws, "orders", "prestashop", "prestashop/orders_it.csv")
    customers = load(ws, "customers", "prestashop", "prestashop/customers_it.csv").to_dict()
    orders = load(ws, "orders", "prestashop", "prestashop/orders_it.csv").to_dict()
    assert (customers["inserted"], customers["updated"], customers["duplicates"]) == (0, 0, 2)
    assert customers["files"][0]["also"][0]["duplicates"] == 3
    assert (orders["inserted"], orders["updated"], orders["duplicates"]) == (0, 0, 3)
    assert (ws.count("customers"), ws.count("consents"), ws.count("orders")) == (4, 3, 3)
