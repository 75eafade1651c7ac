"""API keys: created once (the secret is shown once), stored hashed, checked in constant
time, revocable. A key's role decides what it may do:

* ``viewer``  — aggregates only: overview, NPS, segments, findings, gesture results;
* ``analyst`` — plus customer-level data and the contact and message checks;
* ``admin``   — plus ingest, erasure and the policy.

A key looks like ``lgm_<id>_<secret>``: the id finds the row, the SHA-256 of the secret
is compared with ``hmac.compare_digest``. Secrets are 32 random bytes, so a plain hash is
enough (no dictionary to guard against); keys are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from legame.errors import InputError, NotFoundError
from legame.store.workspace import Workspace

Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "admin")
_RANK = {role: i for i, role in enumerate(ROLES)}
PREFIX = "lgm"


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, needed: Role) -> bool:
        return _RANK[self.role] >= _RANK[needed]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(ws: Workspace, role: str, name: str | None = None) -> tuple[str, ApiKey]:
    """Create a key; return the full key (shown once) and its record."""
    if role not in ROLES:
        raise InputError(f"--role must be one of {', '.join(ROLES)}; got {role!r}.")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    label = name or f"{role} key {key_id}"
    with ws.transaction() as con:
        con.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, now()::TIMESTAMP, NULL)",
            [key_id, label, role, _hash(secret)],
        )
        con.execute(
            "INSERT INTO audit_log VALUES (now()::TIMESTAMP, 'key_created', ?)",
            [json.dumps({"key_id": key_id, "role": role})],
        )
    record = lookup(ws, key_id)
    assert record is not None
    return f"{PREFIX}_{key_id}_{secret}", record


def lookup(ws: Workspace, key_id: str) -> ApiKey | None:
    rows = ws.con.execute(
        "SELECT key_id, name, role, created_at, revoked_at FROM api_keys WHERE key_id = ?",
        [key_id],
    ).fetchall()
    return ApiKey(*rows[0]) if rows else None


def list_keys(ws: Workspace) -> list[ApiKey]:
    rows = ws.con.execute(
        "SELECT key_id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at"
    ).fetchall()
    return [ApiKey(*row) for row in rows]


def revoke_key(ws: Workspace, key_id: str) -> ApiKey:
    """Revoke a key by its id (the part after ``lgm_``) or by the full key."""
    if key_id.startswith(f"{PREFIX}_"):
        key_id = key_id.split("_")[1]
    with ws.transaction() as con:
        found = con.execute(
            "UPDATE api_keys SET revoked_at = now()::TIMESTAMP "
            "WHERE key_id = ? AND revoked_at IS NULL",
            [key_id],
        ).fetchall()[0][0]
        if not found:
            raise NotFoundError(f"No active API key with id {key_id!r}: see `legame keys list`.")
        con.execute(
            "INSERT INTO audit_log VALUES (now()::TIMESTAMP, 'key_revoked', ?)",
            [json.dumps({"key_id": key_id})],
        )
    record = lookup(ws, key_id)
    assert record is not None
    return record


def verify(ws: Workspace, presented: str) -> ApiKey | None:
    """The active key matching ``presented``, or None. Constant time in the secret."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    key_id, secret = parts[1], parts[2]
    rows = ws.con.execute(
        "SELECT secret_sha256 FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", [key_id]
    ).fetchall()
    # Compare against a dummy when the id is unknown, so timing does not reveal ids.
    expected = rows[0][0] if rows else _hash(secrets.token_urlsafe(32))
    if not hmac.compare_digest(expected, _hash(secret)) or not rows:
        return None
    return lookup(ws, key_id)
