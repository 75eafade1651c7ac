"""The customer's preference page, on the real app with no sign-in: the form in the
customer's language, a save that lands in the store, 403 and 410 pages for a changed or
expired link that change nothing, and the engagement page's section that counts the new
choice at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.engage.preferences import make_link, rotate
from legame.engage.preferences.links import link_id
from tests.web.conftest import new_client
from tests.web.test_i18n import _english_phrases, _leaks

#: Now, for every page of these tests: after the demo's data (which ends in 2025).
NOW = datetime(2026, 1, 15, 12, 0)
WRITTEN = ("contact_preferences", "consents", "audit_log", "batches", "link_keys")


@pytest.fixture
def app(http_app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    """The session's app, with its clock at NOW for these tests only."""
    monkeypatch.setattr(http_app.state, "clock", lambda: NOW, raising=False)
    yield http_app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return new_client(app)


def _customer(app: FastAPI, language: str, n: int = 0) -> str:
    """A demo customer who speaks ``language`` and has no saved choice yet."""
    with app.state.store.session() as ws:
        rows = ws.con.execute(
            "SELECT customer_id FROM customers WHERE language = ? AND customer_id NOT IN "
            "(SELECT customer_id FROM contact_preferences) ORDER BY customer_id LIMIT 1 OFFSET ?",
            [language, n],
        ).fetchall()
    return str(rows[0][0])


def _link(app: FastAPI, customer_id: str, *, now: datetime = NOW, days: int = 30) -> str:
    with app.state.store.session() as ws:
        return make_link(ws, customer_id, now=now, days=days).token


def _changed(token: str, i: int) -> str:
    """The token with its ``i``-th character changed."""
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def _tables(app: FastAPI) -> dict[str, Any]:
    with app.state.store.session() as ws:
        return {
            name: sorted(ws.con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in WRITTEN
        }


def _rows(app: FastAPI, query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with app.state.store.session() as ws:
        return ws.con.execute(query, params).fetchall()


def test_the_page_opens_without_signing_in_in_the_customers_language(
    app: FastAPI, client: TestClient
) -> None:
    cid = _customer(app, "it")
    page = client.get(f"/preferences/{_link(app, cid)}", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert '<html lang="it">' in page.text and "I messaggi che ti mandiamo" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store" and "set-cookie" not in page.headers
    for channel in ("email", "sms", "push", "phone", "post"):
        assert f'name="channel" value="{channel}"' in page.text
    assert "/signin" not in page.text and 'href="/customers' not in page.text  # no dashboard
    assert not re.search(r'(src|href)="(https?:)?//', page.text)  # nothing from elsewhere


def test_a_customer_without_a_catalogue_language_gets_the_browsers(
    app: FastAPI, client: TestClient
) -> None:
    cid = _customer(app, "de")
    token = _link(app, cid)
    spanish = client.get(f"/preferences/{token}", headers={"Accept-Language": "es-ES,es"})
    assert '<html lang="es">' in spanish.text
    assert '<html lang="en">' in client.get(f"/preferences/{token}").text
    assert '<html lang="it">' in client.get(f"/preferences/{token}?lang=it").text


@pytest.mark.parametrize("lang", ["it", "es"])
def test_the_form_the_confirmation_and_the_refusals_show_no_english(
    app: FastAPI, client: TestClient, lang: str
) -> None:
    cid = _customer(app, lang)
    token = _link(app, cid)
    pages = {
        "form": client.get(f"/preferences/{token}").text,
        "invalid": client.post(f"/preferences/{token}", data={"max_per_week": "lots"}).text,
        "saved": client.post(
            f"/preferences/{token}",
            data={
                "channel": ["email"],
                "max_per_week": "1",
                "max_per_month": "3",
                "quiet_start": "21:00",
                "quiet_end": "08:00",
                "paused_until": "2026-02-01",
            },
        ).text,
        "expired": client.get(f"/preferences/{_link(app, cid, now=NOW - timedelta(days=40))}").text,
        "tampered": client.get(
            f"/preferences/{_changed(token, 5)}", headers={"Accept-Language": lang}
        ).text,
    }
    phrases = _english_phrases(lang)
    for name, page in pages.items():
        assert f'<html lang="{lang}">' in page, name
        assert _leaks(page, phrases) == [], (name, _leaks(page, phrases))


def test_saving_lands_in_the_store_as_the_tokens_customer_only(
    app: FastAPI, client: TestClient
) -> None:
    cid = _customer(app, "en")
    token = _link(app, cid)
    saved = client.post(
        f"/preferences/{token}",
        data={"channel": ["email", "push"], "max_per_week": "1", "customer_id": "C000001"},
    )
    assert saved.status_code == 200 and "Your choices are saved" in saved.text
    assert "at most 1 message a week" in saved.text
    rows = _rows(
        app,
        'SELECT customer_id, "at", channels, max_per_week, source FROM contact_preferences '
        "WHERE link_id = ?",
        [link_id(token)],
    )
    assert rows == [(cid, NOW, ["email", "push"], 1, "preference_link")]
    assert _rows(app, "SELECT * FROM contact_preferences WHERE customer_id = 'C000001'", []) == []
    withdrawn = _rows(
        app,
        'SELECT channel FROM consents WHERE customer_id = ? AND "at" = ? '
        "AND status = 'withdrawn'",
        [cid, NOW],
    )
    assert {c for (c,) in withdrawn} <= {"sms", "phone", "post"} and withdrawn
    again = client.get(f"/preferences/{token}")
    assert 'value="email" checked' in again.text and 'value="sms" checked' not in again.text
    assert 'id="max_per_week" name="max_per_week"' in again.text and 'value="1"' in again.text


def test_an_invalid_form_says_what_is_wrong_and_saves_nothing(
    app: FastAPI, client: TestClient
) -> None:
    token = _link(app, _customer(app, "en", 1))
    before = _tables(app)
    for data in (
        {"max_per_week": "101"},
        {"max_per_month": "two"},
        {"quiet_start": "21:00"},
        {"quiet_start": "25:00", "quiet_end": "08:00"},
        {"paused_until": "2026-01-10"},
        {"paused_until": "2030-01-01"},
        {"paused_until": "someday"},
        {"channel": ["email", "fax"]},
    ):
        page = client.post(f"/preferences/{token}", data=data)
        assert page.status_code == 422, data
        assert "nothing was saved" in page.text, data
    assert _tables(app) == before


def test_a_link_changed_in_one_character_gets_403_and_changes_nothing(
    app: FastAPI, client: TestClient
) -> None:
    token = _link(app, _customer(app, "es"))
    before = _tables(app)
    for i in (0, len(token) // 3, token.index(".") + 1, len(token) - 1):
        changed = _changed(token, i)
        for response in (
            client.get(f"/preferences/{changed}"),
            client.post(f"/preferences/{changed}", data={"stop": "1"}),
        ):
            assert response.status_code == 403, i
            assert "This link is not valid" in response.text
            assert "Nothing was changed." in response.text
    assert _tables(app) == before


def test_an_expired_link_gets_410_in_the_customers_language_and_changes_nothing(
    app: FastAPI, client: TestClient
) -> None:
    cid = _customer(app, "it")
    token = _link(app, cid, now=NOW - timedelta(days=31), days=30)
    before = _tables(app)
    page = client.get(f"/preferences/{token}")
    assert page.status_code == 410 and "Questo link è scaduto" in page.text
    posted = client.post(f"/preferences/{token}", data={"stop": "1"})
    assert posted.status_code == 410 and "Non è stato cambiato nulla." in posted.text
    assert _tables(app) == before


def test_a_rotated_key_refuses_the_links_made_before(app: FastAPI, client: TestClient) -> None:
    token = _link(app, _customer(app, "en", 2))
    with app.state.store.session() as ws:
        rotate(ws, NOW)
    assert client.get(f"/preferences/{token}").status_code == 403


def test_the_engagement_page_counts_a_new_choice_at_once(
    app: FastAPI, client: TestClient, signed_in
) -> None:
    viewer = signed_in("viewer")

    def shown() -> int:
        page = viewer.get("/engagement?lang=en").text
        section = page.split('id="cadence"', 1)[1]
        if "No customer has chosen a lower cadence yet." in section:
            return 0
        found = re.search(r"Any lower cadence</td><td class=\"n\">([\d,]+)</td>", section)
        assert found, section[:2000]
        return int(found.group(1).replace(",", ""))

    before = shown()
    token = _link(app, _customer(app, "en", 3))
    assert (
        client.post(
            f"/preferences/{token}",
            data={"stop": "1", "channel": ["email", "sms", "push", "phone", "post"]},
        ).status_code
        == 200
    )
    assert shown() == before + 1


def test_a_link_of_an_erased_customer_opens_nothing(tmp_path) -> None:
    from legame.api.app import create_app
    from legame.store import Workspace
    from legame.store.erasure import forget

    db = tmp_path / "legame.duckdb"
    with Workspace.create(db) as ws:
        ws.con.execute(
            "INSERT INTO customers (customer_id, language, _batch_id) VALUES ('anna', 'it', 0)"
        )
        token = make_link(ws, "anna", now=NOW).token
        forget(ws, "anna")
    app = create_app(db)
    with TestClient(app) as erased:
        app.state.clock = lambda: NOW
        page = erased.get(f"/preferences/{token}")
        assert page.status_code == 403 and "Nothing was changed." in page.text
        assert erased.post(f"/preferences/{token}", data={"stop": "1"}).status_code == 403
    with Workspace.open(db, read_only=True) as ws:
        assert ws.con.execute("SELECT count(*) FROM contact_preferences").fetchall() == [(0,)]
