"""The dashboard's errors are HTML pages in the reader's language (a missing page, a form
too long or too large, a method the page does not take), never the API's JSON; the API's
paths keep their JSON error shape. The draft's textarea says the server's limit."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.api.limits import MAX_BODY_BYTES
from legame.engage.message.check import MAX_DRAFT_CHARS
from legame.web.i18n import load_messages
from tests.web.conftest import csrf_field


def _is_html_page(response, status: int, lang: str = "en") -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert f'<html lang="{lang}">' in response.text
    title = load_messages(lang)["error.title"].format(status=status)
    assert f"<h1>{title}</h1>" in response.text
    return response.text


def _message(key: str, lang: str = "en", **values: str) -> str:
    text = load_messages(lang)[key].format(**values)
    return text.replace("'", "&#39;")


@pytest.mark.parametrize("lang", ["en", "it", "es"])
def test_a_missing_dashboard_page_is_the_html_404_in_the_readers_language(
    client: TestClient, lang: str
) -> None:
    page = _is_html_page(client.get(f"/no/such/page?lang={lang}"), 404, lang)
    assert _message("error.404", lang) in page


def test_a_missing_page_keeps_the_navigation_of_a_signed_in_reader(signed_in) -> None:
    page = _is_html_page(signed_in("analyst").get("/no-such-page"), 404)
    assert 'href="/customers"' in page and 'action="/signout"' in page


def test_a_missing_static_file_is_the_html_404(client: TestClient) -> None:
    _is_html_page(client.get("/static/no-such-file.js"), 404)


def test_a_method_a_page_does_not_take_is_the_html_405(signed_in) -> None:
    page = _is_html_page(signed_in("viewer").put("/findings"), 405)
    assert _message("error.405") in page


def test_a_draft_over_the_limit_is_the_html_422_naming_the_limit(signed_in) -> None:
    client = signed_in("analyst")
    token = csrf_field(client.get("/messages/check").text)
    response = client.post(
        "/messages/check", data={"csrf_token": token, "text": "x" * (MAX_DRAFT_CHARS + 1)}
    )
    page = _is_html_page(response, 422)
    assert _message("error.draft_too_long", limit=f"{MAX_DRAFT_CHARS:,}") in page


def test_a_draft_far_over_the_limit_is_the_html_422_too(signed_in) -> None:
    client = signed_in("analyst")
    token = csrf_field(client.get("/messages/check").text)
    response = client.post(
        "/messages/check", data={"csrf_token": token, "text": "x" * (2 * MAX_DRAFT_CHARS + 1)}
    )
    assert _message("error.422") in _is_html_page(response, 422)


def test_a_draft_at_the_limit_with_browser_line_breaks_is_checked(signed_in) -> None:
    """Browsers send each line break of a textarea as CR LF; the limit counts one."""
    client = signed_in("analyst")
    token = csrf_field(client.get("/messages/check").text)
    draft = ("Grazie\r\n" * (MAX_DRAFT_CHARS // 7))[: MAX_DRAFT_CHARS + 20_000]
    assert len(draft.replace("\r\n", "\n")) <= MAX_DRAFT_CHARS < len(draft)
    response = client.post("/messages/check", data={"csrf_token": token, "text": draft})
    assert response.status_code == 200, response.text[:300]
    assert 'id="message-verdict"' in response.text


def test_a_five_megabyte_form_is_the_html_413(signed_in) -> None:
    client = signed_in("analyst")
    token = csrf_field(client.get("/messages/check").text)
    body = f"csrf_token={token}&text=".encode() + b"x" * (5 * 1024 * 1024)
    response = client.post(
        "/messages/check",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert len(body) > MAX_BODY_BYTES
    page = _is_html_page(response, 413)
    assert _message("error.413") in page
    assert 'href="/customers"' in page  # the reader is still signed in, with the navigation


def test_the_draft_textarea_says_the_servers_limit(signed_in) -> None:
    page = signed_in("analyst").get("/messages/check").text
    textarea = re.search(r'<textarea id="text"[^>]*>', page)
    assert textarea and f'maxlength="{MAX_DRAFT_CHARS}"' in textarea[0]


def test_a_bug_on_a_page_is_the_html_500(http_app: FastAPI, signed_in, monkeypatch) -> None:
    import legame.views

    def broken(ws):
        raise RuntimeError("kaboom in the view")

    monkeypatch.setattr(legame.views, "engagement", broken)
    client = signed_in("viewer")
    response = TestClient(http_app, raise_server_exceptions=False, cookies=client.cookies).get(
        "/engagement"
    )
    page = _is_html_page(response, 500)
    assert _message("error.500") in page
    assert "RuntimeError" not in page and "kaboom" not in page


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/no-such-endpoint", 404),
        ("get", "/api/v1/overview", 401),
        ("put", "/health", 405),
    ],
)
def test_the_api_keeps_its_json_error_shape(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_a_large_api_body_is_still_the_json_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/messages/check",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
