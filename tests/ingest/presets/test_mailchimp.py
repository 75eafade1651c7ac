"""The Mailchimp preset: an audience's subscribed, unsubscribed and cleaned files."""

from __future__ import annotations

from tests.ingest.presets.helpers import at, extra, load, rows


def test_a_subscribed_export_in_english_loads_customers_and_granted_consents(ws) -> None:
    report = load(ws, "customers", "mailchimp", "mailchimp/subscribed_en.csv").to_dict()
    assert report["files"][0]["language"] == "en"
    customers = {r["customer_id"]: r for r in rows(ws, "SELECT * FROM customers")}
    giulia = customers["giulia.rossi@example.com"]
    assert (giulia["email"], giulia["phone"], giulia["country"], giulia["time_zone"]) == (
        "giulia.rossi@example.com",
        "+39 02 0000001",
        "IT",
        "Europe/Rome",
    )
    assert (giulia["created_at"], giulia["language"]) == (None, None)
    kept = extra(giulia)
    assert (kept["first_name"], kept["member_rating"], kept["euid"]) == (
        "Giulia",
        "4",
        "a1b2c3d4e5",
    )
    assert kept["TAGS"] == "clienti,newsletter"  # a column the preset does not name
    events = rows(ws, "SELECT * FROM consents ORDER BY customer_id")
    assert [(e["customer_id"], e["status"], e["at"]) for e in events] == [
        ("giulia.rossi@example.com", "granted", at("2024-03-01 09:20:00")),  # CONFIRM_TIME
        ("sara.blu@example.com", "granted", at("2024-04-02 14:00:00")),  # OPTIN_TIME
    ]


def test_an_unsubscribed_export_in_italian_gives_the_withdrawal_its_time(ws) -> None:
    report = load(ws, "customers", "mailchimp", "mailchimp/unsubscribed_it.csv").to_dict()
    assert report["files"][0]["language"] == "it"
    marco = rows(ws, "SELECT * FROM customers")[0]
    assert (marco["customer_id"], marco["email"], marco["country"]) == (
        "marco.bianchi@example.com",
        "marco.bianchi@example.com",
        "IT",
    )
    assert extra(marco)["last_name"] == "Bianchi" and extra(marco)["unsub_reason"] == "Troppe email"
    events = rows(ws, 'SELECT * FROM consents ORDER BY "at"')
    assert [(e["status"], e["at"], extra(e).get("reason")) for e in events] == [
        ("granted", at("2023-11-10 08:05:00"), None),
        ("withdrawn", at("2024-05-20 19:30:00"), "unsubscribed"),
    ]


def test_a_cleaned_export_in_spanish_withdraws_email_with_the_reason_cleaned(ws) -> None:
    report = load(ws, "customers", "mailchimp", "mailchimp/cleaned_es.csv").to_dict()
    assert report["files"][0]["language"] == "es"
    pedro = rows(ws, "SELECT * FROM customers")[0]
    assert (pedro["customer_id"], pedro["country"], pedro["time_zone"]) == (
        "pedro.lopez@example.com",
        "ES",
        "Europe/Madrid",
    )
    assert extra(pedro)["first_name"] == "Pedro" and extra(pedro)["last_name"] == "López"
    events = rows(ws, 'SELECT * FROM consents ORDER BY "at"')
    assert [(e["status"], e["at"], extra(e).get("reason")) for e in events] == [
        ("granted", at("2023-06-01 10:02:00"), None),
        ("withdrawn", at("2024-02-15 06:00:00"), "cleaned"),
    ]


def test_reimporting_an_audience_file_adds_nothing(ws) -> None:
    load(ws, "customers", "mailchimp", "mailchimp/unsubscribed_it.csv")
    again = load(ws, "customers", "mailchimp", "mailchimp/unsubscribed_it.csv").to_dict()
    assert (again["inserted"], again["updated"], again["duplicates"]) == (0, 0, 1)
    assert again["files"][0]["also"][0]["duplicates"] == 2
    assert ws.count("consents") == 2
