"""`GET /api/v1/experiments`, `GET /api/v1/experiments/plan` and the experiment's reading
in `/api/v1/gestures/results` (issue 20 item 8): the real app over a simulated workspace;
the library's numbers, the one JSON error shape, and results that follow a policy edit."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from legame.api.app import create_app
from legame.engage.gratitude.plan import as_of
from legame.experiments import contact_test
from legame.experiments.gestures import experiment
from legame.policy import load_policy, policy_path_for
from legame.store import Workspace
from legame.store.keys import create_key
from legame.views import cache
from tests.api.conftest import auth
from tests.experiments.conftest import SURFACES_POLICY

INTERVALS = ("unadjusted", "cuped", "always_valid")


@pytest.fixture(scope="module")
def served(
    surfaces_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app over a copy of the workspace (its own keys), and a key per role."""
    folder = tmp_path_factory.mktemp("experiments_api")
    db = folder / "ws.duckdb"
    shutil.copy(surfaces_workspace, db)
    shutil.copy(policy_path_for(surfaces_workspace), policy_path_for(db))
    with Workspace.open(db) as ws:
        keys = {role: create_key(ws, role)[0] for role in ("viewer", "analyst", "admin")}
    cache.forget_all()
    with TestClient(create_app(db)) as client:
        yield client, keys
    cache.forget_all()


def _get(served: tuple[TestClient, dict[str, str]], path: str, **params: Any) -> Any:
    client, keys = served
    response = client.get(path, params=params, headers=auth(keys["viewer"]))
    assert response.status_code == 200, response.text
    return response.json()


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return str(body["error"]["message"])


def test_experiments_are_what_the_library_reads(served) -> None:
    body = _get(served, "/api/v1/experiments")
    assert body["as_of"].endswith(("Z", "+00:00"))  # UTC, said explicitly
    client, _ = served
    with client.app.state.store.session() as ws:
        policy = load_policy(policy_path_for(ws.path))
        at = as_of(ws, None)
        reading = experiment(ws, policy, at)
        tests = contact_test.results(ws, policy, at)
    g = body["gratitude"]
    assert g["end"] == "2025-06-01" and g["fixed_horizon_valid"] is True
    assert g["followup_days"] == 180 and g["margin_rate"] == 0.4
    rows = {r["trigger"]: r for r in g["by_trigger"]}
    assert set(rows) == set(reading)
    for name, row in rows.items():
        lib = reading[name]
        assert row["verdict"] == lib["verdict"]
        for metric, comparison in row["comparisons"].items():
            for interval in INTERVALS:
                assert comparison[interval] == pytest.approx(lib["comparisons"][metric][interval])
        assert row["return"]["net_return"] == pytest.approx(lib["return"]["net_return"])
        assert row["segments"]["cells"] == lib["segments"]["cells"]
    (test,) = body["contact_tests"]
    assert test["test"] == tests[0]["test"] == "weekly_cap"
    assert test["start"] == "2025-06-01" and test["as_of"].endswith(("Z", "+00:00"))
    assert [a["customers"] for a in test["arms"]] == [a["customers"] for a in tests[0]["arms"]]
    (comparison,) = test["comparisons"]
    lib_comparison = tests[0]["comparisons"][0]
    for metric in ("unsubscribe", "complaint", "repurchase", "revenue"):
        assert comparison[metric]["verdict"] == lib_comparison[metric]["verdict"]
        assert comparison[metric]["always_valid"] == pytest.approx(
            lib_comparison[metric]["always_valid"]
        )


def test_gesture_results_carry_the_experiments_reading(served) -> None:
    """The response model used to drop what it did not declare at the top: ``end`` and
    ``fixed_horizon_valid`` now come through, and each row's reading is typed."""
    body = _get(served, "/api/v1/gestures/results")
    assert body["end"] == "2025-06-01" and body["fixed_horizon_valid"] is True
    pooled = body["by_trigger"][0]
    assert pooled["trigger"] == "all"
    assert {"comparisons", "verdict", "segments", "return"} <= set(pooled)
    for metric in ("retention", "revenue", "unsubscribe"):
        assert set(INTERVALS) <= set(pooled["comparisons"][metric])
    assert pooled["return"]["margin_rate"] == 0.4
    schema = served[0].get("/openapi.json").json()["components"]["schemas"]
    assert {"end", "fixed_horizon_valid"} <= set(schema["GestureResults"]["required"])
    assert {"comparisons", "verdict", "segments", "return"} <= set(
        schema["TriggerResult"]["properties"]
    )


def test_the_plan_of_a_trigger_and_of_a_contact_test(served) -> None:
    got = _get(served, "/api/v1/experiments/plan", trigger="milestone_thanks", days=365, effect=0.1)
    assert got["kind"] == "trigger" and got["days"] == 365 and got["effect"] == 0.1
    assert got["mde"] > 0 and got["eligible_per_day"] > 0 and got["days_needed"] > 0
    assert got["base"]["from"] == "held-out gestures"  # hundreds are held out here
    test = _get(served, "/api/v1/experiments/plan", contact_test="weekly_cap", metric="repurchase")
    assert test["kind"] == "contact_test" and test["metric"] == "repurchase"
    assert test["arms"] == ["low", "high"] and test["holdout"] == 0.5
    assert test["eligible_per_day"] is None and test["eligible"] > 0


@pytest.mark.parametrize(
    ("params", "status", "code", "said"),
    [
        ({}, 400, "bad_request", "Name exactly one of the query parameters"),
        (
            {"trigger": "milestone_thanks", "contact_test": "weekly_cap"},
            400,
            "bad_request",
            "Name exactly one of the query parameters",
        ),
        ({"trigger": "nope"}, 404, "not_found", "No gratitude trigger 'nope'"),
        ({"contact_test": "nope"}, 404, "not_found", "No contact test 'nope'"),
        (
            {"trigger": "milestone_thanks", "holdout": 1.5},
            400,
            "bad_request",
            "holdout must be between 0 and 1",
        ),
        (
            {"trigger": "milestone_thanks", "days": 0},
            400,
            "bad_request",
            "days must be between 1 and 3650",
        ),
        (
            {"trigger": "milestone_thanks", "effect": "inf"},
            400,
            "bad_request",
            "effect must be a finite number",
        ),
        ({"trigger": "milestone_thanks", "metric": "clicks"}, 422, "invalid_input", "not valid"),
    ],
    ids=[
        "neither",
        "both",
        "unknown-trigger",
        "unknown-test",
        "holdout",
        "days",
        "effect",
        "metric",
    ],
)
def test_a_bad_plan_request_is_one_json_error(served, params, status, code, said) -> None:
    client, keys = served
    response = client.get("/api/v1/experiments/plan", params=params, headers=auth(keys["viewer"]))
    message = _error(response, status, code)
    assert said in message and "--" not in message


def test_a_key_is_needed(served) -> None:
    client, _ = served
    for path in ("/api/v1/experiments", "/api/v1/experiments/plan?trigger=milestone_thanks"):
        assert client.get(path).status_code == 401


def test_results_follow_an_edit_of_the_policy(served) -> None:
    """The results read the policy's margin rate, the program's end and its contact tests:
    an edit is seen at once, however the reads before it were kept."""
    client, keys = served
    before = _get(served, "/api/v1/gestures/results")["by_trigger"][0]["return"]
    assert before["margin_rate"] == 0.4
    assert len(_get(served, "/api/v1/experiments")["contact_tests"]) == 1
    edited = SURFACES_POLICY.split("[experiments.contact_tests")[0].replace("0.4", "0.2")
    edited = edited.replace('end = "2025-06-01"', 'end = "2026-06-01"')
    put = client.put("/api/v1/policy", json={"text": edited}, headers=auth(keys["admin"]))
    assert put.status_code == 200, put.text
    try:
        results = _get(served, "/api/v1/gestures/results")
        after = results["by_trigger"][0]["return"]
        assert after["margin_rate"] == 0.2
        assert after["incremental_margin"]["estimate"] == pytest.approx(
            before["incremental_margin"]["estimate"] / 2
        )
        assert results["end"] == "2026-06-01" and results["fixed_horizon_valid"] is False
        body = _get(served, "/api/v1/experiments")
        assert body["contact_tests"] == [] and body["gratitude"]["margin_rate"] == 0.2
    finally:
        restored = client.put(
            "/api/v1/policy", json={"text": SURFACES_POLICY}, headers=auth(keys["admin"])
        )
        assert restored.status_code == 200
