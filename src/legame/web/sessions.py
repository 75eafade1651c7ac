"""Dashboard sessions, kept on the server, and the CSRF tokens that guard their forms.

Signing in with an API key starts a session: a random token goes to the browser in a
cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure`` over https, ``Path=/``) and only its
SHA-256 is stored, in ``web_sessions`` (:mod:`legame.store.sessions`), with the key that
signed in, the session's CSRF token and an expiry (``LEGAME_SESSION_HOURS``, default 8). A
session ends when it expires, when it signs out (the row is deleted) or when its key is
revoked.

Every form a session posts carries its CSRF token in a hidden field; the sign-in form,
which has no session yet, uses a double-submit cookie instead (the same random value in a
cookie and in the form).
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from legame.store import Workspace
from legame.store.keys import ApiKey, lookup
from legame.store.sessions import create_session, delete_session, find_session

SESSION_COOKIE = "legame_session"
SIGNIN_COOKIE = "legame_signin"
SESSION_HOURS_ENV = "LEGAME_SESSION_HOURS"
DEFAULT_SESSION_HOURS = 8.0


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: its key (and so its role) and its CSRF token."""

    key: ApiKey
    csrf_token: str
    expires_at: datetime


def session_hours() -> float:
    """How long a session lasts: ``$LEGAME_SESSION_HOURS`` or 8 hours."""
    raw = os.environ.get(SESSION_HOURS_ENV, "")
    try:
        hours = float(raw) if raw else DEFAULT_SESSION_HOURS
    except ValueError:
        hours = DEFAULT_SESSION_HOURS
    return hours if hours > 0 else DEFAULT_SESSION_HOURS


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start(ws: Workspace, key: ApiKey) -> tuple[str, WebSession]:
    """A new session for ``key``: the cookie token (never stored) and the session."""
    token, csrf = new_token(), new_token()
    seconds = int(session_hours() * 3600)
    create_session(ws, token, key_id=key.key_id, csrf_token=csrf, seconds=seconds)
    found = find(ws, token)
    assert found is not None
    return token, found


def find(ws: Workspace, token: str | None) -> WebSession | None:
    """The live session of a cookie token: None when unknown, expired, or its key revoked."""
    if not token:
        return None
    stored = find_session(ws, token)
    if stored is None:
        return None
    key = lookup(ws, stored.key_id)
    if key is None or key.revoked_at is not None:
        end(ws, token)
        return None
    return WebSession(key, stored.csrf_token, stored.expires_at)


def end(ws: Workspace, token: str | None) -> bool:
    """Sign out: delete the session. True when there was one."""
    if not token:
        return False
    return delete_session(ws, token)


def same_token(expected: str | None, presented: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens; a missing one never matches."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())
