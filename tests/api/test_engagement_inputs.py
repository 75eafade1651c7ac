"""Engagement endpoints refuse what they cannot compute with, in the API's error shape:
instants outside 1900-2999 (they used to overflow Python's datetime: a 500) and contact
checks for customers who do not exist (they used to be judged like anyone else: a 200)."""

from __future__ import annotations

import pytest

from tests.api.conftest import auth

OUT_OF_RANGE = "outside the range of instants legame computes with: 1900-01-01 to 2999-12-31"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/gestures/plan?at=0001-01-01T00:00:00%2B14:00",
        "/api/v1/gestures/results?at=9999-12-31T23:59:59-14:00",
        "/api/v1/gestures/plan?at=1899-12-31T23:59:59Z",
        "/api/v1/gestures/results?at=3000-01-01T00:00:00",
    ],
)
def test_gestures_at_an_instant_outside_the_range_is_422_not_500(client, keys, path) -> None:
    response = client.get(path, headers=auth(keys["admin"]))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and OUT_OF_RANGE in error["message"]


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:00Z"])
def test_contact_check_at_an_instant_outside_the_range_is_422_not_500(client, keys, at) -> None:
    customer = _a_customer(client, keys)
    response = client.post(
        "/api/v1/contact/check",
        json={"customer_id": customer, "channel": "email", "at": at},
        headers=auth(keys["admin"]),
    )
    assert response.status_code == 422, response.text
    assert OUT_OF_RANGE in response.json()["error"]["message"]


def test_instants_at_the_ends_of_the_range_are_computed(client, keys) -> None:
    headers = auth(keys["admin"])
    customer = _a_customer(client, keys)
    for at in ("1900-01-01T00:00:00Z", "2999-12-31T23:59:59Z"):
        check = client.post(
            "/api/v1/contact/check",
            json={"customer_id": customer, "channel": "email", "at": at},
            headers=headers,
        )
        assert check.status_code == 200, check.text
        assert client.get("/api/v1/gestures/results", params={"at": at}, headers=headers).is_success


def test_contact_check_for_an_unknown_customer_is_404_saying_so(client, keys) -> None:
    response = client.post(
        "/api/v1/contact/check",
        json={"customer_id": "nobody-at-all", "channel": "email"},
        headers=auth(keys["analyst"]),
    )
    assert response.status_code == 404, response.text
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "No customer 'nobody-at-all'" in error["message"]


def test_contact_check_for_a_known_customer_still_answers(client, keys) -> None:
    customer = _a_customer(client, keys)
    response = client.post(
        "/api/v1/contact/check",
        json={"customer_id": customer, "channel": "email", "at": "2025-06-01T10:00:00Z"},
        headers=auth(keys["analyst"]),
    )
    assert response.status_code == 200 and isinstance(response.json()["allowed"], bool)


def _a_customer(client, keys) -> str:
    page = client.get(
        "/api/v1/customers", params={"page_size": 1}, headers=auth(keys["analyst"])
    ).json()
    return str(page["customers"][0]["customer_id"])
