"""Customers by id and by search: an id may hold ``/`` (reached and erased as ``A/B`` or
``A%2FB``), a search is literal (``_`` and ``%`` are characters), and a page past the last
is a 404 that says how many pages there are."""

from __future__ import annotations

import pytest

from tests.api.conftest import auth

SLASHED = (
    b"customer_id,email,country\n"
    b"A/B,slash@example.com,IT\n"
    b"under_score,us@example.com,IT\n"
    b"per%cent,pc@example.com,IT\n"
)
ORDERS = (
    b"order_id,customer_id,ordered_at,amount\n"
    b"o-slash-1,A/B,2025-01-10,40\n"
    b"o-slash-2,A/B,2025-03-10,60\n"
)


@pytest.fixture
def slashed(client, keys) -> None:
    """Customers whose ids hold '/', '_' and '%' (loaded through the API itself)."""
    for table, data in (("customers", SLASHED), ("orders", ORDERS)):
        response = client.post(
            f"/api/v1/ingest/{table}",
            files={"file": (f"{table}.csv", data)},
            headers=auth(keys["admin"]),
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["A/B", "A%2FB", "A%2fB"])
def test_a_customer_whose_id_holds_a_slash_has_a_360(client, keys, slashed, path) -> None:
    response = client.get(f"/api/v1/customers/{path}", headers=auth(keys["analyst"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["profile"]["customer_id"] == "A/B"
    assert {e["id"] for e in body["timeline"] if e["kind"] == "order"} == {
        "o-slash-1",
        "o-slash-2",
    }


def test_a_customer_whose_id_holds_a_slash_can_be_erased(client, keys, slashed) -> None:
    headers = auth(keys["admin"])
    erased = client.delete("/api/v1/customers/A%2FB", headers=headers)
    assert erased.status_code == 200, erased.text
    assert erased.json()["customer_id"] == "A/B"
    assert erased.json()["rows_removed"]["customers"] == 1
    assert erased.json()["rows_removed"]["orders"] == 2
    assert client.get("/api/v1/customers/A/B", headers=headers).status_code == 404
    # Only that customer: the others, and the ids that share its parts, are still there.
    assert client.get("/api/v1/customers/under_score", headers=headers).status_code == 200


def test_deleting_by_the_slashed_path_erases_the_same_customer(client, keys, slashed) -> None:
    erased = client.delete("/api/v1/customers/A/B", headers=auth(keys["admin"]))
    assert erased.status_code == 200 and erased.json()["customer_id"] == "A/B"


@pytest.mark.parametrize(
    ("q", "expected"),
    [("_", {"under_score"}), ("%", {"per%cent"}), ("r_s", {"under_score"}), ("/", {"A/B"})],
)
def test_search_matches_underscore_and_percent_literally(
    client, keys, slashed, q, expected
) -> None:
    from legame.scoring import score

    with client.app.state.store.session() as ws:  # the new customers get scores
        score(ws)
    body = client.get(
        "/api/v1/customers", params={"q": q, "page_size": 200}, headers=auth(keys["analyst"])
    ).json()
    assert {c["customer_id"] for c in body["customers"]} == expected
    assert body["total"] == len(expected)


def test_search_is_case_insensitive_on_id_and_email(client, keys) -> None:
    headers = auth(keys["analyst"])
    first = client.get("/api/v1/customers", params={"page_size": 1}, headers=headers).json()
    cid = first["customers"][0]["customer_id"]
    found = client.get("/api/v1/customers", params={"q": cid.lower()}, headers=headers).json()
    assert cid in [c["customer_id"] for c in found["customers"]]


def test_a_page_past_the_last_is_404_saying_how_many_pages_there_are(client, keys) -> None:
    headers = auth(keys["analyst"])
    last = client.get(
        "/api/v1/customers", params={"page": 24, "page_size": 50}, headers=headers
    ).json()
    assert last["pages"] == 24 and last["page"] == 24 and len(last["customers"]) == 50
    response = client.get("/api/v1/customers", params={"page": 999}, headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "There is no page 999: 1,200 customers make 24 page(s) of 50."
    )


def test_an_empty_result_is_page_one_of_one(client, keys) -> None:
    body = client.get(
        "/api/v1/customers", params={"q": "no-such-text"}, headers=auth(keys["analyst"])
    ).json()
    assert body == {"total": 0, "page": 1, "page_size": 50, "pages": 1, "customers": []}
