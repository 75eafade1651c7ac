"""API keys and roles: 401 without a valid key, 403 without the role, /health is open."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import auth
from tests.conftest import run_legame

VIEWER = ["/api/v1/overview", "/api/v1/nps", "/api/v1/segments"]
ANALYST = ["/api/v1/customers"]
ADMIN = ["/api/v1/policy"]


def test_health_needs_no_key(client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["schema_version"] >= 3


@pytest.mark.parametrize("path", VIEWER + ANALYST + ADMIN)
def test_missing_or_wrong_key_is_401_with_the_error_shape(client, path) -> None:
    for headers in ({}, auth("lgm_nothere_secret"), auth("garbage"), {"Authorization": "Basic x"}):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "unauthorized"


def test_roles_are_ordered_viewer_analyst_admin(client, keys) -> None:
    expect = {
        "viewer": {"viewer"},
        "analyst": {"viewer", "analyst"},
        "admin": {"viewer", "analyst", "admin"},
    }
    for role, key in keys.items():
        for needed, paths in (("viewer", VIEWER), ("analyst", ANALYST), ("admin", ADMIN)):
            for path in paths:
                status = client.get(path, headers=auth(key)).status_code
                if needed in expect[role]:
                    assert status == 200, (role, path)
                else:
                    assert status == 403, (role, path)


def test_a_tampered_secret_is_refused(client, keys) -> None:
    key = keys["admin"]
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert client.get("/api/v1/overview", headers=auth(tampered)).status_code == 401


def test_keys_cli_create_list_revoke(api_db) -> None:
    created = json.loads(
        run_legame(
            "keys", "create", "--role", "analyst", "--name", "crm", "--db", api_db, "--json"
        ).stdout
    )
    assert set(created) >= {"key", "role", "name"}
    assert created["role"] == "analyst" and created["name"] == "crm"
    assert created["key"].startswith("lgm_")
    listed = json.loads(run_legame("keys", "list", "--db", api_db, "--json").stdout)
    assert [k["name"] for k in listed] == ["crm"]
    assert created["key"] not in json.dumps(listed)
    # The secret itself is not stored: only its hash.
    import duckdb

    con = duckdb.connect(str(api_db), read_only=True)
    stored = con.execute("SELECT * FROM api_keys").fetchall()
    con.close()
    assert created["key"].split("_", 2)[2] not in repr(stored)
    revoked = run_legame("keys", "revoke", created["id"], "--db", api_db)
    assert revoked.returncode == 0
    assert "No active API key" in run_legame("keys", "revoke", created["id"], "--db", api_db).stderr


def test_revoked_key_stops_working_at_once(client, api_db, keys) -> None:
    assert client.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 200
    key_id = keys["viewer"].split("_")[1]
    from legame.store import Workspace
    from legame.store.keys import revoke_key

    # The server holds the database; revoke through its own connection, as an admin would.
    with client.app.state.store.session() as ws:
        assert isinstance(ws, Workspace)
        revoke_key(ws, key_id)
    assert client.get("/api/v1/overview", headers=auth(keys["viewer"])).status_code == 401


def test_bad_role_is_a_clear_error(api_db) -> None:
    result = run_legame("keys", "create", "--role", "boss", "--db", api_db)
    assert (
        result.returncode == 1 and "--role must be one of viewer, analyst, admin" in result.stderr
    )
