"""Signing in and out, server-side sessions, CSRF and roles, over HTTP (TestClient)."""

from __future__ import annotations

import hashlib

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import Demo, csrf_field, new_client, sign_in

ANALYST_PAGES = ("/customers", "/customers/C000001", "/messages/check")
VIEWER_PAGES = ("/", "/findings", "/engagement")


def _rows(app: FastAPI, sql: str, params: list[object] | None = None) -> list[tuple]:
    with app.state.store.session() as ws:
        return ws.con.execute(sql, params or []).fetchall()


def test_a_page_without_a_session_redirects_to_the_signin_form_and_back(
    client: TestClient,
) -> None:
    response = client.get("/engagement?lang=it", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/engagement%3Flang%3Dit"


def test_signin_sets_an_httponly_lax_session_cookie_stored_only_as_its_hash(
    client: TestClient, demo: Demo, http_app: FastAPI
) -> None:
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={"key": demo.keys["viewer"], "csrf_token": csrf_field(form.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("legame_session=")
    )
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "samesite", "max-age"} <= attributes
    assert "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
    assert "secure" not in attributes  # plain http here; see the https test
    token = client.cookies["legame_session"]
    stored = _rows(
        http_app,
        "SELECT token_sha256, expires_at > now()::TIMESTAMP FROM "
        "web_sessions WHERE token_sha256 = ?",
        [hashlib.sha256(token.encode()).hexdigest()],
    )
    assert stored and stored[0][1] is True
    assert not _rows(
        http_app,
        "SELECT 1 FROM web_sessions WHERE token_sha256 = ? OR csrf_token = ?",
        [token, token],
    )


def test_the_session_cookie_is_secure_when_served_over_https(http_app: FastAPI, demo: Demo) -> None:
    c = new_client(http_app, base_url="https://dashboard.example")
    form = c.get("/signin")
    response = c.post(
        "/signin",
        data={"key": demo.keys["viewer"], "csrf_token": csrf_field(form.text)},
        follow_redirects=False,
    )
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("legame_session=")
    )
    assert "secure" in [p.strip().lower() for p in cookie.split(";")]


def test_a_wrong_key_shows_the_form_again_with_401_and_no_session(client: TestClient) -> None:
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={"key": "lgm_abc_not-a-real-secret", "csrf_token": csrf_field(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "That key is not valid" in response.text
    assert "legame_session" not in client.cookies


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_signin_without_the_matching_double_submit_token_is_refused(
    client: TestClient, demo: Demo, token: str | None
) -> None:
    client.get("/signin")  # sets the signin cookie; the form value is what an attacker lacks
    data = {"key": demo.keys["admin"]}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/signin", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "legame_session" not in client.cookies


def test_signin_without_the_signin_cookie_is_refused(http_app: FastAPI, demo: Demo) -> None:
    first, second = new_client(http_app), new_client(http_app)
    token = csrf_field(first.get("/signin").text)
    # The token alone, from another browser without its cookie (a cross-site post).
    response = second.post(
        "/signin", data={"key": demo.keys["admin"], "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 403


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil"])
def test_signin_never_redirects_to_another_site(
    client: TestClient, demo: Demo, target: str
) -> None:
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={"key": demo.keys["viewer"], "next": target, "csrf_token": csrf_field(form.text)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_signout_deletes_the_session_and_the_old_cookie_opens_nothing(
    signed_in, http_app: FastAPI
) -> None:
    client = signed_in("viewer")
    token = client.cookies["legame_session"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    page = client.get("/")
    assert page.status_code == 200
    response = client.post(
        "/signout", data={"csrf_token": csrf_field(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert not _rows(http_app, "SELECT 1 FROM web_sessions WHERE token_sha256 = ?", [digest])
    client.cookies.set("legame_session", token)  # replay the old cookie
    assert client.get("/", follow_redirects=False).status_code == 303


def test_signout_without_the_csrf_token_is_refused_and_the_session_lives(signed_in) -> None:
    client = signed_in("viewer")
    response = client.post("/signout", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert "The form has expired" in response.text
    assert client.get("/", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("token", [None, "", "not-the-session-token"])
def test_message_check_post_without_the_session_csrf_token_is_refused(
    signed_in, token: str | None
) -> None:
    client = signed_in("analyst")
    data = {"text": "Grazie\nTi aspettiamo in negozio", "values": ""}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/messages/check", data=data)
    assert response.status_code == 403
    assert 'id="message-verdict"' not in response.text


def test_a_csrf_token_of_another_session_is_refused(http_app: FastAPI, demo: Demo) -> None:
    a, b = new_client(http_app), new_client(http_app)
    other = csrf_field(sign_in(a, demo.keys["analyst"]).get("/messages/check").text)
    sign_in(b, demo.keys["analyst"])
    response = b.post("/messages/check", data={"csrf_token": other, "text": "Ciao"})
    assert response.status_code == 403


def test_message_check_form_round_trips_verdict_flags_reasons_and_scores(signed_in) -> None:
    client = signed_in("analyst")
    form = client.get("/messages/check")
    assert "qualità artigianale" in form.text  # the brand values of the policy file
    response = client.post(
        "/messages/check",
        data={
            "csrf_token": csrf_field(form.text),
            "text": "SOLO OGGI!!! Sconto 50%\nCorri, scade a mezzanotte!!!",
            "values": "qualità artigianale\nrispetto per l'ambiente",
            "language": "it",
        },
    )
    assert response.status_code == 200
    assert 'id="message-verdict">Rethink<' in response.text
    assert "false_urgency" in response.text and "incentive_only" in response.text
    assert "None of your values comes through" in response.text  # a reason, as the library says
    assert 'data-target="chart-values"' in response.text


@pytest.mark.parametrize("path", ANALYST_PAGES)
def test_a_viewer_gets_the_html_403_page_on_analyst_pages(signed_in, path: str) -> None:
    response = signed_in("viewer").get(path)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Error 403" in response.text


@pytest.mark.parametrize("path", VIEWER_PAGES)
def test_a_viewer_opens_the_aggregate_pages_without_links_to_analyst_pages(
    signed_in, path: str
) -> None:
    response = signed_in("viewer").get(path)
    assert response.status_code == 200
    assert 'href="/customers"' not in response.text
    assert 'href="/messages/check"' not in response.text


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_analysts_and_admins_open_every_page(signed_in, role: str) -> None:
    client = signed_in(role)
    first = client.get("/customers").text.split('href="/customers/', 1)[1].split('"')[0]
    for path in (*VIEWER_PAGES, "/customers", f"/customers/{first}", "/messages/check"):
        assert client.get(path).status_code == 200, path


def test_an_unknown_customer_gets_the_html_404_page(signed_in) -> None:
    response = signed_in("analyst").get("/customers/NO-SUCH-ONE")
    assert response.status_code == 404
    assert "There is no customer with that id" in response.text


def test_a_revoked_key_ends_its_sessions(http_app: FastAPI) -> None:
    from legame.store.keys import create_key, revoke_key

    with http_app.state.store.session() as ws:
        key, record = create_key(ws, "viewer")
    client = sign_in(new_client(http_app), key)
    assert client.get("/", follow_redirects=False).status_code == 200
    with http_app.state.store.session() as ws:
        revoke_key(ws, record.key_id)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_expired_session_opens_nothing(signed_in, http_app: FastAPI) -> None:
    client = signed_in("viewer")
    digest = hashlib.sha256(client.cookies["legame_session"].encode()).hexdigest()
    with http_app.state.store.session() as ws:
        ws.con.execute(
            "UPDATE web_sessions SET expires_at = now()::TIMESTAMP - INTERVAL 1 "
            "MINUTE WHERE token_sha256 = ?",
            [digest],
        )
    assert client.get("/", follow_redirects=False).status_code == 303


def test_pages_send_a_strict_content_security_policy(signed_in) -> None:
    response = signed_in("viewer").get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_api_errors_keep_their_json_shape_beside_the_dashboard(client: TestClient) -> None:
    response = client.get("/api/v1/overview")
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "details"}
