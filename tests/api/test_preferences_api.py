"""The preference endpoints: a link per customer, the current choices, saving them as the
API (analyst and up), and the summary of lower cadences (viewer and up)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from legame.engage.preferences import Verified, verify
from tests.api.conftest import auth

NOW = datetime(2026, 1, 15, 12, 0)


@pytest.fixture
def api(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The client, with the app's clock at NOW."""
    monkeypatch.setattr(client.app.state, "clock", lambda: NOW, raising=False)  # type: ignore[attr-defined]
    return client


def _a_customer(client: TestClient) -> str:
    with client.app.state.store.session() as ws:  # type: ignore[attr-defined]
        return str(ws.con.execute("SELECT min(customer_id) FROM customers").fetchall()[0][0])


def _tables(client: TestClient) -> dict[str, Any]:
    with client.app.state.store.session() as ws:  # type: ignore[attr-defined]
        return {
            name: sorted(ws.con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in ("contact_preferences", "consents", "audit_log")
        }


def test_post_preference_link_makes_a_link_that_verifies(
    api: TestClient, keys: dict[str, str]
) -> None:
    cid = _a_customer(api)
    response = api.post(
        f"/api/v1/customers/{cid}/preference-link",
        json={"days": 10, "base_url": "https://shop.example"},
        headers=auth(keys["analyst"]),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expires_at"] == "2026-01-25T12:00:00Z"
    assert body["link"].startswith("https://shop.example/preferences/")
    token = body["link"].rsplit("/", 1)[1]
    with api.app.state.store.session() as ws:  # type: ignore[attr-defined]
        found = verify(ws, token, NOW)
    assert isinstance(found, Verified) and found.customer_id == cid == body["customer_id"]
    assert body["link_id"] == found.link_id


def test_a_link_for_nobody_or_with_bad_arguments_is_refused(
    api: TestClient, keys: dict[str, str]
) -> None:
    analyst = auth(keys["analyst"])
    missing = api.post("/api/v1/customers/nobody/preference-link", json={}, headers=analyst)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    cid = _a_customer(api)
    for body in ({"days": 0}, {"days": 366}, {"base_url": "ftp://x"}):
        bad = api.post(f"/api/v1/customers/{cid}/preference-link", json=body, headers=analyst)
        assert bad.status_code == 422, body
    viewer = api.post(
        f"/api/v1/customers/{cid}/preference-link", json={}, headers=auth(keys["viewer"])
    )
    assert viewer.status_code == 403


def test_put_saves_as_the_api_and_get_reads_it_back(api: TestClient, keys: dict[str, str]) -> None:
    cid = _a_customer(api)
    analyst = auth(keys["analyst"])
    empty = api.get(f"/api/v1/customers/{cid}/preferences", headers=analyst).json()
    assert empty["at"] is None and empty["channels"] is None and empty["stopped"] is False
    body = {
        "channels": ["email"],
        "max_per_week": 1,
        "quiet_start": "21:30",
        "quiet_end": "07:00",
        "paused_until": "2026-02-01T00:00:00+01:00",
    }
    saved = api.put(f"/api/v1/customers/{cid}/preferences", json=body, headers=analyst)
    assert saved.status_code == 200, saved.text
    result = saved.json()
    assert (
        result["at"] == "2026-01-15T12:00:00Z" and result["paused_until"] == "2026-01-31T23:00:00Z"
    )
    assert result["changed"] == [
        "channels",
        "max_per_week",
        "quiet_start",
        "quiet_end",
        "paused_until",
    ]
    # every channel turned off is withdrawn; e-mail, kept, is granted back if it was withdrawn
    assert {c: result["consents"][c] for c in ("sms", "push", "phone", "post")} == dict.fromkeys(
        ("sms", "push", "phone", "post"), "withdrawn"
    )
    assert result["consents"].get("email", "granted") == "granted"
    now = api.get(f"/api/v1/customers/{cid}/preferences", headers=analyst).json()
    assert now["source"] == "api" and now["channels"] == ["email"] and now["max_per_week"] == 1
    assert now["consents"]["sms"] == "withdrawn"
    with api.app.state.store.session() as ws:  # type: ignore[attr-defined]
        rows = ws.con.execute(
            "SELECT source, link_id FROM contact_preferences WHERE customer_id = ?", [cid]
        ).fetchall()
    assert rows == [("api", None)]


def test_an_invalid_put_is_a_422_that_changes_nothing(
    api: TestClient, keys: dict[str, str]
) -> None:
    cid = _a_customer(api)
    analyst = auth(keys["analyst"])
    before = _tables(api)
    for body in (
        {"channels": ["fax"]},
        {"max_per_week": 101},
        {"quiet_start": "21:00"},
        {"quiet_start": "9pm", "quiet_end": "08:00"},
        {"paused_until": "2020-01-01T00:00:00Z"},
        {"paused_until": "2029-01-01T00:00:00Z"},
    ):
        response = api.put(f"/api/v1/customers/{cid}/preferences", json=body, headers=analyst)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_input"
    viewer = api.put(f"/api/v1/customers/{cid}/preferences", json={}, headers=auth(keys["viewer"]))
    assert viewer.status_code == 403
    assert _tables(api) == before


def test_the_summary_counts_a_customer_who_chose_less(
    api: TestClient, keys: dict[str, str]
) -> None:
    viewer = auth(keys["viewer"])
    before = api.get("/api/v1/preferences/summary", headers=viewer)
    assert before.status_code == 200, before.text
    assert before.json()["customers"] == 0
    cid = _a_customer(api)
    api.put(
        f"/api/v1/customers/{cid}/preferences", json={"stopped": True}, headers=auth(keys["admin"])
    )
    after = api.get("/api/v1/preferences/summary", headers=viewer).json()
    kinds = {k["kind"]: k["customers"] for k in after["kinds"]}
    assert after["customers"] == 1 and kinds["stopped"] == 1 and kinds["paused"] == 0
    assert after["window_days"] == 90 and after["allowed_per_week"] is not None


def test_the_customer_360_route_still_answers_for_the_customer(
    api: TestClient, keys: dict[str, str]
) -> None:
    """The preference routes sit before the customer 360's, whose id takes the rest of the
    path: the 360 is still the customer's, and an id ending in /preferences is not."""
    cid = _a_customer(api)
    response = api.get(f"/api/v1/customers/{cid}", headers=auth(keys["analyst"]))
    assert response.status_code == 200 and response.json()["profile"]["customer_id"] == cid
    missing = api.get("/api/v1/customers/nobody/preferences", headers=auth(keys["analyst"]))
    assert missing.status_code == 404 and "No customer 'nobody'" in missing.text
