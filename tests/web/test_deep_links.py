"""Links into the dashboard survive: a deep link's whole query string through signing in,
customer ids that hold ``/``, a search for ``_`` or ``%`` taken literally, and a page past
the last one of the list (the last one instead of "page 999 of 120")."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from legame.api.throttle import FailedKeys
from tests.web.conftest import Demo, csrf_field, make_app, new_client, sign_in

DEEP = "/customers?segment=champions&churn_risk=high&sort=revenue&order=asc&page=2"


def test_signing_in_from_a_deep_link_keeps_its_whole_query_string(
    client: TestClient, demo: Demo
) -> None:
    to_signin = client.get(DEEP, follow_redirects=False)
    assert to_signin.status_code == 303
    form = client.get(to_signin.headers["location"])
    next_field = re.search(r'name="next" value="([^"]*)"', form.text)
    assert next_field and html.unescape(next_field[1]) == DEEP
    back = client.post(
        "/signin",
        data={
            "key": demo.keys["analyst"],
            "csrf_token": csrf_field(form.text),
            "next": html.unescape(next_field[1]),
        },
        follow_redirects=False,
    )
    assert back.status_code == 303 and back.headers["location"] == DEEP
    page = client.get(back.headers["location"]).text
    assert '<option value="champions" selected>' in page
    assert '<option value="high" selected>' in page
    assert '<option value="asc" selected>' in page


def test_a_signed_in_reader_opening_the_signin_link_goes_straight_back(
    signed_in, demo: Demo
) -> None:
    client = signed_in("analyst")
    location = client.get(DEEP, follow_redirects=False)  # signed in: the page itself
    assert location.status_code == 200
    response = client.get(
        "/signin", params={"next": DEEP}, follow_redirects=False
    )  # what the sign-in link says
    assert response.status_code == 303 and response.headers["location"] == DEEP


@pytest.mark.parametrize(
    "target", ["/\t/evil.example", "/\n/evil.example", "http:/evil.example", "/\x7f/x"]
)
def test_signin_never_redirects_to_what_a_browser_reads_as_another_site(
    client: TestClient, demo: Demo, target: str
) -> None:
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={"key": demo.keys["viewer"], "next": target, "csrf_token": csrf_field(form.text)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_a_page_past_the_last_shows_the_last_page(signed_in) -> None:
    client = signed_in("analyst")
    response = client.get("/customers?churn_risk=high&page=999", follow_redirects=False)
    assert response.status_code == 303
    last = re.search(r"page=(\d+)", response.headers["location"])
    assert last and "churn_risk=high" in response.headers["location"]
    page = client.get(response.headers["location"]).text
    pages = int(last[1])
    assert 1 <= pages < 999
    found = re.search(r'<p class="note">(.*?)</p>', page)
    assert found and f"page {pages} of {pages}" in found[1]
    assert 'rel="next"' not in page and 'rel="prev"' in page


def test_search_on_the_customers_page_matches_underscore_literally(signed_in) -> None:
    page = signed_in("analyst").get("/customers?q=_").text
    assert '<td colspan="9" class="empty">' in page  # no id or e-mail holds "_"


# --- ids with "/" ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slashed_app(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """A copy of the demo with a customer whose id holds '/', scored."""
    from legame.ingest import ingest
    from legame.scoring import score
    from legame.store import Workspace

    db = demo.copy(tmp_path_factory.mktemp("slashed"))
    csv = db.parent / "c.csv"
    csv.write_text("customer_id,email\nZZ/slash,zz@example.com\n", encoding="utf-8")
    with Workspace.open(db) as ws:
        assert not ingest(ws, "customers", [csv]).failed
        score(ws)
    app = make_app(Path(db))
    with TestClient(app):
        yield app


def test_a_customer_whose_id_holds_a_slash_has_a_page_linked_from_the_list(
    slashed_app: FastAPI, demo: Demo
) -> None:
    client = sign_in(new_client(slashed_app), demo.keys["analyst"])
    listing = client.get("/customers", params={"q": "zz/slash"}).text
    link = re.search(r'<a href="(/customers/[^"]+)">ZZ/slash</a>', listing)
    assert link, listing[-3000:]
    for path in (link[1], "/customers/ZZ%2Fslash"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "ZZ/slash" in page.text and "zz@example.com" in page.text


def test_the_signin_form_is_throttled_like_the_api(http_app: FastAPI, demo: Demo) -> None:
    saved = http_app.state.failed_keys
    http_app.state.failed_keys = FailedKeys(max_failures=3, window=60.0)
    try:
        guesser = TestClient(http_app, client=("10.0.0.1", 5000))
        other = TestClient(http_app, client=("10.0.0.2", 5000))
        for _ in range(3):
            form = guesser.get("/signin")
            wrong = guesser.post(
                "/signin", data={"key": "lgm_guess", "csrf_token": csrf_field(form.text)}
            )
            assert wrong.status_code == 401
        form = guesser.get("/signin")
        refused = guesser.post(
            "/signin", data={"key": demo.keys["viewer"], "csrf_token": csrf_field(form.text)}
        )
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert refused.headers["content-type"].startswith("text/html")
        assert "Too many wrong keys" in refused.text
        sign_in(other, demo.keys["viewer"])  # another client is not held back
    finally:
        http_app.state.failed_keys = saved
