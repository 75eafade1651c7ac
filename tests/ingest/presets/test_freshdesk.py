"""The Freshdesk preset: tickets exports in English, Italian and Spanish, satisfaction
words to scores."""

from __future__ import annotations

import pytest

from tests.ingest.presets.helpers import at, extra, load, rows

# ticket: customer, opened, first response, resolved, channel, category, csat
EXPECTED = {
    "freshdesk/tickets_en.csv": {
        "7101": (
            "giulia.rossi@example.com",
            "2024-05-20 09:00",
            "2024-05-20 09:45",
            "2024-05-20 15:30",
            "web",
            "Question",
            5,  # Extremely happy
        ),
        "7102": (
            "marco.bianchi@example.com",
            "2024-05-21 11:00",
            "2024-05-21 13:00",
            "2024-05-23 17:00",  # no resolved time: the closed time
            "email",
            "Refund",
            2,  # Unhappy
        ),
        "7103": (
            "sara.blu@example.com",
            "2024-05-22 16:00",
            "2024-05-22 16:03",
            None,
            "chat",
            "Question",
            None,
        ),
        "7104": (
            "paolo.verdi@example.com",
            "2024-05-24 10:00",
            "2024-05-24 10:00",
            "2024-05-24 12:00",
            "phone",
            "Incident",
            3,  # Neutral
        ),
    },
    "freshdesk/tickets_it.csv": {
        "8201": (
            "paolo.verdi@example.com",
            "2024-06-03 10:00",
            "2024-06-03 10:30",
            "2024-06-03 12:00",
            "web",
            "Problema",
            5,
        ),
        "8202": (
            "anna.neri@example.com",
            "2024-06-04 09:30",
            "2024-06-04 13:30",
            "2024-06-05 09:30",
            "email",
            "Domanda",
            1,
        ),
    },
    "freshdesk/tickets_es.csv": {
        "9301": (
            "lucia.garcia@example.com",
            "2024-06-10 17:00",
            "2024-06-10 17:15",
            "2024-06-11 10:00",
            "email",
            "Problema",
            5,
        ),
        "9302": ("pedro.lopez@example.com", "2024-06-12 08:00", None, None, "phone", "Pregunta", 3),
    },
}


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_a_tickets_export_loads_every_field_with_ratings_as_scores(ws, sample) -> None:
    report = load(ws, "tickets", "freshdesk", sample).to_dict()
    assert report["files"][0]["preset"] == "freshdesk/tickets"
    assert report["files"][0]["language"] == sample[-6:-4]
    tickets = {r["ticket_id"]: r for r in rows(ws, "SELECT * FROM tickets")}
    assert sorted(tickets) == sorted(EXPECTED[sample])
    links = {
        r["customer_id"]
        for r in rows(ws, "SELECT * FROM customer_links WHERE system = 'freshdesk'")
    }
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
        kept = extra(row)
        assert kept["subject"] and kept["ticket_status"] and kept["requester_name"]
        assert customer in links


def test_business_hours_and_unknown_columns_are_kept_in_extra(ws) -> None:
    load(ws, "tickets", "freshdesk", "freshdesk/tickets_en.csv")
    kept = extra(rows(ws, "SELECT _extra FROM tickets WHERE ticket_id = '7102'")[0])
    assert (kept["first_response_hours"], kept["satisfaction"]) == ("02:00:00", "Unhappy")
    assert kept["Resolution status"] == "SLA Violated"  # not named by the preset


def test_an_unknown_rating_word_is_rejected_with_its_line(ws) -> None:
    report = load(ws, "tickets", "freshdesk", "freshdesk/tickets_en.csv").to_dict()
    assert (report["read"], report["inserted"], report["rejected"]) == (5, 4, 1)
    rejects = rows(ws, "SELECT * FROM rejects")
    assert [(r["line"], r["field"], r["raw_value"]) for r in rejects] == [
        (6, "csat", "Pretty good")
    ]


def test_reimporting_tickets_adds_nothing(ws) -> None:
    load(ws, "tickets", "freshdesk", "freshdesk/tickets_it.csv")
    again = load(ws, "tickets", "freshdesk", "freshdesk/tickets_it.csv").to_dict()
    assert (again["inserted"], again["updated"], again["duplicates"]) == (0, 0, 2)
    assert again["files"][0].get("links", 0) == 0
    assert ws.count("tickets") == 2
