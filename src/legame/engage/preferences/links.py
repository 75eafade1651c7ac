"""Signed, expiring preference links: the customer's way to the page where they set the
cadence, with no sign-in.

A token is ``base64url(payload) "." base64url(HMAC-SHA256(secret, payload))``, both
without padding. The payload holds a version byte, the expiry (UTC epoch seconds, 8 bytes
big-endian), the id of the key that signed it (a length byte, then its ASCII) and the
customer id (UTF-8, the rest). The secret is 32 random bytes made once per workspace, in
``link_keys``; :func:`rotate` adds a newer key, and only the newest one verifies, so every
link made before is refused from then on.

:func:`verify` answers with the customer (:class:`Verified`) or a typed refusal
(:class:`Refused`): ``tampered`` for anything that is not a link this workspace signed
with its current key (malformed, a signature that does not match, an unknown or rotated
key), ``expired`` for a genuine link past its expiry. The signature is compared in
constant time and the encoding must be the canonical one, so a change of any one
character is refused. The audit trail names a link by :func:`link_id` (a short hash of
the token), never by the token or the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from legame import sql
from legame.engage.governor.clock import to_utc
from legame.errors import InputError, NotFoundError, StoreError
from legame.ingest.ids import workspace_customer_id
from legame.store import Workspace

VERSION = 1
#: How long a link works unless told otherwise, and the longest it may.
DEFAULT_DAYS = 30
MAX_DAYS = 365
#: Longer than any token this module makes (a customer id is at most a few hundred bytes).
MAX_TOKEN_CHARS = 2048
#: The page a link opens, under the server's base URL.
PAGE_PATH = "/preferences/"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
_HEAD = struct.Struct(">BQB")  # version, expiry (epoch seconds), key id length


@dataclass(frozen=True)
class Link:
    """A link made by :func:`make_link`: its token, where it opens, until when it works."""

    customer_id: str
    token: str
    url: str
    expires_at: datetime  # naive UTC

    @property
    def link_id(self) -> str:
        return link_id(self.token)


@dataclass(frozen=True)
class Verified:
    """A genuine, current link: whose preferences it opens."""

    customer_id: str
    link_id: str
    expires_at: datetime  # naive UTC


@dataclass(frozen=True)
class Refused:
    """A link that opens nothing. ``reason`` is ``tampered`` (not a link signed with the
    workspace's current key: ``cause`` says why) or ``expired`` (genuine, but too old:
    ``customer_id`` is then known, for the page's language)."""

    reason: Literal["tampered", "expired"]
    cause: Literal["malformed", "unknown_key", "rotated_key", "signature", "expired"]
    link_id: str
    customer_id: str | None = None


def link_id(token: str) -> str:
    """A short, stable name of a link for the audit trail: 16 hex digits of its SHA-256."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# --- keys ------------------------------------------------------------------------------


def current_key(ws: Workspace) -> tuple[str, bytes] | None:
    """The newest signing key ``(key_id, secret)``; None before the first link."""
    found = ws.con.execute(sql.render("preferences/store/newest_key")).fetchall()
    return (found[0][0], bytes(found[0][1])) if found else None


def ensure_key(ws: Workspace, at: datetime) -> tuple[str, bytes]:
    """The newest signing key, made in one transaction if the workspace has none yet."""
    found = current_key(ws)
    if found is not None:
        return found
    if ws.read_only:
        raise StoreError(
            f"{ws.path} has no key for preference links yet and is open read-only: "
            "open it for writing to make the first link."
        )
    with ws.transaction():
        found = current_key(ws)  # another writer of this process may have made it
        if found is None:
            found = _add_key(ws, to_utc(at), "link_key_created")
    return found


def rotate(ws: Workspace, at: datetime) -> str:
    """Add a newer signing key; every link made before is refused from now on. Returns the
    new key's id (audited as ``link_key_rotated``, without the secret)."""
    with ws.transaction():
        key_id, _ = _add_key(ws, to_utc(at), "link_key_rotated")
    return key_id


def _add_key(ws: Workspace, at: datetime, action: str) -> tuple[str, bytes]:
    key_id = secrets.token_hex(4)
    secret = secrets.token_bytes(32)
    ws.con.execute(sql.render("preferences/store/insert_key"), [key_id, secret, at])
    ws.con.execute(
        sql.render("preferences/store/audit"), [at, action, json.dumps({"key_id": key_id})]
    )
    return key_id, secret


# --- making and checking links ------------------------------------------------------------


def sign(key_id: str, secret: bytes, customer_id: str, expires_at: datetime) -> str:
    """The token for ``customer_id`` until ``expires_at`` (naive UTC, whole seconds kept)."""
    kid = key_id.encode("ascii")
    expiry = int(expires_at.replace(tzinfo=UTC).timestamp())
    payload = _HEAD.pack(VERSION, expiry, len(kid)) + kid + customer_id.encode("utf-8")
    mac = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_encode(payload)}.{_encode(mac)}"


def make_link(
    ws: Workspace,
    customer_id: str,
    *,
    now: datetime,
    days: int = DEFAULT_DAYS,
    base_url: str = DEFAULT_BASE_URL,
) -> Link:
    """A link to the customer's preference page, working for ``days`` days from ``now``.

    The id goes through the customer-id rule of the workspace's policy, and the customer
    must be in ``customers``. The first link of a workspace makes its signing key.
    """
    check_days(days)
    base = check_base_url(base_url)
    now = to_utc(now, name="now")
    customer_id = workspace_customer_id(ws.path, customer_id)
    if not known_customers(ws, [customer_id]):
        raise NotFoundError(
            f"No customer {customer_id!r}: a preference link is for a customer in the "
            "workspace. Load the customer first (`legame ingest customers`), or check the id."
        )
    key_id, secret = ensure_key(ws, now)
    expires = now.replace(microsecond=0) + timedelta(days=days)
    token = sign(key_id, secret, customer_id, expires)
    return Link(customer_id, token, f"{base}{PAGE_PATH}{token}", expires)


def verify(ws: Workspace, token: str, now: datetime) -> Verified | Refused:
    """Whose link ``token`` is, or why it opens nothing (see the module's docstring)."""
    lid = link_id(token) if isinstance(token, str) else ""
    parsed = _parse(token)
    if parsed is None:
        return Refused("tampered", "malformed", lid)
    payload, mac, key_id, expiry, customer_id = parsed
    found = ws.con.execute(sql.render("preferences/store/key"), [key_id]).fetchall()
    if not found:
        return Refused("tampered", "unknown_key", lid)
    expected = hmac.new(bytes(found[0][0]), payload, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, mac):
        return Refused("tampered", "signature", lid)
    newest = current_key(ws)
    if newest is None or newest[0] != key_id:
        return Refused("tampered", "rotated_key", lid)
    expires_at = datetime.fromtimestamp(expiry, UTC).replace(tzinfo=None)
    if to_utc(now, name="now") >= expires_at:
        return Refused("expired", "expired", lid, customer_id)
    return Verified(customer_id, lid, expires_at)


def _parse(token: object) -> tuple[bytes, bytes, str, int, str] | None:
    """``(payload, mac, key_id, expiry, customer_id)`` of a well-formed token, else None."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS:
        return None
    parts = token.split(".")
    if len(parts) != 2:
        return None
    payload, mac = _decode(parts[0]), _decode(parts[1])
    if payload is None or mac is None or len(mac) != hashlib.sha256().digest_size:
        return None
    if len(payload) < _HEAD.size:
        return None
    version, expiry, size = _HEAD.unpack_from(payload)
    rest = payload[_HEAD.size :]
    if version != VERSION or size == 0 or len(rest) <= size:
        return None
    try:
        key_id = rest[:size].decode("ascii")
        customer_id = rest[size:].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return payload, mac, key_id, expiry, customer_id


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes | None:
    """The bytes of canonical unpadded base64url text, else None (so that no two texts
    decode to the same bytes: a changed character is always a different token)."""
    if not text or not text.isascii():
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _encode(data) == text else None


# --- arguments -----------------------------------------------------------------------


def check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InputError(
            f"The 'days' of a preference link must be a whole number from 1 to {MAX_DAYS}. "
            f"Got {days!r} instead."
        )
    return days


def check_base_url(base_url: str) -> str:
    """The server's address the links point at, without a trailing slash: http(s) and a
    host, no query or fragment."""
    text = base_url.strip() if isinstance(base_url, str) else ""
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)
    ):
        raise InputError(
            f"The base URL of a preference link must be the server's address, such as "
            f"{DEFAULT_BASE_URL} or https://legame.example.com. Got {base_url!r} instead."
        )
    return text.rstrip("/")


def known_customers(ws: Workspace, customer_ids: list[str]) -> set[str]:
    """Those of ``customer_ids`` that are in ``customers``."""
    if not customer_ids:
        return set()
    rows = ws.con.execute(
        sql.render("preferences/store/known_customers"), [sorted(set(customer_ids))]
    ).fetchall()
    return {row[0] for row in rows}
