"""The Brevo preset: contacts exports from accounts opened in English, Italian and Spanish
(their name attributes FIRSTNAME, NOME, NOMBRE), to customers and e-mail/SMS consents."""

from __future__ import annotations

import pytest

from tests.ingest.presets.helpers import at, extra, load, rows

# sample -> customer -> (Brevo id, phone, first name, [(channel, status, at)])
EXPECTED = {
    "brevo/contacts_en.csv": {
        "giulia.rossi@example.com": (
            "1",
            "+393400000001",
            "Giulia",
            # granted as of ADDED_TIME 2024-03-01T09:15:00+01:00, in UTC
            [
                ("email", "granted", "2024-03-01 08:15:00"),
                ("sms", "granted", "2024-03-01 08:15:00"),
            ],
        ),
        "marco.bianchi@example.com": (
            "2",
            None,
            "Marco",
            # blocklisted for e-mail: withdrawn as of MODIFIED_TIME; no number, no SMS event
            [("email", "withdrawn", "2024-05-20 17:30:00")],
        ),
        "sara.blu@example.com": (
            "3",
            "+393400000003",
            "Sara",
            [
                ("email", "granted", "2024-04-02 12:00:00"),
                ("sms", "withdrawn", "2024-04-20 07:00:00"),
            ],
        ),
    },
    "brevo/contacts_it.csv": {
        "paolo.verdi@example.com": (
            "11",
            "+393400000004",
            "Paolo",
            [
                ("email", "granted", "2024-01-20 18:30:00"),
                ("sms", "granted", "2024-01-20 18:30:00"),
            ],
        ),
        "anna.neri@example.com": (
            "12",
            None,
            "Anna",
            [("email", "withdrawn", "2024-06-02 19:05:00")],
        ),
    },
    "brevo/contacts_es.csv": {
        "lucia.garcia@example.com": (
            "21",
            "+34600000005",
            "Lucía",
            [
                ("email", "granted", "2024-05-30 20:00:00"),
                ("sms", "withdrawn", "2024-06-05 11:10:00"),
            ],
        ),
        "pedro.lopez@example.com": (
            "22",
            "+34600000006",
            "Pedro",
            [
                ("email", "granted", "2024-06-01 10:00:00"),
                ("sms", "granted", "2024-06-01 10:00:00"),
            ],
        ),
    },
}


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_a_contacts_export_loads_customers_and_their_email_and_sms_consents(ws, sample) -> None:
    report = load(ws, "customers", "brevo", sample).to_dict()
    assert report["files"][0]["preset"] == "brevo/contacts"
    assert report["files"][0]["language"] == sample[-6:-4]
    customers = {r["customer_id"]: r for r in rows(ws, "SELECT * FROM customers")}
    assert sorted(customers) == sorted(EXPECTED[sample])
    links = {
        r["external_id"]: r["customer_id"]
        for r in rows(ws, "SELECT * FROM customer_links WHERE system = 'brevo'")
    }
    for customer, (brevo_id, phone, first_name, consents) in EXPECTED[sample].items():
        row = customers[customer]
        assert (row["email"], row["phone"]) == (customer, phone)
        assert (row["created_at"], row["country"], row["language"], row["time_zone"]) == (
            None,
            None,
            None,
            None,
        )
        kept = extra(row)
        assert (kept["contact_id"], kept["first_name"]) == (brevo_id, first_name)
        assert kept["added_time"] and kept["modified_time"]
        assert links[brevo_id] == customer
        events = rows(
            ws, 'SELECT * FROM consents WHERE customer_id = ? ORDER BY channel, "at"', [customer]
        )
        assert [(e["channel"], e["status"], e["at"]) for e in events] == [
            (channel, status, at(when)) for channel, status, when in consents
        ]
        for event in events:
            reason = extra(event)["reason"]
            assert reason.startswith("blocklisted") == (event["status"] == "withdrawn")


def test_attributes_the_preset_does_not_name_are_kept_under_their_name(ws) -> None:
    load(ws, "customers", "brevo", "brevo/contacts_it.csv")
    kept = extra(
        rows(ws, "SELECT * FROM customers WHERE customer_id = 'paolo.verdi@example.com'")[0]
    )
    assert kept["NEGOZIO_PREFERITO"] == "Roma" and kept["last_name"] == "Verdi"


def test_reimporting_contacts_adds_nothing(ws) -> None:
    load(ws, "customers", "brevo", "brevo/contacts_en.csv")
    again = load(ws, "customers", "brevo", "brevo/contacts_en.csv").to_dict()
    assert (again["inserted"], again["updated"], again["duplicates"]) == (0, 0, 3)
    also = again["files"][0]["also"][0]
    assert (also["table"], also["inserted"], also["duplicates"]) == ("consents", 0, 5)
    assert (ws.count("customers"), ws.count("consents")) == (3, 5)
