"""/api/v1/cases: roles, the queue, changes with versions (409 on a stale one), the call-back
through the contact governor, and the one error shape."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.engage.cases import open_cases
from legame.store import Workspace
from legame.store.keys import create_key
from tests.cases.conftest import AS_OF, by_source

DAY = "2025-03-10T10:00:00Z"  # 11:00 in Rome
NIGHT = "2025-03-10T22:00:00Z"  # 23:00 in Rome


@pytest.fixture
def api(db_with_store: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], dict]]:
    """A client over the small store with its cases opened (R5 in the holdout), a key per
    role (the analyst's is named "anna"), and the case ids by source."""
    (db_with_store.parent / "legame.toml").write_text(
        "[gratitude]\nholdout_share = 0.5\nseed = 11\n"
    )
    with Workspace.open(db_with_store) as ws:
        open_cases(ws, as_of=AS_OF)
        ids = {k: c["case_id"] for k, c in by_source(ws).items()}
        assert by_source(ws)["survey:R5"]["arm"] == "holdout"
        keys = {
            "viewer": create_key(ws, "viewer")[0],
            "analyst": create_key(ws, "analyst", "anna")[0],
        }
    headers = {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}
    with TestClient(create_app(db_with_store)) as client:
        yield client, headers, ids


def is_error(response: Any, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def test_a_viewer_sees_counts_only(api) -> None:
    client, h, ids = api
    is_error(client.get("/api/v1/cases", headers=h["viewer"]), 403, "forbidden")
    is_error(client.get(f"/api/v1/cases/{ids['survey:R1']}", headers=h["viewer"]), 403, "forbidden")
    is_error(client.get("/api/v1/cases/stats", headers=h["viewer"]), 403, "forbidden")
    patch = client.patch(
        f"/api/v1/cases/{ids['survey:R1']}", headers=h["viewer"], json={"version": 1, "note": "x"}
    )
    is_error(patch, 403, "forbidden")
    counts = client.get("/api/v1/cases/counts", headers=h["viewer"])
    assert counts.status_code == 200
    body = counts.json()
    assert (body["total"], body["holdout"], body["by_kind"]) == (
        5,
        1,
        {"detractor": 2, "poor_service": 3},
    )
    assert not any(c in counts.text for c in ("C1", "C2", "C4", "parcel", "survey:", "ticket:"))
    is_error(client.get("/api/v1/cases/counts"), 401, "unauthorized")


def test_an_analyst_lists_the_queue_with_filters(api) -> None:
    client, h, _ = api
    page = client.get(
        "/api/v1/cases", headers=h["analyst"], params={"kind": "detractor", "sort": "clv"}
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert [c["source_key"] for c in body["cases"]] == ["survey:R1", "survey:R3"]
    assert body["cases"][0]["due_at"] == "2025-03-12T00:00:00Z"
    held = client.get(
        "/api/v1/cases", headers=h["analyst"], params={"kind": "detractor", "include_holdout": True}
    )
    assert "survey:R5" in [c["source_key"] for c in held.json()["cases"]]
    beyond = client.get("/api/v1/cases", headers=h["analyst"], params={"page": 9})
    assert "There is no page 9" in is_error(beyond, 404, "not_found")["message"]
    bad = client.get("/api/v1/cases", headers=h["analyst"], params={"status": "open"})
    is_error(bad, 422, "invalid_input")


def test_one_case_with_its_history(api) -> None:
    client, h, ids = api
    case = client.get(f"/api/v1/cases/{ids['survey:R1']}", headers=h["analyst"]).json()
    assert case["comment"] == "courier lost my parcel" and case["version"] == 1
    assert [e["action"] for e in case["history"]] == ["opened"]
    missing = client.get("/api/v1/cases/999", headers=h["analyst"])
    assert "No case 999" in is_error(missing, 404, "not_found")["message"]
    is_error(client.get("/api/v1/cases/0", headers=h["analyst"]), 422, "invalid_input")


def test_patch_assigns_to_me_notes_and_closes_with_versions(api) -> None:
    client, h, ids = api
    url = f"/api/v1/cases/{ids['ticket:T2']}"
    mine = client.patch(url, headers=h["analyst"], json={"version": 1, "assign_to_me": True})
    assert mine.status_code == 200, mine.text
    assert (mine.json()["owner"], mine.json()["version"]) == ("anna", 2)
    closed = client.patch(
        url, headers=h["analyst"], json={"version": 2, "status": "resolved", "note": "fixed"}
    )
    assert closed.json()["status"] == "resolved"
    assert closed.json()["history"][-1] == {
        **closed.json()["history"][-1],
        "actor": "anna",
        "action": "closed",
        "note": "fixed",
    }
    stale = client.patch(url, headers=h["analyst"], json={"version": 2, "note": "late"})
    error = is_error(stale, 409, "conflict")
    assert error["details"] == {"current_version": 3}
    assert "changed after version 2" in error["message"]
    unassigned = client.patch(url, headers=h["analyst"], json={"version": 3, "owner": None})
    assert "its owner no longer changes" in is_error(unassigned, 422, "invalid_input")["message"]


def test_patch_refuses_contacted_and_unknown_fields(api) -> None:
    client, h, ids = api
    url = f"/api/v1/cases/{ids['survey:R1']}"
    contacted = client.patch(url, headers=h["analyst"], json={"version": 1, "status": "contacted"})
    assert "POST /api/v1/cases/{id}/contact" in is_error(contacted, 422, "invalid_input")["message"]
    extra = client.patch(url, headers=h["analyst"], json={"version": 1, "arm": "treatment"})
    is_error(extra, 422, "invalid_input")


def test_two_analysts_patching_at_once_one_gets_409(api) -> None:
    client, h, ids = api
    url = f"/api/v1/cases/{ids['ticket:T1']}"
    start = threading.Barrier(2)
    answers: list[int] = []

    def close(note: str) -> None:
        start.wait()
        answer = client.patch(
            url, headers=h["analyst"], json={"version": 1, "status": "resolved", "note": note}
        )
        answers.append(answer.status_code)

    threads = [threading.Thread(target=close, args=(n,)) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 409]
    assert client.get(url, headers=h["analyst"]).json()["version"] == 2


def test_contact_goes_through_the_governor(api) -> None:
    client, h, ids = api
    url = f"/api/v1/cases/{ids['survey:R1']}/contact"
    night = client.post(url, headers=h["analyst"], json={"channel": "phone", "at": NIGHT})
    assert night.status_code == 200, night.text
    body = night.json()
    assert body["outcome"] == "blocked" and body["case"]["status"] == "new"
    assert body["decision"]["reasons"][0]["rule"] == "quiet_hours"
    day = client.post(url, headers=h["analyst"], json={"channel": "phone", "at": DAY})
    assert day.json()["outcome"] == "contacted"
    assert day.json()["case"]["first_contact_at"] == DAY
    assert day.json()["message_id"] == f"case-{ids['survey:R1']}-1"
    stale = client.post(url, headers=h["analyst"], json={"channel": "phone", "version": 1})
    is_error(stale, 409, "conflict")


def test_a_holdout_case_cannot_be_contacted(api) -> None:
    client, h, ids = api
    url = f"/api/v1/cases/{ids['survey:R5']}/contact"
    refused = client.post(url, headers=h["analyst"], json={"channel": "phone", "at": DAY})
    assert "randomized holdout" in is_error(refused, 422, "invalid_input")["message"]


def test_stats(api) -> None:
    client, h, _ = api
    stats = client.get("/api/v1/cases/stats", headers=h["analyst"])
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["counts"]["total"] == 5 and body["timings"][0]["kind"] == "all"
    assert body["callback_effect"]["repurchase_diff"]["note"].startswith("insufficient data")
    far = client.get(
        "/api/v1/cases/stats", headers=h["analyst"], params={"as_of": "3000-01-01T00:00:00Z"}
    )
    is_error(far, 422, "invalid_input")
