"""The Zendesk preset: ticket exports in English, Italian and Spanish."""

from __future__ import annotations

import pytest

from tests.ingest.presets.helpers import at, extra, load, rows

# ticket: customer, opened, first response, resolved, channel, category, csat
EXPECTED = {
    "zendesk/tickets_en.csv": {
        "4101": (
            "giulia.rossi@example.com",
            "2024-05-20 07:00",
            "2024-05-20 07:45",
            "2024-05-20 13:30",
            "web",
            "Question",
            5,
        ),
        "4102": (
            "marco.bianchi@example.com",
            "2024-05-21 09:00",
            "2024-05-21 11:00",
            "2024-05-23 15:00",
            "email",
            "Incident",
            1,
        ),
        "4103": (
            "sara.blu@example.com",
            "2024-05-22 14:00",
            "2024-05-22 14:03",
            None,
            "chat",
            "Question",
            None,
        ),
    },
    "zendesk/tickets_it.csv": {
        "5201": (
            "paolo.verdi@example.com",
            "2024-06-03 08:00",
            "2024-06-03 08:30",
            "2024-06-03 10:00",
            "web",
            "Problema",
            5,
        ),
        "5202": (
            "anna.neri@example.com",
            "2024-06-04 07:30",
            "2024-06-04 11:30",
            "2024-06-05 07:30",
            "email",
            "Domanda",
            1,
        ),
    },
    "zendesk/tickets_es.csv": {
        "6301": (
            "lucia.garcia@example.com",
            "2024-06-10 15:00",
            "2024-06-10 15:15",
            "2024-06-11 08:00",
            "web",
            "Problema",
            5,
        ),
        "6302": (
            "pedro.lopez@example.com",
            "2024-06-12 06:00",
            None,
            None,
            "phone",
            "Pregunta",
            None,
        ),
    },
}


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_a_tickets_export_loads_every_field_with_ratings_as_scores(ws, sample) -> None:
    report = load(ws, "tickets", "zendesk", sample).to_dict()
    assert report["files"][0]["language"] == sample[-6:-4]
    tickets = {r["ticket_id"]: r for r in rows(ws, "SELECT * FROM tickets")}
    assert sorted(tickets) == sorted(EXPECTED[sample])
    for ticket_id, values in EXPECTED[sample].items():
        customer, opened, first, resolved, channel, category, csat = values
        row = tickets[ticket_id]
        assert row["customer_id"] == customer
        assert row["opened_at"] == at(opened)
        assert row["first_response_at"] == (at(first) if first else None)
        assert row["resolved_at"] == (at(resolved) if resolved else None)
        assert (row["channel"], row["category"], row["csat"], row["effort"]) == (
            channel,
            category,
            csat,
            None,
        )
        assert extra(row)["subject"]  # the ticket's subject, kept


def test_reimporting_tickets_adds_nothing_and_keeps_the_requester_links(ws) -> None:
    load(ws, "tickets", "zendesk", "zendesk/tickets_en.csv")
    again = load(ws, "tickets", "zendesk", "zendesk/tickets_en.csv").to_dict()
    assert (again["inserted"], again["duplicates"], again["files"][0].get("links", 0)) == (0, 3, 0)
    assert (
        rows(ws, "SELECT count(*) AS n FROM customer_links WHERE system = 'zendesk'")[0]["n"] == 3
    )
