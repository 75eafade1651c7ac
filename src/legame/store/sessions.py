"""Dashboard sessions as the store keeps them, in ``web_sessions``.

Only the SHA-256 of a session's cookie token is stored, with the key that signed in, the
session's CSRF token and an expiry. Starting and ending a session is audited (the key id
only). The cookie and the CSRF checks are the dashboard's (:mod:`legame.web.sessions`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from legame.store.workspace import Workspace


@dataclass(frozen=True)
class StoredSession:
    """A live session's row: the key that signed in, its CSRF token and its expiry."""

    key_id: str
    csrf_token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    ws: Workspace, token: str, *, key_id: str, csrf_token: str, seconds: int
) -> None:
    """Store a session for ``token`` lasting ``seconds``; expired sessions are removed."""
    with ws.transaction() as con:
        con.execute("DELETE FROM web_sessions WHERE expires_at <= now()::TIMESTAMP")
        con.execute(
            "INSERT INTO web_sessions VALUES (?, ?, ?, now()::TIMESTAMP, "
            "now()::TIMESTAMP + to_seconds(?))",
            [_hash(token), key_id, csrf_token, seconds],
        )
        con.execute(
            "INSERT INTO audit_log VALUES (now()::TIMESTAMP, 'web_signin', ?)",
            [json.dumps({"key_id": key_id})],
        )


def find_session(ws: Workspace, token: str) -> StoredSession | None:
    """The unexpired session of ``token``, or None."""
    rows = ws.con.execute(
        "SELECT key_id, csrf_token, expires_at FROM web_sessions "
        "WHERE token_sha256 = ? AND expires_at > now()::TIMESTAMP",
        [_hash(token)],
    ).fetchall()
    return StoredSession(*rows[0]) if rows else None


def delete_session(ws: Workspace, token: str) -> bool:
    """Delete the session of ``token`` (audited as a sign-out). True when there was one."""
    with ws.transaction() as con:
        rows = con.execute(
            "DELETE FROM web_sessions WHERE token_sha256 = ? RETURNING key_id", [_hash(token)]
        ).fetchall()
        if rows:
            con.execute(
                "INSERT INTO audit_log VALUES (now()::TIMESTAMP, 'web_signout', ?)",
                [json.dumps({"key_id": rows[0][0]})],
            )
    return bool(rows)
