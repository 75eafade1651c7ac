"""API keys and dashboard sessions as the store keeps them: hashed, audited, revocable,
expiring. The HTTP and cookie sides are tested in tests/api/test_auth.py and
tests/web/test_sessions.py."""

from __future__ import annotations

import hashlib
import json

import pytest

from legame.errors import InputError, NotFoundError
from legame.store import Workspace
from legame.store.keys import create_key, list_keys, lookup, revoke_key, verify
from legame.store.sessions import create_session, delete_session, find_session


def audit(ws: Workspace) -> list[tuple[str, dict[str, str]]]:
    rows = ws.con.execute("SELECT action, detail FROM audit_log ORDER BY rowid").fetchall()
    return [(action, json.loads(detail)) for action, detail in rows]


def test_a_created_key_verifies_and_only_its_secrets_hash_is_stored(ws: Workspace) -> None:
    full, record = create_key(ws, "analyst", "reporting")
    secret = full.split("_", 2)[2]
    assert full.startswith(f"lgm_{record.key_id}_")
    assert (record.name, record.role, record.revoked_at) == ("reporting", "analyst", None)
    assert verify(ws, full) == record
    stored = ws.con.execute("SELECT secret_sha256 FROM api_keys").fetchall()
    assert stored == [(hashlib.sha256(secret.encode()).hexdigest(),)]
    assert audit(ws) == [("key_created", {"key_id": record.key_id, "role": "analyst"})]


def test_a_wrong_secret_an_unknown_id_or_a_malformed_key_does_not_verify(ws: Workspace) -> None:
    full = create_key(ws, "viewer")[0]
    assert verify(ws, full) is not None
    assert verify(ws, full[:-1] + ("x" if full[-1] != "x" else "y")) is None
    assert verify(ws, f"lgm_000000000000_{full.split('_', 2)[2]}") is None
    assert verify(ws, "not-a-key") is None
    assert verify(ws, full.replace("lgm_", "xyz_", 1)) is None


def test_a_revoked_key_no_longer_verifies_and_revoking_twice_is_not_found(
    ws: Workspace,
) -> None:
    full, record = create_key(ws, "admin")
    revoked = revoke_key(ws, full)  # by the full key; by the id works too
    assert revoked.revoked_at is not None
    assert verify(ws, full) is None
    assert lookup(ws, record.key_id) == revoked
    with pytest.raises(NotFoundError, match="No active API key"):
        revoke_key(ws, record.key_id)
    assert [event for event, _ in audit(ws)] == ["key_created", "key_revoked"]


def test_keys_are_listed_in_creation_order_and_an_unknown_role_is_refused(
    ws: Workspace,
) -> None:
    first = create_key(ws, "viewer")[1]
    second = create_key(ws, "admin")[1]
    assert [key.key_id for key in list_keys(ws)] == [first.key_id, second.key_id]
    with pytest.raises(InputError, match="--role must be one of viewer, analyst, admin"):
        create_key(ws, "owner")


def test_a_session_is_stored_by_its_tokens_hash_and_found_until_deleted(ws: Workspace) -> None:
    key = create_key(ws, "viewer")[1]
    create_session(ws, "cookie-token", key_id=key.key_id, csrf_token="csrf", seconds=3600)
    stored = ws.con.execute("SELECT token_sha256 FROM web_sessions").fetchall()
    assert stored == [(hashlib.sha256(b"cookie-token").hexdigest(),)]
    found = find_session(ws, "cookie-token")
    assert found is not None
    assert (found.key_id, found.csrf_token) == (key.key_id, "csrf")
    assert find_session(ws, "another-token") is None
    assert delete_session(ws, "cookie-token") is True
    assert find_session(ws, "cookie-token") is None
    assert delete_session(ws, "cookie-token") is False
    events = [(event, details["key_id"]) for event, details in audit(ws)[1:]]
    assert events == [("web_signin", key.key_id), ("web_signout", key.key_id)]


def test_an_expired_session_is_not_found_and_is_removed_by_the_next_sign_in(
    ws: Workspace,
) -> None:
    key = create_key(ws, "viewer")[1]
    create_session(ws, "old", key_id=key.key_id, csrf_token="a", seconds=3600)
    ws.con.execute("UPDATE web_sessions SET expires_at = now()::TIMESTAMP - INTERVAL 1 SECOND")
    assert find_session(ws, "old") is None
    create_session(ws, "new", key_id=key.key_id, csrf_token="b", seconds=3600)
    hashes = ws.con.execute("SELECT token_sha256 FROM web_sessions").fetchall()
    assert hashes == [(hashlib.sha256(b"new").hexdigest(),)]
