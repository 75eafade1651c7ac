"""Preference links: signed, expiring, refused when changed in any character, when expired
or when the key was rotated; the audit trail names keys and links, never secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string
from datetime import timedelta

import pytest

from legame.engage.preferences import Refused, Verified, make_link, rotate, verify
from legame.engage.preferences.links import link_id, sign
from legame.errors import InputError, NotFoundError
from legame.store import Workspace
from tests.engage.preferences.conftest import NOW, table

ALPHABET = string.ascii_letters + string.digits + "-_"


def test_a_link_verifies_as_its_customer_until_it_expires(shop: Workspace) -> None:
    link = make_link(shop, "mario", now=NOW, days=30, base_url="https://shop.example/")
    assert link.url == f"https://shop.example/preferences/{link.token}"
    assert link.expires_at == NOW + timedelta(days=30)
    found = verify(shop, link.token, NOW + timedelta(days=29, hours=23))
    assert found == Verified("mario", link.link_id, link.expires_at)
    assert verify(shop, link.token, link.expires_at) == Refused(
        "expired", "expired", link.link_id, "mario"
    )


def test_the_token_is_payload_dot_hmac_sha256_of_the_payload_with_the_stored_secret(
    shop: Workspace,
) -> None:
    token = make_link(shop, "lucia", now=NOW).token
    body, mac = token.split(".")
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    ((key_id, secret),) = shop.con.execute("SELECT key_id, secret FROM link_keys").fetchall()
    assert payload[0] == 1 and key_id.encode() in payload and payload.endswith(b"lucia")
    expected = hmac.new(bytes(secret), payload, hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4)) == expected
    assert len(bytes(secret)) == 32


def _changed(token: str, i: int) -> str:
    swap = next(ch for ch in ALPHABET if ch != token[i])
    return token[:i] + swap + token[i + 1 :]


def test_changing_any_one_character_of_the_token_is_refused_as_tampered(shop: Workspace) -> None:
    token = make_link(shop, "mario", now=NOW).token
    for i in range(len(token)):
        found = verify(shop, _changed(token, i), NOW)
        assert isinstance(found, Refused) and found.reason == "tampered", (i, found)
        assert found.cause in ("malformed", "signature", "unknown_key"), (i, found)


@pytest.mark.parametrize(
    "token",
    ["", ".", "abc", "a.b.c", "=.=", "é.é", "AQ.AQ", "x" * 5000, "AAAA.AAAA"],
)
def test_malformed_tokens_are_refused_as_tampered(shop: Workspace, token: str) -> None:
    make_link(shop, "mario", now=NOW)
    found = verify(shop, token, NOW)
    assert isinstance(found, Refused) and (found.reason, found.cause) == ("tampered", "malformed")


def test_a_token_signed_with_another_secret_or_an_unknown_key_is_tampered(
    shop: Workspace,
) -> None:
    link = make_link(shop, "mario", now=NOW)
    ((key_id,),) = shop.con.execute("SELECT key_id FROM link_keys").fetchall()
    forged = sign(key_id, b"\x00" * 32, "john", NOW + timedelta(days=1))
    assert verify(shop, forged, NOW).cause == "signature"  # type: ignore[union-attr]
    unknown = sign("feedbeef", b"\x00" * 32, "john", NOW + timedelta(days=1))
    assert verify(shop, unknown, NOW).cause == "unknown_key"  # type: ignore[union-attr]
    assert isinstance(verify(shop, link.token, NOW), Verified)


def test_rotation_refuses_every_older_link_and_signs_new_ones(shop: Workspace) -> None:
    old = make_link(shop, "mario", now=NOW)
    new_key = rotate(shop, NOW + timedelta(hours=1))
    assert verify(shop, old.token, NOW + timedelta(hours=2)) == Refused(
        "tampered", "rotated_key", old.link_id
    )
    fresh = make_link(shop, "mario", now=NOW + timedelta(hours=2))
    assert new_key.encode() in base64.urlsafe_b64decode(fresh.token.split(".")[0] + "==")
    assert isinstance(verify(shop, fresh.token, NOW + timedelta(hours=2)), Verified)


def test_the_key_is_made_once_and_the_audit_names_keys_never_secrets(shop: Workspace) -> None:
    first = make_link(shop, "mario", now=NOW)
    make_link(shop, "lucia", now=NOW)
    rotate(shop, NOW)
    keys = table(shop, "link_keys")
    assert len(keys) == 2
    audit = shop.con.execute("SELECT action, detail FROM audit_log ORDER BY action").fetchall()
    assert [a for a, _ in audit] == ["link_key_created", "link_key_rotated"]
    text = json.dumps([d for _, d in audit])
    for key_id, secret, _ in keys:
        assert key_id in text
        assert bytes(secret).hex() not in text
    assert first.token not in text
    assert first.link_id == link_id(first.token) and len(first.link_id) == 16


def test_links_are_for_known_customers_and_sane_arguments(shop: Workspace) -> None:
    with pytest.raises(NotFoundError, match="No customer 'nobody'"):
        make_link(shop, "nobody", now=NOW)
    for days in (0, 366, True):
        with pytest.raises(InputError, match="'days'"):
            make_link(shop, "mario", now=NOW, days=days)  # type: ignore[arg-type]
    for base in ("ftp://x", "shop.example", "https://x/?a=1", "https://x/ y", "javascript:x"):
        with pytest.raises(InputError, match="base URL"):
            make_link(shop, "mario", now=NOW, base_url=base)
    assert table(shop, "link_keys") == []  # nothing refused made a key


def test_the_customer_id_rule_of_the_policy_applies(shop: Workspace) -> None:
    link = make_link(shop, "  mario ", now=NOW)
    assert link.customer_id == "mario"
    assert verify(shop, link.token, NOW).customer_id == "mario"  # type: ignore[union-attr]


def test_a_rotation_at_the_same_instant_still_replaces_the_key(ws) -> None:
    """Keys made within one clock tick (or with a clock set back) must still rotate: the
    newest is the one made last, not a coin toss between equal times."""
    from datetime import datetime

    from legame.engage.preferences.links import current_key, ensure_key, rotate

    at = datetime(2026, 3, 1, 12, 0)
    first, _ = ensure_key(ws, at)
    for _ in range(5):
        made = rotate(ws, at)
        assert current_key(ws)[0] == made != first
    assert rotate(ws, datetime(2020, 1, 1)) == current_key(ws)[0]
